"""asyncio: the models over asyncpg, through peewee's `playhouse.pwasyncio` (greenlet-bridged).

    db = await powernode.connect_async(namespaces=["ai"])   # same URL and namespace rules as connect()
    acme = await Account.acreate(name="Acme")
    users = await db.list(User.select().where(User.account == acme))
    async for user in User.select(): ...
    async with db.atomic(): ...

Peewee runs the ORM's synchronous code (validation, defaults, encryption, the tenant
transaction) in a greenlet and hands each statement to asyncpg on the event loop; each
asyncio task gets its own connection from the pool while it runs. Imported only by
`connect_async()` and the async methods: the synchronous package needs neither asyncpg
nor greenlet.
"""
import asyncio
import os
import re
import weakref

import asyncpg
import peewee
from playhouse.pwasyncio import (AsyncPgAdapter, AsyncPostgresqlConnection, AsyncPostgresqlDatabase, CursorAdapter,
                                 greenlet_spawn)

from .database import QuietLog, database_for, resolve_url
from .errors import ConfigurationError, DatabaseUnavailable
from .redact import credentials, values

__all__ = ["PowernodeAsyncDatabase", "open_async_database", "pool_size", "POOL_SIZE_ENVIRONMENT",
           "DEFAULT_POOL_SIZE", "run"]

POOL_SIZE_ENVIRONMENT = "POWERNODE_POOL_SIZE"
DEFAULT_POOL_SIZE = 10
# one database (one asyncpg pool) per URL and event loop: a pool cannot outlive or cross its loop
_databases = weakref.WeakKeyDictionary()


class _Adapter(AsyncPgAdapter):
    def get_binary_type(self):  # asyncpg takes bytea as bytes (peewee's asks psycopg 3 for its Binary)
        return bytes


class _Connection(AsyncPostgresqlConnection):
    """pwasyncio's connection, through asyncpg's statement cache.

    Peewee prepares every statement anew (a Parse/Describe round trip, and a Close
    later); `fetch` and `execute` reuse the connection's prepared statement for the same
    SQL, so a repeated query costs one round trip, as it does with asyncpg alone.
    """

    async def _execute(self, sql, params=None):
        params = params or ()
        if params:
            sql = self._translate_placeholders(sql)
        if _returns_rows(sql):
            records = await self.conn.fetch(sql, *params)
            description = [(name,) for name in records[0].keys()] if records else []
            return CursorAdapter(records, rowcount=len(records), description=description)
        status = (await self.conn.execute(sql, *params) or "").rsplit(" ", 1)
        rowcount = int(status[1]) if len(status) == 2 and status[1].isdigit() else 0
        return CursorAdapter([], rowcount=rowcount, description=[])


def _returns_rows(sql):
    # rows come back from fetch(); a statement without them reports its row count through execute()
    head = sql.lstrip()[:7].upper()
    return head.startswith(("SELECT", "WITH", "VALUES", "SHOW", "TABLE", "(")) or _RETURNING.search(sql) is not None


_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


class PowernodeAsyncDatabase(QuietLog, AsyncPostgresqlDatabase):
    """peewee's asyncpg database, with the namespaces it was opened with and the package's error rules."""

    psycopg2_adapter = psycopg3_adapter = _Adapter
    namespaces = ("core",)
    url = None
    tenant_key = None
    one_statement_per_call = True  # asyncpg prepares each call: no "a; b" in one execute_sql

    async def register_adapters(self, conn):
        await super().register_adapters(conn)
        for name in ("inet", "cidr"):  # as text, as psycopg2 returns them (asyncpg would make ipaddress objects)
            await conn.set_type_codec(name, encoder=str, decoder=str, schema="pg_catalog", format="text")

    def close(self):
        # outside a task (a sync teardown closing every model's database) there is no connection to hand back
        return False if self.is_closed() else super().close()

    async def _pool_acquire(self, pool):
        return _Connection((await super()._pool_acquire(pool)).conn)

    async def aexecute_sql(self, sql, params=None):
        try:
            return await super().aexecute_sql(sql, params)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, peewee.DatabaseError, OSError) as exc:
            raise translated(exc) from None


# SQLSTATE classes -> the peewee error psycopg2's would have become
_CLASSES = {"23": peewee.IntegrityError, "22": peewee.DataError, "42": peewee.ProgrammingError,
            "0A": peewee.NotSupportedError, "XX": peewee.InternalError, "40": peewee.OperationalError,
            "08": peewee.OperationalError, "53": peewee.OperationalError, "57": peewee.OperationalError,
            "55": peewee.OperationalError, "58": peewee.OperationalError, "25": peewee.InternalError}


def translated(exc):
    """asyncpg's error as peewee's, as the sync database raises it: first line, no quoted value, pgcode kept."""
    chain = (exc, exc.__cause__, exc.__context__)
    original = next((e for e in chain if isinstance(e, asyncpg.PostgresError)), None)
    if original is None:
        lost = next((e for e in chain if isinstance(e, (asyncpg.InterfaceError, OSError))), None)
        if lost is None:  # peewee's own (a pool timeout, a pool shutting down): already one clear line
            return exc
        clean = peewee.OperationalError(f"the query failed on its connection ({type(lost).__name__}: "
                                        f"{values(_first_line(lost))})")
        clean.pgcode = None
        return clean
    state = original.sqlstate or ""
    if state == "57P01":  # terminated by an administrator: this query fails, the pool replaces the connection
        kind = peewee.OperationalError
    else:
        kind = _CLASSES.get(state[:2], peewee.DatabaseError)
    message = (original.args[0] if original.args else str(original)) or type(original).__name__
    clean = kind(values(str(message).strip().splitlines()[0]))
    clean.pgcode = state or None
    for name in ("constraint_name", "table_name", "column_name"):
        setattr(clean, name, getattr(original, name, None))
    return clean


def pool_size(explicit=None) -> int:
    """`explicit`, else `$POWERNODE_POOL_SIZE`, else 10: the most connections the process's pool opens."""
    text = explicit if explicit is not None else os.environ.get(POOL_SIZE_ENVIRONMENT) or DEFAULT_POOL_SIZE
    try:
        size = int(text)
    except (TypeError, ValueError):
        size = 0
    if size < 1:
        raise ConfigurationError(f"the async pool size must be a whole number of connections, 1 or more "
                                 f"(got {text!r}; set {POOL_SIZE_ENVIRONMENT} or connect_async(pool_size=...))")
    return size


async def open_async_database(url=None, size=None) -> PowernodeAsyncDatabase:
    """The process's pooled database for `url` (see `resolve_url`), its pool open."""
    url = await asyncio.to_thread(resolve_url, url)  # may start the embedded server: not on the loop
    size = pool_size(size)
    opened = _databases.setdefault(asyncio.get_running_loop(), {})
    database = opened.get(url)
    if database is not None and database._pool_size == size:
        return database
    if database is not None:  # another size asked for: this URL's pool is replaced, not doubled
        await database.close_pool()
    database = database_for(url, PowernodeAsyncDatabase, pool_size=size)
    try:
        await database.aconnect()
        await database.aclose()  # back to the pool: each task takes its own
    except Exception as exc:
        raise DatabaseUnavailable(f"cannot connect to {credentials(url)}: {credentials(_first_line(exc))}") from None
    opened[url] = database
    return database


async def run(model, fn, *args, **kwargs):
    """`fn(*args, **kwargs)` on `model`'s async database, bridged (what peewee's `a*` methods do)."""
    database = model._meta.database
    if not isinstance(database, AsyncPostgresqlDatabase):
        raise ConfigurationError(f"{model.__name__} is bound to a synchronous database: call "
                                 "`await powernode.connect_async()` before its async methods")
    return await greenlet_spawn(fn, *args, **kwargs)


def _first_line(exc) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
