"""The account as tenant boundary: tenant() in Python, row-level security in PostgreSQL."""
import peewee
import psycopg2
import pytest

import powernode
from conftest import run_cli
from powernode.errors import InvalidValue


@pytest.fixture
def two_tenants(database_url):
    db = powernode.connect(database_url, namespaces=[])
    powernode.migrate(db)
    Account, User = powernode.models["Account"], powernode.models["User"]
    a, b = Account.create(name="Acme"), Account.create(name="Beta")
    for account, emails in ((a, ["a1@a.test", "a2@a.test"]), (b, ["b1@b.test"])):
        for email in emails:
            User.create(account=account, email=email, name="N", password_digest="x")
    yield db, a, b
    db.close()


def test_tenant_scopes_queries_and_defaults_inserts(two_tenants):
    db, a, b = two_tenants
    User = powernode.models["User"]
    with powernode.tenant(a):
        assert sorted(u.email for u in User.select()) == ["a1@a.test", "a2@a.test"]
        created = User.create(email="a3@a.test", name="N", password_digest="x")
        assert created.account_id == a.id
        assert User.update(name="renamed").execute() == 3
        with powernode.tenant(b.id):
            assert [u.email for u in User.select()] == ["b1@b.test"]
            assert db.execute_sql("SELECT current_setting('powernode.account_id')").fetchone()[0] == str(b.id)
        assert db.execute_sql("SELECT current_setting('powernode.account_id')").fetchone()[0] == str(a.id)
        assert powernode.current_tenant() == a.id
    assert powernode.current_tenant() is None
    assert User.select().count() == 4
    assert User.get(User.email == "b1@b.test").name == "N"


def test_tenant_refuses_what_is_not_an_account(two_tenants):
    with pytest.raises(InvalidValue, match="not 'acme'"):
        with powernode.tenant("acme"):
            pass


@pytest.fixture
def app_role(server, two_tenants, database_url):
    """A login role without BYPASSRLS that does not own the tables: what an application uses."""
    db, a, b = two_tenants
    server.admin("DROP ROLE IF EXISTS pn_app")
    server.admin("CREATE ROLE pn_app LOGIN NOBYPASSRLS")
    db.execute_sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pn_app")
    url = database_url.replace("postgres:@", "pn_app:@").replace("postgres@", "pn_app@")
    yield url, a, b
    for model in powernode.registry.loaded():
        if model._meta.database is not None:
            model._meta.database.close()
    db.execute_sql("DROP OWNED BY pn_app")
    server.admin("DROP ROLE pn_app")


KEY = {"POWERNODE_TENANT_KEY": "a test key that is long enough to sign with"}


def test_row_level_security_holds_raw_sql_to_the_tenant(app_role, database_url):
    url, a, b = app_role
    code, out, err = run_cli("rls", "enable", "--database", database_url, "--namespace", "core")
    assert code == 2 and "POWERNODE_TENANT_KEY" in err and err.count("\n") == 1  # no key, no RLS
    code, out, err = run_cli("rls", "enable", "--database", database_url, "--namespace", "core", env=KEY)
    assert code == 0 and out.startswith("row-level security enabled"), err
    code, out, _ = run_cli("rls", "status", "--database", database_url, "--namespace", "core")
    protected, shared, unprotected = [int(word) for word in out.splitlines()[-1].split() if word.isdigit()]
    assert protected > 40 and unprotected == 0 and code == 0

    app = powernode.connect(url, namespaces=[], tenant_key=KEY["POWERNODE_TENANT_KEY"])
    count = "SELECT count(*) FROM users"
    assert app.execute_sql(count).fetchone()[0] == 0  # no tenant: no rows
    with powernode.tenant(a, db=app):
        assert app.execute_sql(count).fetchone()[0] == 2
        assert app.execute_sql("SELECT count(*) FROM users WHERE account_id = %s", (str(b.id),)).fetchone()[0] == 0
        with pytest.raises(peewee.ProgrammingError, match="row-level security"):
            with app.atomic():
                app.execute_sql("INSERT INTO users (account_id, email, password_digest, created_at, updated_at) "
                                "VALUES (%s, 'intruder@b.test', 'x', now(), now())", (str(b.id),))
        assert app.execute_sql(count).fetchone()[0] == 2  # still usable after the refusal
    with powernode.tenant(b, db=app):
        emails = app.execute_sql("SELECT email FROM users").fetchall()  # encrypted: read as the model reads
        assert [powernode.models["User"].email.python_value(r[0]) for r in emails] == ["b1@b.test"]
    app.close()

    code, out, _ = run_cli("rls", "disable", "--database", database_url, "--namespace", "core")
    connection = psycopg2.connect(url)
    with connection, connection.cursor() as cursor:
        cursor.execute(count)
        assert cursor.fetchone()[0] == 3
    connection.close()


def test_platform_wide_rows_are_visible_but_not_writable_by_a_tenant(app_role, database_url):
    url, a, b = app_role
    assert run_cli("rls", "enable", "--database", database_url, "--namespace", "core", env=KEY)[0] == 0
    owner = psycopg2.connect(database_url)
    with owner, owner.cursor() as cursor:  # workers.account_id may be NULL: a platform-wide worker
        cursor.execute("INSERT INTO workers (name, created_at, updated_at) VALUES ('platform', now(), now())")
        cursor.execute("INSERT INTO workers (account_id, name, created_at, updated_at) "
                       "VALUES (%s, 'b-worker', now(), now())", (str(b.id),))
    owner.close()
    app = powernode.connect(url, namespaces=[], tenant_key=KEY["POWERNODE_TENANT_KEY"])
    with powernode.tenant(a, db=app):
        assert [r[0] for r in app.execute_sql("SELECT name FROM workers").fetchall()] == ["platform"]
        with pytest.raises(peewee.ProgrammingError, match="row-level security"):
            with app.atomic():
                app.execute_sql("INSERT INTO workers (name, created_at, updated_at) VALUES ('x', now(), now())")
    app.close()
