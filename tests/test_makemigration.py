"""`makemigration`: every kind of difference `check` reports round-trips through the migration it writes.

Each case alters a migrated database to create a difference, writes the
migration, applies `up()` (then `check` finds nothing) and `down()` (then
`check` finds the same differences again and the catalogs read exactly as
before), and names the migrator operations the script uses each way.
"""
import pytest

import powernode
from conftest import _rolled_back, run_cli
from platform_schema import rails_fk_name
from powernode import Check, Index, PowernodeModel
from powernode.fields import ArrayField, StringField, TextField, TimestampField, utcnow
from powernode.ddl import table_statements
from powernode.introspect import snapshot
from powernode.makemigration import plan, render
from powernode.migrator import NamespaceRunner
from powernode.schema_check import check
from powernode.schema_ops import execute


class Gadget(PowernodeModel):
    """A table whose indexes the migrator cannot write: expression, opclass, order; a `%` in SQL text."""
    name = StringField(40, default="100%")
    code = TextField(null=True)
    tags = ArrayField(TextField, null=True)
    created_at = TimestampField(precision=6, default=utcnow)

    class Meta:
        table_name = "rt_gadgets"
        rails_name = "RoundTrip::Gadget"
        indexes = [Index("idx_rt_gadgets_lower_name", "lower((name)::text)"),
                   Index("idx_rt_gadgets_code_pattern", ["code"], opclass="text_pattern_ops"),
                   Index("idx_rt_gadgets_recent", ["created_at"], order={"created_at": "desc"}),
                   Index("idx_rt_gadgets_tags", ["tags"], using="gin"),
                   Index("idx_rt_gadgets_name", ["name"], unique=True, where="(name IS NOT NULL)")]
        checks = [Check("rt_gadget_name_has_no_at", "((name)::text !~~ '%@%'::text)")]


EXTRA_TABLE = [
    "CREATE TABLE rt_extras (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
    "account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, "
    "label varchar(40) NOT NULL DEFAULT '50%', tags text[] DEFAULT '{}', "
    "CONSTRAINT rt_label_has_no_at CHECK (label NOT LIKE '%@%'))",
    "CREATE TABLE rt_extra_children (id uuid PRIMARY KEY, extra_id uuid REFERENCES rt_extras (id))",
    "CREATE INDEX rt_extras_lower_label ON rt_extras (lower(label)) WHERE label <> ''",
    "CREATE UNIQUE INDEX rt_extras_account_label ON rt_extras (account_id, label)",
    "COMMENT ON COLUMN rt_extras.label IS 'what it''s called'",
]
USERS_ACCOUNT_FK = rails_fk_name("users", "account_id")

# (id, statements that create the difference, the kinds `check` then reports,
#  the operations up() uses, the operations down() uses)
ROUND_TRIPS = [
    ("missing_table", ['DROP TABLE "email_deliveries"'], {"missing_table"},
     {"execute", "add_index", "add_foreign_key_constraint"}, {"drop_constraint", "drop_table"}),
    ("missing_table_with_raw_indexes", ['DROP TABLE "rt_gadgets"'], {"missing_table"},
     {"execute", "add_index"}, {"drop_table"}),
    ("extra_table", EXTRA_TABLE, {"extra_table"},
     {"drop_constraint", "drop_table"}, {"execute", "add_index", "add_foreign_key_constraint"}),
    ("missing_column", ['ALTER TABLE "users" DROP COLUMN "last_login_ip"'], {"missing_column"},
     {"add_column"}, {"drop_column"}),
    ("missing_column_with_its_index_and_check", ['ALTER TABLE "users" DROP COLUMN "status"'],
     {"missing_column", "missing_index", "missing_check"},
     {"add_column", "add_index", "add_constraint"}, {"drop_column", "drop_index", "drop_constraint"}),
    ("extra_column", ["ALTER TABLE users ADD COLUMN nickname varchar(30) NOT NULL DEFAULT '100%'",
                      "COMMENT ON COLUMN users.nickname IS 'shown in chat'"], {"extra_column"},
     {"drop_column"}, {"add_column", "execute"}),
    ("type_mismatch", ['ALTER TABLE "accounts" ALTER COLUMN "billing_email" TYPE text'], {"type_mismatch"},
     {"alter_column_type"}, {"alter_column_type"}),
    ("null_mismatch_not_null_wanted", ['ALTER TABLE "accounts" ALTER COLUMN "name" DROP NOT NULL'],
     {"null_mismatch"}, {"add_not_null"}, {"drop_not_null"}),
    ("null_mismatch_null_wanted", ['ALTER TABLE "users" ALTER COLUMN "last_login_ip" SET NOT NULL'],
     {"null_mismatch"}, {"drop_not_null"}, {"add_not_null"}),
    ("default_mismatch_changed", ["ALTER TABLE accounts ALTER COLUMN status SET DEFAULT '100% off'"],
     {"default_mismatch"}, {"add_column_default"}, {"add_column_default"}),
    ("default_mismatch_dropped", ['ALTER TABLE "accounts" ALTER COLUMN "status" DROP DEFAULT'],
     {"default_mismatch"}, {"add_column_default"}, {"drop_column_default"}),
    ("default_mismatch_added", ["ALTER TABLE users ALTER COLUMN last_login_ip SET DEFAULT '10.0.0.1'"],
     {"default_mismatch"}, {"drop_column_default"}, {"add_column_default"}),
    ("missing_index_plain", ['DROP INDEX "index_users_on_status"'], {"missing_index"},
     {"add_index"}, {"drop_index"}),
    ("missing_index_partial_unique", ['DROP INDEX "index_accounts_on_subdomain"'], {"missing_index"},
     {"add_index"}, {"drop_index"}),
    ("missing_index_gin", ['DROP INDEX "idx_api_keys_on_scopes"'], {"missing_index"}, {"add_index"}, {"drop_index"}),
    ("missing_index_expression_opclass_order", ['DROP INDEX "idx_rt_gadgets_lower_name"',
                                                'DROP INDEX "idx_rt_gadgets_code_pattern"',
                                                'DROP INDEX "idx_rt_gadgets_recent"'],
     {"missing_index"}, {"execute"}, {"drop_index"}),
    ("extra_index_plain", ['CREATE INDEX "idx_extra" ON "users" ("name")'], {"extra_index"},
     {"drop_index"}, {"add_index"}),
    ("extra_index_expression_order_include", [
        "CREATE INDEX idx_extra_lower ON users (lower(email)) WHERE name <> ''",
        "CREATE INDEX idx_extra_recent ON users (created_at DESC NULLS LAST)",
        "CREATE INDEX idx_extra_covering ON users (account_id) INCLUDE (name)"],
     {"extra_index"}, {"drop_index"}, {"execute"}),
    ("changed_index", ['DROP INDEX "index_accounts_on_subdomain"',
                       'CREATE INDEX "index_accounts_on_subdomain" ON "accounts" ("subdomain")'],
     {"missing_index", "extra_index"}, {"drop_index", "add_index"}, {"drop_index", "add_index"}),
    ("missing_foreign_key", [f'ALTER TABLE "users" DROP CONSTRAINT "{USERS_ACCOUNT_FK}"'], {"missing_foreign_key"},
     {"add_foreign_key_constraint"}, {"drop_constraint"}),
    ("extra_foreign_key", ['ALTER TABLE "oauth_applications" ADD CONSTRAINT "fk_extra_owner" FOREIGN KEY '
                           '("owner_id") REFERENCES "accounts" ("id") ON DELETE SET NULL'],
     {"extra_foreign_key"}, {"drop_constraint"}, {"add_foreign_key_constraint"}),
    ("changed_foreign_key", [f'ALTER TABLE "users" DROP CONSTRAINT "{USERS_ACCOUNT_FK}"',
                             'ALTER TABLE "users" ADD CONSTRAINT "fk_users_account_cascade" FOREIGN KEY '
                             '("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE'],
     {"missing_foreign_key", "extra_foreign_key"}, {"drop_constraint", "add_foreign_key_constraint"},
     {"drop_constraint", "add_foreign_key_constraint"}),
    ("missing_check", ['ALTER TABLE "users" DROP CONSTRAINT "valid_user_status"',
                       'ALTER TABLE "rt_gadgets" DROP CONSTRAINT "rt_gadget_name_has_no_at"'], {"missing_check"},
     {"add_constraint"}, {"drop_constraint"}),
    ("extra_check", ["ALTER TABLE users ADD CONSTRAINT extra_check CHECK (length(name) < 500)",
                     "ALTER TABLE users ADD CONSTRAINT extra_percent CHECK (email NOT LIKE '%%%')"],
     {"extra_check"}, {"drop_constraint"}, {"add_constraint"}),
]


@pytest.fixture(scope="module")
def migrated_template(server):
    """A database with core and the test table migrated: each test works on a copy of it."""
    name = server.create_database()
    db = powernode.connect(server.url(name), namespaces=[])
    powernode.migrate(db)
    for statement in table_statements(db, Gadget):
        execute(db, statement)
    db.close()
    yield name
    server.drop_database(name)


@pytest.fixture(scope="module")
def migrated_shared(server, migrated_template):
    name = f"{migrated_template}_copy"
    server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    db = powernode.connect(server.url(name), namespaces=[])
    yield db
    db.close()
    server.drop_database(name)


@pytest.fixture
def migrated_copy(server, migrated_template):
    """A copy of its own, for a test whose command runs in another process."""
    name = f"{migrated_template}_own"
    server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    db = powernode.connect(server.url(name), namespaces=[])
    yield db
    db.close()
    server.drop_database(name)


@pytest.fixture
def migrated(migrated_shared):
    """The shared copy inside a transaction rolled back after the test: the alterations and migrations too."""
    yield from _rolled_back(migrated_shared)


def _models():
    return [*powernode.registry.models_of(("core",)), Gadget]


@pytest.mark.parametrize("case, statements, kinds, up_operations, down_operations", ROUND_TRIPS,
                         ids=[case[0] for case in ROUND_TRIPS])
def test_each_difference_round_trips_through_up_and_down(migrated, tmp_path, case, statements, kinds,
                                                         up_operations, down_operations):
    db, models = migrated, _models()
    assert check(db, models).differences == []
    for statement in statements:
        execute(db, statement)
    differences = check(db, models).differences
    assert {d.kind for d in differences} == kinds
    catalog = snapshot(db)

    up, down, notes = plan(db, models)
    assert {step.operation for step in up} == up_operations
    assert {step.operation for step in down} == down_operations
    runner = NamespaceRunner(db, "core", tmp_path)
    runner.create("repair", body=render("repair", up, down, notes))
    assert runner.up() == ["0001_repair"]
    assert check(db, models).differences == []

    assert runner.down() == ["0001_repair"]
    assert check(db, models).differences == differences
    assert snapshot(db) == catalog


def test_round_trips_cover_every_kind_both_ways():
    covered = {kind for _, _, kinds, _, _ in ROUND_TRIPS for kind in kinds}
    assert covered == {f"{side}_{item}" for side in ("missing", "extra")
                       for item in ("table", "column", "index", "foreign_key", "check")} | {
        "type_mismatch", "null_mismatch", "default_mismatch"}


def test_the_written_migration_says_what_it_does(migrated):
    for statement in EXTRA_TABLE + ["ALTER TABLE users ADD COLUMN nickname text NOT NULL",
                                    'ALTER TABLE "users" DROP COLUMN "status"',
                                    'ALTER TABLE "users" DROP COLUMN "email"']:
        execute(migrated, statement)
    up, down, notes = plan(migrated, _models())
    text = render("tidy", up, down, notes)
    assert "# NOTE: up() drops table rt_extras and its rows; down() restores the table empty" in text
    assert "# NOTE: up() drops column users.nickname and its data; down() restores the column empty" in text
    assert "# NOTE: users.email is NOT NULL without a default: fill existing rows before this runs " \
           "on a table that has any" in text
    assert "users.status is NOT NULL" not in text  # it has a default, which fills existing rows
    assert ("migrator.migrate(migrator.add_column('users', 'status', FrozenColumn('character varying(20)', "
            "null=False, server_default=\"'active'\"), allow_not_null=True))") in text
    compile(text, "tidy.py", "exec")


def test_makemigration_command_writes_one_migration_per_namespace_that_differs(migrated_copy, tmp_path):
    migrated = migrated_copy
    execute(migrated, 'ALTER TABLE "accounts" ALTER COLUMN "name" DROP NOT NULL')
    code, out, err = run_cli("makemigration", "fix_name", "--database", migrated.url, "--namespace", "core",
                             "--directory", str(tmp_path))
    assert code == 0, err
    assert out.strip() == str(tmp_path / "0001_fix_name.py")
    assert "migrator.migrate(migrator.add_not_null('accounts', 'name'))" in (tmp_path / "0001_fix_name.py").read_text()
