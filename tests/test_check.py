"""`check`, `lint` and `makemigration` against databases built the way the platform builds them."""
import json
from urllib.parse import urlparse

import psycopg2
import pytest

import powernode
from conftest import _rolled_back, run_cli
import factory
from factory import make
from platform_schema import build_platform_database, load_reference, rails_fk_name
from powernode.lint import lint
from powernode.makemigration import plan, render
from powernode.migrator import NamespaceRunner
from powernode.schema_check import check


def _supported(server):
    """Namespaces this server can hold, and the reference tables (extensions' too) it can build."""
    namespaces = [ns for ns in powernode.installed.names() if server.has_pgvector or ns != "ai"]
    tables = [t for t in load_reference()["tables"]
              if server.has_pgvector or not any(c["sql_type"].startswith("vector") for c in t["columns"])
              and (t["extension"] or t["namespace"] in namespaces)]
    return namespaces, tables


def _execute(url, *statements):
    connection = psycopg2.connect(url)
    with connection, connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()


@pytest.fixture(scope="module")
def platform_template(server):
    """A database built from the reference the way the Rails platform builds it: all its tables."""
    namespaces, tables = _supported(server)
    name = server.create_database()
    connection = psycopg2.connect(server.url(name))
    with connection, connection.cursor() as cursor:
        build_platform_database(cursor, tables, extensions=("vector", "ltree") if server.has_pgvector else ("ltree",))
    connection.close()
    yield name, namespaces, tables
    server.drop_database(name)


@pytest.fixture
def platform(server, platform_template):
    """A fresh copy of the platform's database for one test."""
    template, namespaces, tables = platform_template
    name = f"{template}_copy"
    server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield server.url(name), namespaces, tables
    for model in powernode.registry.loaded():
        if model._meta.database is not None:
            model._meta.database.close()
    server.drop_database(name)


@pytest.fixture(scope="module")
def platform_shared(server, platform_template):
    """One copy of the platform's database for the module, connected once."""
    template, namespaces, tables = platform_template
    name = f"{template}_shared"
    server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    db = powernode.connect(server.url(name), namespaces=namespaces)
    yield db, namespaces, tables
    db.close()
    server.drop_database(name)


@pytest.fixture
def platform_rows(platform_shared):
    """The shared copy inside a transaction rolled back after the test (DDL included: PostgreSQL's is transactional)."""
    db, namespaces, tables = platform_shared
    for rolled_back in _rolled_back(db):
        yield rolled_back, namespaces, tables


def expected_attach_differences(namespaces, tables):
    """What `check` must say about the platform's database, and nothing else."""
    models = powernode.registry.models_of(tuple(namespaces))
    ours = {m._meta.table_name for m in models}
    expected = set()
    built = {t["table"] for t in tables}
    for t in tables:
        if t["table"] not in ours:
            expected.add(("extra_table", t["table"], None))
        elif t["primary_key"]:
            expected.add(("default_mismatch", t["table"], "id"))  # uuidv7() here, gen_random_uuid() there
        for key in t["foreign_keys"]:  # keys from platform tables to tables the core does not model
            if t["table"] in ours and key["to_table"] in built - ours:
                expected.add(("extra_foreign_key", t["table"], key["column"]))
    for model in models:
        if not getattr(model._meta, "platform_table", True):
            expected.add(("missing_table", model._meta.table_name, None))
    return expected


def test_check_on_the_platforms_database_reports_only_the_intentional_differences(platform):
    url, namespaces, tables = platform
    code, out, err = run_cli("check", "--json", "--database", url, "--namespace", ",".join(namespaces))
    assert code == 0, err
    report = json.loads(out)
    assert report["compatible"] is True
    found = {(d["kind"], d["table"], d["column"]) for d in report["differences"]}
    assert found == expected_attach_differences(namespaces, tables)
    assert {key for d in report["differences"] for key in d} == {"kind", "table", "column", "expected", "actual",
                                                                 "blocking"}
    assert not any(d["blocking"] for d in report["differences"])


def test_check_json_marks_what_blocks(platform):
    url, namespaces, _ = platform
    _execute(url, 'ALTER TABLE "users" DROP COLUMN "last_login_ip"',
             'ALTER TABLE "accounts" ALTER COLUMN "status" SET DEFAULT \'suspended\'')
    code, out, err = run_cli("check", "--json", "--database", url, "--namespace", ",".join(namespaces))
    assert code == 1, err
    report = json.loads(out)
    assert report["compatible"] is False
    differences = {(d["kind"], d["table"], d["column"]): d for d in report["differences"]}
    assert differences[("missing_column", "users", "last_login_ip")] == {
        "kind": "missing_column", "table": "users", "column": "last_login_ip", "expected": "character varying(45)",
        "actual": None, "blocking": True}
    assert differences[("default_mismatch", "accounts", "status")] == {
        "kind": "default_mismatch", "table": "accounts", "column": "status", "expected": "'active'",
        "actual": "'suspended'::character varying", "blocking": False}
    assert [key for key, d in differences.items() if d["blocking"]] == [("missing_column", "users", "last_login_ip")]


def test_every_model_reads_and_writes_the_platforms_database(platform_rows):
    db, namespaces, _ = platform_rows
    # ai_agent_templates.publisher_id references a business table: a row there first
    account = make(powernode.models["Account"])
    publisher = db.execute_sql(
        "INSERT INTO ai_publisher_accounts (account_id, publisher_name, publisher_slug, created_at, updated_at) "
        "VALUES (%s, 'p', 'p', now(), now()) RETURNING id", (account.id,)).fetchone()[0] if "ai" in namespaces else None
    factory.fixed_values[("ai_agent_templates", "publisher_id")] = publisher
    written = 0
    for model in powernode.registry.models_of(db.namespaces):
        if not getattr(model._meta, "platform_table", True):
            continue
        with db.atomic() as transaction:
            row = make(model)
            assert model.select().where(*_identity(model, row)).count() == 1
            transaction.rollback()
        written += 1
    factory.fixed_values.clear()
    assert written == (400 if "ai" in namespaces else 400 - 143)  # the optional extensions' 92 tables too


def _identity(model, row):
    if model._meta.primary_key:
        return [model._meta.primary_key == row.id]
    keys = {name: value for name, value in row.__data__.items() if value is not None}  # no parent is read
    return [field == keys[field.name] for field in model._meta.sorted_fields
            if isinstance(field, powernode.references.Reference) and field.name in keys]


ALTERATIONS = [
    ('ALTER TABLE "users" DROP COLUMN "last_login_ip"', ("missing_column", "users", "last_login_ip"), True),
    ('ALTER TABLE "users" ADD COLUMN "nickname" text', ("extra_column", "users", "nickname"), False),
    ('ALTER TABLE "accounts" ALTER COLUMN "billing_email" TYPE text', ("type_mismatch", "accounts", "billing_email"), True),
    ('ALTER TABLE "accounts" ALTER COLUMN "name" DROP NOT NULL', ("null_mismatch", "accounts", "name"), True),
    ('ALTER TABLE "accounts" ALTER COLUMN "status" SET DEFAULT \'suspended\'', ("default_mismatch", "accounts", "status"), False),
    ('DROP TABLE "webhook_delivery_stats"', ("missing_table", "webhook_delivery_stats", None), True),
    ('DROP INDEX "index_users_on_status"', ("missing_index", "users", None), False),
    ('CREATE INDEX "idx_extra" ON "users" ("name")', ("extra_index", "users", None), False),
    ('DROP INDEX "index_accounts_on_subdomain"; CREATE UNIQUE INDEX "index_accounts_on_subdomain" ON "accounts" ("subdomain")',
     ("missing_index", "accounts", None), False),
    ('ALTER TABLE "users" DROP CONSTRAINT "valid_user_status"', ("missing_check", "users", None), False),
    ('ALTER TABLE "users" ADD CONSTRAINT "extra_check" CHECK (length(name) < 500)', ("extra_check", "users", None), False),
    (f'ALTER TABLE "users" DROP CONSTRAINT "{rails_fk_name("users", "account_id")}"',
     ("missing_foreign_key", "users", "account_id"), False),
]


@pytest.mark.parametrize("alteration, difference, blocking", ALTERATIONS, ids=[a[1][0] for a in ALTERATIONS])
def test_each_alteration_is_found_and_nothing_else(platform_rows, alteration, difference, blocking):
    db, namespaces, tables = platform_rows
    db.execute_sql(alteration)
    result = check(db, powernode.registry.models_of(db.namespaces))
    found = {(d.kind, d.table, d.column) for d in result.differences}
    baseline = expected_attach_differences(namespaces, tables)
    if difference[0] == "missing_table":
        baseline = {d for d in baseline if d[1] != difference[1]}
    added = found - baseline
    assert difference in added
    extra_pair = {("extra_index", difference[1], None)} if "UNIQUE INDEX" in alteration else set()
    assert added - {difference} == extra_pair
    assert result.compatible is not blocking


def test_check_needs_only_read_access(platform, server):
    url, namespaces, _ = platform
    database = urlparse(url).path.lstrip("/")
    server.admin("DROP ROLE IF EXISTS pn_reader")
    server.admin("CREATE ROLE pn_reader LOGIN")
    _execute(url, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO pn_reader")
    reader = url.replace("postgres:@", "pn_reader:@").replace("postgres@", "pn_reader@")
    try:
        code, out, err = run_cli("check", "--database", reader, "--namespace", ",".join(namespaces))
        assert code == 0 and "compatible" in out.splitlines()[-1], err
    finally:
        _execute(url, "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM pn_reader")
        server.admin(f'REVOKE ALL ON DATABASE "{database}" FROM pn_reader')
        server.admin("DROP ROLE pn_reader")


def test_lint_names_the_platforms_own_deviations(platform):
    url, namespaces, tables = platform
    _execute(url, "INSERT INTO accounts (name, created_at, updated_at) VALUES ('v4', now(), now())")
    db = powernode.connect(url, namespaces=namespaces)
    findings = {(f.kind, f.table, f.column) for f in lint(db)}
    leading = {(t["table"], _first(i["columns"])) for t in tables for i in t["indexes"]}
    expected_unindexed = {("foreign_key_without_index", t["table"], k["column"]) for t in tables
                          for k in t["foreign_keys"] if (t["table"], k["column"]) not in leading}
    assert {f for f in findings if f[0] == "foreign_key_without_index"} == expected_unindexed
    built = {t["table"] for t in tables}
    expected_unprefixed = {("unprefixed_foreign_key", t["table"], k["column"]) for t in tables
                           for k in t["foreign_keys"] if k["to_table"] in built
                           for prefix in ("ai_", "devops_")
                           if k["to_table"].startswith(prefix) and not k["column"].startswith(prefix)}
    assert {f for f in findings if f[0] == "unprefixed_foreign_key"} == expected_unprefixed
    assert ("primary_key_not_uuidv7", "accounts", "id") in findings


def _first(columns):
    return columns[0] if isinstance(columns, list) else None


def test_makemigration_writes_what_brings_the_database_back(database_url, tmp_path):
    db = powernode.connect(database_url, namespaces=["knowledge_base"])
    powernode.migrate(db)
    _execute(database_url,
             'DROP INDEX "index_users_on_status"',
             'ALTER TABLE "users" DROP COLUMN "last_login_ip"',
             'ALTER TABLE "accounts" ALTER COLUMN "status" SET DEFAULT \'suspended\'',
             'ALTER TABLE "knowledge_base_articles" DROP CONSTRAINT IF EXISTS "'
             + next(iter(_checks(db, "knowledge_base_articles")), "none") + '"')
    models = powernode.registry.models_of(db.namespaces)
    broken = {(d.kind, d.table) for d in check(db, models).differences}
    assert ("missing_column", "users") in broken

    up, down, notes = plan(db, powernode.registry.models_of(("core",)), context=models)
    runner = NamespaceRunner(db, "core", tmp_path)
    path = runner.create("repair", body=render("repair", up, down, notes))
    assert runner.up() == [path.rsplit("/", 1)[1][:-3]]
    assert [d for d in check(db, powernode.registry.models_of(("core",)), context=models).differences] == []
    runner.down()
    assert ("missing_column", "users") in {(d.kind, d.table) for d in check(db, models).differences}


def _checks(db, table):
    return [name for (t, name) in powernode.introspect.snapshot(db, [table]).checks]
