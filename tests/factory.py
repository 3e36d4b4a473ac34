"""Rows for any model: fills the columns a test does not care about so that the platform accepts the row.

Required columns get a value, and so does every attribute the platform's validators
(the model's `Behaviour`) would refuse as it stands: an inclusion list's first value, a
number within the bounds, text of the right length and format, a parent for a required
belongs_to. `make` inserts through `create`, so the row is validated as the platform would.
"""
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
    """column -> the values an enum check, the field's `choices` or the model's declared enum allow."""
    enums = (check.allowed_values() for check in model._meta.check_specs)
    allowed = dict(enum for enum in enums if enum)
    for field in model._meta.sorted_fields:  # what the inclusion list, the check and the state machine all accept
        if getattr(field, "choices", None) and hasattr(field.choices, "values"):
            allowed[field.column_name] = list(field.choices.values)
    for enum in model._meta.behaviour.declarations.get("enums", []):
        allowed[model._meta.fields[enum.attribute].column_name] = list(enum.mapping.values())
    return allowed


def unique_columns(model):
    """Columns in a unique index or under a uniqueness validator: a row's value must differ from its siblings'."""
    indexed = {column for spec in model._meta.index_specs if spec.unique and not spec.expression
               for column in spec.columns}
    validated = {field.column_name for v in model._meta.behaviour.validators if type(v).__name__ == "Uniqueness"
                 for field in v.fields.values() if field is not None}
    return indexed | validated


def filler(field, allowed, unique=()):
    n = next(_serial)
    if field.column_name in allowed:
        return allowed[field.column_name][0]
    if field.column_name in unique and isinstance(field, (peewee.IntegerField, peewee.BigIntegerField)):
        return n  # a sequence number: siblings under one parent differ
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


def candidates(field, allowed):
    """Values to try for a column the platform validates, the plain filler first."""
    n = next(_serial)
    yield filler(field, allowed, unique_columns(field.model))
    if isinstance(field, (fields.JSONBField, fields.JSONField)):
        yield from ({"key": "value"}, ["item"])
    elif isinstance(field, peewee.BooleanField):
        yield from (True, False)
    elif isinstance(field, (peewee.IntegerField, peewee.DecimalField, peewee.DoubleField)):
        yield from (0, 1, 2, 5, 10, 30, 64, 100, 200, 1000, 6000, 0.5)
    elif isinstance(field, (peewee.CharField, peewee.TextField)):
        letters = "".join("abcdefghij"[int(d)] for d in str(n))
        yield from (f"https://example.test/{n}", f"user{n}@example.test", f"1.0.{n}", "#336699", "10.0.0.1",
                    f"slug-{n}", f"slug_{n}", f"name_{letters}", f"v{n}")


def _passes(validators, value):
    return all(not check(value) for check in validators)


def _value_checks(model):
    """field name -> the row checks (value -> messages) of the validators that apply on create."""
    checks = {}
    for validator in model._meta.behaviour.validators:
        if not validator.applies("create"):
            continue
        check = validator.row_check()
        for attribute in validator.attributes:
            field = validator.fields.get(attribute)
            if check is not None and field is not None:
                checks.setdefault(field.name, []).append(check)
    return checks


def make(model, **values):
    """Insert one row of `model` that the platform's validations accept (creating the parents it needs)."""
    values = fill(model, **values)
    if model._meta.primary_key:
        return model.create(**values)
    instance = model(**values)  # a join table without id: validated, then inserted as peewee does
    errors = instance.validate("create")
    if errors:
        raise powernode.ValidationError(instance, errors)
    model.insert(**instance.__data__).execute()
    return instance


def build(model, **values):
    """An unsaved, valid instance of `model` (its parents are created); `make` saves it."""
    values = fill(model, **values)
    return model(**values)


def fill(model, **values):
    """`values` completed with what the table and the platform's validators require."""
    allowed = allowed_values(model)
    checks = _value_checks(model)
    table = model._meta.table_name
    for (fixed_table, column), value in fixed_values.items():
        if fixed_table == table:
            values.setdefault(model._meta.columns[column].name, value)
    for field in model._meta.sorted_fields:
        if field.primary_key or field.name in values:
            continue
        choices = allowed.get(field.column_name)
        default = fields.default_value(field)  # tenant() may give None
        rules = checks.get(field.name, [])
        if choices and field.default is not None and field.default not in choices:
            values[field.name] = choices[0]  # the platform's default breaks its own check here
        elif rules and not _passes(rules, default) or not (
                field.null or default is not None or getattr(field, "server_default", None)):
            values[field.name] = _valid_value(field, allowed, rules, choices)
        else:
            continue
        if not _passes(rules, values[field.name]):
            values[field.name] = _valid_value(field, allowed, rules, choices)
    return values


def _valid_value(field, allowed, rules, choices=None):
    if isinstance(field, Reference):
        selected = field.rel_model._meta.namespace in powernode.models.namespaces
        # a key into a namespace that is not selected is a bare uuid column here
        return make(field.rel_model) if selected else uuid.uuid4()
    inclusion = [v for v in field.model._meta.behaviour.validators
                 if type(v).__name__ == "Inclusion" and field.name in {f.name for f in v.fields.values() if f}]
    tried = []
    for validator in inclusion:
        members = validator.in_ if isinstance(validator.in_, list) else [validator.in_.first]
        tried += [m for m in members if m in choices] if choices else list(members)  # the check allows them too
    for value in tried + list(candidates(field, allowed)):
        if _passes(rules, value):
            return value
    raise AssertionError(f"tests/factory.py finds no valid value for {field.model.__name__}.{field.name}")

