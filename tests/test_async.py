"""asyncio: connect_async over peewee's pwasyncio, the package's features on the async path, the pool."""
import asyncio
import datetime
import subprocess
import sys
import uuid

import peewee
import psycopg2
import pytest

import powernode
from powernode.bulk import BulkLoadError

pytest.importorskip("asyncpg", reason="the async extra (pip install 'powernode[async]') is not installed")

KEY = "a test key that is long enough to sign with"


def run(url, body, **options):
    """asyncio.run(body(db)) on a fresh connect_async(url), its pool closed after."""
    async def main():
        db = await powernode.connect_async(url, **options)
        try:
            return await body(db)
        finally:
            await db.close_pool()
    return asyncio.run(main())


def test_the_sync_package_needs_neither_asyncpg_nor_greenlet(core_db):
    code = f"""
import sys, asyncio
sys.modules["asyncpg"] = sys.modules["greenlet"] = None   # as if the extra were not installed
import powernode
db = powernode.connect({core_db.url!r}, namespaces=[])
Account = powernode.models["Account"]
Account.create(name="sync only")
assert [a.name for a in Account.select()] == ["sync only"]
try:
    asyncio.run(powernode.connect_async({core_db.url!r}))
except powernode.ConfigurationError as exc:
    print(exc)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "pip install 'powernode[async]'" in result.stdout and result.stdout.count("\n") == 1


def test_peewee_async_methods_are_on_every_model():
    from playhouse.pwasyncio import AsyncModelMixin

    from powernode.async_api import PEEWEE_METHODS

    assert set(PEEWEE_METHODS) == {name for name in vars(AsyncModelMixin) if name.startswith("a")} - {"asave"}


def test_models_work_through_peewee_async_api(core_db):
    Account, User = powernode.models["Account"], powernode.models["User"]

    async def body(db):
        acme = await Account.acreate(name="Acme")
        ada = await User.acreate(account=acme, email="Ada@Acme.test", name="Ada Lovelace", password="correct horse",
                                 preferences={"theme": "dark"}, backup_codes=["a1", "b2"])
        assert isinstance(acme.id, uuid.UUID) and ada.account_id == acme.id
        found = await User.aget(User.email == "ada@acme.TEST")       # deterministic, downcased
        assert (found.id, found.name, found.preferences, found.backup_codes) == \
            (ada.id, "Ada Lovelace", {"theme": "dark"}, ["a1", "b2"])
        assert found.authenticate("correct horse") == found
        assert (await found.afetch(User.account)).name == "Acme"    # belongs_to
        stored = (await db.aexecute_sql("SELECT email, name, preferences FROM users")).fetchone()
        assert stored[0].startswith('{"p":') and stored[1].startswith('{"p":') and stored[2] == '{"theme":"dark"}'

        with pytest.raises(powernode.ValidationError, match="name can't be blank"):
            await User.acreate(account=acme, email="x@acme.test", name="", password_digest="x")
        blank = User(account=acme, email="y@acme.test", name="", password_digest="x")
        await blank.asave(validate=False)
        assert [u.email async for u in User.select().order_by(User.email)] == ["ada@acme.test", "y@acme.test"]
        assert len(await db.list(Account.select())) == 1
        assert await User.update(name="renamed").where(User.id == blank.id).aexecute() == 1
        assert (await User.aget_by_id(blank.id)).name == "renamed"

        async with db.atomic() as transaction:
            await Account.acreate(name="rolled back")
            await transaction.arollback()
        assert await db.count(Account.select()) == 1
        with pytest.raises(peewee.IntegrityError) as refused:
            await Account.acreate(id=acme.id, name="again")
        assert refused.value.pgcode == "23505" and str(acme.id) not in str(refused.value)
        await blank.adestroy()
        return ada.id, stored

    ada_id, stored = run(core_db.url, body)
    powernode.connect(core_db.url, namespaces=[])  # the sync models read what the async ones wrote, and alike
    ada = User.get_by_id(ada_id)
    assert (ada.email, ada.name, ada.preferences) == ("ada@acme.test", "Ada Lovelace", {"theme": "dark"})
    assert core_db.execute_sql("SELECT email FROM users").fetchone()[0] == stored[0]
    assert User.select().count() == 1


def test_interleaved_tasks_of_many_accounts_see_only_their_own_rows_under_rls(core_db, server):
    from powernode import rls

    Account, User = powernode.models["Account"], powernode.models["User"]
    accounts = [Account.create(name=f"tenant {i}").id for i in range(6)]
    rls.enable(core_db, key=KEY.encode(), models=powernode.registry.models_of(core_db.namespaces))
    server.admin("DROP ROLE IF EXISTS pn_async_app")
    server.admin("CREATE ROLE pn_async_app LOGIN NOBYPASSRLS")
    core_db.execute_sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pn_async_app")
    app_url = core_db.url.replace("postgres:@", "pn_async_app:@").replace("postgres@", "pn_async_app@")
    per_task = 3

    async def worker(account, number):
        async with powernode.tenant(account):
            assert powernode.current_tenant() == account
            for i in range(per_task):
                await User.acreate(email=f"u{number}.{i}@t.test", name="N", password_digest="x")
                await asyncio.sleep(0)  # hand the loop to the other tenants mid-transaction
            raw = (await db_of(User).aexecute_sql("SELECT DISTINCT account_id FROM users")).fetchall()
            mine = [user async for user in User.select()]       # a server-side cursor, in the tenant transaction
        assert powernode.current_tenant() is None
        return account, {row[0] for row in raw}, {u.account_id for u in mine}, len(mine)

    async def body(db):
        tasks = [worker(accounts[n % len(accounts)], n) for n in range(36)]
        results = await asyncio.gather(*tasks)
        for account, raw, orm, count in results:
            assert raw == {account} and orm == {account}
            assert per_task <= count <= per_task * 6      # its own rows, committed ones of earlier tasks included
        outside = (await db.aexecute_sql("SELECT count(*) FROM users")).fetchone()[0]
        assert outside == 0                                # no tenant: RLS shows nothing
        async with powernode.tenant(accounts[0]):
            assert await db.count(User.select()) == per_task * 6
        return True

    try:
        assert run(app_url, body, tenant_key=KEY, pool_size=4)
        counts = core_db.execute_sql("SELECT account_id, count(*) FROM users GROUP BY 1").fetchall()
        assert sorted(n for _, n in counts) == [per_task * 6] * 6
    finally:
        core_db.execute_sql("DROP OWNED BY pn_async_app")
        server.admin("DROP ROLE pn_async_app")


def db_of(model):
    return model._meta.database


def test_bulk_load_async_validates_and_loads_by_binary_copy(core_db):
    Account, User = powernode.models["Account"], powernode.models["User"]
    acme = Account.create(name="Acme")

    async def body(db):
        rows = ({"name": f"tenant {i}", "settings": {"seats": i}} for i in range(2000))
        assert await powernode.bulk_load_async(Account, rows) == 2000
        users = [{"account_id": acme.id, "email": f"User{i}@Acme.test", "name": f"User {i}",
                  "password_digest": "x", "preferences": {"n": i}} for i in range(50)]
        assert await powernode.bulk_load_async(User, users) == 50

        with pytest.raises(BulkLoadError) as invalid:       # validation: nothing loaded
            await powernode.bulk_load_async(User, [*users[:3], {**users[3], "email": "user0@acme.test"}])
        assert "email" in invalid.value.errors
        with pytest.raises(BulkLoadError, match=r"row 2, column account_id"):
            await powernode.bulk_load_async(User, [*users[:2], {**users[2], "account_id": "not a uuid"}],
                                            validate=False)
        with pytest.raises(BulkLoadError, match=r"^accounts: row 1: .*check constraint"):   # the database refuses it
            await powernode.bulk_load_async(Account, [{"name": "fine", "status": "active"}, {"name": "bad", "status": "bogus"}],
                                            validate=False)
        with pytest.raises(BulkLoadError, match="foreign key"):
            await powernode.bulk_load_async(User, [{**users[1], "account_id": uuid.uuid4(), "email": "n2@a.test"}],
                                            validate=False)
        assert await db.count(User.select()) == 50

        async def generated():
            for i in range(10):
                yield {"name": f"streamed {i}"}
        assert await powernode.bulk_load_async(Account, generated(), validate=False) == 10

        Token = powernode.models["UserToken"]  # an inet column: loaded by COPY's text format instead
        some = (await User.aget(User.email == "user1@acme.test")).id
        soon = datetime.datetime(2030, 1, 1)
        tokens = [{"user_id": some, "token_digest": f"digest {i}".ljust(40, "x"), "last_used_ip": f"10.0.0.{i}", "expires_at": soon,
                   "permissions": ["read", i]} for i in range(5)]
        assert await powernode.bulk_load_async(Token, tokens) == 5
        token = await Token.aget(Token.token_digest == "digest 3".ljust(40, "x"))
        assert (token.last_used_ip, token.permissions) == ("10.0.0.3", ["read", 3])
        return [a.settings["seats"] for a in await db.list(Account.select().where(Account.name.startswith("tenant ")))]

    seats = run(core_db.url, body)
    assert sorted(seats) == list(range(2000))
    powernode.connect(core_db.url, namespaces=[])
    user = User.get(User.email == "user7@acme.test")  # the sync models read what the binary COPY wrote
    assert (user.name, user.preferences) == ("User 7", {"n": 7})
    Token = powernode.models["UserToken"]
    token = Token.get(Token.token_digest == "digest 3".ljust(40, "x"))
    assert (token.last_used_ip, token.permissions) == ("10.0.0.3", ["read", 3])


def test_anearest_and_text_copy_of_vectors(migrated, vector_namespaces_ok):
    db = migrated(["ai"])
    Node = powernode.models["Ai::KnowledgeGraphNode"]
    account = powernode.models["Account"].create(name="vectors")

    def vector(i):
        return [float(i == d) + 0.01 for d in range(1536)]

    async def body(adb):
        rows = ({"account_id": account.id, "name": f"n{i}", "node_type": "concept", "embedding": vector(i)}
                for i in range(20))
        assert await powernode.bulk_load_async(Node, rows) == 20
        found = await Node.anearest(vector(7), k=3)
        async with powernode.tenant(account):
            scoped = await Node.anearest(vector(7), k=1)
        return [n.name for n in found], found[0].distance, scoped[0].embedding

    names, distance, embedding = run(db.url, body)
    assert names[0] == "n7" and distance == pytest.approx(0, abs=1e-6) and len(names) == 3
    assert embedding == vector(7)


def test_a_connection_dropped_mid_query_fails_that_query_only(core_db, server):
    async def body(db):
        async def sleeper():
            return await db.aexecute_sql("SELECT pg_backend_pid(), pg_sleep(30)")

        pid = (await db.aexecute_sql("SELECT pg_backend_pid()")).fetchone()[0]
        task = asyncio.create_task(sleeper())
        for _ in range(100):
            await asyncio.sleep(0.05)
            busy = server.admin("SELECT pid FROM pg_stat_activity WHERE query LIKE %s AND pid <> pg_backend_pid()",
                                ("SELECT pg_backend_pid(), pg_sleep%",))
            if busy:
                break
        server.admin("SELECT pg_terminate_backend(%s)", (busy[0][0],))
        with pytest.raises(peewee.OperationalError) as dropped:
            await task
        assert dropped.value.pgcode in ("57P01", "08003", "08006", None)
        # this task's own connection is untouched, and the next query of any task gets a working one
        assert (await db.aexecute_sql("SELECT pg_backend_pid()")).fetchone()[0] == pid
        server.admin("SELECT pg_terminate_backend(%s)", (pid,))  # this task's idle connection, while it waits
        await asyncio.sleep(0.2)
        assert (await db.aexecute_sql("SELECT 1")).fetchone()[0] == 1
        assert await asyncio.create_task(db.aexecute_sql("SELECT 2")) is not None
        return True

    assert run(core_db.url, body)


def test_one_pool_per_process_sized_by_its_setting(core_db, monkeypatch):
    monkeypatch.setenv("POWERNODE_POOL_SIZE", "3")
    name = core_db.url.rsplit("/", 1)[-1].split("?")[0]

    async def body(db):
        assert await powernode.connect_async(core_db.url) is db      # again: the same pool
        peak = 0

        async def one():
            nonlocal peak
            await db.aexecute_sql("SELECT pg_sleep(0.05)")
            count = (await db.aexecute_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                           (name,))).fetchone()[0]
            peak = max(peak, count)

        await asyncio.gather(*(one() for _ in range(20)))
        return db._pool_size, peak

    size, peak = run(core_db.url, body)
    assert size == 3 and peak <= 3 + 1  # the pool, and the fixture's own sync connection
    monkeypatch.setenv("POWERNODE_POOL_SIZE", "none")
    with pytest.raises(powernode.ConfigurationError, match="POWERNODE_POOL_SIZE"):
        run(core_db.url, lambda db: asyncio.sleep(0))
