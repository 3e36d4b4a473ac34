"""Where a live database and the models differ, item by item.

`playhouse.schema_diff` finds missing tables, columns and indexes by
signature; this compares everything the platform's schema carries: column
types, nullability and defaults, index definitions (partial, expression, GIN,
HNSW with opclass), foreign keys with `on_delete`, and check constraints.
It only reads (`check()` runs in a read-only transaction).

A difference is data, as in `playhouse.schema_diff`: `Missing(item)` and
`Extra(item)` carry the `schema_items` value (table, column, index, foreign key,
check) the models declare or the database holds, and `Mismatch` a column's
type, nullability or default on each side. `makemigration` builds operations
from those fields; `describe()` and `as_dict()` are only for showing them.
"""
import re
from dataclasses import dataclass, field as dataclass_field
from typing import Any, List, Optional, Union

import peewee

from .ddl import foreign_keys
from .introspect import IGNORED_TABLES, snapshot
from .schema_items import CheckDef, ColumnDef, ForeignKey, IndexDef, TableDef

__all__ = ["Difference", "Missing", "Extra", "Mismatch", "CheckResult", "check", "expected_type", "BLOCKING"]

# The differences that stop the database from serving the models; the others are notes.
BLOCKING = {"missing_table", "missing_column", "type_mismatch", "null_mismatch"}

Item = Union[TableDef, ColumnDef, IndexDef, CheckDef, ForeignKey]


class Shown:
    """What every difference shares: its kind, whether it blocks, and how `check` shows it."""

    def __post_init__(self):
        if self.blocking is None:
            object.__setattr__(self, "blocking", self.kind in BLOCKING)

    def as_dict(self):
        return {"kind": self.kind, "table": self.table, "column": self.column, "expected": self.expected,
                "actual": self.actual, "blocking": self.blocking}

    def describe(self) -> str:
        what = self.kind.replace("_", " ")
        subject = f"{self.column}: " if self.column else ""
        if self.expected is not None and self.actual is not None:
            return f"{subject}{what}: models {self.expected}, database {self.actual}"
        detail = self.expected if self.expected is not None else self.actual
        return f"{subject}{what}" + (f" ({detail})" if detail else "")


@dataclass(frozen=True)
class Missing(Shown):
    """The models declare `item`; the database lacks it (or holds it differently: then an `Extra` too)."""
    item: Item
    note: Optional[str] = None  # shown in place of the item's summary, e.g. "a table powernode adds"
    blocking: bool = dataclass_field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return f"missing_{self.item.kind}"

    @property
    def table(self) -> str:
        return self.item.table

    @property
    def column(self) -> Optional[str]:
        return self.item.column

    @property
    def expected(self) -> Optional[str]:
        return self.note if self.note is not None else self.item.summary()

    actual = None


@dataclass(frozen=True)
class Extra(Shown):
    """The database holds `item`; the models do not declare it (or declare it differently)."""
    item: Item
    blocking: bool = dataclass_field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return f"extra_{self.item.kind}"

    @property
    def table(self) -> str:
        return self.item.table

    @property
    def column(self) -> Optional[str]:
        return self.item.column

    @property
    def actual(self) -> Optional[str]:
        return self.item.summary()

    expected = None


@dataclass(frozen=True)
class Mismatch(Shown):
    """A column's `attribute` ("type", "null" or "default") differs: the models' value, the database's.

    Values are typed: a type is format_type() text, null a bool (True: NULL allowed),
    a default SQL text or None.
    """
    table: str
    column: str
    attribute: str
    model_value: Any
    database_value: Any
    blocking: bool = dataclass_field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return f"{self.attribute}_mismatch"

    @property
    def expected(self):
        return self._shown(self.model_value)

    @property
    def actual(self):
        return self._shown(self.database_value)

    def _shown(self, value):
        if self.attribute == "null":
            return "NULL" if value else "NOT NULL"
        return value


Difference = Union[Missing, Extra, Mismatch]


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


def model_table(db, model, model_tables) -> TableDef:
    """What the models declare for `model`'s table, foreign keys to `model_tables` included."""
    table = model._meta.table_name
    columns = tuple(ColumnDef(table, field.column_name, expected_type(db, field), bool(field.null),
                              getattr(field, "server_default", None), field.help_text or None)
                    for field in model._meta.sorted_fields)
    indexes = tuple(IndexDef.from_sql(table, db.get_sql_context().sql(index).query()[0])
                    for index in model._meta.fields_to_index())
    checks = tuple(CheckDef(table, c.name, f"CHECK ({c.expression})") for c in model._meta.check_specs)
    keys = tuple(k for k in foreign_keys(model) if k.to_table in model_tables)
    return TableDef(table, columns, _primary_key(model), indexes, checks, keys)


def _primary_key(model):
    key = model._meta.primary_key
    if not key:
        return ()
    if isinstance(key, peewee.CompositeKey):
        return tuple(model._meta.fields[name].column_name for name in key.field_names)
    return (key.column_name,)


def check(db, models, context=None) -> CheckResult:
    """Compare `models` (their tables) with the database `db` is connected to.

    context: the wider set of models `models` belong to (a namespace's within a
    selection): foreign keys to their tables are expected too, and tables outside
    `models` are not reported as extra.
    """
    with db.atomic():
        db.execute_sql("SET TRANSACTION READ ONLY")
        live = snapshot(db).table_defs()
    differences = []
    tables = {m._meta.table_name: m for m in models}
    model_tables = {m._meta.table_name for m in (context or models)}
    if context is None:
        differences += [Extra(live[name]) for name in sorted(set(live) - model_tables - IGNORED_TABLES)]
    for name in sorted(tables):
        model = tables[name]
        wanted = model_table(db, model, model_tables)
        if name in live:
            differences += compare_tables(wanted, live[name])
        elif getattr(model._meta, "platform_table", True):
            differences.append(Missing(wanted))
        else:  # designed here for a seed-document name: the platform's database never has it
            differences.append(Missing(wanted, note="a table powernode adds", blocking=False))
    return CheckResult(differences)


def compare_tables(wanted: TableDef, have: TableDef) -> List[Difference]:
    """The differences between a table as declared and as the database holds it."""
    def by(attribute, items):
        return {getattr(item, attribute): item for item in items}

    return [*_columns(wanted, have),
            *_pair(by("name", wanted.indexes), by("name", have.indexes), _same_index),
            # a foreign key is known by its column: the target and on_delete must agree, the name may differ
            *_pair(by("column", wanted.foreign_keys), by("column", have.foreign_keys),
                   lambda a, b: (a.to_table, a.on_delete) == (b.to_table, b.on_delete)),
            *_pair(by("name", wanted.checks), by("name", have.checks),
                   lambda a, b: normalize_expression(a.definition) == normalize_expression(b.definition))]


def _columns(wanted: TableDef, have: TableDef):
    declared = {c.name: c for c in wanted.columns}
    held = {c.name: c for c in have.columns}
    for name in sorted(set(held) - set(declared)):
        yield Extra(held[name])
    for name, want in declared.items():
        found = held.get(name)
        if found is None:
            yield Missing(want)
            continue
        if want.type != found.type:
            yield Mismatch(wanted.name, name, "type", want.type, found.type)
        if want.nullable != found.nullable:
            yield Mismatch(wanted.name, name, "null", want.nullable, found.nullable)
        if normalize_default(want.default) != normalize_default(found.default):
            yield Mismatch(wanted.name, name, "default", want.default, found.default)


def _pair(expected, actual, same):
    """Missing/Extra differences between two {key: item} maps; an item that changed is both."""
    for key in sorted(set(expected) | set(actual)):
        want, have = expected.get(key), actual.get(key)
        if want is not None and (have is None or not same(want, have)):
            yield Missing(want)
        if have is not None and (want is None or not same(want, have)):
            yield Extra(have)


def _same_index(expected: IndexDef, actual: IndexDef) -> bool:
    def loose(index):
        return normalize_expression(index.definition.lower().replace('"', ""))

    return loose(expected) == loose(actual)
