"""Where a live database and the models differ, item by item.

`playhouse.schema_diff` finds missing tables, columns and indexes by
signature; this compares everything the platform's schema carries: column
types, nullability and defaults, index definitions (partial, expression, GIN,
HNSW with opclass), foreign keys with `on_delete`, and check constraints.
It only reads (`check()` runs in a read-only transaction).
"""
import re
from dataclasses import asdict, dataclass, field as dataclass_field
from typing import List, Optional

from .ddl import foreign_keys
from .introspect import snapshot

__all__ = ["Difference", "CheckResult", "check", "expected_type", "KINDS", "BLOCKING"]

KINDS = ("missing_table", "extra_table", "missing_column", "extra_column", "type_mismatch", "null_mismatch",
         "default_mismatch", "missing_index", "extra_index", "missing_foreign_key", "extra_foreign_key",
         "missing_check", "extra_check", "unreadable_value", "unencrypted_value")
# The differences that stop the database from serving the models; the others are notes.
BLOCKING = {"missing_table", "missing_column", "type_mismatch", "null_mismatch"}
IGNORED_TABLES = {"powernode_migrations"}


@dataclass(frozen=True)
class Difference:
    kind: str
    table: str
    column: Optional[str] = None
    expected: Optional[str] = None
    actual: Optional[str] = None
    blocking: bool = dataclass_field(default=None, compare=False)

    def __post_init__(self):
        if self.blocking is None:
            object.__setattr__(self, "blocking", self.kind in BLOCKING)

    def as_dict(self):
        data = asdict(self)
        del data["blocking"]
        return data

    def describe(self) -> str:
        what = self.kind.replace("_", " ")
        subject = f"{self.column}: " if self.column else ""
        if self.expected is not None and self.actual is not None:
            return f"{subject}{what}: models {self.expected}, database {self.actual}"
        detail = self.expected if self.expected is not None else self.actual
        return f"{subject}{what}" + (f" ({detail})" if detail else "")


@dataclass
class CheckResult:
    differences: List[Difference]

    @property
    def compatible(self) -> bool:
        return not any(d.blocking for d in self.differences)

    def as_dict(self):
        return {"compatible": self.compatible, "differences": [d.as_dict() for d in self.differences]}


# peewee's PostgreSQL type names -> format_type()'s
_TYPE_NAMES = {"varchar": "character varying", "timestamp": "timestamp without time zone",
               "time": "time without time zone", "double precision": "double precision", "decimal": "numeric",
               "bool": "boolean", "blob": "bytea", "datetime": "timestamp without time zone"}


def expected_type(db, field) -> str:
    """The column type as PostgreSQL's format_type() prints it."""
    ctx = db.get_sql_context()
    sql = ctx.sql(field.ddl_datatype(ctx)).query()[0].lower().replace(", ", ",")
    array = sql.endswith("[]")
    base = sql[:-2] if array else sql
    match = re.fullmatch(r"([a-z ]+?)(\(.*\))?", base)
    name, modifier = match.group(1), match.group(2) or ""
    name = _TYPE_NAMES.get(name, name)
    if name.endswith(" without time zone"):  # the precision sits before the suffix
        name = name.replace(" without time zone", f"{modifier} without time zone")
        modifier = ""
    return f"{name}{modifier}{'[]' if array else ''}"


_CAST = re.compile(r"::[a-z ]+(\(\d+(,\s*\d+)?\))?(\[\])?$")


def normalize_default(text: Optional[str]) -> Optional[str]:
    """A column default without the casts and parentheses PostgreSQL adds when it prints one."""
    if text is None:
        return None
    text = text.strip()
    while True:
        stripped = _CAST.sub("", text)
        if stripped.startswith("(") and stripped.endswith(")") and stripped.count("(") == 1:
            stripped = stripped[1:-1]
        if re.fullmatch(r"'-?\d+(\.\d+)?'", stripped):  # '0.5'::numeric prints as 0.5
            stripped = stripped[1:-1]
        if stripped == text:
            return text
        text = stripped


def normalize_expression(text: str) -> str:
    """Check and WHERE text compared loosely: no casts to text types, parentheses or spacing."""
    text = re.sub(r"::(text|character varying)(\[\])?", "", text)
    return re.sub(r"[\s()]", "", text)


def _index_definition(db, model, index) -> str:
    """An index as `[UNIQUE ]USING method (columns) [WHERE ...]`, the form introspect reads."""
    sql = db.get_sql_context().sql(index).query()[0]
    unique = "UNIQUE " if sql.startswith("CREATE UNIQUE") else ""
    body = sql.split(f' ON "{model._meta.table_name}" ', 1)[1]
    if not body.startswith("USING "):
        body = "USING btree " + body
    return unique + body


def _same_index(expected: str, actual: str) -> bool:
    def loose(definition):
        return normalize_expression(definition.lower().replace('"', ""))

    return loose(expected) == loose(actual)


def check(db, models, context=None) -> CheckResult:
    """Compare `models` (their tables) with the database `db` is connected to.

    context: the wider set of models `models` belong to (a namespace's within a
    selection): foreign keys to their tables are expected too, and tables outside
    `models` are not reported as extra.
    """
    with db.atomic():
        db.execute_sql("SET TRANSACTION READ ONLY")
        live = snapshot(db)
    differences = []
    tables = {m._meta.table_name: m for m in models}
    model_tables = {m._meta.table_name for m in (context or models)}
    if context is None:
        for name in sorted(live.tables - model_tables - IGNORED_TABLES):
            differences.append(Difference("extra_table", name))
    for name in sorted(tables):
        model = tables[name]
        if name not in live.tables:
            if getattr(model._meta, "platform_table", True):
                differences.append(Difference("missing_table", name))
            else:  # designed here for a seed-document name: the platform's database never has it
                differences.append(Difference("missing_table", name, expected="a table powernode adds",
                                              blocking=False))
            continue
        differences += _columns(db, model, live)
        differences += _indexes(db, model, live)
        differences += _foreign_keys(model, live, model_tables)
        differences += _checks(model, live)
    return CheckResult(differences)


def _columns(db, model, live):
    table = model._meta.table_name
    fields = {f.column_name: f for f in model._meta.sorted_fields}
    live_columns = {column for (t, column) in live.columns if t == table}
    for column in sorted(live_columns - set(fields)):
        yield Difference("extra_column", table, column, actual=live.columns[(table, column)].type)
    for column, field in fields.items():
        info = live.columns.get((table, column))
        if info is None:
            yield Difference("missing_column", table, column, expected=expected_type(db, field))
            continue
        wanted = expected_type(db, field)
        if wanted != info.type:
            yield Difference("type_mismatch", table, column, wanted, info.type)
        if bool(field.null) != info.nullable:
            yield Difference("null_mismatch", table, column, _null(field.null), _null(info.nullable))
        default = getattr(field, "server_default", None)
        if normalize_default(default) != normalize_default(info.default):
            yield Difference("default_mismatch", table, column, default, info.default)


def _null(nullable) -> str:
    return "NULL" if nullable else "NOT NULL"


def _pair(kind, table, expected, actual, same, column=None):
    """missing_/extra_ differences between two {key: definition} maps; a changed item is both."""
    for key in sorted(set(expected) | set(actual)):
        want, have = expected.get(key), actual.get(key)
        where = {"column": key} if column else {}
        label = (lambda text: text) if column else (lambda text: f"{key}: {text}")
        if want is not None and (have is None or not same(want, have)):
            yield Difference(f"missing_{kind}", table, expected=label(want), **where)
        if have is not None and (want is None or not same(want, have)):
            yield Difference(f"extra_{kind}", table, actual=label(have), **where)


def _indexes(db, model, live):
    table = model._meta.table_name
    expected = {index._name: _index_definition(db, model, index) for index in model._meta.fields_to_index()}
    actual = {name: definition for (t, name), definition in live.indexes.items() if t == table}
    return _pair("index", table, expected, actual, _same_index)


def _foreign_keys(model, live, model_tables):
    def text(name, to_table, on_delete):
        return f"{name} -> {to_table} ON DELETE {on_delete or 'NO ACTION'}"

    table = model._meta.table_name
    expected = {k.column: text(k.name, k.to_table, k.on_delete)
                for k in foreign_keys(model) if k.to_table in model_tables}
    actual = {fk.column: text(name, fk.to_table, fk.on_delete)
              for (t, name), fk in live.foreign_keys.items() if t == table}
    # the target and on_delete must agree; a constraint's name may differ
    return _pair("foreign_key", table, expected, actual, lambda a, b: a.split(" ", 1)[1] == b.split(" ", 1)[1],
                 column=True)


def _checks(model, live):
    table = model._meta.table_name
    expected = {c.name: f"CHECK ({c.expression})" for c in model._meta.check_specs}
    actual = {name: definition for (t, name), definition in live.checks.items() if t == table}
    return _pair("check", table, expected, actual, lambda a, b: normalize_expression(a) == normalize_expression(b))
