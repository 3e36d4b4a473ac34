"""Lookups: misses without the values looked up, and lookups by primary key without rebuilding their SQL.

Peewee's `DoesNotExist` message ends with `Params: [...]`: the digest, token or key that was
looked up. A model's `get()`, `get_by_id()`, `get_or_none()` and a foreign key's lazy load all
end in `QuietGet.get` or `by_key`, which name the model and the statement (its placeholders, not
the values).

`Model.get_by_id(pk)` and `Model.get(Model.id == pk)` (a `belongs_to` read) are the commonest
statements a service sends, and most of their cost was peewee rendering the same SQL again:
`by_key` renders it once per model (and once more for its `tenant()` form) and sends only the
new values. Read replicas keep peewee's path, which routes each select.
"""
import peewee

__all__ = ["QuietGet", "by_key", "is_key_lookup"]


class QuietGet:
    """A select mixin whose `get()` raises `DoesNotExist` with no parameter values attached."""

    def get(self, database=None):
        try:
            return super().get(database)
        except self.model.DoesNotExist:
            pass
        # raised outside the handler: peewee's exception, with its Params, is not chained to this one
        statement = self.paginate(1, 1).sql()[0]
        raise self.model.DoesNotExist(f"no {self.model.__name__} matches the query: {statement}")


def is_key_lookup(model, query, filters) -> bool:
    """`Model.get(Model.id == value)`: one equality between the primary key and a plain value."""
    if filters or len(query) != 1 or not isinstance(query[0], peewee.Expression):
        return False
    expression = query[0]
    return (expression.op == peewee.OP.EQ and expression.lhs is model._meta.primary_key
            and not isinstance(expression.rhs, peewee.Node))


def by_key(model, value, account_field=None, account=None):
    """The row of `model` whose primary key is `value`, else DoesNotExist; None: use peewee's path.

    account: the `tenant()` account when the model is account-scoped (its `select()` filters by it).
    """
    database = model._meta.database
    if getattr(database, "replicas", None) is not None:
        return None  # the caller takes peewee's routed path
    key = model._meta.primary_key
    params = [key.db_value(value), 1]
    if account is not None:  # select() puts the tenant's condition first
        params.insert(0, account_field.db_value(account))
    cache = model._meta.__dict__.setdefault("key_lookups", {})
    shape = (account is not None, type(database))
    entry = cache.get(shape)
    if entry is None:
        template = model.select().where(key == value).limit(1)
        sql, rendered = database.get_sql_context().sql(template).query()
        if list(rendered) != params:  # not the statement shape this cache assumes: no shortcut
            return None
        entry = cache[shape] = [sql, template, None]
    sql, template, build = entry
    cursor = database.execute_sql(sql, params)
    try:
        row = cursor.fetchone()
        if row is None:
            raise model.DoesNotExist(f"no {model.__name__} matches the query: {sql}")
        if build is None:  # how a row of this statement becomes an instance: worked out once
            wrapper = template._get_cursor_wrapper(cursor)
            wrapper.initialize()
            build = entry[2] = wrapper.process_row
        return build(row)
    finally:
        cursor.close()
