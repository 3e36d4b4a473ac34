"""The tenant boundary, attacked with the application role's own privileges and raw SQL.

A real login role without BYPASSRLS that owns nothing, granted what an application gets
(SELECT, INSERT, UPDATE, DELETE on every table), plays the attacker: it forges the tenant
setting every way SQL can, replays signatures, reaches for the key, and reads and writes
another account's rows in every account-owned table the registry's models and the live
schema define. Each attack is paired with the same statement on the attacker's own rows,
so that a policy hiding everything would fail too.
"""
import logging
import secrets
import traceback
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import peewee
import psycopg2
import pytest

import powernode
from conftest import SUMMARY, run_cli
from factory import build, make
import powernode.bulk
from powernode import embedded, rls
from powernode.database import open_database
from powernode.errors import ConfigurationError
from powernode.ownership import ACCOUNT, DIRECT, GLOBAL, LINKED, POLYMORPHIC, ownership
from powernode.references import Reference

KEY = secrets.token_urlsafe(32)


@dataclass
class World:
    db: peewee.Database          # the owner's connection (models bound to it)
    url: str                     # the attacker's URL
    owner_url: str
    role: str
    owners: dict                 # table -> ownership.Owner
    models: dict                 # table -> model
    a: object                    # the attacker's account
    b: object                    # the victim's

    def attacker(self, key=KEY):
        app = open_database(self.url)
        app.tenant_key = key
        return app


@pytest.fixture(scope="module")
def world(server):
    """Every installed namespace the server can hold, the optional extensions too, under row-level security."""
    name = server.create_database()
    namespaces = [ns for ns in powernode.installed.names() if server.has_pgvector or ns != "ai"]
    db = powernode.connect(server.url(name), namespaces=namespaces)
    powernode.migrate(db)
    role = f"pn_attacker_{uuid.uuid4().hex[:8]}"
    server.admin(f'CREATE ROLE "{role}" LOGIN NOBYPASSRLS')
    for grant in ("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO",
                  "ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO"):
        db.execute_sql(f'{grant} "{role}"')
    models = powernode.registry.models_of(powernode.installed.names())
    rls.enable(db, key=KEY.encode(), models=models)
    Account = powernode.models["Account"]
    url = server.url(name).replace("postgres:@", f"{role}:@").replace("postgres@", f"{role}@")
    yield World(db, url, server.url(name), role, ownership(db, models),
                {m._meta.table_name: m for m in models if m._meta.namespace in db.namespaces},
                Account.create(name="Account A"), Account.create(name="Account B"))
    db.close()
    server.drop_database(name)
    server.admin(f'DROP ROLE "{role}"')


# -- rows owned by an account, in any table ------------------------------------------------------

_global_rows = {}
_parent_rows = {}


def owned_row(world, model, account):
    """A row of `model` that `account` owns, through whatever chain of owners its table has."""
    owner, columns = world.owners[model._meta.table_name], model._meta.columns
    values = {}
    if owner.kind == DIRECT:
        values[columns["account_id"].name] = account.id
    elif owner.kind == LINKED:
        for link in owner.links:
            parent = account if link.parent == "accounts" else owned_parent(world, link.parent, account)
            values[columns[link.column].name] = getattr(parent, world.models[link.parent]._meta.columns[
                link.parent_column].name)
    elif owner.kind == POLYMORPHIC:
        link = owner.links[0]
        values[columns[link.type_column].name], values[columns[link.column].name] = "Account", account.id
    for field in model._meta.sorted_fields:  # required keys to platform-wide tables: one row each, reused
        if isinstance(field, Reference) and field.name not in values and not field.null:
            target = field.rel_model._meta.table_name
            if world.owners.get(target) and world.owners[target].kind == GLOBAL:
                if target not in _global_rows:
                    _global_rows[target] = make(field.rel_model)
                values[field.name] = getattr(_global_rows[target], field.rel_field.name)
    return stored(model, **values)


def owned_parent(world, table, account):
    """One row of a parent table per account, shared by its children (a parent may be unique per account)."""
    if (table, account.id) not in _parent_rows:
        _parent_rows[table, account.id] = owned_row(world, world.models[table], account)
    return _parent_rows[table, account.id]


def stored(model, **values):
    """A row holding `values` whether or not the platform's validators accept it: these tests are about
    what PostgreSQL lets a role reach, so rows only the database could hold are fair game."""
    row = build(model, **values)
    if model._meta.primary_key:
        row.save(validate=False)
    else:
        model.insert(**row.__data__).execute()
    return row


def identity(model, row):
    """{column: value} that names `row`: its id, or (tables without one) its references."""
    if model._meta.primary_key:
        return {"id": row.id}
    return {field.column_name: row.__data__[field.name] for field in model._meta.sorted_fields
            if isinstance(field, Reference) and row.__data__.get(field.name) is not None}


def where(key):
    return " AND ".join(f'"{column}" = %s' for column in key), [str(value) for value in key.values()]


def copy_sql(table, column=None, value=None):
    """INSERT a copy (new id, and `column` set to `value`) of the row whose id is the parameter."""
    t = f'"{table}"'
    changes = "'id', gen_random_uuid()" + (f", '{column}', '{value}'" if column else "")
    return (f"INSERT INTO {t} SELECT (jsonb_populate_record(NULL::{t}, to_jsonb(r) || "
            f"jsonb_build_object({changes}))).* FROM {t} r WHERE r.id = %s")


def tenant_tables(world):
    return sorted(table for table, owner in world.owners.items()
                  if owner.tenant_owned and owner.kind != ACCOUNT and table in world.models)


def refused(app, sql, params=()):
    """The statement fails with PostgreSQL's row-level security error (and the session carries on)."""
    with pytest.raises(peewee.DatabaseError) as failure:
        with app.atomic():
            app.execute_sql(sql, params)
    return "row-level security" in str(failure.value)


# -- the classification --------------------------------------------------------------------------

def test_every_table_is_protected_or_global_and_status_says_so(world):
    states = rls.status(world.db, list(world.models.values()))
    kinds = {state.state for state in states}
    assert kinds == {"protected", "global"}
    linked = [t for t, o in world.owners.items() if o.kind == LINKED]
    assert {"user_tokens", "user_roles", "password_histories", "impersonation_sessions"} <= set(linked)
    code, out, err = run_cli("rls", "status", "--database", world.owner_url)
    assert code == 0, err
    lines = dict(line.split(None, 1) for line in out.splitlines()[:-1])
    assert lines["user_tokens"].startswith("protected") and lines["permissions"].startswith("global")
    assert out.splitlines()[-1] == (f"{sum(s.state == 'protected' for s in states)} protected, "
                                    f"{sum(s.state == 'global' for s in states)} global, 0 unprotected")
    SUMMARY.append(f"row-level security over {len(states)} tables: {out.splitlines()[-1]}")


def test_status_exits_1_while_an_account_owned_table_is_unprotected(world):
    world.db.execute_sql("CREATE TABLE pn_notes (id uuid PRIMARY KEY, user_id uuid REFERENCES users (id))")
    try:
        code, out, err = run_cli("rls", "status", "--database", world.owner_url)
        assert code == 1 and "pn_notes" in out and "1 unprotected" in out, out
        assert err.count("\n") == 1 and "powernode rls enable" in err
        code, out, err = run_cli("rls", "enable", "--database", world.owner_url)  # the key is already stored
        assert code == 0 and out.splitlines()[0].endswith("written on 1 tables"), (out, err)
    finally:
        world.db.execute_sql("DROP TABLE pn_notes")


# -- every account-owned table, read and written across the boundary -----------------------------

@pytest.fixture(scope="module")
def owned_rows(world):
    """{table: (the attacker's row, the victim's row)} for every account-owned table."""
    rows = {}
    with world.db.atomic():
        for table in tenant_tables(world):
            rows[table] = tuple(owned_parent(world, table, account) for account in (world.a, world.b))
    return rows


def test_no_account_owned_table_lets_the_attacker_reach_another_accounts_rows(world, owned_rows):
    assert len(owned_rows) > 300 if "ai" in world.db.namespaces else len(owned_rows) > 150
    app = world.attacker()
    failures = []
    with powernode.tenant(world.a, db=app):
        for table, rows in owned_rows.items():
            mine, theirs = (identity(world.models[table], row) for row in rows)
            t, column = f'"{table}"', f'"{next(iter(mine))}"'
            check_mine, mine_params = where(mine)
            check_theirs, theirs_params = where(theirs)
            seen = app.execute_sql(f"SELECT count(*) FROM {t} WHERE ({check_mine}) OR ({check_theirs})",
                                   mine_params + theirs_params).fetchone()[0]
            touched = app.execute_sql(f"UPDATE {t} SET {column} = {column} WHERE {check_theirs}",
                                      theirs_params).rowcount
            deleted = app.execute_sql(f"DELETE FROM {t} WHERE {check_theirs}", theirs_params).rowcount
            own_update = app.execute_sql(f"UPDATE {t} SET {column} = {column} WHERE {check_mine}",
                                         mine_params).rowcount
            if (seen, touched, deleted, own_update) != (1, 0, 0, 1):
                failures.append((table, seen, touched, deleted, own_update))
    app.close()
    assert not failures, failures[:10]
    for table, (_, theirs) in owned_rows.items():  # the victim's rows are all still there
        check, params = where(identity(world.models[table], theirs))
        assert world.db.execute_sql(f'SELECT count(*) FROM "{table}" WHERE {check}', params).fetchone()[0] == 1


def test_no_account_owned_table_lets_the_attacker_hand_a_row_to_another_account(world, owned_rows):
    """Moving one's own row to the victim's owner, through each owner link, or inserting one there, is refused."""
    app = world.attacker()
    moved = []
    for table, (mine, theirs) in owned_rows.items():
        model, owner = world.models[table], world.owners[table]
        if owner.kind == DIRECT:
            targets = {"account_id": world.b.id}
        elif owner.kind == POLYMORPHIC:
            targets = {owner.links[0].column: world.b.id}
        else:
            targets = {link.column: theirs.__data__[model._meta.columns[link.column].name] for link in owner.links}
        check, params = where(identity(model, mine))
        with powernode.tenant(world.a, db=app):
            for column, value in targets.items():
                if not refused(app, f'UPDATE "{table}" SET "{column}" = %s WHERE {check}', [str(value), *params]):
                    moved.append((table, column))
            if model._meta.primary_key and not refused(app, copy_sql(table, column, value), (str(mine.id),)):
                moved.append((table, "insert"))
    app.close()
    assert not moved, moved


# -- forging, replaying and stealing the tenant context ------------------------------------------

@pytest.fixture(scope="module")
def users(world):
    User = world.models["users"]
    mine = [make(User, account=world.a).id for _ in range(2)]
    theirs = [make(User, account=world.b).id for _ in range(3)]
    return mine, theirs


def _count(app, account):
    return app.execute_sql("SELECT count(*) FROM users WHERE account_id = %s", (str(account.id),)).fetchone()[0]


FORGERIES = {
    "set_config": ["SELECT set_config('powernode.account_id', %(b)s, false)"],
    "set_config, local": ["SELECT set_config('powernode.account_id', %(b)s, true)"],
    "SET": ["SET powernode.account_id = %(b)s"],
    "SET LOCAL": ["SET LOCAL powernode.account_id = %(b)s"],
    "RESET then SET": ["RESET powernode.account_id", "RESET powernode.tenant_signature",
                       "SET powernode.account_id = %(b)s"],
    "a made-up signature": ["SELECT set_config('powernode.account_id', %(b)s, true)",
                            "SELECT set_config('powernode.tenant_signature', repeat('0', 64), true)"],
}


@pytest.mark.parametrize("attack", FORGERIES)
@pytest.mark.parametrize("inside_tenant", [False, True], ids=["outside tenant()", "inside tenant(A)"])
def test_a_forged_setting_reaches_nothing(world, users, attack, inside_tenant):
    app = world.attacker()
    try:
        with app.atomic(), ExitStack() as inside:
            if inside_tenant:
                inside.enter_context(powernode.tenant(world.a, db=app))
            for statement in FORGERIES[attack]:
                app.execute_sql(statement, {"b": str(world.b.id)})
            assert _count(app, world.b) == 0
            assert app.execute_sql("SELECT count(*) FROM users").fetchone()[0] == 0
            assert app.execute_sql("UPDATE users SET name = name WHERE account_id = %s",
                                   (str(world.b.id),)).rowcount == 0
    finally:
        app.close()


@pytest.mark.parametrize("statement", [
    "SELECT count(*) FROM users WHERE (SELECT set_config('powernode.account_id', %(b)s, true)) IS NOT NULL "
    "AND account_id = %(b)s",
    "WITH forged AS (SELECT set_config('powernode.account_id', %(b)s, true) AS v) "
    "SELECT count(*) FROM forged, users WHERE users.account_id = %(b)s",
    "SELECT count(*) FROM users WHERE account_id = %(b)s AND set_config('powernode.account_id', %(b)s, true) <> ''",
    "SELECT count(*) FROM (SELECT set_config('powernode.account_id', id::text, true), id FROM accounts) AS a "
    "JOIN users u ON u.account_id = a.id WHERE u.account_id = %(b)s",
], ids=["in a scalar subquery", "in a CTE", "per row", "from accounts"])
def test_set_config_inside_the_statement_reaches_nothing(world, users, statement):
    app = world.attacker()
    with powernode.tenant(world.a, db=app):
        assert app.execute_sql(statement, {"b": str(world.b.id)}).fetchone()[0] == 0
    app.close()


def test_blocks_functions_and_prepared_statements_reach_nothing(world, users):
    app = world.attacker()
    b = str(world.b.id)
    with powernode.tenant(world.a, db=app):
        app.execute_sql(f"DO $$ BEGIN PERFORM set_config('powernode.account_id', '{b}', true); END $$")
        assert _count(app, world.b) == 0
    with powernode.tenant(world.a, db=app):  # a function of its own, even SECURITY DEFINER, runs as itself
        app.execute_sql("CREATE FUNCTION pg_temp.forge(account text) RETURNS text LANGUAGE sql SECURITY DEFINER "
                        "AS $$ SELECT set_config('powernode.account_id', account, true) $$")
        app.execute_sql("SELECT pg_temp.forge(%s)", (b,))
        assert _count(app, world.b) == 0
    app.execute_sql("PREPARE pn_users (uuid) AS SELECT count(*) FROM users WHERE account_id = $1")
    with powernode.tenant(world.a, db=app):
        assert app.execute_sql("EXECUTE pn_users (%s)", (str(world.a.id),)).fetchone()[0] == _count(world.db, world.a)
        assert app.execute_sql("EXECUTE pn_users (%s)", (b,)).fetchone()[0] == 0
    assert app.execute_sql("EXECUTE pn_users (%s)", (str(world.a.id),)).fetchone()[0] == 0  # planned inside A
    app.close()


def test_copy_and_statistics_reach_nothing(world, users):
    import io

    world.db.execute_sql("ANALYZE users")
    app = world.attacker()
    with powernode.tenant(world.a, db=app):
        out = io.StringIO()
        with app.cursor() as cursor:
            cursor.copy_expert("COPY users (account_id) TO STDOUT", out)
        assert set(out.getvalue().split()) == {str(world.a.id)}
        assert app.execute_sql("SELECT count(*) FROM pg_stats WHERE tablename = 'users'").fetchone()[0] == 0
    with pytest.raises(psycopg2.Error, match="row-level security"):
        with app.atomic(), app.cursor() as cursor:
            cursor.copy_expert("COPY users (account_id, email, password_digest) FROM STDIN",
                               io.StringIO(f"{world.b.id}\tcopied@b.test\tx\n"))
    app.close()


def test_a_signature_is_worthless_outside_its_transaction_and_connection(world, users):
    app, other = world.attacker(), world.attacker()
    with powernode.tenant(world.a, db=app):
        signature = app.execute_sql("SELECT current_setting('powernode.tenant_signature')").fetchone()[0]
        assert _count(app, world.a) == _count(world.db, world.a) > 0  # the real context works
    forged = "SELECT set_config('powernode.account_id', %s, true), set_config('powernode.tenant_signature', %s, true)"
    with app.atomic():  # the same connection, the next transaction
        app.execute_sql(forged, (str(world.a.id), signature))
        assert _count(app, world.a) == 0
    with other.atomic():  # another connection, as if read from pg_stat_activity
        other.execute_sql(forged, (str(world.a.id), signature))
        assert _count(other, world.a) == 0
    with powernode.tenant(world.a, db=app):  # A's signature does not carry B's account
        app.execute_sql("SELECT set_config('powernode.account_id', %s, true)", (str(world.b.id),))
        assert _count(app, world.b) == 0
    app.close()
    other.close()


def test_tenant_without_the_key_or_with_another_is_refused(world, users):
    app = world.attacker(key=None)
    with pytest.raises(ConfigurationError, match="POWERNODE_TENANT_KEY"):
        with powernode.tenant(world.a, db=app):
            pass
    app.tenant_key = secrets.token_urlsafe(32)
    with pytest.raises(ConfigurationError, match="differs from the one"):
        with powernode.tenant(world.a, db=app):
            pass
    app.close()


def test_nested_tenants_hand_the_context_back(world, users):
    app = world.attacker()
    with app.atomic():
        with powernode.tenant(world.a, db=app):
            with powernode.tenant(world.b, db=app):
                assert (_count(app, world.a), _count(app, world.b)) == (0, _count(world.db, world.b))
            assert (_count(app, world.a), _count(app, world.b)) == (_count(world.db, world.a), 0)
        assert app.execute_sql("SELECT count(*) FROM users").fetchone()[0] == 0  # same transaction, no tenant
    app.close()


def test_the_key_and_the_policies_are_out_of_the_attackers_reach(world, users):
    app = world.attacker()
    pads = [bytes(value).hex() for value in world.db.execute_sql(
        "SELECT inner_pad, outer_pad FROM powernode_rls_private.tenant_key").fetchone()]
    for sql in ["SELECT * FROM powernode_rls_private.tenant_key",
                "ALTER TABLE users DISABLE ROW LEVEL SECURITY",
                "DROP POLICY powernode_select ON users",
                "CREATE POLICY everything ON users USING (true)",
                "CREATE OR REPLACE FUNCTION powernode_rls.current_account() RETURNS uuid LANGUAGE sql "
                "AS 'SELECT NULL::uuid'",
                "UPDATE powernode_rls.polymorphic_targets SET account_column = 'id'",
                "SET row_security = off; SELECT count(*) FROM users",
                f'SET ROLE "{world.db.execute_sql("SELECT current_user").fetchone()[0]}"']:
        with pytest.raises(peewee.DatabaseError, match="permission denied|must be owner|row-level security"):
            with app.atomic():
                app.execute_sql(sql)
                pytest.fail(f"the attacker ran: {sql}")
    catalogs = " ".join(str(value) for (value,) in app.execute_sql(
        "SELECT prosrc FROM pg_proc UNION ALL SELECT setting FROM pg_settings "
        "UNION ALL SELECT coalesce(query, '') FROM pg_stat_activity").fetchall())
    assert KEY not in catalogs and not any(pad in catalogs for pad in pads)
    app.close()


def test_with_no_tenant_the_attacker_sees_no_account_owned_row(world, users):
    app = world.attacker()
    assert app.execute_sql("SELECT count(*) FROM users").fetchone()[0] == 0
    assert app.execute_sql("SELECT count(*) FROM accounts").fetchone()[0] == 0
    app.close()


def test_accounts_shows_only_the_current_account(world, users):
    app = world.attacker()
    with powernode.tenant(world.a, db=app):
        assert [r[0] for r in app.execute_sql("SELECT id FROM accounts").fetchall()] == [world.a.id]
        assert app.execute_sql("UPDATE accounts SET name = 'taken' WHERE id = %s", (str(world.b.id),)).rowcount == 0
        assert refused(app, "INSERT INTO accounts (name, created_at, updated_at) VALUES ('x', now(), now())")
    app.close()


# -- platform-wide rows -------------------------------------------------------------------------

def test_shared_rows_are_readable_by_every_tenant_and_writable_by_none(world):
    shared = sorted(t for t, o in world.owners.items() if o.kind == DIRECT and o.shared and t in world.models)
    assert "workers" in shared and ("ai_providers" in shared or "ai" not in world.db.namespaces)
    rows = {}
    with world.db.atomic():
        for table in shared:
            rows[table] = stored(world.models[table], **{world.models[table]._meta.columns["account_id"].name: None}).id
    app = world.attacker()
    wrong = []
    for table, row in rows.items():
        with powernode.tenant(world.a, db=app):
            t = f'"{table}"'
            seen = app.execute_sql(f"SELECT count(*) FROM {t} WHERE id = %s", (str(row),)).fetchone()[0]
            taken = app.execute_sql(f"UPDATE {t} SET account_id = %s WHERE id = %s AND account_id IS NULL",
                                    (str(world.a.id), str(row))).rowcount
            deleted = app.execute_sql(f"DELETE FROM {t} WHERE id = %s AND account_id IS NULL", (str(row),)).rowcount
            if (seen, taken, deleted) != (1, 0, 0):
                wrong.append((table, seen, taken, deleted))
            if not refused(app, copy_sql(table), (str(row),)):
                wrong.append((table, "insert"))
    app.close()
    assert not wrong, wrong
    for table, row in rows.items():
        assert world.db.execute_sql(f'SELECT account_id FROM "{table}" WHERE id = %s', (str(row),)).fetchone() == (None,)


def test_global_tables_are_read_only_for_the_application_role(world):
    tables = sorted(t for t, o in world.owners.items() if o.kind == GLOBAL and t in world.models)
    assert {"permissions", "roles", "plans"} <= set(tables)
    rows = {}
    with world.db.atomic():
        for table in tables:
            model = world.models[table]
            rows[table] = identity(model, _global_rows.get(table) or make(model))
    app = world.attacker()
    wrong = []
    with powernode.tenant(world.a, db=app):
        for table, key in rows.items():
            check, params = where(key)
            column = next(iter(key))
            if app.execute_sql(f'SELECT count(*) FROM "{table}" WHERE {check}', params).fetchone()[0] != 1:
                wrong.append((table, "not readable"))
            if app.execute_sql(f'UPDATE "{table}" SET "{column}" = "{column}" WHERE {check}', params).rowcount:
                wrong.append((table, "updated"))
            if app.execute_sql(f'DELETE FROM "{table}" WHERE {check}', params).rowcount:
                wrong.append((table, "deleted"))
    app.close()
    assert not wrong, wrong


def test_migrate_gives_new_tables_their_policies(database_url):
    """A namespace migrated after `rls enable` leaves none of its tables unprotected."""
    key = {"POWERNODE_TENANT_KEY": KEY}
    assert run_cli("migrate", "--database", database_url, "--namespace", "core")[0] == 0
    assert run_cli("rls", "enable", "--database", database_url, env=key)[0] == 0
    code, out, err = run_cli("migrate", "--database", database_url, "--namespace", "knowledge_base")
    assert code == 0 and "applied knowledge_base/0001_knowledge_base_tables" in out, err
    code, out, err = run_cli("rls", "status", "--database", database_url)
    states = dict(line.split()[:2] for line in out.splitlines()[:-1])
    assert code == 0 and out.splitlines()[-1].endswith(" 0 unprotected"), (out, err)
    assert states["knowledge_base_articles"] == states["knowledge_base_comments"] == "protected"
    assert states["knowledge_base_categories"] == "global"


# -- no secret in any message, exception or log (issue 13, items 6-8) -----------------------------

SECRET = "Hunter2Secret"


@pytest.mark.parametrize("url", [
    "postgresql://nobody:{s}@127.0.0.1:1/db",
    "postgresql://nobody@127.0.0.1:1/db?password={s}",
    "postgresql://nobody@127.0.0.1:1/db?sslmode=disable&sslpassword={s}",
    "postgresql://nobody@127.0.0.1:1/db?pass%77ord={s}",
    "postgresql://nobody@127.0.0.1:notaport/db?password={s}",
    "postgresql://nobody:{s}@[::1/db",
    "host=127.0.0.1 password={s} dbname=db",
    "host=127.0.0.1 password='{s} with spaces' dbname=db",
])
def test_no_credential_of_a_url_or_dsn_shows_in_a_failure(url):
    code, out, err = run_cli("status", "--database", url.format(s=SECRET))
    assert code == 2 and err.count("\n") == 1 and err.startswith("powernode: error: "), err
    assert SECRET not in out + err and "Traceback" not in err


def test_a_lookup_that_misses_carries_no_parameter_value(world, caplog):
    from test_secrets import secret_columns

    caplog.set_level(logging.DEBUG, logger="peewee")
    columns = [(t, c) for t, c, sql_type in secret_columns(world.db.namespaces)
               if sql_type.startswith(("character varying", "text"))]
    assert len(columns) > 30 and ("api_keys", "key_digest") in columns
    for number, (table, column) in enumerate(columns):
        model = world.models[table]
        marker = f"MISS{number:03d}{SECRET}"
        encrypts = getattr(model._meta.columns[column], "encrypts", None)
        if encrypts is not None and not encrypts.deterministic:  # no lookup by value at all: refused
            with pytest.raises(powernode.InvalidValue) as refused:
                model.get(model._meta.columns[column] == marker)
            assert marker not in str(refused.value)
            continue
        with pytest.raises(model.DoesNotExist) as miss:
            model.get(model._meta.columns[column] == marker)
        text = "".join(traceback.format_exception(miss.value))
        assert marker not in text and f"no {model.__name__} matches the query" in text, text
    with pytest.raises(world.models["users"].DoesNotExist) as miss:
        world.models["users"].get_by_id(uuid.UUID(int=7))
    assert str(uuid.UUID(int=7)) not in "".join(traceback.format_exception(miss.value))
    assert not any(SECRET in record.getMessage() for record in caplog.records)


def test_a_value_postgresql_quotes_stays_out_of_errors_and_of_the_servers_log(world, server):
    ApiKey = world.models["api_keys"]
    marker = f"tok_{SECRET}_{uuid.uuid4().hex[:6]}"
    with pytest.raises(powernode.bulk.BulkLoadError) as failure:  # a key pasted into a uuid column
        powernode.bulk_load(ApiKey, [{"account_id": world.a.id, "name": "k", "key_digest": "d",
                                      "prefix": "p"}, {"account_id": marker, "name": "k2"}])
    assert marker not in str(failure.value)
    assert str(failure.value).startswith("api_keys: row 1, column account_id: invalid input syntax for type uuid")
    for sql in ("SELECT %s::integer", "SELECT %s::uuid", "SELECT '{}'::jsonb -> %s::int"):
        with pytest.raises(peewee.DatabaseError) as failure:
            world.db.execute_sql(sql, (marker,))
        assert marker not in "".join(traceback.format_exception(failure.value))
    if server.kind != "pg18":
        pytest.skip("the machine's PostgreSQL 15 was not started by the package: its log settings are its operator's")
    folder = Path(world.db.execute_sql("SELECT current_setting('data_directory')").fetchone()[0])
    settings = dict(world.db.execute_sql("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                                         (list(embedded.LOG_SETTINGS),)).fetchall())
    assert settings == embedded.LOG_SETTINGS
    assert marker not in (folder / "log").read_text(errors="replace")
