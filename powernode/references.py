"""The one reference-field helper: a `uuid` column, its foreign key and its index.

    account = Reference("Account", column_name="account_id", backref="users")
    provider = Reference("Devops::Provider", column_name="devops_provider_id")

A `Reference` is always a foreign key to the model its Rails name names. The
target is looked up when it is first needed (through the model registry, which
imports the target's namespace if it has not been), so models may point at
namespaces that load later; whether the database holds the constraint depends
on which namespaces are migrated, not on what Python loaded first. The attribute
is the Rails `belongs_to` name (`user.account`); the raw id is always at the
column name (`user.account_id`).
"""
import re
import uuid

import peewee

from .errors import ConfigurationError, DeclarationError
from .fields import UUIDField
from .tenancy import TENANT_COLUMN, current_tenant

__all__ = ["Reference", "ON_DELETE", "check_target_name"]

# Rails `on_delete:` options and the SQL they stand for.
ON_DELETE = {None: None, "cascade": "CASCADE", "nullify": "SET NULL", "restrict": "RESTRICT"}

_RAILS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*(::[A-Z][A-Za-z0-9]*)*$")


class ReferenceAccessor(peewee.ForeignKeyAccessor):
    """`user.account`: the target row, fetched by id on first access (the target model looked up then)."""

    def __init__(self, model, field, name):
        peewee.FieldAccessor.__init__(self, model, field, name)

    @property
    def rel_model(self):
        return self.field.rel_model

    def get_rel_instance(self, instance):
        value = instance.__data__.get(self.name)
        if value is None and self.name not in instance.__rel__:
            if not self.field.null and self.field.lazy_load:
                raise self.rel_model.DoesNotExist
            return value
        if self.name not in instance.__rel__ and self.field.lazy_load:
            target = self.rel_model
            if target._meta.database is None:
                raise ConfigurationError(
                    f"{self.model.__name__}.{self.name} points at {self.field.target}, whose namespace "
                    f"({target._meta.namespace}) this connection did not select: add it to connect(namespaces=...)")
            instance.__rel__[self.name] = target.get(target._meta.primary_key == value)
        return instance.__rel__.get(self.name, value)

    def __set__(self, instance, obj):
        if isinstance(obj, peewee.Model):
            instance.__data__[self.name] = obj.get_id()
            instance.__rel__[self.name] = obj
            instance._dirty.add(self.name)
        else:
            super().__set__(instance, obj)


class Reference(peewee.ForeignKeyField):
    """A foreign key by Rails name.

    index: True for `index_<table>_on_<column>`, a string to name it, False when
    another declared index already leads with the column. unique: a unique index.
    on_delete: None, "cascade", "nullify" or "restrict" (the Rails spellings).
    constraint: False for a `belongs_to` the database does not enforce (no FOREIGN KEY).
    backref: the name of the rows' query on the target (`account.users`), a `HasMany` like the
    platform's declared associations; generated models give one only where the platform declares
    no has_many/has_one for the key (powernode/behaviour/associations.py).
    """

    def __init__(self, target, *, column_name, null=False, on_delete=None, index=True, unique=False,
                 backref=None, constraint_name=None, constraint=True, **kwargs):
        check_target_name(target)
        if not column_name.endswith("_id"):
            raise DeclarationError(f"reference column {column_name!r} to {target} must end in _id")
        if on_delete not in ON_DELETE:
            raise DeclarationError(
                f"on_delete must be one of {sorted(k for k in ON_DELETE if k)} or None, not {on_delete!r}")
        if column_name == TENANT_COLUMN:
            kwargs.setdefault("default", current_tenant)  # inside tenant(), new rows belong to its account
        self.target = target
        self.on_delete_rule = on_delete
        self.index_option = index
        self.unique_index = unique
        self.enforced = constraint
        self.resolver = None  # the registry that looks the target up: set when the model registers
        super().__init__(None, field=UUIDField(), column_name=column_name, null=null,
                         on_delete=ON_DELETE[on_delete], backref=backref or "+",
                         constraint_name=constraint_name, index=False, _deferred=True, **kwargs)

    # -- the target, looked up on first use -----------------------------------
    default_resolver = None  # the process-wide registry (it sets this), for models nobody registered
    back_reference = None    # HasMany.of_reference (powernode/behaviour/associations.py sets this)

    @property
    def rel_model(self):
        if self._target_model is None:
            (self.resolver or self.default_resolver).resolve(self)
        return self._target_model

    @rel_model.setter
    def rel_model(self, model):
        self._target_model = model

    @property
    def is_resolved(self) -> bool:
        return self._target_model is not None

    accessor_class = ReferenceAccessor

    def resolve(self, model):
        """Point at `model` (the registry calls this): peewee's join bookkeeping and the back-reference."""
        self._target_model = model
        self.rel_field = model._meta.primary_key
        self.model._meta.add_ref(self)
        if self.backref not in ("+", "!"):
            existing = vars(model).get(self.backref)
            if existing is not None and getattr(existing, "foreign_key", None) != self.column_name:
                raise DeclarationError(f"{self.model.__name__}.{self.name}: back-reference {self.backref!r} "
                                       f"is already an attribute of {model.__name__}")
            setattr(model, self.backref, self.back_reference(self, self.backref))

    # -- binding and values, without looking the target up ----------------------
    def bind(self, model, name, set_attribute=True):
        self.object_id_name = self.column_name
        if self.column_name == name:
            raise DeclarationError(f"{model.__name__}.{name}: a reference's attribute must differ from its column")
        peewee.Field.bind(self, model, name, set_attribute)
        self.safe_name = self.object_id_name
        self.backref = self.declared_backref
        if set_attribute:
            setattr(model, self.object_id_name, peewee.ObjectIdAccessor(self))

    server_default = None  # a reference's column never has a DEFAULT

    def db_value(self, value):
        if isinstance(value, peewee.Model):
            value = value.get_id()
        return UUIDField.db_value(self, value)  # refuses a non-UUID, naming this field

    def python_value(self, value):
        if value is None or isinstance(value, (uuid.UUID, peewee.Model)):
            return value
        return self.rel_field.python_value(value)


    def __getattr__(self, name):
        # peewee lets `User.account.name` stand for Account.name; never look the target up for
        # the probes of private or optional attributes
        if name.startswith("_") or not self.is_resolved and name in _PROBED:
            raise AttributeError(name)
        return super().__getattr__(name)


_PROBED = {"convert_values", "precision", "max_length", "dimensions", "encrypts", "serialize"}


def check_target_name(target):
    """Refuse names that are not Rails constant paths (`'Account'`, `'Ai::Provider'`)."""
    if not isinstance(target, str) or not _RAILS_NAME.match(target):
        raise DeclarationError(
            f"reference target {target!r} is not a Rails model name such as 'Account' or 'Ai::Provider'")


def check_namespaced_target(field, rails_modules, known_names):
    """Refuse `AiProvider` where `Ai::Provider` exists: the platform always writes the `::`."""
    target = field.target
    if "::" in target:
        return
    for module in rails_modules:
        rest = target[len(module):]
        if target.startswith(module) and rest[:1].isupper() and f"{module}::{rest}" in known_names:
            raise DeclarationError(
                f"{field.model.__name__}.{field.name}: reference target {target!r} names a namespaced "
                f"model without '::': write '{module}::{rest}'")
