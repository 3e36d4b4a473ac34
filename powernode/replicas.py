"""Read replicas: reads that a standby may serve go to one, everything else to the primary.

    db = powernode.connect(url, replicas=[standby_url, ...])   # or $POWERNODE_REPLICA_URLS
    Account.select().where(...)      # a standby that has this context's writes, else the primary
    with powernode.on_primary():     # the primary, whatever the statement
        ...

A standby serves a statement that peewee builds as a SELECT (model selects,
`.get()`, `.count()`, `.exists()`, `nearest()` with its own tuning transaction)
when it carries no FOR UPDATE/SHARE and no data-modifying WITH, and runs
outside any transaction on the primary and outside `on_primary()`. Everything
else goes to the primary: writes, transactions (`db.atomic()`, `tenant()`),
raw SQL (`execute_sql`, `Model.raw`) since it may write.

Read-your-writes, by WAL position: once a context has sent the primary anything
but a read, its next read first asks the primary for its WAL insert position
and goes only to a standby that has replayed past it (as the last health check
saw it, see `replica_health`); if none has, the primary serves it. A context is
a thread or an asyncio task (a `contextvars` variable): a task sees the writes of
the context it was created from, but the writes a task or thread makes do not
hold back the reads of its parent or siblings.

Nothing fails that would have succeeded on one server: a statement a standby
refuses (it went away, a recovery conflict cancelled it, it called a function
that writes) runs again on the primary, and a standby that went away is skipped
until a health check finds it back.
"""
import contextvars
import itertools
import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Sequence

import peewee
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from .database import PowernodeDatabase, database_for, open_database
from .errors import ConfigurationError
from .replica_health import PRIMARY_POSITION_QUERY, Monitor, Replica, check, close_quietly

__all__ = ["Replicas", "ReplicatedDatabase", "ReplicaSet", "on_primary", "open_routed_database", "read_routed",
           "ENVIRONMENT"]

ENVIRONMENT = "POWERNODE_REPLICA_URLS"
CONNECT_TIMEOUT = 3  # seconds, for a standby URL that sets none: a dead host must not hold a reader long

_on_primary = contextvars.ContextVar("powernode_on_primary", default=False)
_ids = itertools.count(1)


@contextmanager
def on_primary():
    """Send every statement of this block (and of the functions it calls) to the primary."""
    token = _on_primary.set(True)
    try:
        yield
    finally:
        _on_primary.reset(token)


@dataclass(frozen=True)
class Replicas:
    """Standby URLs, and how they are used.

    max_lag: seconds a standby may fall behind the primary before it is skipped.
    refresh: seconds between two checks of the standbys' replay positions.
    """
    urls: Sequence[str]
    max_lag: float = 5.0
    refresh: float = 0.1

    @classmethod
    def resolve(cls, replicas):
        """`connect(replicas=...)`: a Replicas, URLs, or None for `$POWERNODE_REPLICA_URLS`; None when there are none."""
        if replicas is None:
            replicas = [url for url in re.split(r"[,\s]+", os.environ.get(ENVIRONMENT, "")) if url]
        if isinstance(replicas, str):
            raise ConfigurationError("replicas= takes a list of URLs, not one string")
        if not isinstance(replicas, cls):
            replicas = cls(tuple(replicas))
        if replicas.max_lag <= 0 or replicas.refresh <= 0:
            raise ConfigurationError("replica max_lag and refresh must be positive numbers of seconds")
        return replicas if replicas.urls else None


def open_routed_database(url=None, replicas=None) -> PowernodeDatabase:
    """What `powernode.connect()` opens: the primary, routing reads to the standbys when there are any."""
    config = Replicas.resolve(replicas)
    if config is None:
        return open_database(url)
    standbys = [database_for(replica, connect_timeout=CONNECT_TIMEOUT) for replica in config.urls]
    database = open_database(url, ReplicatedDatabase)
    database.replicas = ReplicaSet(database, config, standbys)
    return database


def is_plain_read(query) -> bool:
    """A SELECT that neither locks rows nor writes in a WITH: any standby returns what the primary would."""
    if isinstance(query, peewee.CompoundSelectQuery):
        return is_plain_read(query.lhs) and is_plain_read(query.rhs) and _plain_ctes(query)
    return isinstance(query, peewee.Select) and not query._for_update and _plain_ctes(query)


def _plain_ctes(query) -> bool:
    return all(is_plain_read(cte._query) for cte in query._cte_list or ())


class ReplicatedDatabase(PowernodeDatabase):
    """The primary, which hands the reads a standby may serve to its `ReplicaSet`."""

    replicas = None

    def execute(self, query, **context_options):
        if self.replicas is not None and self.replicas.may_serve(query):
            return self.replicas.read(lambda database: PowernodeDatabase.execute(database, query, **context_options))
        return super().execute(query, **context_options)

    def cursor(self, named_cursor=None):
        if self.replicas is not None:
            self.replicas.primary_used()
        return super().cursor(named_cursor)

    def close(self):
        closed = super().close()
        if self.replicas is not None:
            self.replicas.close_connections()
        return closed


def read_routed(database, query, run):
    """`run(db)` for a read that needs more than one statement (nearest()'s tuning transaction).

    db is a standby that may serve `query` when `database` routes reads, else `database` itself.
    """
    replicas = getattr(database, "replicas", None)
    if replicas is not None and replicas.may_serve(query):
        return replicas.read(run)
    return run(database)


class ReplicaSet:
    """The standbys of one primary, which of them may serve a read now, and each context's last write."""

    def __init__(self, primary, config: Replicas, standbys):
        self.primary = primary
        self.max_lag, self.refresh = config.max_lag, config.refresh
        self.members = [Replica(database.url, database) for database in standbys]
        # per context: (the primary's WAL position a standby must have replayed, whether the primary has
        # been sent anything since that position was read)
        self._session = contextvars.ContextVar(f"powernode_replica_session_{next(_ids)}", default=(0, False))
        self._quiet = threading.local()  # set while the primary runs a statement known not to write
        self._turn = itertools.count()
        self._monitor = Monitor(self)

    # -- the decision ------------------------------------------------------
    def may_serve(self, query) -> bool:
        """Whether `query` is a read outside a transaction: a standby may serve it unless `on_primary()` says not."""
        return is_plain_read(query) and self._primary_idle()

    def _primary_idle(self) -> bool:
        primary = self.primary
        if primary.in_transaction():
            return False
        # a transaction begun with raw SQL is invisible to peewee, not to libpq
        return primary.is_closed() or primary.connection().get_transaction_status() == TRANSACTION_STATUS_IDLE

    def choose(self):
        """A standby that may serve this context's read now, or None for the primary."""
        now = time.monotonic()
        usable = [member for member in self.members if member.usable(now, self.max_lag)]
        if not usable:
            return None
        needed, wrote = self._session.get()
        if wrote:
            needed = max(needed, self.primary_position())
            self._session.set((needed, False))
        ready = [member for member in usable if member.health.replayed >= needed]
        if not ready:
            return None
        return ready[next(self._turn) % len(ready)]

    def read(self, run):
        """`run(db)` on the standby `choose()` picks; on the primary when none may serve it or the standby fails."""
        member = None if _on_primary.get() else self.choose()
        if member is not None:
            try:
                return run(member.database)
            except peewee.PeeweeException as exc:
                if _connection_lost(exc):
                    member.connection_failed(exc)
        with self._quietly():
            return run(self.primary)

    # -- what the primary was sent -----------------------------------------
    def primary_used(self):
        """The primary is about to run a statement that may write: this context's next read waits for it."""
        if not getattr(self._quiet, "active", False):
            needed, wrote = self._session.get()
            if not wrote:
                self._session.set((needed, True))

    def primary_position(self) -> int:
        with self._quietly():
            return int(self.primary.execute_sql(PRIMARY_POSITION_QUERY).fetchone()[0])

    @contextmanager
    def _quietly(self):
        previous = getattr(self._quiet, "active", False)
        self._quiet.active = True
        try:
            yield
        finally:
            self._quiet.active = previous

    # -- looking and tidying -----------------------------------------------
    def status(self):
        """[(standby URL without password, usable now, replayed position, problem or None)]."""
        now = time.monotonic()
        return [(m.url, m.usable(now, self.max_lag), m.health.replayed, m.health.problem) for m in self.members]

    def refresh_now(self):
        """Check every standby at once, in this thread (the monitor does it every `refresh` seconds)."""
        check(self, self._monitor.history)

    def close_connections(self):
        """Close this thread's connections to the standbys."""
        for member in self.members:
            close_quietly(member.database)

    def close(self):
        """Stop checking the standbys and close this thread's connections to them."""
        self._monitor.stop()
        self.close_connections()


_GONE = ("57P01", "57P02", "57P03")  # admin shutdown, crash shutdown, cannot connect now


def _connection_lost(error) -> bool:
    """An error that says the standby went away: no SQLSTATE (the connection broke), class 08, or a shutdown."""
    code = getattr(error, "pgcode", None)
    return code is None or code.startswith("08") or code in _GONE
