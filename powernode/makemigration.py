"""Write a playhouse.migrations script that turns a database into what the models declare.

Every difference `schema_check` reports becomes steps both ways: `Missing(x)`
creates x in `up()` and drops it in `down()`, `Extra(x)` the reverse, and a
`Mismatch` sets the models' value in `up()` and the database's in `down()`.
The steps are playhouse's `PostgresqlMigrator` operations (`add_column`,
`alter_column_type`, `add_not_null`, `add_column_default`, `add_index`,
`add_foreign_key_constraint`, `add_constraint`, their `drop_` twins, ...), frozen
in the script as calls; raw SQL only where the migrator has no operation:
CREATE TABLE, indexes on expressions or with an opclass or order, column comments.

Extra tables and columns are dropped with their rows: the script says so in a
note, and its `down()` restores them empty.
"""
import datetime
from dataclasses import dataclass
from typing import List, NamedTuple, Tuple

from .schema_check import Extra, Mismatch, Missing, check
from .schema_items import ColumnDef, ForeignKey, IndexDef, TableDef, quote_identifier, quote_literal
from .schema_ops import FrozenColumn, SQLText

__all__ = ["Step", "Plan", "plan", "steps", "render"]


@dataclass(frozen=True)
class Step:
    """One statement of a migration: a PostgresqlMigrator operation, or `execute` for raw SQL."""
    operation: str
    args: tuple = ()
    options: Tuple[Tuple[str, object], ...] = ()  # keyword arguments, in order

    def source(self) -> str:
        arguments = ", ".join([*map(_literal, self.args),
                               *(f"{name}={_literal(value)}" for name, value in self.options)])
        if self.operation == "execute":
            return f"execute(db, {arguments})"
        return f"migrator.migrate(migrator.{self.operation}({arguments}))"

    def imports(self) -> set:
        """The `powernode.schema_ops` names its source uses."""
        values = [*self.args, *(value for _, value in self.options)]
        names = {type(value).__name__ for value in values if isinstance(value, (FrozenColumn, SQLText))}
        return names | ({"execute"} if self.operation == "execute" else set())


def _literal(value) -> str:
    """Python source for an argument; SQL over several lines stays readable in triple quotes."""
    if isinstance(value, str) and "\n" in value and '"""' not in value and "\\" not in value \
            and not value.endswith('"'):
        return f'"""{value}"""'
    return repr(value)


def _execute(sql: str) -> Step:
    return Step("execute", (sql,))


# The order `up()` runs in; `down()` runs the undoing steps in the reverse order.
(DROP_FOREIGN_KEYS, DROP_INDEXES_AND_CHECKS, DROP_COLUMNS_AND_TABLES, CREATE_TABLES_AND_COLUMNS,
 ALTER_TYPES, ALTER_DEFAULTS, ALTER_NULLS, CREATE_INDEXES_AND_CHECKS, CREATE_FOREIGN_KEYS) = range(9)

_CREATE_PHASE = {"table": CREATE_TABLES_AND_COLUMNS, "column": CREATE_TABLES_AND_COLUMNS,
                 "index": CREATE_INDEXES_AND_CHECKS, "check": CREATE_INDEXES_AND_CHECKS,
                 "foreign_key": CREATE_FOREIGN_KEYS}
_DROP_PHASE = {"table": DROP_COLUMNS_AND_TABLES, "column": DROP_COLUMNS_AND_TABLES,
               "index": DROP_INDEXES_AND_CHECKS, "check": DROP_INDEXES_AND_CHECKS,
               "foreign_key": DROP_FOREIGN_KEYS}
_ALTER_PHASE = {"type": ALTER_TYPES, "default": ALTER_DEFAULTS, "null": ALTER_NULLS}


class Change(NamedTuple):
    """What `up()` does for one item and what `down()` does to undo it."""
    phase: int
    up: List[Step]
    down: List[Step]


def create(item) -> List[Step]:
    """The steps that make `item` exist (a table's foreign keys excepted: see `changes`)."""
    if isinstance(item, TableDef):
        return ([_execute(item.create_sql())] + [step for index in item.indexes for step in create(index)]
                + [step for column in item.columns for step in _comment(column)])
    if isinstance(item, ColumnDef):
        column = FrozenColumn(item.type, null=item.nullable, server_default=item.default)
        return [Step("add_column", (item.table, item.name, column), (("allow_not_null", True),))] + _comment(item)
    if isinstance(item, IndexDef):
        if item.columns is None or (item.tail and item.where is None):  # expression, opclass, order, INCLUDE...
            return [_execute(item.sql())]
        options = [("unique", item.unique)] if item.unique else []
        options += [("using", item.using)] if item.using != "btree" else []
        options += [("where", SQLText(item.where))] if item.where is not None else []
        return [Step("add_index", (item.table, item.columns), (*options, ("name", item.name)))]
    if isinstance(item, ForeignKey):
        return [Step("add_foreign_key_constraint", (item.table, item.column, item.to_table, "id"),
                     (("on_delete", item.on_delete), ("constraint_name", item.name)))]
    return [Step("add_constraint", (item.table, item.name, SQLText(item.definition)))]  # a check


def drop(item) -> List[Step]:
    """The steps that remove `item`."""
    if isinstance(item, TableDef):
        return [Step("drop_table", (item.name,))]
    if isinstance(item, ColumnDef):
        return [Step("drop_column", (item.table, item.name), (("cascade", False),))]
    if isinstance(item, IndexDef):
        return [Step("drop_index", (item.table, item.name))]
    return [Step("drop_constraint", (item.table, item.name))]  # a check or a foreign key


def _comment(column: ColumnDef) -> List[Step]:
    if not column.comment:
        return []
    return [_execute(f"COMMENT ON COLUMN {quote_identifier(column.table)}.{quote_identifier(column.name)} "
                     f"IS {quote_literal(column.comment)}")]


def _set(table, column, attribute, value) -> List[Step]:
    """The steps that give `table.column` the `value` of one of its attributes (type, null or default)."""
    if attribute == "type":
        return [Step("alter_column_type", (table, column, FrozenColumn(value)),
                     (("cast", f"{quote_identifier(column)}::{value}"),))]
    if attribute == "null":
        return [Step("drop_not_null" if value else "add_not_null", (table, column))]
    if value is None:
        return [Step("drop_column_default", (table, column))]
    return [Step("add_column_default", (table, column, SQLText(value)))]


def changes(difference) -> List[Change]:
    """The changes that resolve one difference, each with its undoing."""
    if isinstance(difference, Mismatch):
        d = difference
        return [Change(_ALTER_PHASE[d.attribute], _set(d.table, d.column, d.attribute, d.model_value),
                       _set(d.table, d.column, d.attribute, d.database_value))]
    item = difference.item
    keys = item.foreign_keys if isinstance(item, TableDef) else ()  # added once every table exists
    if isinstance(difference, Missing):
        return ([Change(_CREATE_PHASE[item.kind], create(item), drop(item))]
                + [Change(CREATE_FOREIGN_KEYS, create(key), drop(key)) for key in keys])
    return ([Change(DROP_FOREIGN_KEYS, drop(key), create(key)) for key in keys]
            + [Change(_DROP_PHASE[item.kind], drop(item), create(item))])


def steps(differences) -> Tuple[List[Step], List[Step]]:
    """(up steps, down steps) resolving `differences`; down undoes up, last step first."""
    ordered = sorted((change for d in differences for change in changes(d)), key=lambda change: change.phase)
    return ([step for change in ordered for step in change.up],
            [step for change in reversed(ordered) for step in change.down])


def _notes(differences) -> List[str]:
    notes = []
    for d in differences:
        if isinstance(d, Missing) and d.kind == "missing_column" and not d.item.nullable and d.item.default is None:
            notes.append(f"{d.table}.{d.column} is NOT NULL without a default: "
                         "fill existing rows before this runs on a table that has any")
        elif isinstance(d, Extra) and d.kind == "extra_column":
            notes.append(f"up() drops column {d.table}.{d.column} and its data; down() restores the column empty")
        elif isinstance(d, Extra) and d.kind == "extra_table":
            notes.append(f"up() drops table {d.table} and its rows; down() restores the table empty")
    return notes


class Plan(NamedTuple):
    up: List[Step]
    down: List[Step]
    notes: List[str]


def plan(db, models, context=None) -> Plan:
    """The steps that bring `db` to `models`, the steps that undo them, and notes for the reader.

    context: every selected model, so that foreign keys to other namespaces' tables count.
    """
    differences = check(db, models, context).differences
    up, down = steps(differences)
    return Plan(up, down, _notes(differences))


def render(name, up, down, notes) -> str:
    """The migration file's text: the steps as migrator calls and raw SQL, under playhouse's runner."""
    def body(steps):
        return "\n".join(f"    {step.source()}" for step in steps) or "    pass"

    imports = sorted(set().union(*(step.imports() for step in up + down)))
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [f'"""{name}"""', f"# Written by `powernode makemigration` on {stamp} from the models' difference "
             "with the database."]
    lines += [f"from powernode.schema_ops import {', '.join(imports)}"] if imports else []
    lines += [""] + [f"# NOTE: {note}" for note in notes] + ([""] if notes else [])
    lines += ["", "def up(migrator, db):", body(up), "", "", "def down(migrator, db):", body(down), ""]
    return "\n".join(lines)
