"""Opening a database: `DATABASE_URL`, an explicit URL, or the embedded default."""
import logging
import os
from urllib.parse import urlparse

import peewee
import psycopg2
from playhouse.db_url import parseresult_to_dict
from playhouse.postgres_ext import PostgresqlExtDatabase

from . import embedded
from .errors import ConfigurationError, DatabaseUnavailable
from .redact import credentials, values

__all__ = ["PowernodeDatabase", "QuietLog", "open_database", "database_for", "resolve_url"]

SCHEMES = ("postgres", "postgresql")


class QuietLog:
    """Mixin: peewee's query log without the parameters."""

    def _log_query(self, sql, params):
        # parameters carry tokens, digests and credentials: log the statement, not the values
        if peewee.logger.isEnabledFor(logging.DEBUG):
            peewee.logger.debug("%s -- %d parameters", sql, len(params or ()))


class PowernodeDatabase(QuietLog, PostgresqlExtDatabase):
    """Peewee's PostgreSQL database, remembering which namespaces it was opened with."""

    namespaces = ("core",)
    url = None
    tenant_key = None  # `tenant()` signs with it under row-level security; never shown

    def execute_sql(self, sql, params=None, *args, **kwargs):
        try:
            return super().execute_sql(sql, params, *args, **kwargs)
        except peewee.DatabaseError as exc:
            raise redacted(exc) from None


def resolve_url(url=None) -> str:
    """An explicit URL, else `$DATABASE_URL`, else the embedded server's (started if need be)."""
    return url or os.environ.get("DATABASE_URL") or embedded.start()


def open_database(url=None, database_class=PowernodeDatabase) -> PowernodeDatabase:
    """A connected database for `url` (see `resolve_url`)."""
    url = resolve_url(url)
    database = database_for(url, database_class)
    try:
        database.connect()
    except Exception as exc:  # peewee wraps psycopg2's OperationalError
        raise DatabaseUnavailable(f"cannot connect to {credentials(url)}: {credentials(_first_line(exc))}") from None
    return database


def database_for(url, database_class=PowernodeDatabase, **options) -> PowernodeDatabase:
    """A database for `url`, not connected yet; `options` are libpq parameters the URL does not set."""
    shown = credentials(url)
    try:
        parsed = urlparse(url)
        if parsed.scheme not in SCHEMES:
            raise ConfigurationError(f"database URL must start with postgresql:// (got {shown!r})")
        kwargs = parseresult_to_dict(parsed, unquote_password=True, unquote_user=True)
    except ValueError as exc:  # a port that is not a number, a bracket left open
        raise ConfigurationError(f"malformed database URL {shown!r}: {credentials(exc)}") from None
    if not kwargs.get("database"):
        raise ConfigurationError(f"database URL {shown!r} names no database (postgresql://host/dbname)")
    database = database_class(**{**options, **kwargs})
    database.url = url
    return database


def redacted(exc):
    """The same peewee error without the values PostgreSQL quotes: its DETAIL, and a value in its message.

    Keeps what a caller acts on: the message's first line, `pgcode`, and the
    constraint, table and column names.
    """
    original = next((e for e in (exc.__cause__, exc.__context__) if isinstance(e, psycopg2.Error)), exc)
    message = (getattr(original, "pgerror", None) or str(original)).strip().splitlines()
    text = message[0] if message else type(exc).__name__
    clean = type(exc)(values(text.removeprefix("ERROR:").strip()))
    clean.pgcode = getattr(original, "pgcode", None)
    diag = getattr(original, "diag", None)
    for name in ("constraint_name", "table_name", "column_name"):
        setattr(clean, name, getattr(diag, name, None))
    return clean


def _first_line(exc) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
