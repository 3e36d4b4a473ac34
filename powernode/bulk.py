"""The bulk path: rows streamed into a table through COPY, with the ORM's defaults and conversions.

    powernode.bulk_load(Account, ({"name": f"tenant {i}"} for i in range(100_000)))

Each row is a dict (or a model instance); a column it leaves out gets the
model's Python default (timestamps, JSON `{}`, literal defaults; a callable
one is called once per load, so every row carries the same `created_at`, as
Rails' `insert_all` does) and, for the primary key, the database default
`uuidv7()`, which makes ids faster than Python does. The whole load is one COPY in one transaction: a bad row raises
`BulkLoadError` naming it (its 0-based position in `rows`) and its column, and nothing is loaded. Text cannot hold
NUL (PostgreSQL's rule): a value with one is refused before it is sent. By default each row is first held
to the platform's create defaults and validators (`behaviour/rows.py`); `validate=False` skips them for
trusted loads.
"""
import datetime
import io
import json
import re
import tempfile
from typing import Iterable

import peewee

from . import fields
from .behaviour.rows import RowInvalid, RowRules
from .errors import PowernodeError
from .redact import values

__all__ = ["bulk_load", "BulkLoadError", "Plan"]


class BulkLoadError(PowernodeError):
    """A row could not be loaded; the load was rolled back.

    `row` is the failing row's number (0 for the first) when one is known, and `errors`
    maps its attributes to the platform's messages when a validation refused it.
    """

    def __init__(self, message, row=None, errors=None):
        super().__init__(message)
        self.row, self.errors = row, errors or {}


def _escape(text: str) -> str:
    # COPY's text format: backslash, tab, newline and carriage return are escaped
    if "\x00" in text:
        raise ValueError("cannot hold a NUL character (\\x00)")
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _array_literal(values) -> str:
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
        else:
            items.append('"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


def _converter(field):
    """A function from a Python value to the column's COPY text (None for NULL)."""
    if getattr(field, "convert_values", False):  # encrypted or JSON-coded: the stored text the field writes
        return lambda v: _escape(field.db_value(v))
    if isinstance(field, (fields.JSONField, fields.JSONBField)):
        return lambda v: _escape(json.dumps(v))
    if isinstance(field, fields.ArrayField):
        return lambda v: _escape(_array_literal(v))
    if isinstance(field, fields.VectorField):
        def vector(v):
            fields.check_dimensions(field, v)
            return field.db_value(v)
        return vector
    if isinstance(field, peewee.BooleanField):
        return lambda v: "t" if v else "f"
    if isinstance(field, peewee.ForeignKeyField):
        return lambda v: str(v.id if isinstance(v, peewee.Model) else v)
    if isinstance(field, (peewee.UUIDField, peewee.IntegerField, peewee.DoubleField)):
        return str
    if isinstance(field, peewee.BlobField):
        return lambda v: "\\\\x" + bytes(v).hex()
    return lambda v: _escape(v.isoformat() if isinstance(v, (datetime.date, datetime.time)) else str(v))


class _Lines(io.RawIOBase):
    """A readable stream over generated COPY lines, so that rows never sit in memory together."""

    def __init__(self, lines):
        self._lines = lines
        self._pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while len(self._pending) < len(buffer):
            chunk = "".join(line for _, line in zip(range(1000), self._lines))
            if not chunk:
                break
            self._pending += chunk.encode()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class Plan:
    """What a load writes: the columns the first row names, then the defaulted ones, and the row pipeline."""

    def __init__(self, model, first, validate):
        self.model, self.meta = model, model._meta
        self.rules = RowRules(model) if validate else None
        first = _as_dict(model, first)
        if self.rules is not None:
            first = self.rules.prepare(first)
        self.first = first
        meta = self.meta
        self.keys = list(first)  # field names or column names, as the rows carry them
        unknown = [key for key in self.keys if key not in meta.combined]
        if unknown:
            raise BulkLoadError(f"{meta.table_name} has no column {', '.join(map(repr, unknown))}")
        self.given = [meta.combined[key] for key in self.keys]
        carried = {f.name for f in self.given}  # by name: peewee fields compare into SQL expressions
        self.defaulted = [f for f in meta.sorted_fields
                          if f.name not in carried and f.default is not None and not f.primary_key]
        # One value for every row of the load, as Rails' insert_all stamps one time on all rows.
        self.defaults = [fields.default_value(f) for f in self.defaulted]
        self.columns = self.given + self.defaulted
        self.count = 0
        self.failures = []  # an error raised while the driver reads the rows reaches us wrapped: keep the original

    def rows(self, rest, converters, encode):
        """`encode(converted values)` for each row, validated and conformed; a bad row raises `BulkLoadError`."""
        keys, rules, given = self.keys, self.rules, self.given
        for index, row in enumerate(_chain(self.first, rest)):
            self.count = index + 1
            values = None
            try:
                row = _as_dict(self.model, row)
                if rules is not None:
                    if index:
                        row = rules.prepare(row)
                    rules.check(index, row)
                values = [row.get(key, _MISSING) for key in keys]
                if len(row) != len(keys) or _MISSING in values:
                    values = _conform(row, keys, given, values)
                yield encode([None if v is None else convert(v) for convert, v in zip(converters, values)])
            except (TypeError, ValueError, AttributeError, BulkLoadError) as exc:
                where = f"row {index}" + _failing_column(given, converters, values)
                self.failures.append(BulkLoadError(f"{self.meta.table_name}: {where}: {exc}; nothing was loaded"))
                raise self.failures[-1] from None

    def failed(self, exc):
        """The BulkLoadError to raise for `exc`, raised while loading."""
        name = self.meta.table_name
        if isinstance(exc, RowInvalid):
            return BulkLoadError(f"{name} {exc}; nothing was loaded", row=exc.index, errors=exc.errors)
        if isinstance(exc, BulkLoadError):
            return exc
        if self.failures:
            return self.failures[0]
        # a row the database refused: its line number is the row's
        return BulkLoadError(f"{name}: {_row_message(exc)}; nothing was loaded")


def bulk_load(model, rows: Iterable, db=None, validate=True) -> int:
    """COPY `rows` into `model`'s table; returns how many were loaded.

    validate=True (the default) treats each row as `Model.create` would: the platform's
    create defaults are filled in and its validators run, per row where they read one
    value, once per load where they ask the database (required belongs_to targets exist;
    uniqueness within the load and against the table, in the load's transaction). The
    first invalid row raises `BulkLoadError` naming it and its attributes, before anything
    is written. validate=False loads trusted rows as given (column defaults only), as
    Rails' `insert_all` does.
    """
    db = db or model._meta.database
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    plan = Plan(model, first, validate)
    converters = [_converter(f) for f in plan.given]
    tail = "".join("\t" + _text(f, v) for f, v in zip(plan.defaulted, plan.defaults)) + "\n"
    lines = plan.rows(rows, converters, lambda values: "\t".join("\\N" if v is None else v for v in values) + tail)
    try:
        with db.atomic():
            if plan.rules is None:
                source = io.BufferedReader(_Lines(lines), buffer_size=1 << 16)
            else:  # every row is checked, and the load as a whole, before the first is written
                source = _spooled(lines)
                plan.rules.check_load()
            with db.cursor() as cursor:
                cursor.copy_expert(copy_statement(plan), source)
    except Exception as exc:
        raise plan.failed(exc) from None
    return plan.count


def copy_statement(plan, options=""):
    return "COPY {} ({}) FROM STDIN{}".format(
        f'"{plan.meta.table_name}"', ", ".join(f'"{f.column_name}"' for f in plan.columns), options)


_MISSING = object()


def _spooled(lines):
    """The COPY text in a temporary file (in memory up to 64 MiB), read from its start."""
    buffer = tempfile.SpooledTemporaryFile(max_size=64 << 20)
    while True:
        chunk = "".join(line for _, line in zip(range(1000), lines))
        if not chunk:
            break
        buffer.write(chunk.encode())
    buffer.seek(0)
    return buffer


def _conform(row, keys, given, values):
    """Values for a row that lacks some of the first row's columns (their defaults) or has others."""
    extra = set(row) - set(keys)
    if extra:
        raise ValueError(f"has {', '.join(map(repr, sorted(extra)))}, which the first row lacks: "
                         "give the first row every column the load uses")
    return [fields.default_value(f) if v is _MISSING else v
            for f, v in zip(given, values)]


def _text(field, value):
    return "\\N" if value is None else _converter(field)(value)


def _chain(first, rest):
    yield first
    yield from rest


def _as_dict(model, row):
    if isinstance(row, peewee.Model):
        return {name: value for name, value in row.__data__.items()}
    if not isinstance(row, dict):
        raise BulkLoadError(f"{model.__name__} rows must be dicts or model instances, not {type(row).__name__}")
    return row


def _failing_column(given, converters, values) -> str:
    """`, column NAME` for the first value of a row that does not convert, else ''."""
    for field, convert, value in zip(given, converters, values or ()):
        if value is not None and value is not _MISSING:
            try:
                convert(value)
            except Exception:
                return f", column {field.column_name}"
    return ""


def _row_message(exc) -> str:
    """PostgreSQL's first line, without the value it may quote, after the row (and column) COPY names."""
    text = str(exc).strip()
    lines = text.splitlines()
    message = values(lines[0].removeprefix("ERROR:").strip()) if lines else type(exc).__name__
    place = _COPY_PLACE.search(text)
    if place is None:
        return message
    column = f", column {place.group('column')}" if place.group("column") else ""
    return f"row {int(place.group('line')) - 1}{column}: {message}"


_COPY_PLACE = re.compile(r"^(?:CONTEXT:\s+)?COPY \S+, line (?P<line>\d+)(?:, column (?P<column>\w+))?", re.M)

