"""Build a database the way the platform's Rails app does, straight from the reference JSON.

Independent of the package's models and generator: it is the oracle the
conformance tests compare the package's migrations against. Primary keys get
the platform's `gen_random_uuid()`; unnamed foreign keys get Rails' names.
"""
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "reference"  # the vendored facts (reference/README.md)

RAILS_ON_DELETE = {None: "", "cascade": " ON DELETE CASCADE", "nullify": " ON DELETE SET NULL",
                   "restrict": " ON DELETE RESTRICT"}


def load_reference(name="powernode-schema.json"):
    return json.loads((REFERENCE_DIR / name).read_text())


def platform_tables(namespaces=None):
    """The reference's core tables (extension: false); with `namespaces`, every table of those namespaces
    (an optional extension's too: its tables carry its name, `trading`, `business`, ...)."""
    tables = load_reference()["tables"]
    if namespaces is None:
        return [t for t in tables if not t["extension"]]
    return [t for t in tables if t["namespace"] in namespaces]


def rails_fk_name(table, column):
    return "fk_rails_" + hashlib.sha256(f"{table}_{column}_fk".encode()).hexdigest()[:10]


def table_ddl(table):
    columns = []
    if table["primary_key"]:
        columns.append(f'"id" uuid DEFAULT {table["primary_key"]["default_sql"]} NOT NULL PRIMARY KEY')
    for column in table["columns"]:
        sql = f'"{column["name"]}" {column["sql_type"]}'
        if "default_sql" in column:
            sql += f' DEFAULT {column["default_sql"]}'
        if not column["null"]:
            sql += " NOT NULL"
        columns.append(sql)
    for check in table["checks"]:
        columns.append(f'CONSTRAINT "{check["name"]}" CHECK ({check["expression"]})')
    statements = [f'CREATE TABLE "{table["table"]}" ({", ".join(columns)})']
    for index in table["indexes"]:
        statements.append(index_ddl(table["table"], index))
    for column in table["columns"]:
        if column.get("comment"):
            text = column["comment"].replace("'", "''")
            statements.append(f'COMMENT ON COLUMN "{table["table"]}"."{column["name"]}" IS \'{text}\'')
    return statements


def index_ddl(table, index):
    if isinstance(index["columns"], str):
        parts = index["columns"]
    else:
        order = index.get("order") or {}
        parts = ", ".join(
            f'"{c}"' + (f' {index["opclass"]}' if index.get("opclass") else "")
            + (f" {order[c].upper()}" if c in order else "")
            for c in index["columns"])
    unique = "UNIQUE " if index.get("unique") else ""
    using = f' USING {index["using"]}' if index.get("using") else ""
    where = f' WHERE {index["where"]}' if index.get("where") else ""
    return f'CREATE {unique}INDEX "{index["name"]}" ON "{table}"{using} ({parts}){where}'


def foreign_key_ddl(table, key):
    name = key["name"] or rails_fk_name(table, key["column"])
    return (f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{key["column"]}") '
            f'REFERENCES "{key["to_table"]}" ("{key["to_column"]}"){RAILS_ON_DELETE[key["on_delete"]]}')


def build_platform_database(cursor, tables, extensions=("vector", "ltree")):
    """Create `tables` (reference dicts) with their indexes, checks and the foreign keys among them."""
    for extension in extensions:
        cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
    names = {t["table"] for t in tables}
    for table in tables:
        for statement in table_ddl(table):
            cursor.execute(statement)
    for table in tables:
        for key in table["foreign_keys"]:
            if key["to_table"] in names:
                cursor.execute(foreign_key_ddl(table["table"], key))
