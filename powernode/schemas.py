"""Pydantic schemas of the models, for services that send rows over HTTP (`pip install powernode[api]`).

    from powernode import schemas

    UserOut = schemas.output(User)            # a row as an API returns it: no digests, tokens, credentials
    UserOut.model_validate(user).model_dump_json()
    UserIn = schemas.input(User)              # a row as an API accepts it: no id, created_at, updated_at
    User.create(**UserIn.model_validate_json(body).model_dump(exclude_unset=True))

Built on peewee's `playhouse.pydantic_utils.to_pydantic` (which picks the columns, names a
`belongs_to` by its key column, `account_id`, carries defaults, `help_text` and the `choices`
Literal), then narrowed from what the models know: each column's Python type from its field
class, a `Literal` of the values the platform allows (the field's `choices`, else a declared
enum's or an enum-like check's values), `max_length` from a varchar limit and the length
validations that always apply, `max_digits`/`decimal_places` from numeric columns, bounds from
inclusion validations in a range (`in: 1..5`), and the vector's dimension. `secret_fields(model)`
says what output schemas leave out.
"""
import datetime
import decimal
import re
import uuid
from functools import lru_cache
from typing import Annotated, Any, Dict, List, Literal, Optional, Set, Tuple

import peewee

from . import fields as f
from .errors import ConfigurationError

try:
    import pydantic
    from playhouse.pydantic_utils import to_pydantic
except ImportError:  # pragma: no cover - the extra is not installed
    pydantic = None
else:
    class SchemaBase(pydantic.BaseModel):
        """Every schema's base: `bytea` as base64 in JSON (its bytes are not text).

        defer_build: to_pydantic's class is only the base of the narrowed one and never validates; the
        narrowed one builds its validator when first used.
        """
        model_config = pydantic.ConfigDict(ser_json_bytes="base64", val_json_bytes="base64", defer_build=True)

    # psycopg2 reads bytea as a memoryview
    Bytes = Annotated[bytes, pydantic.BeforeValidator(lambda v: bytes(v) if isinstance(v, memoryview) else v)]

__all__ = ["output", "input", "secret_fields"]

# A column holds a secret when its name's words say so (`password_digest`, `webhook_token`,
# `encrypted_credentials`, `api_key_encrypted`, `two_factor_secret`), unless its last word says it is
# about one rather than one (`token_type`, `vault_token_id`, `oauth_token_url`, `secret_refs`).
SECRET_WORDS = {"password", "secret", "token", "encrypted", "otp"}
KEY_WORDS = {"private", "api", "secret", "signing", "credential"}  # with "key": a key, not a key's name
ABOUT_A_SECRET = {"id", "url", "type", "types", "status", "count", "mode", "method", "algorithm", "version",
                  "strategy", "provider", "name", "at", "frequency", "paths", "refs", "required", "requirements"}
SERVER_MANAGED = ("created_at", "updated_at")

_TYPES = [  # field class -> value type; the first match wins (subclasses before their bases)
    (f.PrimaryKeyField, uuid.UUID), (f.UUIDField, uuid.UUID), (f.BooleanField, bool),
    (f.BigIntegerField, int), (f.IntegerField, int), (f.DoubleField, float), (f.DecimalField, decimal.Decimal),
    (f.TimestampField, datetime.datetime), (f.DateField, datetime.date), (f.TimeField, datetime.time),
    (f.JSONBField, Any), (f.JSONField, Any), (f.BinaryField, "bytes"), (f.VectorField, List[float]),
    (f.StringField, str), (f.TextField, str), (f.InetField, str), (f.LtreeField, str), (f.TSVectorField, str),
]


def output(model, secrets: bool = False):
    """The pydantic schema of a row of `model` (a class or its Rails name) as a service returns it.

    secrets=True keeps the secret columns (`secret_fields`) in.
    """
    return _schema(_model(model), "output", secrets)


def input(model):  # noqa: A001 - the schema for input, beside output()
    """The pydantic schema of a row of `model` as a service accepts it: the columns it may write.

    Leaves out the primary key and the timestamps the save sets; a column with a default (in
    Python or in SQL) may be left out, so create from `model_dump(exclude_unset=True)`.
    """
    return _schema(_model(model), "input", True)


def secret_fields(model) -> Set[str]:
    """Names of `model`'s fields that hold secrets: password digests, tokens, keys, encrypted credentials."""
    model = _model(model)
    found = set()
    for field in model._meta.sorted_fields:
        column = field.column_name
        if _textual(field) and _secret_name(column):
            found.add(field.name)
    columns = model._meta.columns
    for declaration in _declarations(model):
        kind = type(declaration).__name__
        names = {"EncryptedValue": ("column",), "EncryptedCredentials": ("column",), "SecurePassword": ("digest",)}
        for attribute in names.get(kind, ()):
            field = columns.get(getattr(declaration, attribute))
            if field is not None:
                found.add(field.name)
    return found


def _secret_name(column):
    words = set(column.split("_"))
    if column.split("_")[-1] in ABOUT_A_SECRET:
        return False
    return bool(words & SECRET_WORDS or {"backup", "codes"} <= words
                or ("key" in words and words & KEY_WORDS) or {"key", "digest"} <= words)


def _textual(field):
    return isinstance(field, (f.StringField, f.TextField, f.JSONField, f.JSONBField, f.BinaryField))


def _declarations(model):
    for value in model._meta.behaviour.declarations.values():
        yield from value if isinstance(value, (list, tuple)) else [value]


def _model(model):
    if isinstance(model, str):
        from .registry import registry

        found = registry.get(registry.namespaces.canonical(model))  # the seed document's names resolve too
        if found is None:
            raise KeyError(f"no model {model!r}: name a model class or its Rails name (\"Ai::Agent\")")
        return found
    return model


@lru_cache(maxsize=None)
def _schema(model, kind, secrets):
    if pydantic is None:
        raise ConfigurationError("powernode.schemas needs pydantic: pip install 'powernode[api]'")
    exclude = set() if secrets else secret_fields(model)
    if kind == "input":
        key = model._meta.primary_key  # False for the platform's join tables without an id
        exclude |= ({key.name} if key else set()) | {n for n in SERVER_MANAGED if n in model._meta.fields}
    suffix = "Input" if kind == "input" else ("Output" if not secrets else "Record")
    name = f"{model.__name__}{suffix}"
    base = to_pydantic(model, exclude=exclude or None, exclude_autofield=False, model_name=name + "Base",
                       base_model=SchemaBase)
    overrides = {}
    for field in model._meta.sorted_fields:
        key = field.column_name if isinstance(field, peewee.ForeignKeyField) else field.name
        if key not in base.model_fields:
            continue
        overrides[key] = _narrowed(model, field, base.model_fields[key], kind)
    if kind == "input":
        overrides.update(_password_fields(model, base))
    return pydantic.create_model(name, __base__=base, __module__=__name__, **overrides)


def _password_fields(model, base):
    """`has_secure_password`: a client sends `password` (the save stores its digest), so the digest is optional."""
    found = {}
    for declaration in _declarations(model):
        if type(declaration).__name__ != "SecurePassword":
            continue
        digest = model._meta.columns[declaration.digest]
        found[digest.name] = _narrowed(model, digest, base.model_fields[digest.name], "input", optional=True)
        for attribute in (declaration.attribute, declaration.attribute + "_confirmation"):
            found[attribute] = (Optional[str], pydantic.Field(
                default=None, description=f"stored as its bcrypt digest in {digest.name}"))
    return found


def _narrowed(model, field, info, kind, optional=False) -> Tuple[Any, Any]:
    """(annotation, FieldInfo) for one column: its own type and limits, the base's default and description."""
    target = field.rel_field if isinstance(field, peewee.ForeignKeyField) else field
    value_type = _value_type(model, field, target)
    constraints = _constraints(model, field, target, value_type)
    if field.null:
        value_type = Optional[value_type]
    kwargs = {"description": info.description, "title": info.title, **constraints}
    if info.default_factory is not None:
        kwargs["default_factory"] = info.default_factory
    elif not info.is_required():
        kwargs["default"] = info.default
    elif kind == "input" and (optional or field.null or _has_server_default(field)):
        kwargs["default"] = None  # the database fills it in: leave it unset
    return value_type, pydantic.Field(**kwargs)


def _value_type(model, field, target):
    if getattr(target, "serialize", None) is not None:
        return Any  # JSON-coded text: whatever JSON decodes to
    allowed = allowed_values(model, field)
    if allowed:
        return Literal[tuple(allowed)]
    if isinstance(target, f.ArrayField):
        inner = _value_type(model, target._ArrayField__field, target._ArrayField__field)
        return List[inner]
    for cls, python_type in _TYPES:
        if isinstance(target, cls):
            return Bytes if python_type == "bytes" else python_type
    return Any


def allowed_values(model, field) -> List[Any]:
    """The values the platform allows in `field`: its `choices`, else a declared enum's, else an enum check's."""
    choices = getattr(field, "choices", None)
    if choices:
        return [value for value, _ in choices]
    for declaration in _declarations(model):
        if type(declaration).__name__ == "Enum" and declaration.attribute == field.name:
            return list(declaration.mapping.values())
    for check in getattr(model._meta, "check_specs", ()):
        found = check.allowed_values()
        if found and found[0] == field.column_name:
            return found[1]
    return []


def _constraints(model, field, target, value_type) -> Dict[str, Any]:
    if value_type is str:
        limits = [target.max_length] if getattr(target, "max_length", None) and not target.encrypts else []
        limits += _length_maxima(model, field.name)
        return {"max_length": min(limits)} if limits else {}
    bounds = _inclusion_range(model, field.name) if value_type in (int, float, decimal.Decimal) else {}
    if isinstance(target, f.DecimalField):
        return {"max_digits": target.max_digits, "decimal_places": target.decimal_places, **bounds}
    if bounds:
        return bounds
    if isinstance(target, f.VectorField):
        return {"min_length": target.dimensions, "max_length": target.dimensions}
    return {}


def _inclusion_range(model, name):
    """`ge`/`le` (`lt`) from an inclusion validation in a range (`in: 1..5`) that always applies."""
    for validator in model._meta.behaviour.validators:
        if type(validator).__name__ != "Inclusion" or name not in validator.attributes:
            continue
        if validator.if_ or validator.unless or validator.on or not hasattr(validator.in_, "exclude_end"):
            continue
        span = validator.in_
        return {"ge": span.first, "lt" if span.exclude_end else "le": span.last}
    return {}


def _length_maxima(model, name):
    """The maxima of the length validations on `name` that apply always (no condition, no context)."""
    found = []
    for validator in model._meta.behaviour.validators:
        if type(validator).__name__ != "Length" or name not in validator.attributes:
            continue
        if validator.if_ or validator.unless or validator.on:
            continue
        for option in ("maximum", "is_"):
            if validator.limits.get(option) is not None:
                found.append(validator.limits[option])
    return found


def _has_server_default(field):
    return bool(getattr(field, "server_default", None))
