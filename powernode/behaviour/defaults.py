"""What the platform's callbacks set on a new record before it is inserted, declared per model.

    class AgentTeam(PowernodeModel):
        class Behaviour:
            create_defaults = [
                FillNil("coordination_strategy", "manager_led"),        # only when it is nil
                Default("status", "draft", on="initialize"),            # where the column default stays
                Generated("share_token", "token", 43),                  # SecureRandom-shaped, when blank
            ]
            attribute_defaults = [AttributeDefault("limits", lambda: {"max_users": 2})]

From the catalog's `create_defaults` (reference/README.md): `Default` is a fixed value a
record built with only its account ends with (set where the attribute still holds the
column's default), `FillNil` one the platform fills in when a program passes nil, and
`Generated` a value made afresh for each record (uuid, timestamp, date, hex and token
strings of the platform's length). `on` is the lifecycle step the platform sets it in:
"initialize" (when the record is built, before the caller's values), "validation"
(`before_validation`), "save" (`before_save`) or "create" (`before_create`); all of them
run for creates only, and `save(validate=False)` skips the "validation" ones as Rails does.
`AttributeDefault` is an `attribute :x, default:` declaration: the default a new record
starts with in place of the column's.
"""
import copy
import datetime
import secrets
import string
import uuid

from ..errors import DeclarationError
from ..fields import default_value, utcnow

__all__ = ["Default", "FillNil", "Generated", "AttributeDefault", "HOOK_OF", "GENERATORS"]

#: lifecycle step (the catalog's `set_in`) -> the Behaviour hook that runs there
HOOK_OF = {"initialize": "after_initialize", "validation": "before_validation", "save": "before_save",
           "create": "before_create"}

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


def _token(length, alphabet=_TOKEN_ALPHABET):
    """`length` characters of the URL-safe alphabet, as `SecureRandom.urlsafe_base64` and has_secure_token make."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


# A token attribute whose format the URL-safe alphabet breaks (`websocket_channel`: [a-z0-9_-]) gets
# the platform's channel names' characters instead: lower case, digits, `_`.
_LOWER_ALPHABET = string.ascii_lowercase + string.digits + "_"


#: generated kinds -> a function (length) -> a new value of that shape
GENERATORS = {
    "uuid": lambda length=None: str(uuid.uuid4()),                    # SecureRandom.uuid
    "timestamp": lambda length=None: utcnow(),                        # Time.current
    "date": lambda length=None: datetime.datetime.now(datetime.timezone.utc).date(),  # Date.current
    "hex": lambda length: secrets.token_hex(length // 2),             # SecureRandom.hex(length / 2)
    "token": _token,
}


class _CreateDefault:
    """One attribute's default: installs itself as a hook at its lifecycle step."""

    def __init__(self, attribute, on="validation"):
        if on not in HOOK_OF:
            raise DeclarationError(f"on= must be one of {sorted(HOOK_OF)}, not {on!r}")
        self.attribute, self.on = attribute, on

    def install(self, model, behaviour):
        field = model._meta.columns.get(self.attribute) or model._meta.fields.get(self.attribute)
        if field is None:
            raise DeclarationError(f"{model.__name__} has no attribute {self.attribute!r} to default")
        self.name = field.name
        self.column_default = default_value(field) if not callable(field.default) else field.default()
        behaviour.hooks[HOOK_OF[self.on]].append(self.hook)
        behaviour.create_defaults.append(self)

    def hook(self, record, context):
        if context in ("create", "initialize"):
            self.fill(record.__data__)

    def fill(self, data):
        """Set the default in `data` (field name -> value) where it applies."""
        raise NotImplementedError

    def holds_column_default(self, data):
        value = data.get(self.name)
        return value is None if self.column_default is None else value == self.column_default


class Default(_CreateDefault):
    """A fixed value the platform sets where the attribute still holds its column's default."""

    def __init__(self, attribute, value, on="validation"):
        super().__init__(attribute, on)
        self.value = value

    def fill(self, data):
        if self.holds_column_default(data):
            data[self.name] = copy.deepcopy(self.value)

    def __repr__(self):
        return f"Default({self.attribute!r}, {self.value!r}, on={self.on!r})"


class FillNil(Default):
    """A fixed value the platform fills in only where the attribute is nil (`x ||= v`)."""

    def fill(self, data):
        if data.get(self.name) is None:
            data[self.name] = copy.deepcopy(self.value)

    def __repr__(self):
        return f"FillNil({self.attribute!r}, {self.value!r}, on={self.on!r})"


class Generated(_CreateDefault):
    """A value made for each new record where the attribute is blank: `kind` in GENERATORS, `length` for strings."""

    def __init__(self, attribute, kind, length=None, on="validation"):
        super().__init__(attribute, on)
        if kind not in GENERATORS:
            raise DeclarationError(f"no generator for {kind!r}: one of {sorted(GENERATORS)}")
        if kind in ("hex", "token") and not length:
            raise DeclarationError(f"a {kind} default needs its length")
        self.kind, self.length, self.make = kind, length, GENERATORS[kind]

    def install(self, model, behaviour):
        super().install(model, behaviour)
        self.formats = [v.pattern for v in behaviour.validators
                        if type(v).__name__ == "Format" and self.attribute in v.attributes]

    def fill(self, data):
        if self.holds_column_default(data) or data.get(self.name) is None:
            value = self.make(self.length)
            if self.kind == "token" and not all(pattern.search(value) for pattern in self.formats):
                value = _token(self.length, _LOWER_ALPHABET)
            data[self.name] = value

    def __repr__(self):
        length = f", {self.length}" if self.length else ""
        return f"Generated({self.attribute!r}, {self.kind!r}{length}, on={self.on!r})"


class AttributeDefault(Default):
    """`attribute :limits, default: -> { {...} }`: a new record starts with this instead of the column's default."""

    def __init__(self, attribute, value):
        super().__init__(attribute, value, on="initialize")

    def fill(self, data):
        data[self.name] = self.value() if callable(self.value) else copy.deepcopy(self.value)

    def __repr__(self):
        return f"AttributeDefault({self.attribute!r}, {self.value!r})"
