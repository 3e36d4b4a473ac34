"""One row in every table of a platform catalog, straight from the catalog (the models are of the newest
version; an older version's tables differ), and those rows read back for comparison.

Values are chosen so the platform's checks accept them: the first value an `= ANY (ARRAY[...])`
check allows, numbers within the usual bounds, strings of 40 characters where they fit,
`created_at` before every other timestamp. Every foreign key points at the row of its target
table; the rows go in with triggers off (session_replication_role) so the order does not matter,
and every key is satisfied once all are in.
"""
import datetime
import json
import re
import uuid

BASE = datetime.datetime(2026, 1, 1, 12, 0, 0)
_ALLOWED = re.compile(r"""\(?(\w+)\)?(?:::[\w ]+)*\s*=\s*ANY\s*\(\(?ARRAY\[\s*'((?:[^']|'')*)'""")


def allowed_first(table):
    """column -> the first value an `= ANY (ARRAY[...])` check allows."""
    found = {}
    for check in table["checks"]:
        for column, value in _ALLOWED.findall(check["expression"]):
            found.setdefault(column, value.replace("''", "'"))
    return found


def value(column, allowed):
    name, sql_type = column["name"], column["sql_type"]
    if name in allowed:
        return allowed[name]
    if sql_type.endswith("[]"):
        return "{}"
    limit = re.fullmatch(r"character varying\((\d+)\)", sql_type)
    if sql_type.startswith(("character varying", "text", "character")):
        text = f"{name}_{'x' * 40}"
        return text[: int(limit.group(1))] if limit else text
    if sql_type in ("integer", "bigint", "smallint"):
        return 1
    if sql_type.startswith(("numeric", "double precision", "real")):
        return 0.5
    if sql_type == "boolean":
        return False
    if sql_type.startswith("timestamp"):
        return BASE if name == "created_at" else BASE + datetime.timedelta(days=1)
    if sql_type == "date":
        return BASE.date() + datetime.timedelta(days=1)
    if sql_type.startswith("json"):
        return json.dumps({"k": name})
    if sql_type == "uuid":
        return str(uuid.uuid4())
    if sql_type == "inet":
        return "127.0.0.1"
    if sql_type.startswith("vector"):
        dimensions = int(re.search(r"\d+", sql_type).group())
        return "[" + ",".join(["0.1"] * dimensions) + "]"
    if sql_type == "ltree":
        return "root.n1"
    if sql_type == "tsvector":
        return "word"
    if sql_type == "interval":
        return "1 day"
    if sql_type.startswith("time"):
        return "12:00:00"
    raise AssertionError(f"no value for {sql_type} ({column['name']})")


def load_rows(connection, catalog):
    """Insert one row into every table of `catalog`; returns table -> its row's id (None for join tables)."""
    tables = catalog["tables"]
    ids = {t["table"]: str(uuid.uuid4()) if t["primary_key"] else None for t in tables}
    failed = []
    with connection, connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for table in tables:
            keys = {k["column"]: ids.get(k["to_table"]) for k in table["foreign_keys"]}
            allowed = allowed_first(table)
            row = {"id": ids[table["table"]]} if table["primary_key"] else {}
            for column in table["columns"]:
                row[column["name"]] = keys[column["name"]] if column["name"] in keys else value(column, allowed)
            for attempt in (row, {k: v for k, v in row.items() if k in keys or k == "id" or not _nullable(table, k)}):
                cursor.execute("SAVEPOINT row")
                try:
                    columns = ", ".join(f'"{name}"' for name in attempt)
                    cursor.execute(f'INSERT INTO "{table["table"]}" ({columns}) VALUES '
                                   f'({", ".join(["%s"] * len(attempt))})', list(attempt.values()))
                    break
                except Exception as exc:  # a check the plain values miss: try again with NULL where allowed
                    cursor.execute("ROLLBACK TO SAVEPOINT row")
                    error = str(exc).splitlines()[0]
            else:
                failed.append(f"{table['table']}: {error}")
        cursor.execute("SET session_replication_role = DEFAULT")
    assert not failed, "\n".join(failed)
    return ids


def _nullable(table, name):
    return next(c["null"] for c in table["columns"] if c["name"] == name)


def read_rows(connection, tables):
    """table -> [row as a dict of column -> value as PostgreSQL prints it as text], for `tables` present."""
    found = {}
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        present = {name for (name,) in cursor.fetchall()}
        for table in sorted(set(tables) & present):
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')
            found[table] = [json.loads(text) for (text,) in cursor.fetchall()]
    return found
