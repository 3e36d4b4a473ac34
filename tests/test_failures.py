"""Failures are one line on stderr and a non-zero exit (issue 13, items 9-14), and the cases behind them."""
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

import powernode
from conftest import run_cli


def one_line(code, err, expected_code=2):
    return code == expected_code and err.count("\n") == 1 and err.startswith("powernode: error: ") \
        and "Traceback" not in err


# -- item 9: what printed a traceback --------------------------------------------------------------

@pytest.fixture
def drifted(database_url):
    """A migrated core whose database lacks one of the models' indexes: makemigration has something to write."""
    assert run_cli("migrate", "--database", database_url, "--namespace", "core")[0] == 0
    connection = psycopg2.connect(database_url)
    with connection, connection.cursor() as cursor:
        cursor.execute("DROP INDEX index_users_on_account_id")
    connection.close()
    return database_url


def _unwritable(tmp_path):
    if os.geteuid() == 0:  # root writes through any mode bits: take a folder of a read-only file system
        return Path("/sys/kernel")
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o555)
    return folder


@pytest.mark.parametrize("where", ["read-only folder", "onto a file", "under a file"])
def test_makemigration_that_cannot_write_is_one_line(drifted, tmp_path, where):
    file = tmp_path / "a-file"
    file.write_text("")
    directory = {"read-only folder": _unwritable(tmp_path), "onto a file": file, "under a file": file / "sub"}[where]
    code, out, err = run_cli("makemigration", "add_index", "--database", drifted, "--directory", str(directory))
    assert one_line(code, err) and "cannot write the core migration" in err, (code, out, err)


def test_a_malformed_ipv6_url_is_one_line():
    code, _, err = run_cli("status", "--database", "postgresql://u:p@[::1/x")
    assert one_line(code, err) and "malformed database URL" in err, err


@pytest.mark.parametrize("layout", ["under a regular file", "a folder that is no cluster"])
def test_an_unusable_data_folder_is_one_line(tmp_path, layout):
    if layout == "under a regular file":
        (tmp_path / "file").write_text("")
        folder = tmp_path / "file" / "pgdata"
    else:
        folder = tmp_path / "pgdata"
        folder.mkdir()
        (folder / "notes.txt").write_text("mine")
    code, _, err = run_cli("status", env={"POWERNODE_DATA_DIR": str(folder)})
    assert one_line(code, err) and "POWERNODE_DATA_DIR" in err, err
    assert layout == "under a regular file" or (folder / "notes.txt").read_text() == "mine"


@pytest.fixture
def own_cluster(tmp_path):
    """A data folder for an embedded server of this test's own, stopped at the end."""
    env = {"POWERNODE_DATA_DIR": str(tmp_path / "pgdata")}
    yield env
    run_cli("server", "stop", env=env)


def test_the_first_command_after_the_embedded_server_was_killed_restarts_it(own_cluster):
    code, out, err = run_cli("migrate", "--namespace", "shared", env=own_cluster)
    assert code == 0, err
    pid = int((Path(own_cluster["POWERNODE_DATA_DIR"]) / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    code, out, err = run_cli("status", "--namespace", "shared", env=own_cluster)
    assert code == 0 and out.split()[:2] == ["core", "0001_core_tables"] and "pending" not in out, (out, err)
    code, out, _ = run_cli("server", "stop", env=own_cluster)
    assert code == 0 and out.startswith("stopped"), out


def test_a_closed_pipe_is_one_line(database_url):
    assert run_cli("migrate", "--database", database_url, "--namespace", "shared")[0] == 0
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    process = subprocess.Popen([sys.executable, "-m", "powernode", "status", "--database", database_url],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    process.stdout.close()  # `| head -1` that has already read its line
    err = process.stderr.read()
    assert one_line(process.wait(), err, expected_code=1) and "broken pipe" in err, err


# -- item 10: nearest() for any k -------------------------------------------------------------------

def test_nearest_answers_any_k_up_to_the_rows_there_are(database_url, vector_namespaces_ok):
    db = powernode.connect(database_url, namespaces=["ai"])
    powernode.migrate(db)
    Node = powernode.models["Ai::KnowledgeGraphNode"]
    account = powernode.models["Account"].create(name="vectors")
    generator = random.Random(13)
    powernode.bulk_load(Node, ({"account_id": account.id, "name": f"n{i}", "node_type": "concept",
                                "embedding": [generator.gauss(0, 1) for _ in range(1536)]} for i in range(1100)))
    probe = [generator.gauss(0, 1) for _ in range(1536)]
    for k in (1, 25, 26, 100, 1000):
        found = list(Node.nearest(probe, k=k))
        assert len(found) == k and [r.distance for r in found] == sorted(r.distance for r in found), k
    db.close()


# -- item 11: makemigration writes what check finds ---------------------------------------------------

def test_makemigration_writes_the_core_difference_check_reports_for_a_namespace(database_url, tmp_path):
    assert run_cli("migrate", "--database", database_url, "--namespace", "devops")[0] == 0
    connection = psycopg2.connect(database_url)
    with connection, connection.cursor() as cursor:
        cursor.execute("ALTER TABLE users DROP COLUMN last_login_at")
    connection.close()
    code, out, _ = run_cli("check", "--database", database_url, "--namespace", "devops")
    assert code == 1 and "last_login_at" in out
    code, out, err = run_cli("makemigration", "restore_login", "--database", database_url,
                             "--namespace", "devops", "--directory", str(tmp_path))
    assert code == 0 and "nothing to write" not in out, (out, err)
    written = [Path(line) for line in out.splitlines()]
    assert any("last_login_at" in path.read_text() for path in written)


# -- item 12: selections that mean nothing, seeds before migrations ------------------------------------

@pytest.mark.parametrize("value", ["", ",", "ai,", " "])
def test_an_empty_namespace_name_is_a_usage_error(value):
    code, _, err = run_cli("status", "--namespace", value)
    assert one_line(code, err) and "--namespace" in err, err


def test_seed_before_migrate_says_to_migrate(database_url):
    code, out, err = run_cli("seed", "--database", database_url)
    assert one_line(code, err) and "run `powernode migrate`" in err, err


def test_seed_seeds_what_is_migrated_and_names_what_it_skips(database_url, server):
    """On PostgreSQL 15, `migrate` leaves `ai` out (no pgvector); on 18 it migrates everything."""
    code, _, err = run_cli("migrate", "--database", database_url)
    assert code == (0 if server.has_pgvector else 1), err
    code, out, err = run_cli("seed", "--database", database_url)
    assert code == 0 and "verified" in out.splitlines()[-1], (out, err)
    if server.has_pgvector:
        assert "skipped" not in err
    else:
        assert "skipped the seeds of ai: not migrated" in err
        assert "Role" in out and "Ai::Provider" not in out


def test_seed_skips_the_namespaces_a_partial_migrate_left_out(database_url):
    assert run_cli("migrate", "--database", database_url, "--namespace", "devops")[0] == 0
    code, out, err = run_cli("seed", "--database", database_url)
    skipped = err.split("skipped the seeds of ", 1)[1].split(":", 1)[0].split(", ")
    assert code == 0 and set(skipped) == set(powernode.installed.default_names()) - {"core", "devops"}, err
    assert "Devops::ContainerTemplate" in out


# -- item 13: one embedded cluster per user, whatever the current directory -----------------------------

def test_every_command_uses_the_same_cluster_from_any_directory(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "POWERNODE_DATA_DIR": ""}
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    cluster = tmp_path / "data" / "powernode" / "pgdata"
    try:
        code, out, err = run_cli("migrate", "--namespace", "shared", env=env, cwd=here)
        assert code == 0 and err.splitlines()[0].startswith(f"embedded PostgreSQL at {cluster};"), err
        code, out, err = run_cli("status", "--namespace", "shared", env=env, cwd=there)
        assert code == 0 and err.splitlines()[0].startswith(f"embedded PostgreSQL at {cluster};")
        assert "pending" not in out  # the cluster `migrate` filled, not a new one
    finally:
        code, out, _ = run_cli("server", "stop", env=env, cwd=there)
    assert out.strip() == f"stopped the embedded PostgreSQL at {cluster}"
    assert not list(here.iterdir()) and not list(there.iterdir())


# -- item 14: lint can gate CI ------------------------------------------------------------------

def test_lint_accepts_the_reviewed_departures_and_fails_on_a_new_one(database_url, server):
    run_cli("migrate", "--database", database_url)
    code, out, err = run_cli("lint", "--json", "--database", database_url)
    findings = json.loads(out)
    assert code == 0 and findings and all(f["accepted"] for f in findings), err
    if server.has_pgvector:  # every namespace migrated: the reviewed list is exactly what lint finds
        from powernode.lint import accepted

        assert {(f["kind"], f["table"], f["column"], f["detail"]) for f in findings} == \
            {(f.kind, f.table, f.column, f.detail) for f in accepted()}
    assert run_cli("lint", "--strict", "--database", database_url)[0] == 1
    connection = psycopg2.connect(database_url)
    with connection, connection.cursor() as cursor:
        cursor.execute("ALTER TABLE users ADD COLUMN manager_id uuid REFERENCES users (id)")
    connection.close()
    code, out, _ = run_cli("lint", "--database", database_url)
    assert code == 1 and "users\n  foreign_key_without_index: manager_id" in out and out.endswith(" 1 new\n"), out
