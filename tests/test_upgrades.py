"""Upgrades across the platform's real schema versions, on a database full of rows.

The generator writes each namespace's migrations at the oldest version (2026-01-22) into a
temporary tree, then the next migration for each newer version (2026-02-08, 2026-02-22, the
reference's 2026-03-14), never touching the earlier ones. A database migrated at the oldest
version gets one row in every table, then is upgraded step by step; after each step its schema
equals that version's catalog (the conformance comparison, against a database built from the
catalog the platform's way) and every row is still there with its values. Then the same from the
oldest version straight to the newest. Each step is timed on the loaded database.

pg18 only: the chain holds `ai` (pgvector) at every version.
"""
import contextlib
import io
import re
import shutil
import sys
import time
from pathlib import Path

import psycopg2
import pytest

import powernode
from conftest import SUMMARY
from platform_schema import REFERENCE_DIR, build_platform_database, load_reference
from powernode.errors import DestructiveMigration
from powernode.introspect import IGNORED_TABLES, snapshot
from powernode.migrator import migrate, schema_versions
from test_conformance import compare
from upgrade_rows import load_rows, read_rows

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = [*sorted((REFERENCE_DIR / "history").glob("powernode-schema-*.json")),
            REFERENCE_DIR / "powernode-schema.json"]  # oldest first


def generate(tree, catalog, *options):
    """tools/generate.py --reference CATALOG --migrations-only TREE, in this process (no interpreter to start)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools.generator import main

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = main(["--reference", str(catalog), "--migrations-only", str(tree), *options])
    assert code == 0, output.getvalue()


def _files(tree):
    return {path.relative_to(tree): path.read_bytes() for path in tree.rglob("*.py")}


@pytest.fixture(scope="module")
def trees(tmp_path_factory, server):
    """version -> a migrations tree up to that version (step by step), and the oldest-to-newest one."""
    if not server.has_pgvector:
        pytest.skip("the upgrade chain holds the ai namespace, which needs pgvector (PostgreSQL 18 here)")
    base = tmp_path_factory.mktemp("migrations")
    made, tree = {}, None
    for catalog in CATALOGS:
        version = load_reference(str(catalog.relative_to(REFERENCE_DIR)))["schema_version"]
        target = base / version
        if tree is not None:
            shutil.copytree(tree, target)
        released = _files(target)
        generate(target, catalog)
        written = _files(target)
        assert {path: written[path] for path in released} == released  # released migrations never rewritten
        assert len(written) == len(released) + len(powernode.installed.names())  # the next one, per namespace
        made[version], tree = target, target
    generate(tree, CATALOGS[-1], "--check")  # the same catalog again: nothing to write
    straight = base / "straight"
    shutil.copytree(made[min(made)], straight)
    generate(straight, CATALOGS[-1])
    return made, straight


def _directories(tree):
    return {ns: tree / ns for ns in powernode.installed.names()}


_PLATFORM = {}  # version -> the snapshot of a database built from its catalog the platform's way


def _conforms(server, db, catalog):
    """Our snapshot against a database built from `catalog` the platform's way: [differences]."""
    tables = {t["table"] for t in catalog["tables"]}
    ours = snapshot(db)
    extra = ours.tables - tables - IGNORED_TABLES
    theirs = _PLATFORM.get(catalog["schema_version"])
    if theirs is None:
        name = server.create_database()
        try:
            connection = psycopg2.connect(server.url(name))
            with connection, connection.cursor() as cursor:
                build_platform_database(cursor, catalog["tables"])
            connection.close()
            platform = powernode.connect(server.url(name), namespaces=[], load_models=False)
            theirs = _PLATFORM[catalog["schema_version"]] = snapshot(platform)
            platform.close()
        finally:
            server.drop_database(name)
    _, differences = compare(ours, theirs, tables)
    return [f"extra table {t}" for t in sorted(extra)] + differences


def _same_rows(before, after, catalog, first):
    """Every row read before is still there, with the same value in each column the new version keeps
    with the type it had (a confirmed change to a type the values cannot take loses them: listed apart)."""
    lost = []
    old = {(t["table"], c["name"]): c["sql_type"] for t in first["tables"] for c in t["columns"]}
    columns = {t["table"]: {c["name"] for c in t["columns"] if old.get((t["table"], c["name"])) == c["sql_type"]}
               | {"id"} for t in catalog["tables"]}
    for table, rows in before.items():
        if table not in columns:
            continue  # the platform removed the table: its rows go with it, confirmed
        kept = after.get(table, [])
        for row in rows:
            expected = {k: v for k, v in row.items() if k in columns[table]}
            if not any(all(other.get(k) == v for k, v in expected.items()) for other in kept):
                lost.append(f"{table}: {expected}")
    return lost


NOT_NULL = re.compile(r"delete the \d+ rows of (\w+): its new column (\w+) is NOT NULL with no default")


def _step(db, tree, label, catalog, ids, timings, refused):
    """Migrate to `tree` as an operator would. Unconfirmed first: a refusal is one line naming what it
    would destroy. A new NOT NULL column with no default on a table with rows is added and filled by hand
    (as the platform's own data migration would), then the upgrade runs again; what remains refused (a
    table the platform removed, a type its values cannot take) is confirmed."""
    specs = {t["table"]: t for t in catalog["tables"]}
    elapsed, confirmed, last, before = 0.0, [], 0.0, len(refused)
    for _ in range(50):
        start = time.perf_counter()
        try:
            for namespace in confirmed:  # only the namespace whose refusal was confirmed
                migrate(db, namespaces=[namespace], directories=_directories(tree), allow_destructive=True)
            confirmed = []
            migrate(db, namespaces=powernode.installed.names(), directories=_directories(tree))
            last = time.perf_counter() - start
            elapsed += last
            break
        except DestructiveMigration as exc:
            elapsed += time.perf_counter() - start
            message = str(exc)
            assert "\n" not in message and "--allow-destructive" in message, message
            refused.append(message)
            fill = NOT_NULL.search(message)
            if fill is None:
                confirmed = [message.split("/", 1)[0]]
                continue
            table, column = fill.groups()
            spec = next(c for c in specs[table]["columns"] if c["name"] == column)
            target = next((k["to_table"] for k in specs[table]["foreign_keys"] if k["column"] == column), None)
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {spec["sql_type"]}')
            db.execute_sql(f'UPDATE "{table}" SET "{column}" = %s', (ids[target] if target else "filled",))
    timings.append(f"{label}: {elapsed:.1f} s" + (f" (with {len(refused) - before} refused attempts, each rolled back; "
                                                  f"the last run {last:.1f} s)" if len(refused) > before else ""))


@pytest.fixture(scope="module")
def loaded(server, trees):
    """A database migrated at the oldest version, conforming to it, one row in each of its tables: a template."""
    made, _ = trees
    oldest = min(made)
    catalog = load_reference(str(CATALOGS[0].relative_to(REFERENCE_DIR)))
    name = server.create_database()
    db = powernode.connect(server.url(name), namespaces=powernode.installed.names(), load_models=False)
    migrate(db, namespaces=powernode.installed.names(), directories=_directories(made[oldest]))
    assert set(schema_versions(db, directories=_directories(made[oldest])).values()) == {oldest}
    db.close()
    connection = psycopg2.connect(server.url(name))
    ids = load_rows(connection, catalog)
    rows = read_rows(connection, [t["table"] for t in catalog["tables"]])
    connection.close()
    assert len(rows) == len(catalog["tables"]) and all(len(found) == 1 for found in rows.values())
    yield name, ids, rows
    server.drop_database(name)


@pytest.mark.parametrize("route", ["step by step", "straight"])
def test_upgrade_chain_keeps_every_row(server, trees, loaded, route):
    made, straight = trees
    versions = sorted(made)
    catalogs = {load_reference(str(c.relative_to(REFERENCE_DIR)))["schema_version"]:
                load_reference(str(c.relative_to(REFERENCE_DIR))) for c in CATALOGS}
    template, ids, before = loaded
    name = server.copy(template)
    try:
        db = powernode.connect(server.url(name), namespaces=powernode.installed.names(), load_models=False)
        connection = psycopg2.connect(server.url(name))
        timings, refused = [], []
        steps = [(v, made[v]) for v in versions[1:]] if route == "step by step" else [(versions[-1], straight)]
        previous = versions[0]
        for version, tree in steps:
            _step(db, tree, f"{previous} -> {version}", catalogs[version], ids, timings, refused)
            assert set(schema_versions(db, directories=_directories(tree)).values()) == {version}, version
            differences = _conforms(server, db, catalogs[version])
            assert not differences, f"at {version}:\n" + "\n".join(differences[:40])
            after = read_rows(connection, before)
            lost = _same_rows(before, after, catalogs[version], catalogs[versions[0]])
            assert not lost, f"at {version}, rows lost or changed:\n" + "\n".join(lost[:20])
            previous = version
        connection.close()
        db.close()
        line = f"upgrade {route} on {len(before)} loaded tables: " + ", ".join(timings)
        print(line, *(f"  refused first: {message}" for message in refused), sep="\n")
        SUMMARY.append(line)
    finally:
        server.drop_database(name)


def test_only_widenings_pass_without_confirmation():
    from powernode.upgrades import is_widening

    for old, new in [("character varying(50)", "character varying(255)"), ("character varying(50)", "text"),
                     ("integer", "bigint"), ("numeric(10,2)", "numeric(15,4)"), ("json", "jsonb"),
                     ("timestamp(0) without time zone", "timestamp(6) without time zone")]:
        assert is_widening(old, new), (old, new)
    for old, new in [("character varying(255)", "character varying(50)"), ("text", "character varying(255)"),
                     ("bigint", "integer"), ("numeric(15,4)", "numeric(10,2)"), ("jsonb", "vector(1536)"),
                     ("character varying", "uuid")]:
        assert not is_widening(old, new), (old, new)


def test_upgrade_step_durations_on_the_loaded_database(server, trees, loaded):
    """Each step timed alone: the operator's fills done beforehand, the destruction confirmed up front."""
    made, _ = trees
    versions = sorted(made)
    catalogs = {load_reference(str(c.relative_to(REFERENCE_DIR)))["schema_version"]:
                load_reference(str(c.relative_to(REFERENCE_DIR))) for c in CATALOGS}
    template, ids, _ = loaded
    name = server.copy(template)
    try:
        db = powernode.connect(server.url(name), namespaces=powernode.installed.names(), load_models=False)
        timings = []
        for previous, version in zip(versions, versions[1:]):
            from tools.generator.upgrades import renamed_columns, spec

            old = {t["table"]: t for t in catalogs[previous]["tables"]}
            for table in catalogs[version]["tables"]:
                if table["table"] not in old:
                    continue
                renamed = set(renamed_columns(spec(old[table["table"]]), spec(table)).values())
                held = {c["name"] for c in old[table["table"]]["columns"]}
                for column in table["columns"]:
                    new_column = column["name"] not in held and column["name"] not in renamed
                    if new_column and not column["null"] and column.get("default_sql") is None:
                        target = next((k["to_table"] for k in table["foreign_keys"]
                                       if k["column"] == column["name"]), None)
                        if target in ids:
                            db.execute_sql(f'ALTER TABLE "{table["table"]}" ADD COLUMN "{column["name"]}" uuid')
                            db.execute_sql(f'UPDATE "{table["table"]}" SET "{column["name"]}" = %s', (ids[target],))
            start = time.perf_counter()
            migrate(db, namespaces=powernode.installed.names(), directories=_directories(made[version]),
                    allow_destructive=True)
            timings.append(f"{previous} -> {version}: {time.perf_counter() - start:.2f} s")
            assert set(schema_versions(db, directories=_directories(made[version])).values()) == {version}
        db.close()
        line = "upgrade steps on the loaded database, each in one confirmed run: " + ", ".join(timings)
        print(line)
        SUMMARY.append(line)
    finally:
        server.drop_database(name)
