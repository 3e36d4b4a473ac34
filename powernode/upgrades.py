"""Upgrade migrations: bring a namespace's tables from one platform schema version to the next.

An upgrade migration (`0002_<ns>_<version>.py`, written by tools/generate.py) freezes the
new version's definition of each table it adds, changes or adopts (a table another
namespace held before), in the reference catalog's own form, and the tables the platform
removed. `upgrade()` reconciles the live database with those definitions, so a table that
moved between namespaces is adopted whether or not its old namespace was migrated:

- a missing table is created; a present one gets its columns, indexes, checks and
  foreign keys added, changed or removed until it matches;
- what would destroy data is refused while the data is there, with one line naming it,
  unless the run is confirmed (`migrate --allow-destructive`): dropping a table or a
  column that holds rows, a type change that is not a widening, a NOT NULL (new or
  existing column) that rows do not satisfy (those rows are what it would delete);
- a table that leaves the namespace for another (the core for an optional extension)
  is never dropped: the migration does not touch it.

Each migration runs in its own transaction: a refusal leaves the database as it was.
"""
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Dict, Iterable, List, Optional

from .errors import DestructiveMigration
from .introspect import Snapshot, fetch_all, snapshot
from .schema_check import normalize_default, normalize_expression
from .schema_items import IndexDef, quote_identifier as q, quote_literal
from .schema_ops import add_foreign_keys, execute, install_uuidv7, require_extensions

__all__ = ["upgrade", "downgrade", "allowing_destructive", "rails_fk_name", "table_statements"]

_ALLOWED: ContextVar[bool] = ContextVar("powernode_allow_destructive", default=False)

ON_DELETE = {None: "", "cascade": " ON DELETE CASCADE", "nullify": " ON DELETE SET NULL",
             "restrict": " ON DELETE RESTRICT"}
LIVE_ON_DELETE = {None: None, "cascade": "CASCADE", "nullify": "SET NULL", "restrict": "RESTRICT"}


@contextmanager
def allowing_destructive(allowed=True):
    """Within this block, upgrade migrations run the operations that destroy data (the user confirmed)."""
    token = _ALLOWED.set(allowed)
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def rails_fk_name(table, column):
    import hashlib

    return "fk_rails_" + hashlib.sha256(f"{table}_{column}_fk".encode()).hexdigest()[:10]


# -- rendering a catalog table ------------------------------------------------------------------

def _column_sql(column):
    sql = f'{q(column["name"])} {column["sql_type"]}'
    if column.get("default_sql") is not None:
        sql += f' DEFAULT {column["default_sql"]}'
    return sql + ("" if column["null"] else " NOT NULL")


def _index_sql(table, index):
    if isinstance(index["columns"], str):
        keys = index["columns"]
    else:
        order = index.get("order") or {}
        keys = ", ".join(q(c) + (f' {index["opclass"]}' if index.get("opclass") else "")
                         + (f" {order[c].upper()}" if c in order else "") for c in index["columns"])
    unique = "UNIQUE " if index.get("unique") else ""
    using = f' USING {index["using"]}' if index.get("using") else ""
    where = f' WHERE {index["where"]}' if index.get("where") else ""
    return f'CREATE {unique}INDEX {q(index["name"])} ON {q(table)}{using} ({keys}){where}'


def _check_sql(table, check):
    return f'ALTER TABLE {q(table)} ADD CONSTRAINT {q(check["name"])} CHECK ({check["expression"]})'


def _comment_sql(table, column, text):
    value = quote_literal(text) if text is not None else "NULL"
    return f"COMMENT ON COLUMN {q(table)}.{q(column)} IS {value}"


def table_statements(spec) -> List[str]:
    """CREATE TABLE, its indexes and comments, for a table in the catalog's form (id defaults to uuidv7())."""
    name = spec["table"]
    parts = ['"id" uuid NOT NULL PRIMARY KEY DEFAULT uuidv7()'] if spec.get("primary_key") else []
    parts += [_column_sql(c) for c in spec["columns"]]
    parts += [f'CONSTRAINT {q(c["name"])} CHECK ({c["expression"]})' for c in spec["checks"]]
    statements = [f"CREATE TABLE {q(name)} ({', '.join(parts)})"]
    statements += [_index_sql(name, index) for index in spec["indexes"]]
    statements += [_comment_sql(name, c["name"], c["comment"]) for c in spec["columns"] if c.get("comment")]
    return statements


def foreign_key(table, key):
    from .schema_items import ForeignKey

    return ForeignKey(key["name"] or rails_fk_name(table, key["column"]), table, key["column"], key["to_table"],
                      LIVE_ON_DELETE[key["on_delete"]])


# -- what destroys data -------------------------------------------------------------------------

def _refuse(what: str):
    if not _ALLOWED.get():
        raise DestructiveMigration(f"this upgrade would {what}: back the data up, then run "
                                   "'powernode migrate --allow-destructive' to confirm")


def _refuse_new_not_null(db, table, column):
    """A new NOT NULL column with no default on a table with rows: those rows go, once confirmed."""
    _refuse(f"delete the {_count(db, table)} rows of {table}: its new column {column} is NOT NULL with no "
            f"default (to keep them, add {column} and fill it first)")
    execute(db, f"DELETE FROM {q(table)}")


def _count(db, table, where="TRUE") -> int:
    return fetch_all(db, f"SELECT count(*) FROM {q(table)} WHERE {where}")[0][0]


_WIDENINGS = [
    (r"character varying\((\d+)\)", r"character varying\((\d+)\)", lambda a, b: int(b[0]) >= int(a[0])),
    (r"character varying(\(\d+\))?", r"character varying|text", None),
    (r"character\((\d+)\)", r"character varying|text", None),
    (r"smallint", r"integer|bigint|numeric.*", None),
    (r"integer", r"bigint|numeric.*", None),
    (r"numeric\((\d+),(\d+)\)", r"numeric\((\d+),(\d+)\)",
     lambda a, b: int(b[1]) >= int(a[1]) and int(b[0]) - int(b[1]) >= int(a[0]) - int(a[1])),
    (r"numeric.*", r"numeric", None),
    (r"real", r"double precision", None),
    (r"timestamp\((\d)\) without time zone", r"timestamp( without time zone|\((\d)\) without time zone)",
     lambda a, b: b[1] is None or int(b[1]) >= int(a[0])),
    (r"json", r"jsonb", None),
]


def is_widening(old: str, new: str) -> bool:
    """Whether every value of type `old` converts to `new` unchanged."""
    old, new = old.replace(", ", ","), new.replace(", ", ",")
    if old == new:
        return True
    for before, after, holds in _WIDENINGS:
        a, b = re.fullmatch(before, old), re.fullmatch(after, new)
        if a and b and (holds is None or holds(a.groups(), b.groups())):
            return True
    return False


# -- reconciling one table ----------------------------------------------------------------------

def _reconcile(db, spec, live: Snapshot):
    name = spec["table"]
    rows = None

    def has_rows():
        nonlocal rows
        if rows is None:
            rows = _count(db, name)
        return rows

    wanted = {c["name"]: c for c in spec["columns"]}
    held = {column: item for (table, column), item in live.columns.items() if table == name and column != "id"}
    for column in held.keys() - wanted.keys():
        if has_rows() and _count(db, name, f"{q(column)} IS NOT NULL"):
            _refuse(f"drop column {name}.{column}, which holds values in {has_rows()} rows")
        execute(db, f"ALTER TABLE {q(name)} DROP COLUMN {q(column)}")
    for column, want in wanted.items():
        have = held.get(column)
        if have is None:
            if not want["null"] and want.get("default_sql") is None and has_rows():
                _refuse_new_not_null(db, name, column)
            execute(db, f"ALTER TABLE {q(name)} ADD COLUMN {_column_sql(want)}")
        else:
            _change_column(db, name, want, have, has_rows)
        if have is None or (have.comment or None) != (want.get("comment") or None):
            if want.get("comment") or have is not None:
                execute(db, _comment_sql(name, column, want.get("comment")))

    indexes = {index: item for (table, index), item in live.indexes.items() if table == name}
    specified = {index["name"]: IndexDef.from_sql(name, _index_sql(name, index)) for index in spec["indexes"]}
    for index, item in indexes.items():
        if index not in specified or not _same_index(specified[index], item):
            execute(db, f"DROP INDEX IF EXISTS {q(index)}")
    for index in spec["indexes"]:
        item = indexes.get(index["name"])
        if item is None or not _same_index(specified[index["name"]], item):
            execute(db, _index_sql(name, index))

    checks = {check: item for (table, check), item in live.checks.items() if table == name}
    specified = {check["name"]: check for check in spec["checks"]}
    for check, item in checks.items():
        want = specified.get(check)
        expected = f"CHECK ({want['expression']})" if want is not None else None
        if expected is None or normalize_expression(item.definition) != normalize_expression(expected):
            execute(db, f"ALTER TABLE {q(name)} DROP CONSTRAINT IF EXISTS {q(check)}")
            checks[check] = None
    for check in spec["checks"]:
        if checks.get(check["name"]) is None:
            execute(db, _check_sql(name, check))

    keys = {k.column: k for (table, _), k in live.foreign_keys.items() if table == name}
    specified = {k["column"]: foreign_key(name, k) for k in spec["foreign_keys"]}
    for column, key in keys.items():
        want = specified.get(column)
        if want is None or (want.name, want.to_table, want.on_delete) != (key.name, key.to_table, key.on_delete):
            execute(db, f"ALTER TABLE {q(name)} DROP CONSTRAINT IF EXISTS {q(key.name)}")


def _change_column(db, table, want, have, has_rows):
    column = want["name"]
    if want["sql_type"] != have.type:
        if not is_widening(have.type, want["sql_type"]) and has_rows():
            _refuse(f"change {table}.{column} from {have.type} to {want['sql_type']}, which may not hold "
                    f"the values of its {has_rows()} rows")
        default = normalize_default(have.default)
        if default is not None:  # a default of the old type may not cast on its own
            execute(db, f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} DROP DEFAULT")
        alter = f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} TYPE {want['sql_type']} USING "
        try:
            with db.atomic():
                execute(db, alter + f"{q(column)}::{want['sql_type']}")
        except Exception:  # no cast from the old type: the values cannot be kept (confirmed above if any)
            if have.nullable:
                execute(db, alter + "NULL")
            else:
                execute(db, f"ALTER TABLE {q(table)} DROP COLUMN {q(column)}")
                execute(db, f"ALTER TABLE {q(table)} ADD COLUMN {_column_sql(want)}")
                return
        have = have.__class__(have.table, have.name, want["sql_type"], have.nullable, None, have.comment)
    if normalize_default(have.default) != normalize_default(want.get("default_sql")):
        if want.get("default_sql") is None:
            execute(db, f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} DROP DEFAULT")
        else:
            execute(db, f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} SET DEFAULT {want['default_sql']}")
    if have.nullable and not want["null"]:
        nulls = has_rows() and _count(db, table, f"{q(column)} IS NULL")
        if nulls:
            _refuse(f"delete {nulls} rows of {table}: its column {column} becomes NOT NULL and they hold NULL")
            execute(db, f"DELETE FROM {q(table)} WHERE {q(column)} IS NULL")
        execute(db, f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} SET NOT NULL")
    elif not have.nullable and want["null"]:
        execute(db, f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} DROP NOT NULL")


def _same_index(expected: IndexDef, actual: IndexDef) -> bool:
    def loose(index):
        return normalize_expression(index.definition.lower().replace('"', ""))

    return loose(expected) == loose(actual)


# -- a migration's up() and down() --------------------------------------------------------------

def _extensions(specs) -> List[str]:
    types = {c["sql_type"] for spec in specs for c in spec["columns"]}
    return [name for name in ("vector", "ltree") if any(t.startswith(name) for t in types)]


def _rename(db, renames, live, tables):
    for table, pairs in (renames or {}).items():
        for old, new in pairs.items():
            if (table, old) in live.columns and (table, new) not in live.columns:
                execute(db, f"ALTER TABLE {q(table)} RENAME COLUMN {q(old)} TO {q(new)}")
    return snapshot(db, tables) if renames else live


def upgrade(db, namespace: str, tables: Dict[str, dict], dropped: Iterable[str] = (), foreign_keys=(),
            renames=None):
    """Make `tables` (name -> the new version's definition) so, drop `dropped`, add `foreign_keys`;
    `renames` (table -> {old: new}) first."""
    if namespace == "core":
        install_uuidv7(db)  # new tables' keys default to it
    extensions = _extensions(tables.values())
    if extensions:
        require_extensions(db, extensions, namespace)
    concerned = [*tables, *dropped]
    live = _rename(db, renames, snapshot(db, concerned), concerned)
    for name, spec in tables.items():  # first what the user can prevent by filling a column, before any other
        if name in live.tables:
            for column in spec["columns"]:
                if ((name, column["name"]) not in live.columns and not column["null"]
                        and column.get("default_sql") is None and _count(db, name)):
                    _refuse_new_not_null(db, name, column["name"])
    for name in dropped:
        if name in live.tables:
            count = _count(db, name)
            if count:
                _refuse(f"drop table {name} and its {count} rows (the platform removed it)")
            execute(db, f"DROP TABLE {q(name)} CASCADE")
    for name, spec in tables.items():
        if name in live.tables:
            _reconcile(db, spec, live)
        else:
            execute(db, ";\n".join(table_statements(spec)))
    keys = [foreign_key(name, key) for name, spec in tables.items() for key in spec["foreign_keys"]]
    add_foreign_keys(db, _unique_present(db, [*keys, *foreign_keys]))


def _unique_present(db, keys):
    """Each key once, if its column exists: another namespace's table may be at its older version still
    (its own migration, which lists the key too, adds it)."""
    columns = set(fetch_all(db, "SELECT table_name, column_name FROM information_schema.columns "
                                "WHERE table_schema = current_schema()"))
    return [key for key in {key.name: key for key in keys}.values() if (key.table, key.column) in columns]


def downgrade(db, namespace: str, previous: Dict[str, Optional[dict]], restored: Dict[str, dict] = None,
              renames=None, foreign_keys=()):
    """Undo `upgrade`: each table back to its previous definition (None: it did not exist, drop it);
    `restored`: the tables the upgrade dropped, made again (empty); `renames` undone."""
    back = {table: {new: old for old, new in pairs.items()} for table, pairs in (renames or {}).items()}
    concerned = [*previous, *(restored or {})]
    live = _rename(db, back, snapshot(db, concerned), concerned)
    for name, spec in previous.items():
        if spec is None:
            if name in live.tables:
                count = _count(db, name)
                if count:
                    _refuse(f"drop table {name} and its {count} rows (it is new in the version rolled back)")
                execute(db, f"DROP TABLE {q(name)} CASCADE")
        elif name in live.tables:
            _reconcile(db, spec, live)
    for spec in (restored or {}).values():
        if spec["table"] not in live.tables:
            execute(db, ";\n".join(table_statements(spec)))
    specs = [s for s in [*previous.values(), *(restored or {}).values()] if s is not None]
    add_foreign_keys(db, _unique_present(db, [*(foreign_key(s["table"], k) for s in specs for k in s["foreign_keys"]),
                                  *foreign_keys]))
