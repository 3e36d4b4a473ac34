"""Interrupted migrations, bad input everywhere, and a connection that stays usable after it."""
import json
import os
import signal
import subprocess
import sys
import time

import peewee
import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import powernode
from conftest import run_cli
from powernode.database import open_database
from powernode.errors import InvalidValue, PowernodeError

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _history(url):
    try:
        connection = psycopg2.connect(url)
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM powernode_migrations")
            return cursor.fetchone()[0]
    except psycopg2.Error:
        return 0
    finally:
        connection.close()


def test_a_migrator_killed_midway_leaves_a_schema_the_next_run_completes(server, database_url):
    namespaces = ",".join(ns for ns in powernode.installed.default_names() if server.has_pgvector or ns != "ai")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    victim = subprocess.Popen([sys.executable, "-m", "powernode", "migrate", "--database", database_url,
                               "--namespace", namespaces], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _history(database_url) < 1 and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    applied_before = _history(database_url)
    assert applied_before < len(namespaces.split(","))  # it really died midway

    code, out, err = run_cli("migrate", "--database", database_url, "--namespace", namespaces)
    assert code == 0, err
    assert len([line for line in out.splitlines() if line.startswith("applied")]) == \
        len(namespaces.split(",")) - applied_before
    code, out, err = run_cli("check", "--json", "--database", database_url, "--namespace", namespaces)
    assert code == 0 and json.loads(out)["differences"] == [], err


def test_wrong_credentials_are_one_line(server):
    url = server.url("postgres").replace("postgres:@", "nobody:@").replace("postgres@", "nobody@")
    code, _, err = run_cli("status", "--database", url)
    assert code == 2 and err.count("\n") == 1 and "nobody" in err and "Traceback" not in err



def test_invalid_uuid_is_our_error_and_the_connection_stays_usable(core_rows):
    Account = powernode.models["Account"]
    account = Account.create(name="Acme")
    with core_rows.atomic():
        with pytest.raises(InvalidValue, match="Account.id expects a UUID, got 'not-a-uuid'"):
            Account.get_by_id("not-a-uuid")
        with pytest.raises(InvalidValue):
            Account.select().where(Account.id.in_([account.id, "zzz"])).count()
        assert Account.get_by_id(str(account.id)).name == "Acme"  # the transaction was not aborted


def test_a_database_error_leaves_the_connection_usable(core_rows):
    Account = powernode.models["Account"]
    with pytest.raises(peewee.IntegrityError):
        Account(name=None).save(validate=False)  # past the platform's validation: the database refuses it
    assert Account.select().count() == 0


@FUZZ
@given(name=st.text(max_size=40))
def test_any_name_is_a_model_or_a_key_error(name):
    try:
        model = powernode.models[name]
    except KeyError as exc:
        assert "no model named" in str(exc)
    else:
        assert model._meta.rails_name == powernode.installed.canonical(name)


urls = st.builds(
    "{}://{}{}/{}{}".format,
    st.sampled_from(["postgresql", "postgres", "mysql", "http", "postgresql+x", ""]),
    st.sampled_from(["", "nobody@", "u:p@", ":@", "@"]),
    st.sampled_from(["127.0.0.1:1", "127.0.0.1:notaport", "localhost:2", "[::1]:3", "127.0.0.1:99999", ""]),
    st.text(alphabet="abc_%/?=&", max_size=8),
    st.sampled_from(["", "?sslmode=disable", "?host=/nonexistent", "?connect_timeout=1", "?bogus=1"]))


@FUZZ
@given(url=urls)
def test_any_url_opens_or_fails_with_our_error(url):
    try:
        open_database(url).close()
    except PowernodeError as exc:
        assert str(exc) and "\n" not in str(exc).strip()


@FUZZ
@given(value=st.one_of(st.text(max_size=40), st.integers(), st.uuids(), st.binary(max_size=20), st.none()))
def test_any_value_in_a_uuid_filter_is_answered_or_refused_cleanly(core_rows, value):
    Account = powernode.models["Account"]
    try:
        found = Account.select().where(Account.id == value).count()
    except InvalidValue:
        pass
    else:
        assert found == 0
    assert core_rows.execute_sql("SELECT 1").fetchone() == (1,)


@FUZZ
@given(text=st.text(max_size=60), settings_doc=st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=10)))
def test_any_text_and_json_round_trip_or_are_refused(core_rows, text, settings_doc):
    Account = powernode.models["Account"]
    try:
        account = Account(name=text[:100], settings=settings_doc)
        account.save(validate=False)  # any text, valid for the platform or not, round-trips
    except InvalidValue:
        assert "\x00" in text[:100] or any("\x00" in key for key in settings_doc)
        return
    except peewee.DataError:
        assert any("\x00" in str(part) for part in (*settings_doc, *settings_doc.values()))
        return
    stored = Account.get_by_id(account.id)
    assert (stored.name, stored.settings) == (text[:100], settings_doc)
