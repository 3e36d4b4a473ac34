"""Rails' `enum :status, {...}`: a column's named values, their predicates and the check on assignment.

    class BackgroundJob(PowernodeModel):
        class Behaviour:
            enums = [Enum("status", ["cancelled", "completed", "failed", "pending", "processing"])]

    BackgroundJob.statuses        # {"cancelled": "cancelled", ...}: name -> stored value
    job.is_completed              # Rails' job.completed?
    job.status = "done"           # InvalidValue: 'done' is not a valid status (Rails' ArgumentError)

Values are given as a list when each name is stored as itself, else as a dict name -> stored
value. `prefix`/`suffix` name the predicates as Rails does (`prefix="activity_type"` makes
`is_activity_type_admin_action`; True uses the attribute's name). Assigning a name stores
its value; a value that is neither raises `InvalidValue`. Rows read from the database keep
what is stored. The enum's scopes (`BackgroundJob.completed()`) are generated with the
model's other scopes.
"""
from types import MappingProxyType

from ..errors import DeclarationError, InvalidValue

__all__ = ["Enum"]


def _plural(word: str) -> str:
    """Rails' plural for the enum's class attribute (`status` -> `statuses`, `activity_type` -> `activity_types`)."""
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


class Enum:
    def __init__(self, attribute, values, *, prefix=None, suffix=None):
        self.attribute = attribute
        self.mapping = dict(values) if isinstance(values, dict) else {value: value for value in values}
        self.prefix, self.suffix = prefix, suffix

    def predicate(self, name) -> str:
        """`is_<prefix>_<name>_<suffix>`, the Python spelling of Rails' `<name>?`."""
        parts = [self.attribute if self.prefix is True else self.prefix, name,
                 self.attribute if self.suffix is True else self.suffix]
        return "is_" + "_".join(part for part in parts if part)

    def install(self, model, behaviour):
        field = model._meta.fields.get(self.attribute)
        if field is None:
            raise DeclarationError(f"{model.__name__} has no column {self.attribute!r} for its enum")
        mapping = MappingProxyType(self.mapping)
        names = {self.predicate(name): value for name, value in mapping.items()}
        names[_plural(self.attribute)] = None
        taken = [name for name in names if hasattr(model, name)]
        if taken:
            raise DeclarationError(f"{model.__name__}: enum {self.attribute!r} would hide {', '.join(taken)}")
        setattr(model, _plural(self.attribute), mapping)
        for predicate, value in names.items():
            if value is not None:
                setattr(model, predicate, property(lambda record, value=value: getattr(record, self.attribute) == value,
                                                   doc=f"{self.attribute} is {value!r}"))
        setattr(model, self.attribute, _EnumAccessor(model, field, self.attribute, mapping))

    def __repr__(self):
        values = (list(self.mapping) if all(k == v for k, v in self.mapping.items()) else self.mapping)
        options = "".join(f", {name}={getattr(self, name)!r}" for name in ("prefix", "suffix")
                          if getattr(self, name) is not None)
        return f'Enum("{self.attribute}", {values!r}{options})'


class _EnumAccessor:
    """The column's accessor, refusing a value the enum does not name (peewee's FieldAccessor otherwise)."""

    def __init__(self, model, field, name, mapping):
        self.model, self.field, self.name, self.mapping = model, field, name, mapping
        self.values = set(mapping.values())

    def __get__(self, instance, owner=None):
        if instance is None:
            return self.field
        return instance.__data__.get(self.name)

    def __set__(self, instance, value):
        # a row being loaded fills __data__ for the first time: what is stored is kept as it is
        assigning = self.name in instance.__data__ or instance.is_new_record
        if value is not None and assigning:
            if value in self.mapping:
                value = self.mapping[value]
            elif value not in self.values:
                raise InvalidValue(f"{value!r} is not a valid {self.name} for {self.model.__name__}"
                                   if isinstance(value, str) and len(value) <= 60
                                   else f"not a valid {self.name} for {self.model.__name__}")
        instance.__data__[self.name] = value
        instance._dirty.add(self.name)
