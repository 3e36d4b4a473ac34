"""Read replicas on real streaming standbys: routing, read-your-writes, standbys going away or falling behind.

The standbys are made with the embedded package's PostgreSQL 18 binaries (`pg_basebackup -R`,
`pg_ctl`), so the tests that need them run with POWERNODE_TEST_SERVER=pg18 only; on pg15 they are
skipped (the machine's PostgreSQL 15 has no replication rule to copy it from, and its binaries are
not ours to run). The tests that need no standby (misconfigured or unreachable replica URLs, the
environment variable) run on both servers.

Which server ran a statement is read from peewee's query hooks on the primary's and each standby's
database object, so every read form (counts, `.exists()`, `nearest()`) is observed, not inferred.
"""
import asyncio
import contextvars
import shutil
import threading
import time
from urllib.parse import urlparse

import peewee
import psycopg2
import pytest
from peewee import fn

import powernode
from powernode.redact import credentials
from conftest import SERVER, run_cli
from powernode import embedded, standbys
from powernode.errors import ConfigurationError
from powernode.fields import VectorField
from powernode.model import Index, PowernodeModel, VectorSearch
from powernode.replica_health import PRIMARY_POSITION_QUERY
from powernode.replicas import Replicas, ReplicatedDatabase

needs_standbys = pytest.mark.skipif(
    SERVER != "pg18", reason="standbys are made with the embedded PostgreSQL 18 binaries (run with pg18)")
PATIENCE = 60  # seconds a wait for replication may take before the test fails rather than hangs


# -- a primary and two standbys ----------------------------------------------------------------

class Cluster:
    def __init__(self, primary_dir):
        self.primary_dir = primary_dir
        self.standby_dirs = [standbys.standby_dir(n, primary_dir) for n in (1, 2)]
        self.admin_url = embedded.start(primary_dir, database="postgres")

    def url(self, server_url, database):
        return urlparse(server_url)._replace(path=f"/{database}").geturl()

    def standby_urls(self, database):
        return [self.url(url, database) for url in standbys.urls(self.primary_dir, database="postgres")]

    def admin(self, url, sql):
        connection = psycopg2.connect(url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if SERVER != "pg18":
        pytest.skip("standbys are made with the embedded PostgreSQL 18 binaries (run with pg18)")
    primary_dir = tmp_path_factory.mktemp("replicated") / "pgdata"
    standbys.start(2, primary_dir, database="postgres")
    try:
        yield Cluster(primary_dir)
    finally:
        standbys.stop(primary_dir)
        embedded.stop(primary_dir)
        shutil.rmtree(primary_dir.parent, ignore_errors=True)


def connect_replicated(cluster, name, max_lag=30.0):
    urls = cluster.standby_urls(name)
    db = powernode.connect(cluster.url(cluster.admin_url, name), namespaces=[],
                           replicas=Replicas(urls, max_lag=max_lag, refresh=0.02))
    return db


@pytest.fixture
def replicated(cluster):
    """A fresh database with core migrated, connected with both standbys, which have caught up."""
    name = f"pn_replicas_{time.monotonic_ns()}"
    cluster.admin(cluster.admin_url, f'CREATE DATABASE "{name}"')
    db = connect_replicated(cluster, name)
    powernode.migrate(db)
    wait_until_caught_up(db)
    try:
        yield db
    finally:
        db.replicas.close()
        db.close()
        cluster.admin(cluster.admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')


def wait_until(condition, what):
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.01)


def wait_until_caught_up(db, members=None):
    """Every standby (or those named) usable and replayed up to the primary's position now."""
    target = db.replicas.primary_position()
    members = [m for m in db.replicas.members if members is None or m.url in members]

    def caught_up():
        db.replicas.refresh_now()
        return all(m.health.problem is None and m.health.replayed >= target for m in members) and \
            all(usable for url, usable, _, _ in db.replicas.status() if url in {m.url for m in members})
    wait_until(caught_up, f"standbys replaying past {target}: {db.replicas.status()}")


# -- who ran what -------------------------------------------------------------------------------

class Served:
    """Records (server, thread, SQL) for each statement the primary or a standby ran for the program.

    Statements that failed, and the health checks' own, are left out.
    """

    def __init__(self, db):
        self.log = []
        self.hooks = [(db, self._hook("primary"))]
        for number, member in enumerate(db.replicas.members, 1):
            self.hooks.append((member.database, self._hook(f"standby{number}")))
        for database, hook in self.hooks:
            database.query_hooks.append(hook)

    def _hook(self, name):
        def record(event):
            if event.exception is None and threading.current_thread().name != "powernode-replica-monitor":
                self.log.append((name, threading.get_ident(), event.sql))
        return record

    def last(self, thread=None):
        """The server of this thread's last statement."""
        thread = thread or threading.get_ident()
        return next(name for name, ident, _ in reversed(self.log) if ident == thread)

    def of(self, run, lookups=False):
        """The servers that ran the statements of `run()` in this thread, in order.

        lookups: include the primary-position lookups read-your-writes makes after a write.
        """
        start = len(self.log)
        run()
        thread = threading.get_ident()
        return [name for name, ident, sql in self.log[start:]
                if ident == thread and (lookups or sql != PRIMARY_POSITION_QUERY)]

    def close(self):
        for database, hook in self.hooks:
            database.query_hooks.remove(hook)


@pytest.fixture
def served(replicated):
    recorder = Served(replicated)
    yield recorder
    recorder.close()


def server_name(db):
    """Which server answers a plain read in this context, as the server itself says."""
    return peewee.Select(columns=[fn.current_setting("cluster_name")]).scalar(db) or "primary"


def in_a_fresh_context(function, *args):
    """As a new thread or task would run it: a context without this one's writes."""
    return contextvars.Context().run(function, *args)


STANDBYS = {"powernode_replica_1", "powernode_replica_2"}


# -- routing ------------------------------------------------------------------------------------

@needs_standbys
def test_a_read_in_a_context_without_writes_goes_to_a_standby(replicated):
    assert isinstance(replicated, ReplicatedDatabase)
    assert in_a_fresh_context(server_name, replicated) in STANDBYS
    assert in_a_fresh_context(lambda: peewee.Select(columns=[fn.pg_is_in_recovery()]).scalar(replicated)) is True


@needs_standbys
def test_every_read_form_goes_to_a_standby(replicated, served):
    Account, User = powernode.models["Account"], powernode.models["User"]
    acme = Account.create(name="Acme")
    User.create(account=acme, email="ada@acme.test", name="Ada", password_digest="x")
    wait_until_caught_up(replicated)
    reads = {
        "list": lambda: list(Account.select()),
        "get": lambda: Account.get(Account.name == "Acme"),
        "get_by_id": lambda: Account.get_by_id(acme.id),
        "count": lambda: Account.select().count(),
        "exists": lambda: Account.select().where(Account.name == "Acme").exists(),
        "scalar": lambda: Account.select(fn.max(Account.name)).scalar(),
        "first": lambda: Account.select().order_by(Account.name).first(),
        "union": lambda: list(Account.select(Account.name) | Account.select(Account.name)),
        "read-only WITH": lambda: list(Account.select().with_cte(Account.select().cte("recent"))),
        "belongs_to": lambda: User.get(User.email == "ada@acme.test").account,
        "has_many": lambda: list(acme.users),
        "dicts": lambda: list(User.select().dicts()),
    }
    for form, read in reads.items():  # in a context without writes, as a worker's reads are
        servers = in_a_fresh_context(served.of, read)
        assert servers and set(servers) <= {"standby1", "standby2"}, (form, servers)


@needs_standbys
def test_nearest_runs_its_tuning_transaction_on_a_standby(replicated, served):
    class Passage(VectorSearch, PowernodeModel):
        embedding = VectorField(dimensions=3)

        class Meta:
            table_name = "replica_test_passages"
            rails_name = "ReplicaTestPassage"
            indexes = [Index("index_replica_test_passages_on_embedding", ["embedding"], using="hnsw",
                             opclass="vector_cosine_ops")]

    replicated.execute_sql("CREATE EXTENSION IF NOT EXISTS vector")
    Passage.bind(replicated)
    replicated.create_tables([Passage])
    for vector in ([1, 0, 0], [0, 1, 0], [0, 0, 1]):
        Passage.create(embedding=vector)
    wait_until_caught_up(replicated)
    result = []
    servers = in_a_fresh_context(served.of, lambda: result.extend(Passage.nearest([0.9, 0.1, 0], k=1)))
    assert [list(row.embedding) for row in result] == [[1, 0, 0]]
    assert len(servers) >= 3 and len(set(servers)) == 1 and servers[0] in ("standby1", "standby2"), servers
    # inside a transaction the search stays on the primary, with everything else
    with replicated.atomic():
        assert set(served.of(lambda: list(Passage.nearest([0, 0, 1], k=1)))) == {"primary"}


@needs_standbys
def test_writes_locks_transactions_and_raw_sql_go_to_the_primary(replicated, served):
    Account = powernode.models["Account"]
    acme = Account.create(name="Acme")
    wait_until_caught_up(replicated)
    cte = Account.update(name="Acme 2").where(Account.id == acme.id).returning(Account.id).cte("changed")
    on_primary = {
        "insert": lambda: Account.create(name="Other"),
        "update": lambda: Account.update(name="Acme").where(Account.id == acme.id).execute(),
        "delete": lambda: Account.delete().where(Account.name == "nobody").execute(),
        "select for update": lambda: list(Account.select().for_update()),
        "select for share": lambda: list(Account.select().for_update("FOR SHARE")),
        "data-modifying WITH": lambda: list(Account.select().join(cte, on=(Account.id == cte.c.id)).with_cte(cte)),
        "raw SQL": lambda: replicated.execute_sql("SELECT 1").fetchall(),
        "Model.raw": lambda: list(Account.raw("SELECT * FROM accounts")),
    }
    for form, statement in on_primary.items():
        assert set(served.of(statement)) == {"primary"}, form
    with replicated.atomic():
        assert set(served.of(lambda: list(Account.select()))) == {"primary"}
    with powernode.tenant(acme):
        assert set(served.of(lambda: Account.select().count())) == {"primary"}
    # a transaction begun by raw SQL, which peewee does not see, keeps its reads too
    replicated.execute_sql("BEGIN")
    try:
        Account.create(name="uncommitted")
        assert served.of(lambda: Account.get(Account.name == "uncommitted")) == ["primary"]
    finally:
        replicated.execute_sql("ROLLBACK")


@needs_standbys
def test_on_primary_forces_the_primary_nested_and_as_a_decorator(replicated, served):
    Account = powernode.models["Account"]

    @powernode.on_primary()
    def decorated():
        return Account.select().count()

    def fresh():
        with powernode.on_primary():
            with powernode.on_primary():
                assert served.of(lambda: Account.select().count()) == ["primary"]
            assert served.of(lambda: Account.select().count()) == ["primary"]
        assert served.of(decorated) == ["primary"]
        assert served.of(lambda: Account.select().count())[0] in ("standby1", "standby2")

    in_a_fresh_context(fresh)


@needs_standbys
def test_after_a_write_one_position_lookup_serves_the_reads_that_follow(replicated, served):
    Account = powernode.models["Account"]
    Account.create(name="Acme")
    start = len(served.log)
    Account.select().count()
    lookups = [sql for _, _, sql in served.log[start:] if sql == PRIMARY_POSITION_QUERY]
    assert len(lookups) == 1
    wait_until_caught_up(replicated)
    servers = served.of(lambda: [Account.select().count() for _ in range(10)], lookups=True)
    assert len(servers) == 10 and set(servers) <= {"standby1", "standby2"}


@needs_standbys
def test_reads_spread_over_the_healthy_standbys(replicated):
    names = {in_a_fresh_context(server_name, replicated) for _ in range(20)}
    assert names == STANDBYS


# -- read-your-writes ---------------------------------------------------------------------------

@needs_standbys
def test_read_your_writes_under_load(replicated, served):
    """A writer reads back each write while readers load every server: it never sees an older value."""
    Account = powernode.models["Account"]
    account = Account.create(name="v0")
    wait_until_caught_up(replicated)
    done, failures = threading.Event(), []
    reader_reads = []

    def reader():
        try:
            while not done.is_set():
                reader_reads.append(Account.get_by_id(account.id).name)
        except Exception as exc:  # noqa: BLE001 - reported below, with the rest
            failures.append(repr(exc))

    def writer():
        try:
            for version in range(1, 41):
                Account.update(name=f"v{version}").where(Account.id == account.id).execute()
                while True:  # read back until a standby serves it: every read must see this version
                    name = Account.get_by_id(account.id).name
                    if name != f"v{version}":
                        failures.append(f"stale read after writing v{version}: {name} from {served.last()}")
                        return
                    if served.last() != "primary":
                        break
        except Exception as exc:  # noqa: BLE001
            failures.append(repr(exc))

    readers = [threading.Thread(target=reader) for _ in range(6)]
    for thread in readers:
        thread.start()
    writing = threading.Thread(target=writer)
    writing.start()
    writing.join(timeout=PATIENCE * 5)
    done.set()
    for thread in readers:
        thread.join()
    assert not writing.is_alive() and failures == []
    writer_servers = {name for name, ident, sql in served.log if ident == writing.ident and sql.startswith("SELECT")}
    assert writer_servers & {"standby1", "standby2"} and len(reader_reads) > 40


@needs_standbys
def test_read_your_writes_is_per_thread_and_per_task(replicated, cluster, served):
    """With replay paused, a context that wrote reads from the primary; the others keep their standbys."""
    Account = powernode.models["Account"]
    standby_admin = [cluster.url(url, "postgres") for url in standbys.urls(cluster.primary_dir, "postgres")]
    for url in standby_admin:
        cluster.admin(url, "SELECT pg_wal_replay_pause()")
    try:
        def write_then_read():
            Account.create(name="mine")
            return served.of(lambda: Account.get(Account.name == "mine"))

        def read():
            return served.of(lambda: Account.select().count())

        # threads: the writing thread waits for its write, this one does not
        outcome = {}
        thread = threading.Thread(target=lambda: outcome.update(thread=write_then_read()))
        thread.start()
        thread.join()
        assert outcome["thread"] == ["primary"]
        assert in_a_fresh_context(read)[0] in ("standby1", "standby2")

        # asyncio tasks: each runs in a copy of the context it was created from
        async def tasks():
            async def writer():
                return write_then_read()

            async def reader():
                return read()

            wrote = await asyncio.create_task(writer())
            sibling = await asyncio.create_task(reader())
            parent = read()                       # the child's write does not hold the parent back
            Account.create(name="parent's")       # ...but the parent's own write holds back its children
            child = await asyncio.create_task(reader())
            return wrote, sibling, parent, child

        wrote, sibling, parent, child = in_a_fresh_context(asyncio.run, tasks())
        assert wrote == ["primary"] and child == ["primary"]
        assert sibling[0] in ("standby1", "standby2") and parent[0] in ("standby1", "standby2")
    finally:
        for url in standby_admin:
            cluster.admin(url, "SELECT pg_wal_replay_resume()")


# -- standbys going away, falling behind --------------------------------------------------------

@needs_standbys
def test_a_standby_stopped_mid_run_and_started_again(replicated, cluster, served):
    Account = powernode.models["Account"]
    Account.create(name="Acme")
    wait_until_caught_up(replicated)
    done, failures, counts = threading.Event(), [], []

    def reader():
        read = 0
        try:
            while not done.is_set():
                assert Account.select().where(Account.name == "Acme").count() == 1
                read += 1
        except Exception as exc:  # noqa: BLE001
            failures.append(repr(exc))
        counts.append(read)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        wait_until(lambda: {"standby1", "standby2"} <= {name for name, _, _ in served.log}, "both standbys serving")
        assert embedded.stop(cluster.standby_dirs[0])
        stopped_at = len(served.log)
        wait_until(lambda: replicated.replicas.members[0].health.problem is not None, "standby 1 marked down")
        marked_at = len(served.log)
        wait_until(lambda: len(served.log) > marked_at + 200, "reads while standby 1 is down")
        down_window = served.log[marked_at:]
        standbys.start_standby(cluster.standby_dirs[0], "postgres")
        wait_until(lambda: "standby1" in {name for name, _, _ in served.log[marked_at + len(down_window):]},
                   "standby 1 serving again")
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert failures == []
    assert "standby1" not in {name for name, _, _ in down_window}
    assert "standby2" in {name for name, _, _ in served.log[stopped_at:]}
    assert all(count > 0 for count in counts)


@needs_standbys
def test_a_standby_far_behind_is_skipped_until_it_catches_up(replicated, cluster):
    """Replay paused on standby 1: once max_lag behind it serves no one; resumed, it serves again."""
    Account = powernode.models["Account"]
    name = replicated.database
    db = connect_replicated(cluster, name, max_lag=2.0)
    recorder = Served(db)
    lagging = cluster.url(standbys.urls(cluster.primary_dir, "postgres")[0], "postgres")
    try:
        wait_until_caught_up(db)
        cluster.admin(lagging, "SELECT pg_wal_replay_pause()")
        Account.insert_many([{"name": f"bulk {i}"} for i in range(5000)]).execute()

        def writes_until_skipped():
            Account.create(name="tick")  # the primary moves on; standby 1 does not
            db.replicas.refresh_now()
            return not db.replicas.status()[0][1]
        wait_until(writes_until_skipped, "standby 1 skipped for lag")
        assert db.replicas.members[0].health.problem is None  # it answers: it is only behind

        clean = [in_a_fresh_context(lambda: recorder.of(lambda: Account.select().count())) for _ in range(20)]
        servers = {server for servers in clean for server in servers}
        assert "standby1" not in servers and "standby2" in servers
        Account.create(name="after the pause")
        assert Account.select().where(Account.name == "after the pause").count() == 1

        cluster.admin(lagging, "SELECT pg_wal_replay_resume()")
        wait_until_caught_up(db)
        names = {in_a_fresh_context(server_name, db) for _ in range(20)}
        assert names == STANDBYS
    finally:
        cluster.admin(lagging, "SELECT pg_wal_replay_resume()")
        recorder.close()
        db.replicas.close()
        db.close()


# -- without standbys: misconfiguration, unreachable servers, the environment (both servers) ----

def test_a_replica_url_that_is_not_a_standby_is_never_used(database_url):
    db = powernode.connect(database_url, namespaces=[], replicas=[database_url])
    try:
        powernode.migrate(db)
        db.replicas.refresh_now()
        (_, usable, _, problem), = db.replicas.status()
        assert not usable and problem == "not a standby: pg_is_in_recovery() is false"
        recorder = Served(db)
        assert in_a_fresh_context(lambda: recorder.of(lambda: powernode.models["Account"].select().count())) == \
            ["primary"]
        recorder.close()
    finally:
        db.replicas.close()


def test_an_unreachable_replica_leaves_every_read_on_the_primary(database_url):
    db = powernode.connect(database_url, namespaces=[], replicas=["postgresql://u:s3cret@127.0.0.1:1/nowhere"])
    try:
        powernode.migrate(db)
        db.replicas.refresh_now()
        (url, usable, _, problem), = db.replicas.status()
        assert not usable and problem.startswith("unreachable: ")
        assert "s3cret" not in url + problem and url == "postgresql://u:***@127.0.0.1:1/nowhere"
        Account = powernode.models["Account"]
        Account.create(name="Acme")
        assert in_a_fresh_context(lambda: Account.select().count()) == 1
    finally:
        db.replicas.close()


def test_replica_urls_come_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("POWERNODE_REPLICA_URLS", f"{database_url}, {database_url}")
    db = powernode.connect(database_url, namespaces=[])
    try:
        shown = credentials(database_url)  # members show their URL with any password masked
        assert [member.url for member in db.replicas.members] == [shown, shown]
    finally:
        db.replicas.close()
    monkeypatch.delenv("POWERNODE_REPLICA_URLS")
    assert not isinstance(powernode.connect(database_url, namespaces=[]), ReplicatedDatabase)


@pytest.mark.parametrize("replicas, message", [
    ("postgresql://h/db", "replicas= takes a list of URLs, not one string"),
    (["mysql://u:pw@h/db"], "database URL must start with postgresql:// (got 'mysql://u:***@h/db')"),
    (Replicas(["postgresql://h/db"], max_lag=0), "max_lag and refresh must be positive"),
])
def test_bad_replica_settings_are_one_clear_error(database_url, replicas, message):
    with pytest.raises(ConfigurationError) as raised:
        powernode.connect(database_url, namespaces=[], replicas=replicas)
    assert message in str(raised.value) and "\n" not in str(raised.value)


# -- the embedded server with standbys, from the command line -----------------------------------

@needs_standbys
def test_server_start_with_replicas_url_and_stop(tmp_path):
    env = {"POWERNODE_DATA_DIR": str(tmp_path / "pgdata")}
    try:
        code, out, err = run_cli("server", "start", "--replicas", "2", env=env)
        assert code == 0, err
        code, out, err = run_cli("server", "url", env=env)
        primary, *replica_urls = out.split()
        assert code == 0 and len(replica_urls) == 2
        for url in replica_urls:
            connection = psycopg2.connect(url)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery()")
                assert cursor.fetchone() == (True,)
            connection.close()
        code, out, err = run_cli("server", "stop", env=env)
        lines = out.splitlines()
        assert code == 0 and lines[:2] == ["stopped standby 1", "stopped standby 2"], out
        assert lines[2:] == [f"stopped the embedded PostgreSQL at {tmp_path / 'pgdata'}"], out
        code, out, err = run_cli("server", "start", "--replicas", "1", env=env)  # made once, started again
        assert code == 0 and "standby 1" in out and "standby 2" not in out, out + err
    finally:
        run_cli("server", "stop", env=env)
