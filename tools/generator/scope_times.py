"""Time literals in the platform's scope SQL, read back as the Ruby that made them.

The catalog printed each scope's SQL with the clock at `scope_sql_time`
(2026-01-01 12:00:00 UTC): `14.days.ago` became '2025-12-18 12:00:00'. A literal
equal to that instant is `now()`; one a whole number of units away is
`ago(days=14)` or `from_now(hours=1)`; one at a day, week or month boundary near
it is `beginning_of_day(now())`, `beginning_of_week(ago(weeks=1))`, ...; a date is
the date of such a time. `relative_time` returns that source (names from
`powernode.behaviour.clock`), or None for a literal that is no such time.

Where several readings fit: a midnight (or the last instant of a day) is a
boundary when the reference is not one, anything else an offset; then the
largest unit and the smallest count (`ago(weeks=1)`, not `ago(days=7)`;
`beginning_of_week(ago(weeks=1))`, not `beginning_of_day(ago(days=10))`).
"""
import datetime
import re

from powernode.behaviour.clock import (advance, beginning_of_day, beginning_of_month, beginning_of_week,
                                       end_of_day)

__all__ = ["relative_time", "parse_time", "CLOCK_NAMES"]

CLOCK_NAMES = ("now", "today", "ago", "from_now", "beginning_of_day", "end_of_day", "beginning_of_week",
               "beginning_of_month")

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# (unit, largest count tried); calendar units first, the larger the likelier
_UNITS = (("years", 30), ("months", 24), ("weeks", 52), ("days", 400), ("hours", 96), ("minutes", 240),
          ("seconds", 3600))
_BOUNDARIES = (("beginning_of_day", beginning_of_day), ("end_of_day", end_of_day),
               ("beginning_of_week", beginning_of_week), ("beginning_of_month", beginning_of_month))
_BOUNDARY_UNITS = {"beginning_of_day": "days", "end_of_day": "days", "beginning_of_week": "weeks",
                   "beginning_of_month": "months"}


def parse_time(text):
    """A datetime for a timestamp literal, a date for a date literal, None otherwise."""
    if _DATETIME.match(text):
        return datetime.datetime.fromisoformat(text)
    if _DATE.match(text):
        return datetime.date.fromisoformat(text)
    return None


def relative_time(text, reference: datetime.datetime):
    """Source for the literal `text` as a time relative to `reference`, or None."""
    value = parse_time(text)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return _moment(value, reference)
    moment = _moment(datetime.datetime.combine(value, datetime.time(reference.hour, reference.minute,
                                                                     reference.second)), reference)
    if moment is not None:
        return "today()" if moment == "now()" else f"{moment}.date()"
    return None


def _moment(value, reference):
    at_boundary = value.time() in (datetime.time.min, datetime.time.max) and reference.time() != value.time()
    if not at_boundary:
        return _offset(value, reference)
    return _boundary(value, reference) or _offset(value, reference)


def _boundary(value, reference):
    readings = []
    for name, boundary in _BOUNDARIES:
        unit = _BOUNDARY_UNITS[name]
        for count in range(0, _limit(unit) + 1):
            for sign in ((1,) if count == 0 else (-1, 1)):
                if boundary(advance(reference, **{unit: sign * count})) == value:
                    readings.append((count, f"{name}({_shift_source(unit, sign * count)})"))
    return min(readings)[1] if readings else None


def _offset(value, reference):
    if value == reference:
        return "now()"
    for unit, limit in _UNITS:
        for count in range(1, limit + 1):
            for sign in (-1, 1):
                if advance(reference, **{unit: sign * count}) == value:
                    return _shift_source(unit, sign * count)
    return None


def _shift_source(unit, count):
    if count == 0:
        return "now()"
    return f"{'ago' if count < 0 else 'from_now'}({unit}={abs(count)})"


def _limit(unit):
    return dict(_UNITS)[unit]
