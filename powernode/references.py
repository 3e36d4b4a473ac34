"""The one reference-field helper: a `uuid` column, its foreign key and its index.

    account = Reference("Account", column_name="account_id", backref="users")
    provider = Reference("Devops::Provider", column_name="devops_provider_id")

The target is named by its Rails name and resolved lazily through the model
registry, so models may point at namespaces that load later (or never: then
the field stays a plain `uuid` column). The attribute is the Rails
`belongs_to` name (`user.account`); the raw id is always at the column name
(`user.account_id`).
"""
import re

import peewee

from .errors import DeclarationError
from .fields import UUIDField
from .tenancy import TENANT_COLUMN, current_tenant

__all__ = ["Reference", "ResolvedReference", "ON_DELETE"]

# Rails `on_delete:` options and the SQL they stand for.
ON_DELETE = {None: None, "cascade": "CASCADE", "nullify": "SET NULL", "restrict": "RESTRICT"}

_RAILS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*(::[A-Z][A-Za-z0-9]*)*$")


class _ReferenceOptions:
    """What both the unresolved and the resolved field remember of the declaration."""

    def _keep(self, target, on_delete, index, unique, backref, constraint_name, constraint):
        if on_delete not in ON_DELETE:
            raise DeclarationError(
                f"on_delete must be one of {sorted(k for k in ON_DELETE if k)} or None, not {on_delete!r}")
        self.target = target
        self.on_delete_rule = on_delete
        self.index_option = index
        self.unique_index = unique
        self.declared_backref_name = backref
        self.fk_constraint_name = constraint_name
        self.enforced = constraint


class Reference(_ReferenceOptions, UUIDField):
    """A foreign key by Rails name; becomes a `ResolvedReference` once its target registers.

    index: True for `index_<table>_on_<column>`, a string to name it, False when
    another declared index already leads with the column. unique: a unique index.
    on_delete: None, "cascade", "nullify" or "restrict" (the Rails spellings).
    constraint: False for a `belongs_to` the database does not enforce (no FOREIGN KEY).
    """

    def __init__(self, target, *, column_name, null=False, on_delete=None, index=True,
                 unique=False, backref=None, constraint_name=None, constraint=True, **kwargs):
        check_target_name(target)
        if not column_name.endswith("_id"):
            raise DeclarationError(f"reference column {column_name!r} to {target} must end in _id")
        self._keep(target, on_delete, index, unique, backref, constraint_name, constraint)
        if column_name == TENANT_COLUMN:
            kwargs.setdefault("default", current_tenant)  # inside tenant(), new rows belong to its account
        super().__init__(column_name=column_name, null=null, **kwargs)

    def bind(self, model, name, set_attribute=True):
        super().bind(model, name, set_attribute)
        if set_attribute and self.column_name != name:
            setattr(model, self.column_name, peewee.ObjectIdAccessor(self))

    def resolve(self, rel_model):
        """Replace this placeholder on its model with a real foreign key to `rel_model`."""
        field = ResolvedReference(
            rel_model, self, column_name=self.column_name, null=self.null, default=self.default,
            on_delete=ON_DELETE[self.on_delete_rule], backref=self.declared_backref_name or "+",
            constraint_name=self.fk_constraint_name, help_text=self.help_text,
            index=False, _deferred=True)
        field._order = self._order  # keep the declared column order
        self.model._meta.add_field(self.name, field)
        return field


class ResolvedReference(_ReferenceOptions, peewee.ForeignKeyField):
    """A `Reference` whose target model is known: peewee's foreign key, with the declaration kept."""

    def __init__(self, rel_model, declared, **kwargs):
        self._keep(declared.target, declared.on_delete_rule, declared.index_option,
                   declared.unique_index, declared.declared_backref_name, declared.fk_constraint_name,
                   declared.enforced)
        super().__init__(rel_model, **kwargs)


def check_target_name(target):
    """Refuse names that are not Rails constant paths, and `AiProvider` where `Ai::Provider` exists."""
    if not isinstance(target, str) or not _RAILS_NAME.match(target):
        raise DeclarationError(
            f"reference target {target!r} is not a Rails model name such as 'Account' or 'Ai::Provider'")
    if "::" in target:
        return
    from .registry import registry  # late: the registry imports the models that use this

    for module in registry.rails_modules():
        rest = target[len(module):]
        if target.startswith(module) and rest[:1].isupper() and f"{module}::{rest}" in registry.known_names():
            raise DeclarationError(
                f"reference target {target!r} names a namespaced model without '::': write '{module}::{rest}'")
