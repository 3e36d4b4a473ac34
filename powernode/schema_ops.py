"""Schema operations the generated migrations call: extensions, uuidv7(), foreign keys, drops.

Statements run on a raw cursor without parameters, so DDL text is sent as
written (a `%` in a CHECK stays a `%`).
"""
from dataclasses import dataclass
from typing import Iterable, Optional

from .errors import MissingExtension

__all__ = ["ForeignKey", "execute", "require_extensions", "install_uuidv7",
           "add_foreign_keys", "drop_tables"]

# RFC 9562 UUIDv7 for servers before PostgreSQL 18, which has uuidv7() built in:
# the first 48 bits of a random v4 uuid are replaced by the Unix time in
# milliseconds, then the version nibble 0100 becomes 0111 (bits 52 and 53).
UUIDV7_FUNCTION = """
CREATE OR REPLACE FUNCTION public.uuidv7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$
"""

EXTENSION_PACKAGES = {"vector": "pgvector", "ltree": "PostgreSQL's contrib modules"}


@dataclass(frozen=True)
class ForeignKey:
    name: str
    table: str
    column: str
    to_table: str
    on_delete: Optional[str] = None  # SQL: CASCADE, SET NULL, RESTRICT

    def sql(self) -> str:
        clause = f" ON DELETE {self.on_delete}" if self.on_delete else ""
        return (f'ALTER TABLE "{self.table}" ADD CONSTRAINT "{self.name}" '
                f'FOREIGN KEY ("{self.column}") REFERENCES "{self.to_table}" ("id"){clause}')


def execute(db, sql: str):
    with db.cursor() as cursor:
        cursor.execute(sql)


def _rows(db, sql: str, params=()):
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def require_extensions(db, names: Iterable[str], namespace: str):
    """CREATE EXTENSION each one, or fail naming the one this server lacks."""
    available = {name for (name,) in _rows(db, "SELECT name FROM pg_available_extensions")}
    for name in names:
        if name not in available:
            version = _rows(db, "SHOW server_version")[0][0]
            raise MissingExtension(
                f"namespace {namespace!r} needs the PostgreSQL extension {name!r}, which this server "
                f"(PostgreSQL {version}) does not have: install {EXTENSION_PACKAGES.get(name, name)} "
                f"on the server, or migrate without {namespace!r}")
        execute(db, f'CREATE EXTENSION IF NOT EXISTS "{name}"')


def install_uuidv7(db):
    """Give servers before PostgreSQL 18 a `uuidv7()` (18 has one built in)."""
    if db.connection().server_version < 180000:
        execute(db, UUIDV7_FUNCTION)


def add_foreign_keys(db, foreign_keys: Iterable[ForeignKey]):
    """Add each constraint whose two tables exist and which is not there yet.

    A namespace lists the foreign keys between its tables and every other
    namespace's, in both directions: whichever side migrates second adds them.
    """
    tables = {name for (name,) in _rows(db, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    present = {name for (name,) in _rows(
        db, "SELECT conname FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace")}
    for key in foreign_keys:
        if key.table in tables and key.to_table in tables and key.name not in present:
            execute(db, key.sql())


def drop_tables(db, tables: Iterable[str]):
    """Drop tables and the foreign keys other namespaces hold on them."""
    names = ", ".join(f'"{table}"' for table in tables)
    if names:
        execute(db, f"DROP TABLE IF EXISTS {names} CASCADE")
