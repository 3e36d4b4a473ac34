"""`python -m powernode`: the commands, and one clear line for every kind of bad input."""
import pytest

from conftest import run_cli
from platform_schema import load_reference

REFERENCE_VERSION = load_reference()["schema_version"]


def test_migrate_twice_then_status_and_rollback(database_url):
    code, out, err = run_cli("migrate", "--database", database_url, "--namespace", "knowledge_base")
    assert code == 0, err
    assert out.splitlines() == ["applied core/0001_core_tables", "applied knowledge_base/0001_knowledge_base_tables"]

    code, out, err = run_cli("migrate", "--database", database_url, "--namespace", "knowledge_base")
    assert (code, out.strip()) == (0, "up to date (core, knowledge_base)")

    code, out, _ = run_cli("status", "--database", database_url, "--namespace", "knowledge_base")
    assert code == 0 and [line.split()[:2] for line in out.splitlines()[:-1]] == [
        ["core", "0001_core_tables"], ["knowledge_base", "0001_knowledge_base_tables"]]
    assert out.splitlines()[-1] == f"schema version: {REFERENCE_VERSION}"

    code, out, err = run_cli("rollback", "--database", database_url, "--namespace", "knowledge_base")
    assert (code, out.strip()) == (0, "reverted knowledge_base/0001_knowledge_base_tables"), err
    code, out, _ = run_cli("status", "--database", database_url, "--namespace", "knowledge_base")
    assert out.splitlines()[1].split()[-1] == "pending"


def test_rollback_refuses_to_drop_what_another_namespace_needs(database_url):
    assert run_cli("migrate", "--database", database_url, "--namespace", "chat")[0] == 0
    code, out, err = run_cli("rollback", "--database", database_url, "--namespace", "core")
    assert (code, out) == (1, "")
    assert err == ("powernode: error: cannot roll back core: namespace chat depends on it and is migrated; "
                   "roll back chat first\n")
    code, out, _ = run_cli("status", "--database", database_url, "--namespace", "chat")
    assert [line.split()[:2] for line in out.splitlines()[:-1] if "pending" not in line] == [
        ["core", "0001_core_tables"], ["chat", "0001_chat_tables"]]  # nothing was rolled back

    assert run_cli("rollback", "--database", database_url, "--namespace", "chat")[0] == 0
    code, out, err = run_cli("rollback", "--database", database_url, "--namespace", "core")
    assert (code, out.strip()) == (0, "reverted core/0001_core_tables"), err


def test_rollback_to_an_unknown_migration_lists_the_applied_ones(database_url):
    assert run_cli("migrate", "--database", database_url, "--namespace", "chat")[0] == 0
    code, out, err = run_cli("rollback", "--database", database_url, "--namespace", "chat", "--to", "zzz")
    assert code == 1 and err == ("powernode: error: no single applied migration named 'zzz'; applied: "
                                 "chat/0001_chat_tables, core/0001_core_tables\n")


def test_migrate_uses_database_url_from_the_environment(database_url):
    code, out, err = run_cli("migrate", "--namespace", "shared", env={"DATABASE_URL": database_url})
    assert code == 0 and "applied shared/0001_shared_tables" in out, err


@pytest.mark.parametrize("args, message", [
    (["migrate", "--namespace", "nope"], "unknown namespace 'nope'; installed: core"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "no command given"),
    (["migrate", "--database", "mysql://x/y"], "must start with postgresql://"),
    (["migrate", "--database", "postgresql://localhost:notaport/db"], "malformed database URL"),
    (["migrate", "--database", "postgresql://127.0.0.1:1/db"], "cannot connect to postgresql://127.0.0.1:1/db"),
    (["migrate", "--database", "postgresql://u:secret@127.0.0.1:1/db"], "postgresql://u:***@127.0.0.1:1/db"),
    (["migrate", "--database", "postgresql://127.0.0.1:5432"], "names no database"),
])
def test_bad_input_is_one_line_and_a_nonzero_exit(args, message):
    code, out, err = run_cli(*args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("powernode: error: "), err
    assert message in err and "Traceback" not in err and "secret" not in err


def test_missing_database_is_one_line(server):
    code, _, err = run_cli("status", "--database", server.url("pn_no_such_db"))
    assert code == 2 and err.count("\n") == 1 and "pn_no_such_db" in err and "does not exist" in err


def test_two_migrators_at_once_apply_each_migration_once(database_url):
    import subprocess
    import sys

    import psycopg2

    args = [sys.executable, "-m", "powernode", "migrate", "--database", database_url,
            "--namespace", "devops,supply_chain"]
    runs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [run.communicate(timeout=300) + (run.returncode,) for run in runs]
    assert [code for _, _, code in results] == [0, 0], results
    applied = [line for out, _, _ in results for line in out.splitlines() if line.startswith("applied")]
    assert sorted(applied) == ["applied core/0001_core_tables", "applied devops/0001_devops_tables",
                               "applied supply_chain/0001_supply_chain_tables"]
    connection = psycopg2.connect(database_url)
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT namespace, name, count(*) FROM powernode_migrations GROUP BY 1, 2")
        assert all(count == 1 for _, _, count in cursor.fetchall())
    connection.close()
