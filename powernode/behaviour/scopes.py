"""The platform's argument-free scopes: class methods returning peewee queries.

    class Invoice(PowernodeModel):
        overdue = Scope(lambda m, q: q.where(m.status == "open", m.due_at < now()))
        void_scope = Scope(lambda m, q: q.where(m.status == "void"), name="void")

    Invoice.overdue()                         # Invoice.select().where(...): a peewee query
    Invoice.overdue().where(Invoice.total_cents > 0).order_by(Invoice.due_at)
    Invoice.overdue(Invoice.open())           # a scope applied to another query: Rails' chain
    Invoice.scope("void")                     # any scope by its Rails name

A scope's function gets the model and the query to narrow (`Model.select()`
unless one is given, so inside `tenant()` it is already the account's), and the
models it joins, named in `uses` (Rails names, looked up when the scope runs).
Time cut-offs read `powernode.behaviour.clock`, never a fixed instant.

Naming: a scope keeps its Rails name unless a column, an association, a state
machine event or the model API has it; then the attribute gets `_scope`
appended and `name=` keeps the Rails name (`docs/architecture.md`). The
generator applies the rule; `names.check_unshadowed` (run as each model
registers) raises if anything set on a model later hides a scope.
"""
from typing import Callable, Dict, Sequence

from ..errors import ConfigurationError, DeclarationError

__all__ = ["Scope", "BoundScope", "scopes_of", "named_scope"]


class Scope:
    """One Rails scope, declared in a model's body."""

    def __init__(self, build: Callable, name: str = None, uses: Sequence[str] = ()):
        self.build = build
        self.name = name            # the Rails name; the attribute's when None
        self.uses = tuple(uses)     # Rails names of the models the scope joins
        self.attribute = None

    def __set_name__(self, owner, attribute):
        self.attribute = attribute
        self.name = self.name or attribute
        own = owner.__dict__.get("_rails_scopes")
        if own is None:  # a subclass starts from a copy of its base's scopes
            own = dict(getattr(owner, "_rails_scopes", {}))
            owner._rails_scopes = own
        if self.name in own and own[self.name].attribute != attribute:
            raise DeclarationError(f"{owner.__name__}: two scopes are named {self.name!r}")
        own[self.name] = self

    def __get__(self, instance, owner):
        return BoundScope(self, owner)

    def query(self, model, query=None):
        """This scope of `model`, narrowing `query` (a select of the model) or all rows."""
        base = model.select() if query is None else query
        return self.build(model, base, *(_joined(model, name) for name in self.uses))


class BoundScope:
    """`Invoice.overdue`: call it for the query (optionally narrowing one you pass)."""

    __slots__ = ("scope", "model")

    def __init__(self, scope, model):
        self.scope, self.model = scope, model

    def __call__(self, query=None):
        return self.scope.query(self.model, query)

    @property
    def name(self):
        return self.scope.name

    def __repr__(self):
        return f"<scope {self.model._meta.rails_name or self.model.__name__}.{self.scope.name}>"


def scopes_of(model) -> Dict[str, Scope]:
    """Rails name -> `Scope`, for every scope the model declares."""
    return dict(getattr(model, "_rails_scopes", {}))


def named_scope(model, name, query=None):
    """`Model.scope(name)`: the scope the platform calls `name`, whatever its attribute here."""
    scope = scopes_of(model).get(name)
    if scope is None:
        known = ", ".join(sorted(scopes_of(model))) or "none"
        raise KeyError(f"{model._meta.rails_name or model.__name__} has no scope {name!r}; its scopes: {known}")
    return scope.query(model, query)


def _joined(model, rails_name):
    from ..registry import registry

    target = registry.get(rails_name)
    if target is None:
        raise ConfigurationError(
            f"{model._meta.rails_name}'s scope joins {rails_name}, which no installed namespace defines: "
            f"install the plugin that provides it")
    return target
