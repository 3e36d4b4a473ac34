"""What the router knows of each standby: how far it has replayed, how current it is, whether it answers.

A background thread (one per replica set, stopped by `close()` or when the set is
garbage-collected) checks every `refresh` seconds, in one query to the primary
and one to each standby:

- the primary's WAL insert position, remembered with the time it was read;
- each standby's `pg_last_wal_replay_lsn()` and `pg_is_in_recovery()`.

A standby is *current as of* the latest of those times at which the primary's
position was at or below what the standby has replayed: it holds everything the
primary held then. It is usable while that moment is at most `max_lag` seconds
old, so a standby whose replay stops (paused, disconnected from the primary, or
the check itself stalls) ages out on its own, and comes back with the first
check that finds it caught up. Readers mark a standby down the moment its
connection fails; the next successful check brings it back.
"""
import collections
import logging
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Optional

import peewee

from .redact import credentials

__all__ = ["Replica", "Health", "Monitor", "PositionHistory"]

log = logging.getLogger("powernode.replicas")

REPLAY_QUERY = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn"
# The insert position, not pg_current_wal_lsn() (the write position): with synchronous_commit = off a
# commit returns before its WAL is written, and only the insert position is sure to be past it. (It can
# sit just past a page header a standby only passes with the next record: reads then wait on the
# primary a little longer, never on stale data.)
PRIMARY_POSITION_QUERY = "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn"
NEVER = float("-inf")


@dataclass(frozen=True)
class Health:
    """One check's findings; replaced whole, so a reader never sees half of two checks."""
    replayed: int = -1                # pg_last_wal_replay_lsn() as a number; -1 when unknown
    current_as_of: float = NEVER      # time.monotonic() at which the standby held all the primary had
    problem: Optional[str] = "not checked yet"


class Replica:
    """One standby: its peewee database (a connection per thread) and its latest health."""

    def __init__(self, url, database):
        self.url = credentials(url)
        self.database = database
        self.health = Health()

    def usable(self, now, max_lag) -> bool:
        health = self.health
        return health.problem is None and now - health.current_as_of <= max_lag

    def connection_failed(self, error):
        """A reader's statement failed because the standby went away: skip it until a check finds it back."""
        if self.health.problem is None:
            log.warning("replica %s is skipped: connection failed: %s", self.url, _first_line(error))
        self.health = Health(self.health.replayed, NEVER, f"connection failed: {_first_line(error)}")
        close_quietly(self.database)


class PositionHistory:
    """The primary's WAL positions over the last `span` seconds, to tell how current a standby is."""

    def __init__(self, span):
        self.span = span
        self.samples = collections.deque()   # (time, position), oldest first
        self._lock = threading.Lock()        # the monitor and refresh_now() may check at once

    def add(self, when, position):
        with self._lock:
            self.samples.append((when, position))
            while len(self.samples) > 1 and self.samples[0][0] < when - self.span:
                self.samples.popleft()

    def current_as_of(self, replayed) -> float:
        """The latest time at which the primary's position was at or below `replayed` (NEVER if none kept)."""
        with self._lock:
            for when, position in reversed(self.samples):
                if position <= replayed:
                    return when
        return NEVER


class Monitor:
    """The thread that checks a replica set's standbys every `refresh` seconds."""

    def __init__(self, replica_set):
        self._set = weakref.ref(replica_set)  # only weakly: the set going away ends the thread
        self._members = replica_set.members
        self._stop = threading.Event()
        self.history = PositionHistory(span=replica_set.max_lag + 4 * replica_set.refresh)
        self._thread = threading.Thread(target=self._run, args=(replica_set.refresh,), daemon=True,
                                        name="powernode-replica-monitor")
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self, refresh):
        try:
            while not self._stop.is_set():
                replica_set = self._set()
                if replica_set is None:
                    return
                check(replica_set, self.history)
                del replica_set
                self._stop.wait(refresh)
        finally:
            for member in self._members:  # this thread's own connections
                close_quietly(member.database)


def check(replica_set, history):
    """One round: the primary's position, then each standby's replay position."""
    started = time.monotonic()
    try:
        position = replica_set.primary_position()
    except peewee.PeeweeException as exc:  # unknown: no standby becomes more current than it was
        log.debug("primary position unavailable: %s", _first_line(exc))
        close_quietly(replica_set.primary)  # the next check connects afresh
    else:
        history.add(started, position)
    for member in replica_set.members:
        before, member.health = member.health, _check_member(member, history)
        if member.health.problem != before.problem:
            if member.health.problem is not None:
                log.warning("replica %s is skipped: %s", member.url, member.health.problem)
            elif before.problem != Health.problem:
                log.warning("replica %s serves reads again", member.url)


def _check_member(member, history) -> Health:
    try:
        in_recovery, replayed = member.database.execute_sql(REPLAY_QUERY).fetchone()
    except peewee.PeeweeException as exc:
        close_quietly(member.database)
        return Health(member.health.replayed, NEVER, f"unreachable: {_first_line(exc)}")
    if not in_recovery:
        return Health(problem="not a standby: pg_is_in_recovery() is false")
    if replayed is None:
        return Health(problem="has replayed no WAL yet")
    replayed = int(replayed)
    return Health(replayed, history.current_as_of(replayed), None)


def close_quietly(database):
    """Close this thread's connection to `database`, even a broken one."""
    try:
        database.close()
    except Exception:  # a connection the server dropped can fail to close: forget it
        database.dispose()


def _first_line(error) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
