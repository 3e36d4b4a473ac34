"""Write a playhouse.migrations script for the difference between the models and a database.

Extends what `playhouse.migrations`' `generate` does (create tables, add and
drop columns and plain indexes) to every difference `schema_check` finds:
types, nullability, defaults, partial/expression/GIN/HNSW indexes, foreign
keys and checks. The script freezes the SQL, with a `down()` that undoes it.
Extra tables and columns are left alone (dropping data is a human's call):
the script lists them in a comment.
"""
import datetime
from typing import List, Tuple

from .ddl import foreign_keys, table_statements
from .schema_check import check, expected_type

__all__ = ["plan", "render"]


def _columns_sql(db, field) -> str:
    ctx = db.get_sql_context()
    return ctx.sql(field.ddl(ctx)).query()[0]


def plan(db, models, context=None) -> Tuple[List[str], List[str], List[str]]:
    """(up statements, down statements newest first, notes) for `models` against `db`.

    context: every selected model, so that foreign keys to other namespaces' tables count.
    """
    result = check(db, models, context)
    by_table = {m._meta.table_name: m for m in models}
    up, down, notes = [], [], []
    selected = {m._meta.table_name for m in (context or models)}
    for d in result.differences:
        model = by_table.get(d.table)
        t = f'"{d.table}"'
        if d.kind == "missing_table":
            up += table_statements(db, model)
            up += [k.sql() for k in foreign_keys(model) if k.to_table in selected]
            down.append(f"DROP TABLE IF EXISTS {t} CASCADE")
        elif d.kind == "missing_column":
            field = model._meta.columns[d.column]
            up.append(f"ALTER TABLE {t} ADD COLUMN {_columns_sql(db, field)}")
            down.append(f'ALTER TABLE {t} DROP COLUMN "{d.column}"')
            if not field.null and getattr(field, "server_default", None) is None:
                notes.append(f"{d.table}.{d.column} is NOT NULL without a default: "
                             "fill existing rows before this runs on a table that has any")
        elif d.kind == "type_mismatch":
            field = model._meta.columns[d.column]
            wanted = expected_type(db, field)
            up.append(f'ALTER TABLE {t} ALTER COLUMN "{d.column}" TYPE {wanted} USING "{d.column}"::{wanted}')
            down.append(f'ALTER TABLE {t} ALTER COLUMN "{d.column}" TYPE {d.actual} USING "{d.column}"::{d.actual}')
        elif d.kind == "null_mismatch":
            field = model._meta.columns[d.column]
            verb, undo = ("DROP", "SET") if field.null else ("SET", "DROP")
            up.append(f'ALTER TABLE {t} ALTER COLUMN "{d.column}" {verb} NOT NULL')
            down.append(f'ALTER TABLE {t} ALTER COLUMN "{d.column}" {undo} NOT NULL')
        elif d.kind == "default_mismatch":
            up.append(_set_default(t, d.column, d.expected))
            down.append(_set_default(t, d.column, d.actual))
        elif d.kind == "missing_index":
            name = d.expected.split(":", 1)[0]
            index = next(i for i in model._meta.fields_to_index() if i._name == name)
            up.append(db.get_sql_context().sql(index).query()[0])
            down.append(f'DROP INDEX IF EXISTS "{name}"')
        elif d.kind == "extra_index":
            name, definition = d.actual.split(": ", 1)
            up.append(f'DROP INDEX IF EXISTS "{name}"')
            unique = "UNIQUE " if definition.startswith("UNIQUE ") else ""
            down.append(f'CREATE {unique}INDEX "{name}" ON {t} {definition[len(unique):]}')
        elif d.kind == "missing_foreign_key":
            key = next(k for k in foreign_keys(model) if k.column == d.column)
            up.append(key.sql())
            down.append(f'ALTER TABLE {t} DROP CONSTRAINT IF EXISTS "{key.name}"')
        elif d.kind == "extra_foreign_key":
            name = d.actual.split(" ", 1)[0]
            up.append(f'ALTER TABLE {t} DROP CONSTRAINT IF EXISTS "{name}"')
            notes.append(f"down() does not restore foreign key {name} on {d.table}.{d.column}")
        elif d.kind == "missing_check":
            name, definition = d.expected.split(": ", 1)
            up.append(f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {definition}')
            down.append(f'ALTER TABLE {t} DROP CONSTRAINT IF EXISTS "{name}"')
        elif d.kind == "extra_check":
            name, definition = d.actual.split(": ", 1)
            up.append(f'ALTER TABLE {t} DROP CONSTRAINT IF EXISTS "{name}"')
            down.append(f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {definition}')
        elif d.kind in ("extra_table", "extra_column"):
            notes.append(f"left in place: {d.kind.replace('_', ' ')} {d.table}{'.' + d.column if d.column else ''}")
    return up, list(reversed(down)), notes


def _set_default(table, column, sql):
    if sql is None:
        return f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT'
    return f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {sql}'


def render(name, up, down, notes) -> str:
    """The migration file's text: frozen SQL, run on a raw cursor as the generated migrations do."""
    def block(statements):
        return "".join(f"    {s!r},\n" for s in statements)

    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [f'"""{name}"""', f"# Written by `powernode makemigration` on {stamp} from the models' difference "
             "with the database.", "from powernode.schema_ops import execute", ""]
    lines += [f"# NOTE: {note}" for note in notes] + ([""] if notes else [])
    lines += ["UP = [", block(up).rstrip("\n"), "]", "", "DOWN = [", block(down).rstrip("\n"), "]", "", "",
              "def up(migrator, db):", "    for statement in UP:", "        execute(db, statement)", "", "",
              "def down(migrator, db):", "    for statement in DOWN:", "        execute(db, statement)", ""]
    return "\n".join(line for line in lines if line is not None)
