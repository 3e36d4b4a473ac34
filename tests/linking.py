"""Rows linked through an association, for the association and destroy tests.

`build(association)` makes an owner row and a target row that the association reaches from it
(through every step of a :through chain), with the factory's rows for everything else.
"""
import json

import peewee

import powernode
from factory import filler, make
from platform_schema import REFERENCE_DIR
from powernode.behaviour.associations import (BelongsTo, HasAndBelongsToMany, HasMany, ReferenceBelongsTo,
                                              association_named, column, declared_associations)
from powernode.references import Reference

BEHAVIOUR = json.loads((REFERENCE_DIR / "powernode-behaviour.json").read_text())["models"]
SCHEMA = {t["table"]: t for t in json.loads((REFERENCE_DIR / "powernode-schema.json").read_text())["tables"]}


def use(db):
    """Bind the models to `db` again, as `connect()` did (a test that connected elsewhere rebound them)."""
    powernode.binding.use(db, db.namespaces, powernode.registry.loaded())
    powernode.models.select(list(db.namespaces))


def catalog_associations():
    """(Rails model, association entry) for every association the platform declares, in declaration order."""
    return [(model, a) for model, entry in sorted(BEHAVIOUR.items())
            for a in sorted(entry["associations"], key=lambda a: a["declared_index"])]


def kind(a):
    """The issue's kinds: belongs_to, has_many, has_one, through, polymorphic, has_and_belongs_to_many."""
    if a.get("through"):
        return "through"
    if a.get("polymorphic"):
        return "polymorphic"
    return a["macro"]


def platform_association(model_name, a):
    """The generated model's attribute for platform association `a`, or None where it is not navigable.

    Navigable means: under the platform's name, to the platform's class, by the platform's key
    (or, where the platform names a class it does not define, to the table its foreign key names).
    """
    model = powernode.registry.get(model_name)
    found = association_named(model, a["name"], required=False) if model is not None else None
    if found is None or found.table is not None:
        return None
    if a.get("polymorphic"):
        return found if getattr(found, "polymorphic", False) else None
    if found.target != a["resolved_class"] and powernode.registry.get(a["resolved_class"]) is not None:
        return None
    key = getattr(found, "field", None)
    key = key.column_name if key is not None else getattr(found, "foreign_key", None)
    if not a.get("through") and key != a["resolved_foreign_key"]:
        return None
    return found


def by_foreign_key(model_name, a):
    """True where the platform names a class it does not define and the schema's foreign key says which table."""
    found = platform_association(model_name, a)
    return found is not None and not a.get("polymorphic") and found.target != a["resolved_class"]


def key_of(row):
    """A row's identity: its id, or its keys for the join tables the platform made without an id."""
    model = type(row)
    if model._meta.primary_key:
        return row.get_id()
    return tuple((f.name, row.__data__.get(f.name)) for f in model._meta.sorted_fields if isinstance(f, Reference))


def reload(row):
    model = type(row)
    if not model._meta.primary_key:
        return row
    return model.get(model._meta.primary_key == row.get_id())


def owner_key_value(row, association):
    """The row's value in the association's owner key column, given one if it had none."""
    field = column(type(row), association.owner_key)
    value = row.__data__.get(field.name)
    if value is None:
        value = filler(field, {})
        type(row).update({field: value}).where(type(row)._meta.primary_key == row.get_id()).execute()
    return value


def build(association, owner=None, stored=None):
    """(owner, target): rows such that reading `association` on owner reaches target.

    stored: for a polymorphic belongs_to, the model whose row it points at.
    """
    model = association.model
    if isinstance(association, (ReferenceBelongsTo, BelongsTo)):
        return _belongs_to(association, owner, stored)
    owner = owner or make(model)
    if isinstance(association, HasAndBelongsToMany):
        target = make(association.target_model)
        ensure_table(association.join_table)
        join = association.join
        join.insert({peewee.Column(join, association.foreign_key): owner.get_id(),
                     peewee.Column(join, association.association_foreign_key): target.get_id()}).execute(
            model._meta.database)
        return owner, target
    if association.through:
        owner, middle = build(association.through_association(), owner)
        _, target = build(association.source_association(), middle)
        return owner, target
    target_model = association.target_model
    values = {column(target_model, association.foreign_key).name: owner_key_value(owner, association)}
    if association.as_:
        values[column(target_model, association.foreign_type).name] = model._meta.rails_name
    return owner, make(target_model, **values)


def _belongs_to(association, owner, stored):
    if getattr(association, "polymorphic", False):
        target = make(stored)
        values = {column(association.model, association.foreign_key).name: target.get_id(),
                  column(association.model, association.foreign_type).name: stored._meta.rails_name}
        if owner is None:
            return make(association.model, **values), target
        _update(owner, values)
        return reload(owner), target
    target_model = association.target_model
    key_field = column(target_model, getattr(association, "primary_key", "id"))
    if owner is not None:
        current = owner.__data__.get(column(association.model, association.owner_key).name)
        if current is not None:  # a required key the factory filled: its row is the target
            return owner, target_model.get(key_field == current)
    target = make(target_model)
    value = owner_key_value(target, _KeyOf(key_field))
    fk = column(association.model, association.owner_key)
    if owner is None:
        return make(association.model, **{fk.name: value}), target
    _update(owner, {fk.name: value})
    return reload(owner), target


class _KeyOf:
    """Stands for an association whose owner key is `field` (the target side of a belongs_to)."""

    def __init__(self, field):
        self.owner_key = field.column_name


def _update(row, values):
    model = type(row)
    model.update({model._meta.fields[name]: value for name, value in values.items()}).where(
        model._meta.primary_key == row.get_id()).execute()


def stored_classes(association):
    """For a polymorphic belongs_to: the models whose `as:` side names it, else Account."""
    found = []
    for model in powernode.models.values():
        for declared in declared_associations(model):
            if (isinstance(declared, HasMany) and declared.as_ == association.name
                    and declared.target == association.model._meta.rails_name):
                found.append(model)
    return found or [powernode.models["Account"]]


def inverses(association):
    """The associations on the target that read the same key back to the owner: (model, name) pairs."""
    if isinstance(association, HasMany) and not association.through:
        target = association.target_model
        names = [f.name for f in target._meta.sorted_fields
                 if isinstance(f, Reference) and f.column_name == association.foreign_key
                 and f.target == association.model._meta.rails_name]
        names += [a.name for a in declared_associations(target)
                  if isinstance(a, BelongsTo) and a.foreign_key == association.foreign_key
                  and (a.polymorphic or a.target == association.model._meta.rails_name)]
        return names
    if isinstance(association, (ReferenceBelongsTo, BelongsTo)) and not getattr(association, "polymorphic", False):
        target = association.target_model
        names = [a.name for a in declared_associations(target)
                 if isinstance(a, HasMany) and not a.through and a.foreign_key == association.owner_key
                 and a.target == association.model._meta.rails_name]
        field = getattr(association, "field", None)
        if field is not None and field.backref not in ("+", "!"):
            names.append(field.backref)
        return names
    return []


def ensure_table(table):
    """Create one of the platform's tables this package does not build (a join table), as the reference has it."""
    database = powernode.current_database()
    if database.execute_sql("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
        return
    columns = ", ".join(f'"{c["name"]}" {c["sql_type"]}{"" if c["null"] else " NOT NULL"}'
                        for c in SCHEMA[table]["columns"])
    database.execute_sql(f'CREATE TABLE "{table}" ({columns})')


def rows_of(model):
    """Every row of a model, by key (for before/after comparisons)."""
    return {key_of(row) for row in peewee.ModelSelect(model, model._meta.sorted_fields)}
