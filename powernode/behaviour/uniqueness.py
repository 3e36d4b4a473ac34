"""The database side of `Uniqueness`: one record's question, and a whole load's at once.

Both compare as the platform's `UniquenessValidator` does on PostgreSQL: `attr = value`
(`LOWER(attr) = LOWER(value)` for `case_sensitive: false` on text), `IS NULL` for nil,
each scope column equal to the record's (NULL to NULL), the `conditions` SQL added, and
never through `tenant()`'s filter (the platform's validator reads `Model.unscoped`).
"""
import peewee

__all__ = ["taken", "taken_rows"]


def _text_column(field):
    return isinstance(field, (peewee.CharField, peewee.TextField))


def _match(field, value, case_sensitive):
    if value is None:
        return field.is_null()
    if case_sensitive is False and _text_column(field):
        return peewee.fn.LOWER(field) == peewee.fn.LOWER(field.db_value(value))
    return field == value


def taken(validator, record, attribute, value) -> bool:
    """Whether another row of the table holds `value` for `attribute` (with the record's scope values)."""
    model = validator.model
    field = validator.fields[attribute]
    query = peewee.ModelSelect(model, [peewee.SQL("1")]).where(_match(field, value, validator.case_sensitive))
    if not record._new_record and model._meta.primary_key:
        query = query.where(model._meta.primary_key != record._pk)
    for scope in validator.scope_fields:
        scope_value = record.__data__.get(scope.name)
        query = query.where(scope.is_null() if scope_value is None else scope == scope_value)
    if validator.conditions:
        query = query.where(peewee.SQL(f"({validator.conditions})"))
    return query.exists()


_SQL_TYPES = ((peewee.UUIDField, "uuid"), (peewee.BooleanField, "boolean"), (peewee.BigIntegerField, "bigint"),
              (peewee.IntegerField, "bigint"), (peewee.DecimalField, "numeric"), (peewee.DoubleField, "float8"),
              (peewee.DateTimeField, "timestamp"), (peewee.DateField, "date"))


def _sql_type(field):
    if isinstance(field, peewee.ForeignKeyField):
        return "uuid"
    return next((name for kind, name in _SQL_TYPES if isinstance(field, kind)), "text")


def taken_rows(validator, attribute, rows):
    """The indexes of `rows` ((index, value, scope values) tuples) whose value is taken.

    Taken within the load (a later row repeats an earlier one's value and scope) or in the
    table (one query per load, joined on the values; one more for nil values).
    """
    field = validator.fields[attribute]
    insensitive = validator.case_sensitive is False and _text_column(field)
    found, seen = set(), set()
    for index, value, scope in rows:
        key = (value.lower() if insensitive and isinstance(value, str) else value, scope)
        if key in seen:
            found.add(index)
        seen.add(key)
    present = [row for row in rows if row[1] is not None]
    absent = [row for row in rows if row[1] is None]
    for group, nil in ((present, False), (absent, True)):
        if group:
            found |= _taken_in_table(validator, field, group, nil, insensitive)
    return found


def _taken_in_table(validator, field, rows, nil, insensitive):
    model = validator.model
    table = model._meta.table_name
    column = f't."{field.column_name}"'
    arrays = [[index for index, _, _ in rows]]
    names, casts = ["n"], ["bigint"]
    if nil:
        conditions = [f"{column} IS NULL"]
    else:
        arrays.append([field.db_value(value) for _, value, _ in rows])
        names.append("v")
        casts.append(_sql_type(field))
        conditions = [f"lower({column}) = lower(x.v)" if insensitive else f"{column} = x.v"]
    for position, scope in enumerate(validator.scope_fields):
        name = f"s{position}"
        arrays.append([scope.db_value(values[position]) for _, _, values in rows])
        names.append(name)
        casts.append(_sql_type(scope))
        scoped = f't."{scope.column_name}"'
        conditions.append(f"({scoped} = x.{name} OR ({scoped} IS NULL AND x.{name} IS NULL))")
    if validator.conditions:
        conditions.append(f"({validator.conditions})")
    unnest = ", ".join(f"%s::{cast}[]" for cast in casts)
    sql = (f"SELECT x.n FROM unnest({unnest}) AS x({', '.join(names)}) "
           f'WHERE EXISTS (SELECT 1 FROM "{table}" AS t WHERE {" AND ".join(conditions)})')
    cursor = model._meta.database.execute_sql(sql, arrays)
    return {row[0] for row in cursor.fetchall()}
