"""Column types of the Powernode schema, each rendering its exact PostgreSQL type.

Every field accepts `server_default=`: the column's DEFAULT as SQL. When it is
omitted, the DEFAULT is rendered from a literal `default` (`'active'`, `0`,
`false`, `'{}'::jsonb` from `default=dict`), so a model states a default once
and rows inserted by raw SQL or COPY get it too.

Text columns take the platform's value layers as options, as Rails declares them:
`StringField(255, encrypts=Encrypts(deterministic=True, downcase=True))`,
`TextField(null=True, serialize=JSON)`, or both (serialized, then encrypted).
"""
import datetime
import json
import uuid

import peewee
from pgvector.peewee import VectorField as _PgVectorField
from playhouse import postgres_ext

from .behaviour import encryption
from .errors import InvalidValue
from .uuid7 import new_uuid7

__all__ = [
    "StringField", "TextField", "IntegerField", "BigIntegerField", "BooleanField",
    "DoubleField", "DecimalField", "DateField", "TimeField", "TimestampField",
    "UUIDField", "PrimaryKeyField", "BinaryField", "JSONField", "JSONBField",
    "InetField", "LtreeField", "TSVectorField", "ArrayField", "VectorField", "utcnow", "default_value",
]


def default_value(field):
    """The value a field's `default` gives a new row (calling it when it is callable)."""
    return field.default() if callable(field.default) else field.default


def utcnow() -> datetime.datetime:
    """Now, in UTC, without tzinfo: how Rails stores `timestamp without time zone`."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class ServerDefault:
    """Mixin: gives the column a DEFAULT clause beside peewee's Python `default`.

    `server_default` is SQL text; without it a literal `default` is rendered
    (callable JSON defaults are called once to render theirs).
    """

    def __init__(self, *args, server_default=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.server_default = server_default or self.default_sql(self.default)
        if self.server_default is not None:
            self.constraints = [*(self.constraints or ()), peewee.SQL(f"DEFAULT {self.server_default}")]

    def default_sql(self, value):
        """A literal Python default as SQL, or None when it has no SQL form."""
        if value is None or callable(value):
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        return quote(str(value))


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


class _Text:
    """Mixin: PostgreSQL text cannot hold NUL; refuse it here instead of deep in the driver."""

    def db_value(self, value):
        if isinstance(value, str) and "\x00" in value:
            raise InvalidValue(f"{_where(self)} cannot hold a NUL character (\\x00)")
        return super().db_value(value)


class _ValueLayers:
    """Mixin: `serialize=` (a coder, `powernode.behaviour.coders.JSON`) and `encrypts=` (`Encrypts(...)`).

    A write serializes the Python value, then encrypts the text; a read decrypts, then
    deserializes (powernode/behaviour/encryption.py and coders.py say how). A lookup
    by a deterministic attribute matches the envelope and the clear text, as the
    platform's `extend_queries` does; a non-deterministic one cannot be looked up by value.
    """

    def __init__(self, *args, encrypts=None, serialize=None, **kwargs):
        self.encrypts, self.serialize = encrypts, serialize
        super().__init__(*args, **kwargs)
        self.convert_values = bool(encrypts or serialize)  # the fast read path must convert these

    __hash__ = peewee.Field.__hash__

    @property
    def _where(self):
        return encryption._named(self)

    def db_value(self, value):
        if value is not None and not isinstance(value, peewee.Node) and self.convert_values:
            if self.serialize is not None:
                value = self.serialize.dump(value)
            if self.encrypts is not None and value is not None:
                value = self._encrypt(self.adapt(value))
        return super().db_value(value)

    def _encrypt(self, text):
        if self.encrypts.downcase:  # per character, as Ruby's downcase (no final-sigma context)
            text = "".join(character.lower() for character in text)
        return encryption.keyring().encrypt(text, self.encrypts.deterministic, self)

    def python_value(self, value):
        if value is None or not self.convert_values:
            return super().python_value(value)
        if self.encrypts is not None:
            value = encryption.keyring().decrypt(value, self.encrypts.deterministic, self)
        if self.serialize is not None:
            try:
                return self.serialize.load(value)
            except ValueError:
                raise InvalidValue(f"{self._where} holds text that is not {self.serialize!r}") from None
        return value

    def __eq__(self, rhs):
        return self._lookup(peewee.OP.IN, [rhs]) if self._by_value(rhs) else super().__eq__(rhs)

    def __ne__(self, rhs):
        return self._lookup(peewee.OP.NOT_IN, [rhs]) if self._by_value(rhs) else super().__ne__(rhs)

    def in_(self, rhs):
        return self._lookup(peewee.OP.IN, rhs) if self._by_value(rhs) else super().in_(rhs)

    def not_in(self, rhs):
        return self._lookup(peewee.OP.NOT_IN, rhs) if self._by_value(rhs) else super().not_in(rhs)

    def _by_value(self, rhs):
        return self.encrypts is not None and rhs is not None and not isinstance(rhs, peewee.Node)

    def _lookup(self, op, values):
        if not self.encrypts.deterministic:
            raise InvalidValue(f"{self._where} is encrypted non-deterministically: it cannot be looked up by value")
        candidates = []
        for value in values:  # the envelope, and the clear text as the platform's extended queries add it
            clear = self.adapt(value if self.serialize is None else self.serialize.dump(value))
            candidates += [self.db_value(value)] + ([clear] if "\x00" not in clear else [])  # no column holds NUL
        return peewee.Expression(self, op, peewee.EnclosedNodeList(
            [peewee.Value(candidate, converter=False) for candidate in dict.fromkeys(candidates)]))


class StringField(_ValueLayers, _Text, ServerDefault, peewee.CharField):
    """`character varying`, or `character varying(n)` when `max_length` is given."""
    field_type = "VARCHAR"

    def __init__(self, max_length=None, *args, **kwargs):
        super().__init__(max_length, *args, **kwargs)

    def get_modifiers(self):
        return [self.max_length] if self.max_length else None


class TextField(_ValueLayers, _Text, ServerDefault, peewee.TextField):
    pass


class IntegerField(ServerDefault, peewee.IntegerField):
    pass


class BigIntegerField(ServerDefault, peewee.BigIntegerField):
    pass


class BooleanField(ServerDefault, peewee.BooleanField):
    pass


class DoubleField(ServerDefault, peewee.DoubleField):
    pass


class DecimalField(ServerDefault, peewee.DecimalField):
    """`numeric(max_digits, decimal_places)`; values come back as `Decimal`."""

    def default_sql(self, value):
        return None if value is None or callable(value) else quote(str(value))


class DateField(ServerDefault, peewee.DateField):
    pass


class _Precision:
    """Mixin for time types that carry a fractional-second precision, `(6)`."""

    def __init__(self, *args, precision=None, **kwargs):
        self.precision = precision
        super().__init__(*args, **kwargs)

    def get_modifiers(self):
        return [self.precision] if self.precision is not None else None


class TimeField(_Precision, ServerDefault, peewee.TimeField):
    """`time[(p)] without time zone`."""
    field_type = "TIME"


class TimestampField(_Precision, ServerDefault, peewee.DateTimeField):
    """`timestamp[(p)] without time zone`, holding naive UTC datetimes as Rails does."""
    field_type = "TIMESTAMP"


class UUIDField(ServerDefault, peewee.UUIDField):
    """`uuid`. A value that is not a UUID is refused before it reaches the database."""

    def db_value(self, value):
        if value is None or isinstance(value, peewee.Node):
            return value
        if not isinstance(value, uuid.UUID):
            try:
                value = uuid.UUID(str(value))
            except ValueError:
                raise InvalidValue(f"{_where(self)} expects a UUID, got {_shown(value)}") from None
        return value.hex


class PrimaryKeyField(UUIDField):
    """The `id uuid` primary key: a UUIDv7 made in Python, and by the database default."""

    def __init__(self, **kwargs):
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("default", new_uuid7)
        kwargs.setdefault("server_default", "uuidv7()")
        super().__init__(**kwargs)


class BinaryField(ServerDefault, peewee.BlobField):
    """`bytea`."""


class _JSONDefault:
    """Mixin: renders a callable JSON default (`dict`, `list`) as `'{}'::jsonb`."""

    def default_sql(self, value):
        if value is None:
            return None
        document = value() if callable(value) else value
        return f"{quote(json.dumps(document))}::{self._json_datatype}"


class JSONField(_JSONDefault, ServerDefault, postgres_ext.JSONField):
    """`json`. Give mutable defaults as callables (`default=dict`), never as values."""

    def __init__(self, *args, **kwargs):
        _refuse_shared_default(kwargs.get("default"))
        super().__init__(*args, **kwargs)


class JSONBField(_JSONDefault, ServerDefault, postgres_ext.BinaryJSONField):
    """`jsonb`. Give mutable defaults as callables (`default=dict`), never as values."""

    def __init__(self, *args, **kwargs):
        _refuse_shared_default(kwargs.get("default"))
        kwargs.setdefault("index", False)  # indexes are declared in Meta.indexes
        super().__init__(*args, **kwargs)


def _refuse_shared_default(default):
    if isinstance(default, (dict, list)):
        raise TypeError(
            "a JSON default must be a callable such as dict or list, not a shared "
            f"{type(default).__name__} instance ({default!r})")


class InetField(ServerDefault, peewee.Field):
    """`inet`: an IPv4 or IPv6 host address, as text."""
    field_type = "INET"


class LtreeField(ServerDefault, peewee.Field):
    """`ltree` (extension `ltree`): a dotted label path such as `root.child`."""
    field_type = "LTREE"

    def descendant_of(self, path):
        return peewee.Expression(self, "<@", peewee.Cast(path, "ltree"))

    def ancestor_of(self, path):
        return peewee.Expression(self, "@>", peewee.Cast(path, "ltree"))


class TSVectorField(ServerDefault, postgres_ext.TSVectorField):
    """`tsvector`, with `.match(query)` for full-text search."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("index", False)
        super().__init__(*args, **kwargs)


class ArrayField(ServerDefault, postgres_ext.ArrayField):
    """`text[]`, `character varying[]`, ... (`ArrayField(TextField)`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("index", False)
        super().__init__(*args, **kwargs)


class VectorField(ServerDefault, _PgVectorField):
    """`vector(n)` (extension `vector`): pgvector's field, checking the dimension on write."""

    def db_value(self, value):
        if value is not None and not isinstance(value, peewee.Node):
            check_dimensions(self, value)
        return super().db_value(value)


def _where(field):
    model = getattr(field, "model", None)
    return f"{model.__name__}.{field.name}" if model is not None else f"a {field.field_type.lower()} column"


def _shown(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_dimensions(field, value):
    try:
        size = len(value)
    except TypeError:
        size = None
        if hasattr(value, "to_list"):
            size = len(value.to_list())
    if field.dimensions and size != field.dimensions:
        raise InvalidValue(
            f"{field.model.__name__}.{field.name} expects a vector of {field.dimensions} "
            f"dimensions, got {size}")
