"""Rows for any model: fills the required columns a test does not care about."""
import datetime
import decimal
import itertools
import uuid

import peewee

import powernode
from powernode import fields
from powernode.references import Reference

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
    if isinstance(field, peewee.DateTimeField):  # expiries and ends after starts and creation
        later = field.column_name.endswith(("expires_at", "ends_at"))
        return fields.utcnow() + datetime.timedelta(days=1 if later else 0)
    if isinstance(field, peewee.DateField):  # a different day each time: dates sit in unique indexes too
        return datetime.date.today() - datetime.timedelta(days=n % 3650)
    if isinstance(field, peewee.TimeField):
        return datetime.time(12, 0)
    if isinstance(field, peewee.UUIDField):
        return uuid.uuid4()
    if isinstance(field, peewee.BlobField):
        return b"x"
    if field.column_name == "color":
        return "#336699"
    # an identifier-like, unique, 40-character string fits the platform's pattern and length checks
    text = f"v{n}_{field.column_name}".ljust(40, "_")
    return text[: getattr(field, "max_length", None) or 40]


#: (table, column) -> value for columns the factory cannot fill by itself
fixed_values = {}


def make(model, **values):
    """Insert one row of `model` (creating the parents its required references need)."""
    allowed = allowed_values(model)
    table = model._meta.table_name
    for (fixed_table, column), value in fixed_values.items():
        if fixed_table == table:
            values.setdefault(model._meta.columns[column].name, value)
    for field in model._meta.sorted_fields:
        if field.primary_key or field.name in values:
            continue
        choices = allowed.get(field.column_name)
        if choices and field.default is not None and field.default not in choices:
            values[field.name] = choices[0]  # the platform's default breaks its own check here
            continue
        default = fields.default_value(field)  # tenant() may give None
        if field.null or default is not None or getattr(field, "server_default", None):
            continue
        if isinstance(field, Reference):
            selected = field.rel_model._meta.namespace in powernode.models.namespaces
            # a key into a namespace that is not selected is a bare uuid column here
            values[field.name] = make(field.rel_model) if selected else uuid.uuid4()
        else:
            values[field.name] = filler(field, allowed)
    if model._meta.primary_key:
        return model.create(**values)
    model.insert(**values).execute()
    return model(**values)
