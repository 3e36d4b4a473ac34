"""Schema operations migrations call: extensions, uuidv7(), foreign keys, drops, frozen columns.

`execute` runs a statement on a raw cursor without parameters, so DDL text is
sent as written (a `%` in a CHECK stays a `%`). `FrozenColumn` and `SQLText`
are what a written migration hands to playhouse's migrator operations.
"""
from typing import Iterable

import peewee

from .errors import MissingExtension
from .introspect import fetch_all
from .schema_items import ForeignKey

__all__ = ["ForeignKey", "FrozenColumn", "SQLText", "execute", "require_extensions", "install_uuidv7",
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


class SQLText(peewee.SQL):
    """SQL text (a default, a check, a predicate) for a migrator operation, sent as written.

    peewee runs a migrator's statement with a parameter tuple, even an empty one,
    so psycopg2 would read a `%` in the text as a placeholder: it is doubled here.
    """

    def __init__(self, text: str):
        self.text = text
        super().__init__(text.replace("%", "%%"))

    def __repr__(self):
        return f"SQLText({self.text!r})"


class FrozenColumn(peewee.Field):
    """A column as a migration freezes it, for `migrator.add_column`/`alter_column_type`.

    Its type and default are SQL text, so the migration keeps meaning what it
    meant when it was written, whatever the models become.
    """

    def __init__(self, sql_type: str, null: bool = True, server_default: str = None):
        constraints = [peewee.SQL("DEFAULT"), SQLText(server_default)] if server_default is not None else None
        super().__init__(null=null, constraints=constraints)
        self.sql_type, self.server_default = sql_type, server_default

    def ddl_datatype(self, ctx):
        return peewee.SQL(self.sql_type)

    def __repr__(self):
        options = "" if self.null else ", null=False"
        options += f", server_default={self.server_default!r}" if self.server_default is not None else ""
        return f"FrozenColumn({self.sql_type!r}{options})"


def execute(db, sql: str):
    with db.cursor() as cursor:
        cursor.execute(sql)


def require_extensions(db, names: Iterable[str], namespace: str):
    """CREATE EXTENSION each one, or fail naming the one this server lacks."""
    available = {name for (name,) in fetch_all(db, "SELECT name FROM pg_available_extensions")}
    for name in names:
        if name not in available:
            version = fetch_all(db, "SHOW server_version")[0][0]
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
    tables = {name for (name,) in fetch_all(db, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    present = {name for (name,) in fetch_all(
        db, "SELECT conname FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace")}
    for key in foreign_keys:
        if key.table in tables and key.to_table in tables and key.name not in present:
            execute(db, key.sql())


def drop_tables(db, tables: Iterable[str]):
    """Drop tables and the foreign keys other namespaces hold on them."""
    names = ", ".join(f'"{table}"' for table in tables)
    if names:
        execute(db, f"DROP TABLE IF EXISTS {names} CASCADE")
