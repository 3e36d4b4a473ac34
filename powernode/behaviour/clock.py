"""The clock the platform's scopes read: `now()`, and ActiveSupport's `ago`, `from_now` and `beginning_of_*`.

    Invoice.overdue()                     # due_at < now(), read when the scope is called
    with clock.frozen(datetime(2026, 1, 1, 12)):
        Invoice.overdue()                 # the same scope, as of that instant

Times are naive UTC datetimes, as the platform stores `timestamp without time zone`.
A scope written in Rails as `where("expires_at > ?", 14.days.ago)` reads
`m.expires_at > ago(days=14)` here; `ago(months=1)` moves by calendar months and
keeps the day where the month has it, as ActiveSupport's `advance` does.
`frozen(at)` holds the clock still for the current context (thread or task).
"""
import calendar
import contextvars
import datetime
from contextlib import contextmanager

from ..fields import utcnow

__all__ = ["now", "today", "frozen", "ago", "from_now", "advance", "beginning_of_day", "end_of_day",
           "beginning_of_week", "beginning_of_month"]

_frozen_at = contextvars.ContextVar("powernode_clock", default=None)


def now() -> datetime.datetime:
    """The current time (naive UTC), or the instant `frozen()` holds."""
    return _frozen_at.get() or utcnow()


def today() -> datetime.date:
    return now().date()


@contextmanager
def frozen(at: datetime.datetime):
    """Hold `now()` at `at` (naive UTC, or aware and converted) inside the block."""
    if at.tzinfo is not None:
        at = at.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    token = _frozen_at.set(at)
    try:
        yield at
    finally:
        _frozen_at.reset(token)


def advance(moment, years=0, months=0, weeks=0, days=0, hours=0, minutes=0, seconds=0):
    """`moment` moved as ActiveSupport's `advance`: calendar years and months first, then the rest."""
    total_months = moment.month - 1 + months + 12 * years
    year, month = moment.year + total_months // 12, total_months % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    moved = moment.replace(year=year, month=month, day=day)
    return moved + datetime.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def ago(**duration) -> datetime.datetime:
    """`14.days.ago` is `ago(days=14)`."""
    return advance(now(), **{unit: -amount for unit, amount in duration.items()})


def from_now(**duration) -> datetime.datetime:
    """`7.days.from_now` is `from_now(days=7)`."""
    return advance(now(), **duration)


def beginning_of_day(moment):
    return datetime.datetime.combine(moment.date(), datetime.time.min)


def end_of_day(moment):
    return datetime.datetime.combine(moment.date(), datetime.time.max)


def beginning_of_week(moment):
    """Monday 00:00 of `moment`'s week (ActiveSupport's default week start)."""
    return beginning_of_day(moment - datetime.timedelta(days=moment.weekday()))


def beginning_of_month(moment):
    return beginning_of_day(moment.replace(day=1))
