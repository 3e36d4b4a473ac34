"""Real PostgreSQL for the tests: the embedded 18 (default) or the machine's 15.

POWERNODE_TEST_SERVER=pg18 starts an embedded PostgreSQL 18 in a temporary
directory for the session; pg15 uses 127.0.0.1:5432 (starting the cluster if
it is down). Each test that needs a database gets a fresh one, dropped after.
"""
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

import psycopg2
import pytest

import powernode
from powernode import embedded

SERVER = os.environ.get("POWERNODE_TEST_SERVER", "pg18")
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


def _system_server():
    try:
        psycopg2.connect(SYSTEM_URL).close()
    except psycopg2.OperationalError:
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
    return Server("pg15", SYSTEM_URL)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if SERVER == "pg15":
        yield _system_server()
        return
    path = tmp_path_factory.mktemp("embedded") / "pgdata"
    embedded.start(path)
    url = embedded.start(path, database="postgres")
    try:
        yield Server("pg18", url)
    finally:
        embedded.stop(path)
        shutil.rmtree(path, ignore_errors=True)


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
    for model in powernode.registry._models.values():
        database = model._meta.database
        if database is not None and not database.is_closed():
            database.close()


@pytest.fixture
def core_db(database_url):
    """A fresh database with the core namespace migrated, its models bound to it."""
    db = powernode.connect(database_url, namespaces=[])
    powernode.migrate(db)
    yield db
    db.close()


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
