"""`bulk_load` for asyncio: the same rows, defaults, validation and errors, through asyncpg's binary COPY.

    await powernode.bulk_load_async(Account, ({"name": f"tenant {i}"} for i in range(100_000)))

Each value is handed to asyncpg as the Python value its binary codec takes (a UUID, a
datetime, a bool, JSON text, the stored text of an encrypted column), converted here first
so that a bad value names its row and column. A table with a column asyncpg has no binary
codec for (vector, ltree, tsvector, inet) is loaded through COPY's text format instead, with
the synchronous loader's conversions. The load runs on the calling task's connection, in
one transaction.
"""
import datetime
import decimal
import json
import uuid

import peewee
from playhouse.pwasyncio import await_

from . import fields
from .aio import run
from .bulk import Plan, _converter, _spooled

__all__ = ["bulk_load_async"]


async def bulk_load_async(model, rows, validate=True) -> int:
    if hasattr(rows, "__aiter__"):
        rows = [row async for row in rows]
    return await run(model, _load, model, iter(rows), validate)


def _load(model, rows, validate):
    """The load, run in peewee's greenlet bridge: each statement awaits asyncpg."""
    db = model._meta.database
    first = next(rows, None)
    if first is None:
        return 0
    plan = Plan(model, first, validate)
    binary = [_binary(f) for f in plan.columns]
    try:
        with db.atomic():
            connection = await_(db.aconnect()).conn
            if all(binary):
                _copy_binary(plan, rows, binary, connection)
            else:
                _copy_text(plan, rows, connection)
    except Exception as exc:
        raise plan.failed(_with_context(exc)) from None
    return plan.count


def _copy_binary(plan, rows, converters, connection):
    given = converters[:len(plan.given)]
    tail = tuple(None if v is None else convert(v)
                 for convert, v in zip(converters[len(plan.given):], plan.defaults))
    records = plan.rows(rows, given, lambda values: (*values, *tail))
    if plan.rules is not None:  # every row is checked, and the load as a whole, before the first is written
        records = list(records)
        plan.rules.check_load()
    await_(connection.copy_records_to_table(plan.meta.table_name, records=records,
                                            columns=[f.column_name for f in plan.columns]))


def _copy_text(plan, rows, connection):
    converters = [_converter(f) for f in plan.given]
    tail = "".join("\t" + ("\\N" if v is None else _converter(f)(v))
                   for f, v in zip(plan.defaulted, plan.defaults)) + "\n"
    lines = plan.rows(rows, converters, lambda values: "\t".join("\\N" if v is None else v for v in values) + tail)
    source = _spooled(lines)  # whole, before the COPY: row errors then surface here, not on the event loop
    if plan.rules is not None:
        plan.rules.check_load()
    await_(connection.copy_to_table(plan.meta.table_name, source=source,
                                    columns=[f.column_name for f in plan.columns], format="text"))


def _binary(field):
    """A function from a Python value to what asyncpg's binary codec for the column takes, or None."""
    if getattr(field, "convert_values", False):  # encrypted or JSON-coded: the stored text the field writes
        return lambda v: _escape_free(field.db_value(v))
    if isinstance(field, (fields.JSONField, fields.JSONBField)):
        return json.dumps
    if isinstance(field, (fields.VectorField, fields.LtreeField, fields.TSVectorField, fields.InetField)):
        return None
    if isinstance(field, fields.ArrayField):
        return list
    if isinstance(field, peewee.BooleanField):
        return bool
    if isinstance(field, peewee.ForeignKeyField):
        return lambda v: _uuid(v.id if isinstance(v, peewee.Model) else v)
    if isinstance(field, peewee.UUIDField):
        return _uuid
    if isinstance(field, peewee.IntegerField):
        return lambda v: v if isinstance(v, int) else int(str(v))
    if isinstance(field, peewee.DoubleField):
        return float
    if isinstance(field, peewee.DecimalField):
        return lambda v: v if isinstance(v, decimal.Decimal) else decimal.Decimal(str(v))
    if isinstance(field, peewee.DateTimeField):
        return _timestamp
    if isinstance(field, peewee.DateField):
        return lambda v: v if isinstance(v, datetime.date) else datetime.date.fromisoformat(str(v))
    if isinstance(field, peewee.TimeField):
        return lambda v: v if isinstance(v, datetime.time) else datetime.time.fromisoformat(str(v))
    if isinstance(field, peewee.BlobField):
        return bytes
    if isinstance(field, (peewee.CharField, peewee.TextField)):
        return lambda v: _escape_free(v if isinstance(v, str) else str(v))
    return None


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _timestamp(value):
    if not isinstance(value, datetime.datetime):
        if isinstance(value, datetime.date):
            return datetime.datetime(value.year, value.month, value.day)
        value = datetime.datetime.fromisoformat(str(value))
    # `timestamp without time zone` keeps the wall time and drops an offset, as COPY's text input does
    return value.replace(tzinfo=None) if value.tzinfo else value


def _escape_free(text):
    if "\x00" in text:
        raise ValueError("cannot hold a NUL character (\\x00)")
    return text


class _Refused(Exception):
    """asyncpg's error with its CONTEXT line, where COPY names the row."""


def _with_context(exc):
    context = getattr(exc, "context", None)
    if context and "COPY" in context:
        return _Refused(f"{getattr(exc, 'message', exc)}\nCONTEXT: {context}")
    return exc
