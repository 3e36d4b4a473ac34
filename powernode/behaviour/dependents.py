"""`destroy()` as the platform's: each association's `dependent:` option, set-based, in one transaction.

    account.destroy()                         # the row, after its dependents
    Account.destroy_all(Account.select().where(Account.status == "cancelled"))

For the rows being destroyed, the model's associations with a `dependent:` option run in their
declaration order (the order decides outcomes: `Account` reaches `ai_providers`, which refuse while
they have agents, before `ai_agents`):

- `destroy`: the target rows are destroyed the same way, depth first (their own options first);
  rows already on the way out are not visited twice, so cycles end (the platform's recursion would
  not: a cycle of rows is unhooked by setting its closing key to NULL);
- `delete_all`: one DELETE of the target rows, without their own options;
- `nullify`: one UPDATE setting the key (and, for `as:`, the type) to NULL;
- `restrict_with_error`: if any target row exists, `ValidationError` with the platform's message on
  `base` ("Cannot delete record because dependent agents exist"), and the transaction is rolled
  back, so nothing changes.

Then the rows' `has_and_belongs_to_many` join rows go, then the rows, in one DELETE; the database's
`ON DELETE` rules apply as they do under the platform. Every step is one statement for all the rows
of that level, never one per row; a model whose `Behaviour` installs its own `before_destroy` hooks
has those run per row (its rows are loaded for them).

Decisions where the platform cannot be mirrored exactly (docs/associations.md): `has_one` acts on
every matching row (the platform on the first); a `platform_scope` association acts on every row
by the key; an association whose target table this database does not have is skipped (no row can
need it).
"""
import peewee

from ..errors import DeclarationError, ValidationError
from ..fields import utcnow
from .associations import AnyOf, HasAndBelongsToMany, column, declared_associations, matching

__all__ = ["destroy_rows", "dependents_of", "restrict_message"]


def dependents_of(model):
    """`model`'s associations with a `dependent:` option, in declaration order."""
    return [association for association in declared_associations(model) if association.dependent]


def restrict_message(association):
    """The platform's `restrict_with_error` message, with Rails' humanized association name."""
    name = association.name.removesuffix("_id").replace("_", " ").strip().lower()
    if association.collection:
        return f"Cannot delete record because dependent {name} exist"
    return f"Cannot delete record because a dependent {name} exists"


def destroy_rows(model, records=None, query=None):
    """Destroy `records` (instances of `model`) or the rows of `query`, as the platform would; the count."""
    if not model._meta.primary_key:
        raise DeclarationError(f"{model._meta.rails_name} has no primary key (the platform made its table with "
                               f"id: false), so its rows cannot be destroyed one by one: use {model.__name__}.delete()")
    database = model._meta.database
    with database.atomic():
        run = DestroyRun(database)
        if records is not None:
            records = {record.get_id(): record for record in records if record.get_id() is not None}
            return run.destroy(model, list(records), records=records)
        ids = [row[0] for row in database.execute(query.select(model._meta.primary_key).tuples())]
        return run.destroy(model, ids)


class DestroyRun:
    """One destroy: its database, and the rows it has reached (the cycle guard)."""

    def __init__(self, database):
        self.database = database
        self.reached = {}      # model -> ids destroyed or on their way
        self._tables = None    # the tables this database has, read once if needed

    def destroy(self, model, ids, records=None):
        """Destroy these rows of `model` (ids) after their dependents; returns how many rows went."""
        reached = self.reached.setdefault(model, set())
        as_uuid = model._meta.primary_key.python_value  # the driver gives strings, instances UUIDs
        ids = [value for value in dict.fromkeys(map(as_uuid, ids)) if value not in reached]
        if not ids:
            return 0
        reached.update(ids)
        self._run_hooks(model, ids, records or {})
        keys = AnyOf(ids, model._meta.primary_key)
        for association in dependents_of(model):
            self._apply(model, keys, association, records or {})
        for association in declared_associations(model):
            if isinstance(association, HasAndBelongsToMany) and self._has_table(association.join_table):
                join = association.join
                self.database.execute(join.delete().where(matching(peewee.Column(join, association.foreign_key), keys)))
        return self.database.execute(peewee.ModelDelete(model).where(
            peewee.Expression(model._meta.primary_key, peewee.OP.EQ, keys))).rowcount

    def _run_hooks(self, model, ids, records):
        hooks = model._meta.behaviour.hooks["before_destroy"]
        if not hooks:
            return
        missing = [value for value in ids if value not in records]
        loaded = dict(records)
        if missing:
            rows = peewee.ModelSelect(model, model._meta.sorted_fields).where(
                peewee.Expression(model._meta.primary_key, peewee.OP.EQ, AnyOf(missing, model._meta.primary_key)))
            loaded.update((row.get_id(), row) for row in self.database.execute(rows))
        for value in ids:
            if value in loaded:
                model._meta.behaviour.run("before_destroy", loaded[value], "destroy")

    def _owner_values(self, model, keys, association):
        """The owner key values of the rows being destroyed: their ids, or a subquery of another column."""
        if association.owner_key == model._meta.primary_key.column_name:
            return keys
        return peewee.ModelSelect(model, [column(model, association.owner_key)]).where(
            peewee.Expression(model._meta.primary_key, peewee.OP.EQ, keys))

    def _apply(self, model, keys, association, records):
        if association.table is not None:  # a table this package has no model for (the doorkeeper gem's)
            if association.dependent == "delete_all" and self._has_table(association.table):
                table = peewee.Table(association.table)
                owners = self._owner_values(model, keys, association)
                key = peewee.Column(table, association.foreign_key)
                self.database.execute(table.delete().where(matching(key, owners)))
            return
        target = association.target_model
        if not self._has_table(target._meta.table_name, target):
            return
        where = association.condition(self._owner_values(model, keys, association))
        option = association.dependent
        if option == "restrict_with_error":
            self._restrict(model, association, target, where, records)
        elif option == "nullify":
            self.database.execute(peewee.ModelUpdate(target, self._nullified(association, target)).where(where))
        elif option == "delete_all" or not target._meta.primary_key or self._is_leaf(target):
            self.database.execute(peewee.ModelDelete(target).where(where))  # no row needs anything first
        else:
            found = peewee.ModelSelect(target, [target._meta.primary_key]).where(where).tuples()
            ids = [target._meta.primary_key.python_value(row[0]) for row in self.database.execute(found)]
            self._break_cycle(association, target, [value for value in ids if value in self.reached.get(target, ())])
            self.destroy(target, ids)

    def _break_cycle(self, association, target, on_the_way):
        """Rows already on their way out that hang under these ones (a cycle): unhook them first.

        Their key to this level is set to NULL, so that this level can go before they do; they
        are deleted later in this same destroy. (A cycle of keys can only be closed through a
        nullable one.)
        """
        if on_the_way:
            key = column(target, association.foreign_key)
            self.database.execute(peewee.ModelUpdate(target, {key: None}).where(
                peewee.Expression(target._meta.primary_key, peewee.OP.EQ, AnyOf(on_the_way, target._meta.primary_key))))

    def _restrict(self, model, association, target, where, records):
        key = column(target, association.foreign_key) if association.foreign_key else target._meta.primary_key
        found = self.database.execute(peewee.ModelSelect(target, [key]).where(where).limit(1).tuples()).fetchone()
        if found is None:
            return
        owner = self._owner_of(model, association, found[0], records)
        raise ValidationError(owner, {"base": [restrict_message(association)]})

    def _owner_of(self, model, association, value, records):
        """The row that refuses: the instance the caller passed if it is one of them, else read back."""
        owner_column = column(model, association.owner_key)
        as_key = owner_column.python_value
        for record in records.values():
            if as_key(record.__data__.get(owner_column.name)) == as_key(value):
                return record
        found = peewee.ModelSelect(model, model._meta.sorted_fields).where(owner_column == value).get_or_none(
            self.database)
        return found if found is not None else model  # (the row was just read through its key: always found)

    def _nullified(self, association, target):
        values = {column(target, association.foreign_key): None}
        if association.foreign_type:
            values[column(target, association.foreign_type)] = None
        if not association.collection and "updated_at" in target._meta.fields:
            values[target._meta.fields["updated_at"]] = utcnow()  # the platform saves a has_one's row
        return values

    def _is_leaf(self, model):
        """Nothing to do for a row of `model` before its DELETE: it can go with its siblings in one statement."""
        return (not dependents_of(model) and not model._meta.behaviour.hooks["before_destroy"]
                and not any(isinstance(a, HasAndBelongsToMany) for a in declared_associations(model)))

    def _has_table(self, table, model=None):
        """Whether the database has `table` (assumed for models bound to this database: their namespace is migrated)."""
        if model is not None and model._meta.database is self.database:
            return True
        if self._tables is None:
            rows = self.database.execute_sql(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(current_schemas(false))").fetchall()
            self._tables = {row[0] for row in rows}
        return table in self._tables

