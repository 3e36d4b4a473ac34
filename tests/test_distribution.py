"""The Citus distribution plan: each rule on a small hand-made schema, then the platform's whole schema.

Citus cannot be installed here, so the plan is checked on paper and on PostgreSQL: each schema is
built for real, read back from its catalog, planned, and the plan's fix script is run on it; after
it, planning again must find nothing Citus would refuse.
"""
import json

import psycopg2
import pytest

import powernode
from conftest import SUMMARY, run_cli
from platform_schema import build_platform_database, platform_tables
from powernode.citus import RULES, plan, shapes_from_catalog, shapes_from_models
from powernode.citus.report import summary
from powernode.database import open_database
from powernode.errors import ConfigurationError

ACCOUNTS = "CREATE TABLE accounts (id uuid PRIMARY KEY, name text)"
USERS = "CREATE TABLE users (id uuid PRIMARY KEY, account_id uuid NOT NULL REFERENCES accounts, email text)"


class Schema:
    """A hand-made schema in a fresh database, and its plan."""

    def __init__(self, url):
        self.db = open_database(url)

    def build(self, *statements):
        for statement in statements:
            self.db.execute_sql(statement)
        return self.plan()

    def plan(self):
        return plan(shapes_from_catalog(self.db))

    def fix(self, result):
        """Run the plan's fix script; return the plan of what is left."""
        with self.db.atomic():
            for statement in result.fix_script():
                self.db.execute_sql(statement)
        return self.plan()


@pytest.fixture
def schema(database_url):
    made = Schema(database_url)
    yield made
    made.db.close()


def found(result, rule):
    return [(b.table, b.subject) for b in result.blockers if b.rule == rule]


def placed(result):
    return {p.table: (("distributed", p.column) if p.distributed else ("reference", None)) for p in result.placements}


# -- one rule at a time ---------------------------------------------------------------------------------

def test_primary_key_must_include_the_distribution_column(schema):
    result = schema.build(
        ACCOUNTS,
        "CREATE TABLE notes (id uuid PRIMARY KEY, account_id uuid NOT NULL REFERENCES accounts)",
        "CREATE TABLE pages (account_id uuid NOT NULL REFERENCES accounts, id uuid, PRIMARY KEY (account_id, id))")
    assert found(result, "primary_key") == [("notes", "primary key (id)")]
    (blocker,) = [b for b in result.blockers if b.rule == "primary_key"]
    assert blocker.fix == "ALTER TABLE notes DROP CONSTRAINT notes_pkey, ADD PRIMARY KEY (account_id, id);"
    assert schema.fix(result).blockers == []


def test_unique_indexes_must_include_the_distribution_column(schema):
    result = schema.build(
        "CREATE TABLE accounts (id uuid PRIMARY KEY, subdomain text)",
        "CREATE UNIQUE INDEX index_accounts_on_subdomain ON accounts (subdomain)",
        "CREATE TABLE users (account_id uuid NOT NULL REFERENCES accounts, id uuid, email text, "
        "PRIMARY KEY (account_id, id), CONSTRAINT users_email_key UNIQUE (email))",
        "CREATE UNIQUE INDEX index_users_on_lower_email ON users (lower(email)) WHERE email IS NOT NULL",
        "CREATE UNIQUE INDEX index_users_on_id_and_email ON users (id, email)",
        "CREATE UNIQUE INDEX index_users_on_account_and_email ON users (account_id, email)")
    assert sorted(found(result, "unique_index")) == [
        ("accounts", "unique index index_accounts_on_subdomain (subdomain)"),
        ("users", "unique constraint users_email_key (email)"),
        ("users", "unique index index_users_on_id_and_email (id, email)"),
        ("users", "unique index index_users_on_lower_email (lower(email))"),
    ]
    notes = {b.subject.split()[2]: b.note for b in result.blockers}
    assert notes["index_users_on_id_and_email"].startswith("same meaning")
    assert notes["users_email_key"].startswith("unique per account only")
    assert "reference table" in notes["index_accounts_on_subdomain"]
    assert schema.fix(result).blockers == []
    indexes = dict(schema.db.execute_sql("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users'"))
    assert "(account_id, lower(email)) WHERE (email IS NOT NULL)" in indexes["index_users_on_lower_email"]


def test_a_tenant_table_without_account_id_gains_it_from_its_parent(schema):
    result = schema.build(
        ACCOUNTS,
        "CREATE TABLE agents (id uuid PRIMARY KEY, account_id uuid NOT NULL REFERENCES accounts)",
        "CREATE TABLE agent_skills (id uuid PRIMARY KEY, agent_id uuid NOT NULL REFERENCES agents)",
        "CREATE TABLE skill_notes (id uuid PRIMARY KEY, agent_skill_id uuid NOT NULL REFERENCES agent_skills)",
        "CREATE TABLE listings (id uuid PRIMARY KEY, owner_account_id uuid NOT NULL REFERENCES accounts)",
        "INSERT INTO accounts VALUES ('00000000-0000-0000-0000-00000000000a', 'a')",
        "INSERT INTO agents VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000000a')",
        "INSERT INTO agent_skills VALUES ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000a1')",
        "INSERT INTO skill_notes VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b1')")
    assert found(result, "missing_key") == [("agent_skills", "account_id"), ("skill_notes", "account_id")]
    assert placed(result)["listings"] == ("distributed", "owner_account_id")  # it has its account's id already
    assert result.placement("skill_notes").reason == "each row belongs to an account through agent_skill_id -> agent_skills"
    assert schema.fix(result).blockers == []
    assert schema.db.execute_sql("SELECT account_id::text FROM skill_notes").fetchall() == [
        ("00000000-0000-0000-0000-00000000000a",)]


def test_a_distribution_column_cannot_be_null(schema):
    result = schema.build(
        ACCOUNTS, "CREATE TABLE roles (id uuid PRIMARY KEY, account_id uuid REFERENCES accounts)")
    assert found(result, "nullable_key") == [("roles", "account_id")]
    (blocker,) = [b for b in result.blockers if b.rule == "nullable_key"]
    assert blocker.fix.startswith("ALTER TABLE roles ALTER COLUMN account_id SET NOT NULL;")
    assert "reference table" in blocker.note
    assert schema.fix(result).blockers == []


def test_foreign_keys_between_distributed_tables_must_include_the_distribution_column(schema):
    result = schema.build(
        ACCOUNTS, USERS,
        "CREATE TABLE posts (id uuid PRIMARY KEY, account_id uuid NOT NULL REFERENCES accounts, "
        "user_id uuid NOT NULL CONSTRAINT posts_user REFERENCES users, "
        "parent_id uuid CONSTRAINT posts_parent REFERENCES posts, "
        "reviewer_account_id uuid CONSTRAINT posts_reviewer REFERENCES accounts)",
        "CREATE TABLE tags (account_id uuid NOT NULL REFERENCES accounts, id uuid, PRIMARY KEY (account_id, id))",
        "CREATE TABLE post_tags (account_id uuid NOT NULL REFERENCES accounts, tag_id uuid NOT NULL, "
        "PRIMARY KEY (account_id, tag_id), CONSTRAINT post_tags_tag FOREIGN KEY (account_id, tag_id) "
        "REFERENCES tags (account_id, id))")
    assert sorted(found(result, "foreign_key")) == [
        ("posts", "foreign key posts_parent (parent_id) -> posts (id)"),
        ("posts", "foreign key posts_reviewer (reviewer_account_id) -> accounts (id)"),
        ("posts", "foreign key posts_user (user_id) -> users (id)"),
    ]
    fixes = {b.subject.split()[2]: b for b in result.blockers if b.rule == "foreign_key"}
    assert fixes["posts_user"].steps[1][1] == ("ALTER TABLE posts ADD CONSTRAINT posts_user FOREIGN KEY "
                                              "(account_id, user_id) REFERENCES users (account_id, id);")
    assert fixes["posts_reviewer"].steps == (("drop", "ALTER TABLE posts DROP CONSTRAINT posts_reviewer;"),)
    assert schema.fix(result).blockers == []


def test_key_actions_may_not_change_the_distribution_column(schema):
    result = schema.build(
        ACCOUNTS, USERS,
        "CREATE TABLE comments (id uuid PRIMARY KEY, "
        "account_id uuid NOT NULL CONSTRAINT comments_account REFERENCES accounts ON UPDATE CASCADE, "
        "user_id uuid CONSTRAINT comments_user REFERENCES users ON DELETE SET NULL)")
    assert sorted(found(result, "foreign_key_action")) == [
        ("comments", "foreign key comments_account (account_id) -> accounts (id)"),
        ("comments", "foreign key comments_user (user_id) -> users (id)"),
    ]
    actions = {b.subject.split()[2]: b for b in result.blockers if b.rule == "foreign_key_action"}
    assert actions["comments_account"].steps[1][1] == ("ALTER TABLE comments ADD CONSTRAINT comments_account "
                                                      "FOREIGN KEY (account_id) REFERENCES accounts (id);")
    assert actions["comments_user"].steps == () and "foreign_key fix re-creates it" in actions["comments_user"].note
    assert "ON DELETE SET NULL" not in " ".join(result.fix_script())
    assert schema.fix(result).blockers == []


def test_reference_tables_may_not_point_at_distributed_ones(schema):
    result = schema.build(
        ACCOUNTS, USERS,
        "CREATE TABLE plans (id uuid PRIMARY KEY, name text)",
        "CREATE TABLE plan_features (id uuid PRIMARY KEY, plan_id uuid NOT NULL REFERENCES plans)",
        "ALTER TABLE accounts ADD COLUMN plan_id uuid REFERENCES plans",
        "CREATE TABLE audit_events (id uuid PRIMARY KEY, user_id uuid CONSTRAINT audit_user REFERENCES users)")
    assert placed(result)["plans"] == placed(result)["plan_features"] == ("reference", None)
    assert placed(result)["audit_events"] == ("reference", None)  # a nullable key: some rows have no user
    assert found(result, "reference_to_distributed") == [
        ("audit_events", "foreign key audit_user (user_id) -> users (id)")]
    assert schema.fix(result).blockers == []


def test_the_ddl_runs_each_table_after_those_it_references_and_breaks_cycles(schema):
    result = schema.build(
        ACCOUNTS, USERS,
        "CREATE TABLE plans (id uuid PRIMARY KEY)",
        "CREATE TABLE a (id uuid PRIMARY KEY, account_id uuid NOT NULL REFERENCES accounts, b_id uuid)",
        "CREATE TABLE b (id uuid PRIMARY KEY, account_id uuid NOT NULL REFERENCES accounts, "
        "a_id uuid REFERENCES a, user_id uuid REFERENCES users)",
        "ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b")
    order = [p.table for p in result.placements]
    assert order[0] == "plans" and order[1] == "accounts" and order.index("users") < order.index("b")
    assert [(table, [fk.name for fk in keys]) for table, keys in result.cycles] == [("a", ["a_b"])]
    assert result.placements[0].ddl() == "SELECT create_reference_table('plans');"
    assert result.placements[1].ddl() == "SELECT create_distributed_table('accounts', 'id');"
    assert result.placement("users").ddl() == \
        "SELECT create_distributed_table('users', 'account_id', colocate_with => 'accounts');"


def test_a_schema_without_accounts_has_no_plan(schema):
    with pytest.raises(ConfigurationError, match="no accounts table"):
        schema.build("CREATE TABLE things (id uuid PRIMARY KEY)")


# -- the platform's schema --------------------------------------------------------------------------------

def test_the_platform_schema_every_blocker_has_a_fix_that_runs(server, database_url):
    """The platform's own schema (built from the reference, not the models): fixed, nothing is left."""
    vector = server.has_pgvector
    tables = [t for t in platform_tables() if vector or t["namespace"] != "ai"]
    connection = psycopg2.connect(database_url)
    with connection, connection.cursor() as cursor:
        build_platform_database(cursor, tables, extensions=("vector", "ltree") if vector else ("ltree",))
    connection.close()
    made = Schema(database_url)
    try:
        result = made.plan()
        SUMMARY.append(f"citus plan of the platform's schema ({len(tables)} tables, {server.kind}): {summary(result)}")
        assert len(result.placements) == len(tables)
        assert all(result.counts()[rule] for rule in RULES)  # the platform meets every rule somewhere
        assert made.fix(result).blockers == []
    finally:
        made.db.close()


def test_the_models_plan_the_same_as_the_catalog_they_migrate(server, database_url):
    namespaces = [ns for ns in powernode.installed.default_names() if server.has_pgvector or ns != "ai"]
    db = powernode.connect(database_url, namespaces=namespaces)
    powernode.migrate(db)
    from_models = plan(shapes_from_models(powernode.registry.models_of(db.namespaces)))
    from_catalog = plan(shapes_from_catalog(db))
    assert [(p.table, p.distributed, p.column) for p in from_models.placements] == \
        [(p.table, p.distributed, p.column) for p in from_catalog.placements]
    assert [(b.table, b.rule, b.subject) for b in from_models.blockers] == \
        [(b.table, b.rule, b.subject) for b in from_catalog.blockers]


# -- the command ---------------------------------------------------------------------------------------

def test_distribute_plan_prints_the_ddl_and_the_blockers():
    code, out, err = run_cli("distribute", "--plan", "--namespace", "knowledge_base")
    assert code == 0, err
    assert out.startswith("-- Citus distribution plan for core, knowledge_base: ")
    assert "SELECT create_distributed_table('accounts', 'id');" in out
    assert "SELECT create_reference_table('permissions');" in out
    assert "\nusers\n  primary_key: primary key (id): the primary key does not include account_id\n" in out
    code, data, _ = run_cli("distribute", "--plan", "--namespace", "knowledge_base", "--json")
    data = json.loads(data)
    counts = ", ".join(f"{n} {rule}" for rule, n in data["counts"].items() if n)
    assert sum(data["counts"].values()) == len(data["blockers"])
    assert out.rstrip().splitlines()[-1] == \
        f"{len(data['blockers'])} blockers in {len({b['table'] for b in data['blockers']})} tables: {counts}"


def test_distribute_plan_reads_the_live_catalog(database_url):
    assert run_cli("migrate", "--database", database_url, "--namespace", "knowledge_base")[0] == 0
    code, out, err = run_cli("distribute", "--plan", "--catalog", "--database", database_url, "--json")
    assert code == 0, err
    tables = {p["table"] for p in json.loads(out)["placements"]}
    assert "accounts" in tables and "knowledge_base_articles" in tables and "powernode_migrations" not in tables
    code, out, err = run_cli("distribute", "--plan", "--catalog", "--database", database_url, "--json",
                             "--namespace", "core")
    core = {p["table"] for p in json.loads(out)["placements"]}
    assert code == 0 and "accounts" in core and not any(table.startswith("knowledge_base_") for table in core)


def test_distribute_without_plan_is_one_line():
    code, out, err = run_cli("distribute")
    assert code == 2 and err == "powernode: error: distribute only plans (Citus is not installed here): add --plan\n"
