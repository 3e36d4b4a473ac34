"""The migrated schema equals the platform's, item by item (the primary-key default aside).

Every installed namespace, the optional extensions too, so every one of the reference's 400 tables.
Two databases on the same server: one migrated by the package (the session's template of
everything, copied), one built
straight from the reference JSON the way the Rails platform builds it
(tests/platform_schema.py). PostgreSQL renders both catalogs, so the comparison is
its own; column types are also checked against the reference's `sql_type`.
"""
import psycopg2
import pytest

import powernode
from powernode.introspect import snapshot
from conftest import SUMMARY
from platform_schema import build_platform_database, platform_tables

@pytest.fixture
def platform_url(server):
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


def compare(ours, theirs, tables):
    """(matched count by kind, [differences])."""
    matched, differences = {}, []

    def same(kind, key, expected, actual):
        if expected == actual:
            matched[kind] = matched.get(kind, 0) + 1
        else:
            differences.append(f"{kind} {key}: platform {expected!r}, ours {actual!r}")

    for key in sorted(set(theirs.columns) | set(ours.columns)):
        if key[0] not in tables:
            continue
        expected, actual = theirs.columns.get(key), ours.columns.get(key)
        if expected is None or actual is None:
            differences.append(f"column {key}: platform {expected}, ours {actual}")
            continue
        same("column type", key, expected.type, actual.type)
        same("nullability", key, expected.nullable, actual.nullable)
        if key[1] == "id":  # the one intentional difference: UUIDv7 instead of gen_random_uuid()
            assert (expected.default, actual.default) == ("gen_random_uuid()", "uuidv7()"), key
            matched["column default"] = matched.get("column default", 0) + 1
        else:
            same("column default", key, expected.default, actual.default)
        same("column comment", key, expected.comment, actual.comment)
    for kind in ("indexes", "checks", "foreign_keys"):
        mine, platform = getattr(ours, kind), getattr(theirs, kind)
        for key in sorted(set(mine) | set(platform)):
            if key[0] in tables:
                same(kind, key, platform.get(key), mine.get(key))
    for table in sorted(tables):
        same("primary key", table, theirs.primary_keys.get(table), ours.primary_keys.get(table))
    return matched, differences


def test_migrated_tables_equal_the_reference(server, migrated, platform_url):
    namespaces = server.everything  # every installed namespace this server can hold, optional ones included
    assert {"trading", "marketing", "baas", "business"} <= set(namespaces)
    reference = platform_tables(namespaces)
    tables = {t["table"] for t in reference}

    db = migrated(namespaces)
    ours = snapshot(db, tables)

    connection = psycopg2.connect(platform_url)
    with connection, connection.cursor() as cursor:
        build_platform_database(cursor, reference,
                                extensions=("vector", "ltree") if server.has_pgvector else ("ltree",))
    connection.close()
    platform = powernode.connect(platform_url, namespaces=namespaces)
    theirs = snapshot(platform, tables)
    platform.close()

    matched, differences = compare(ours, theirs, tables)
    SUMMARY.append(f"conformance on {server.kind}: {len(tables)} tables, "
                   + ", ".join(f"{count} {kind}" for kind, count in sorted(matched.items()))
                   + f" matched the platform's; {len(differences)} differ")
    assert not differences, "\n".join(differences[:50])
    if server.has_pgvector:  # the whole reference: 400 tables (92 of them the optional extensions')
        assert (len(tables), matched["foreign_keys"], matched["checks"]) == (400, 904, 373)
    else:  # ai needs pgvector: its 143 tables and the keys to them are left out
        assert len(tables) == 400 - 143

    for table in reference:
        for column in table["columns"]:
            assert ours.columns[(table["table"], column["name"])].type == column["sql_type"]
