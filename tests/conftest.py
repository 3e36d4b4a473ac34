"""Real PostgreSQL for the tests: the embedded 18 (default) or the machine's 15.

POWERNODE_TEST_SERVER=pg18 starts an embedded PostgreSQL 18 in a temporary
directory for the session; pg15 uses 127.0.0.1:5432 (starting the cluster if
it is down). Each test that needs a database gets a fresh one, dropped after:
an empty one (`database_url`), or a copy of a migrated template (`core_db`,
`migrated(namespaces)`, `every_db`): each selection is migrated once per session
and copied with `CREATE DATABASE ... TEMPLATE`, which takes a fraction of a migration.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest

import powernode
from powernode import embedded

SERVER = os.environ.get("POWERNODE_TEST_SERVER", "pg18")

# The platform's local keys (reference/encryption-vectors.json): every test, and every CLI it runs, can read and
# write encrypted columns. A test of missing keys configures an empty EncryptionConfig instead.
_VECTORS = json.loads((Path(__file__).resolve().parent.parent / "reference" / "encryption-vectors.json").read_text())
for _variable, _value in {
        "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY": _VECTORS["active_record_encryption"]["primary_key"],
        "ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY": _VECTORS["active_record_encryption"]["deterministic_key"],
        "ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT": _VECTORS["active_record_encryption"]["key_derivation_salt"],
        "SECRET_KEY_BASE": _VECTORS["credential_encryption"]["secret_key_base"]}.items():
    os.environ.setdefault(_variable, _value)
SYSTEM_URL = os.environ.get("POWERNODE_PG15_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


#: lines for the end of the run (the conformance counts), printed even when output is captured
SUMMARY = []


def pytest_terminal_summary(terminalreporter):
    for line in SUMMARY:
        terminalreporter.write_line(line)


@dataclass
class Server:
    kind: str
    admin_url: str
    templates: dict = field(default_factory=dict)  # selection -> migrated template database

    def url(self, database):
        parsed = urlparse(self.admin_url)
        return parsed._replace(path=f"/{database}").geturl()

    def admin(self, sql, params=()):
        connection = psycopg2.connect(self.admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()

    @property
    def has_pgvector(self):
        return bool(self.admin("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"))

    def create_database(self):
        name = f"pn_test_{uuid.uuid4().hex[:10]}"
        self.admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name):
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @property
    def selectable(self):
        """Every namespace of the default selection this server can hold (the ones needing pgvector only
        where it is installed)."""
        return tuple(ns for ns in powernode.installed.default_names() if self.has_pgvector or ns != "ai")

    @property
    def everything(self):
        """`selectable` and the optional namespaces (the platform's extensions): every table of the reference."""
        return tuple(ns for ns in powernode.installed.names() if self.has_pgvector or ns != "ai")

    def template(self, namespaces):
        """A database with `namespaces` migrated, made once per session; copy it, never connect to it."""
        selection = powernode.installed.select(namespaces)
        if selection not in self.templates:
            name = self.create_database()
            db = powernode.connect(self.url(name), namespaces=selection, load_models=False)
            powernode.migrate(db)
            db.close()
            self.templates[selection] = name
        return self.templates[selection]

    def copy(self, template):
        name = f"pn_test_{uuid.uuid4().hex[:10]}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return name


def _system_server():
    try:
        psycopg2.connect(SYSTEM_URL).close()
    except psycopg2.OperationalError:
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
    return Server("pg15", SYSTEM_URL)


@pytest.fixture(scope="session")
def server():
    if SERVER == "pg15":
        system = _system_server()
        yield system
        for name in system.templates.values():
            system.drop_database(name)
        return
    # not under pytest's basetemp: a concurrent pytest run deletes all but the newest three of those
    path = Path(tempfile.mkdtemp(prefix="powernode-test-")) / "pgdata"
    embedded.start(path)
    url = embedded.start(path, database="postgres")
    test_server = Server("pg18", url)
    for setting in ("fsync", "full_page_writes", "synchronous_commit"):  # a throwaway cluster: no crash safety
        test_server.admin(f"ALTER SYSTEM SET {setting} = off")
    test_server.admin("SELECT pg_reload_conf()")
    try:
        yield test_server
    finally:
        embedded.stop(path)
        shutil.rmtree(path.parent, ignore_errors=True)


@pytest.fixture
def database_url(server):
    """A fresh, empty database on the test server."""
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        _close_bound_connections()
        server.drop_database(name)


def _close_bound_connections():
    for model in powernode.registry.loaded():
        database = model._meta.database
        if database is not None and not database.is_closed():
            database.close()


@pytest.fixture
def migrated(server):
    """`migrated(namespaces)`: a fresh copy of a database with those namespaces migrated, connected."""
    made = []

    def make(namespaces):
        name = server.copy(server.template(namespaces))
        made.append(name)
        return powernode.connect(server.url(name), namespaces=namespaces)

    yield make
    _close_bound_connections()
    for name in made:
        server.drop_database(name)


@pytest.fixture
def core_db(migrated):
    """A fresh database with the core namespace migrated, its models bound to it."""
    return migrated([])


@pytest.fixture
def every_db(server, migrated):
    """A fresh database with every namespace this server can hold migrated."""
    return migrated(server.selectable)


@pytest.fixture(scope="session")
def shared(server):
    """`shared(namespaces)`: one session-long copy of that selection's template, connected once.

    For tests whose writes all go through the connection they are given: `core_rows` and `every_rows`
    hand it over inside a transaction and roll it back, which costs nothing next to a database copy.
    """
    copies = {}

    def get(namespaces):
        selection = powernode.installed.select(namespaces)
        if selection not in copies:
            name = server.copy(server.template(selection))
            copies[selection] = (name, powernode.connect(server.url(name), namespaces=selection))
        return copies[selection][1]

    yield get
    for name, db in copies.values():
        db.close()
        server.drop_database(name)


def _rolled_back(db):
    """Bind the models to `db` again (a test may have connected elsewhere) and undo the test's writes."""
    powernode.binding.use(db, db.namespaces, powernode.registry.loaded())
    powernode.models.select(list(db.namespaces))
    with db.atomic() as transaction:
        yield db
        transaction.rollback()


@pytest.fixture
def core_rows(shared):
    """The shared core database, inside a transaction rolled back after the test."""
    yield from _rolled_back(shared([]))


@pytest.fixture
def every_rows(server, shared):
    """The shared database of every namespace this server can hold, rolled back after the test."""
    yield from _rolled_back(shared(server.selectable))


@pytest.fixture
def vector_namespaces_ok(server):
    if not server.has_pgvector:
        pytest.skip("this server has no pgvector; test_vector_namespace_on_a_server_without_pgvector_fails_clearly covers it")


def run_cli(*args, env=None, cwd=None):
    """`python -m powernode ARGS` in a subprocess: (exit code, stdout, stderr)."""
    full_env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "POWERNODE_TENANT_KEY")}
    full_env.update(env or {})
    result = subprocess.run([sys.executable, "-m", "powernode", *args], capture_output=True, text=True,
                            env=full_env, cwd=cwd, timeout=300)
    return result.returncode, result.stdout, result.stderr
