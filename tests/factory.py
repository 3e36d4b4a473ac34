"""Rows for any model: fills the required columns a test does not care about."""
import datetime
import decimal
import itertools
import uuid

import peewee

from powernode import fields
from powernode.references import ResolvedReference

_serial = itertools.count(1)
def allowed_values(model):
    """column -> the values an enum check on it allows."""
    enums = (check.allowed_values() for check in model._meta.check_specs)
    return dict(enum for enum in enums if enum)


def filler(field, allowed):
    n = next(_serial)
    if field.column_name in allowed:
        return allowed[field.column_name][0]
    if isinstance(field, fields.VectorField):
        return [0.1] * field.dimensions
    if isinstance(field, (fields.JSONBField, fields.JSONField)):
        return {}
    if isinstance(field, fields.ArrayField):
        return []
    if isinstance(field, fields.InetField):
        return "127.0.0.1"
    if isinstance(field, fields.LtreeField):
        return f"root.n{n}"
    if isinstance(field, peewee.BooleanField):
        return False
    if isinstance(field, (peewee.IntegerField, peewee.BigIntegerField)):
        return 1
    if isinstance(field, peewee.DecimalField):
        return decimal.Decimal("0.5")
    if isinstance(field, peewee.DoubleField):
        return 0.5
    if isinstance(field, peewee.DateTimeField):
        return fields.utcnow()
    if isinstance(field, peewee.DateField):
        return datetime.date.today()
    if isinstance(field, peewee.TimeField):
        return datetime.time(12, 0)
    if isinstance(field, peewee.UUIDField):
        return uuid.uuid4()
    if isinstance(field, peewee.BlobField):
        return b"x"
    return f"{field.column_name}-{n}"


def make(model, **values):
    """Insert one row of `model` (creating the parents its required references need)."""
    allowed = allowed_values(model)
    for field in model._meta.sorted_fields:
        if field.primary_key or field.name in values:
            continue
        choices = allowed.get(field.column_name)
        if choices and field.default is not None and field.default not in choices:
            values[field.name] = choices[0]  # the platform's default breaks its own check here
            continue
        if field.null or field.default is not None or getattr(field, "server_default", None):
            continue
        if isinstance(field, ResolvedReference):
            values[field.name] = make(field.rel_model)
        else:
            values[field.name] = filler(field, allowed)
    if model._meta.primary_key:
        return model.create(**values)
    model.insert(**values).execute()
    return model(**values)
