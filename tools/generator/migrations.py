"""A namespace's first migration: the DDL its models render, frozen, and its cross-namespace keys."""


def format_statement(sql):
    """CREATE TABLE with one column or constraint a line; other statements as they are."""
    if not sql.startswith("CREATE TABLE"):
        return sql
    head, body = sql.split(" (", 1)
    body = body[:-1]
    parts, depth, start, quoted = [], 0, 0, False
    for i, ch in enumerate(body):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            parts.append(body[start:i].strip())
            start = i + 1
    parts.append(body[start:].strip())
    return head + " (\n    " + ",\n    ".join(parts) + "\n)"


def migration_module(namespace, models, foreign_keys, extensions, header, version):
    from playhouse.postgres_ext import PostgresqlExtDatabase

    from powernode.ddl import table_statements

    db = PostgresqlExtDatabase(None)
    tables = [m._meta.table_name for m in models]
    statements = [format_statement(s) for model in models for s in table_statements(db, model)]
    for statement in statements:
        if '"""' in statement or "\\" in statement:
            raise SystemExit(f"generate: cannot quote statement {statement[:80]}")
    body = ",\n".join(f'    """{s}"""' for s in statements)
    keys = ",\n".join(f"    {k!r}" for k in foreign_keys)
    setup = ["install_uuidv7(db)"] if namespace == "core" else []
    if extensions:
        setup.append(f"require_extensions(db, {sorted(extensions)!r}, {namespace!r})")
    ops = ["ForeignKey", "add_foreign_keys", "drop_tables", "execute"]
    ops += ["install_uuidv7"] if namespace == "core" else []
    ops += ["require_extensions"] if extensions else []
    return (f'"""Create the {namespace} namespace: {len(models)} tables, their indexes, checks and foreign keys."""\n'
            + header
            + f"from powernode.schema_ops import {', '.join(sorted(ops))}\n\n"
            + f'SCHEMA_VERSION = "{version}"\n\n'
            + "TABLES = [\n" + "".join(f'    "{t}",\n' for t in tables) + "]\n\n"
            + "STATEMENTS = [\n" + body + ",\n]\n\n"
            + "# Between this namespace's tables and any other's, both ways: added once both tables exist.\n"
            + "FOREIGN_KEYS = [\n" + keys + ",\n]\n\n\n"
            + "def up(migrator, db):\n"
            + "".join(f"    {line}\n" for line in setup)
            + '    execute(db, ";\\n".join(STATEMENTS))\n'
            + "    add_foreign_keys(db, FOREIGN_KEYS)\n\n\n"
            + "def down(migrator, db):\n"
            + "    drop_tables(db, TABLES)\n")

