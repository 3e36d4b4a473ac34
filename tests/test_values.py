"""Encrypted and JSON-coded columns, enums, money, passwords and credential payloads, on a real database.

Generated over the behaviour catalog where the catalog lists the declarations; the keys are
the platform's local ones (set by conftest.py), or the empty configuration where a test is
about missing keys.
"""
import base64
import decimal
import json
import os
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import powernode
from factory import build, make
from powernode import DecryptionFailed, EncryptionConfig, EncryptionNotConfigured, InvalidValue, ValidationError
from powernode.behaviour import coders, credentials, keys
from powernode.behaviour.encryption import KEY_VARIABLES, is_envelope, keyring
from powernode.behaviour.enums import _plural
from powernode.behaviour.money import Money

ROOT = Path(__file__).resolve().parent.parent
CATALOG = json.loads((ROOT / "reference" / "powernode-behaviour.json").read_text())["models"]
VECTOR_KEYS = json.loads((ROOT / "reference" / "encryption-vectors.json").read_text())["active_record_encryption"]
DB_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def catalog(section):
    """(Rails name, entries) for every model whose catalog entry has `section`."""
    return sorted((name, model[section]) for name, model in CATALOG.items()
                  if isinstance(model.get(section), (dict, list)) and model[section]
                  and "section_error" not in model[section])


@pytest.fixture
def db(core_rows):
    return core_rows


@pytest.fixture
def keys_of(request):
    """`keys_of(config)`: use that configuration for the test; the environment's again after it."""
    yield keys.configure
    keys.configure(None)


def stored(db, table, column, row_id):
    return db.execute_sql(f'SELECT "{column}" FROM "{table}" WHERE id = %s', (row_id,)).fetchone()[0]


# ---- the generated declarations are the catalog's

def test_every_encrypted_and_serialized_column_declares_its_layers(every_rows):
    declared = 0
    for name, model in CATALOG.items():
        if name not in powernode.models or not model.get("table_exists", True):
            continue
        fields = powernode.models[name]._meta.fields
        for attribute, options in (model.get("encrypted_attributes") or {}).items():
            field = fields[attribute]
            assert (field.encrypts.deterministic, field.encrypts.downcase) == (options["deterministic"],
                                                                                options["downcase"]), name
            declared += 1
        for attribute, options in (model.get("serialized_attributes") or {}).items():
            if attribute == "section_error" or attribute not in fields:
                continue  # no column (Plan.required_roles, EmailDelivery.template_data): docs/values.md
            assert fields[attribute].serialize is coders.JSON and options["coder"] == "ActiveRecord::Coders::JSON"
            declared += 1
    assert declared == 7 + 6  # 7 encrypted attributes, 6 of 8 serialized ones with a column


@pytest.mark.parametrize("name,enums", catalog("enums"))
def test_enums_map_their_values_and_answer_their_predicates(db, name, enums):
    model = powernode.models[name]
    for attribute, info in enums.items():
        mapping = getattr(model, _plural(attribute))
        assert dict(mapping) == info["mapping"]
        prefix = info["prefix"]["symbol"] + "_" if isinstance(info.get("prefix"), dict) else ""
        row = make(model, **{attribute: next(iter(info["mapping"]))})
        for key, value in info["mapping"].items():
            setattr(row, attribute, key)
            row.save(validate=False)
            reread = model.get_by_id(row.id)
            assert getattr(reread, attribute) == value
            assert getattr(reread, f"is_{prefix}{key}") is True
            assert sum(getattr(reread, f"is_{prefix}{other}") for other in info["mapping"]) == 1
        with pytest.raises(InvalidValue, match=f"not a valid {attribute}"):
            setattr(row, attribute, "no such value")


def test_an_enum_keeps_a_stored_value_it_does_not_name(db):
    Job = powernode.models["BackgroundJob"]
    job = make(Job, status="pending")
    db.execute_sql("UPDATE background_jobs SET status = 'retrying' WHERE id = %s", (job.id,))  # the check allows it
    job = Job.get_by_id(job.id)
    assert job.status == "retrying" and not any(getattr(job, f"is_{s}") for s in Job.statuses)
    with pytest.raises(InvalidValue):
        job.status = "retrying"


@pytest.mark.parametrize("name,monetized", catalog("monetized"))
def test_money_fields_read_and_write_their_cents(db, name, monetized):
    model = powernode.models[name]
    row = make(model)
    for attribute, info in monetized.items():
        setattr(row, attribute, decimal.Decimal("12.345"))  # half up, the platform's rounding mode
        assert getattr(row, info["subunit_column"]) == 1235
        setattr(row, attribute, Money(decimal.Decimal("0.99"), "usd"))
        row.save(validate=False)
        assert stored(db, model._meta.table_name, info["subunit_column"], row.id) == 99
        assert getattr(model.get_by_id(row.id), attribute) == Money(decimal.Decimal("0.99"), "USD")
        with pytest.raises(InvalidValue, match="USD"):
            setattr(row, attribute, Money(1, "EUR"))


@given(cents=st.integers(min_value=-10**12, max_value=10**12))
def test_money_cents_round_trip(cents):
    money = Money.from_cents(cents)
    assert money.cents == cents and money.amount == decimal.Decimal(cents) / 100


# ---- has_secure_password

@pytest.mark.parametrize("name,declarations", catalog("secure_password"))
def test_secure_password_digests_authenticates_and_validates(db, name, declarations):
    model = powernode.models[name]
    (declaration,) = declarations
    attribute, digest = declaration["attribute"], declaration["digest_column"]
    base = make(model)  # a valid row to copy the other columns from
    record = model(**{name: value for name, value in base.__data__.items() if name not in ("id", digest, "email")},
                   email="pw@acme.test")
    assert record.validate()[attribute] == ["can't be blank"]
    setattr(record, attribute, "x" * (declaration["max_password_bytes"] + 1))
    assert record.validate()[attribute] == ["is too long"]
    with pytest.raises(ValidationError) as refused:
        record.save()
    assert "xxxx" not in str(refused.value) and getattr(record, digest) not in str(refused.value)

    record.set_password("correct horse")
    record.password_confirmation = "correct horse"
    assert attribute not in record.validate()
    record.save()
    value = stored(db, model._meta.table_name, digest, record.id)
    assert value.startswith("$2a$12$") and value not in repr(record)
    reread = model.get_by_id(record.id)
    assert reread.authenticate("correct horse") is reread
    assert reread.authenticate("Correct horse") is False and reread.password is None

    reread.password = ""  # ignored, as Active Model ignores it
    assert getattr(reread, digest) == value
    reread.password = None
    assert getattr(reread, digest) is None and reread.authenticate("correct horse") is False


# ---- encryption: keys, lookups, the fast read path, bulk loads

def test_without_keys_encrypted_columns_fail_with_one_line_naming_the_variables(db, keys_of):
    User, Account = powernode.models["User"], powernode.models["Account"]
    account = make(Account)
    existing = make(User, email="ada@acme.test")
    keys_of(EncryptionConfig())
    with pytest.raises(EncryptionNotConfigured) as failure:
        User.create(account=account, email="grace@acme.test", name="Grace", password_digest="x")
    message = str(failure.value)
    assert "\n" not in message and all(variable in message for variable in KEY_VARIABLES)
    assert all(value not in message for value in VECTOR_KEYS.values() if isinstance(value, str) and len(value) > 20)
    assert User.select().count() == 1  # nothing written, in clear or otherwise
    with pytest.raises(EncryptionNotConfigured):
        User.get_by_id(existing.id)
    with pytest.raises(EncryptionNotConfigured):
        list(User.select())
    assert Account.get_by_id(account.id).name == account.name  # models without encrypted columns are untouched


def test_clear_text_reads_without_keys_and_wrong_keys_are_refused(db, keys_of):
    User = powernode.models["User"]
    user = make(User, email="ada@acme.test")
    db.execute_sql("UPDATE users SET two_factor_secret = 'legacy clear' WHERE id = %s", (user.id,))
    keys_of(EncryptionConfig(primary_key="another primary key, not the platform's",
                             deterministic_key=VECTOR_KEYS["deterministic_key"],
                             key_derivation_salt=VECTOR_KEYS["key_derivation_salt"]))
    with pytest.raises(DecryptionFailed) as failure:
        User.get_by_id(user.id)
    assert "\n" not in str(failure.value) and "User.name" in str(failure.value)
    assert User.select(User.id, User.email, User.two_factor_secret).get().two_factor_secret == "legacy clear"


def test_a_non_deterministic_attribute_cannot_be_looked_up_by_value(db):
    User = powernode.models["User"]
    make(User, email="ada@acme.test", two_factor_secret=None)
    with pytest.raises(InvalidValue, match="non-deterministically"):
        User.select().where(User.name == "Ada")
    assert User.select().where(User.two_factor_secret.is_null()).count() == 1
    assert User.select().where(User.two_factor_secret == None).count() == 1  # noqa: E711 (peewee's IS NULL)


def test_lookups_match_envelopes_and_clear_text_with_in_and_not_in(db):
    User = powernode.models["User"]
    encrypted, legacy, other = (make(User, email=email) for email in ("ada@acme.test", "x@acme.test", "o@acme.test"))
    db.execute_sql("UPDATE users SET email = 'Grace@acme.test' WHERE id = %s", (legacy.id,))
    found = {u.id for u in User.select().where(User.email.in_(["ADA@acme.test", "Grace@acme.test"]))}
    assert found == {encrypted.id, legacy.id}
    assert {u.id for u in User.select().where(User.email != "ada@acme.test")} == {legacy.id, other.id}
    # clear text is matched as given, not downcased, as the platform's extended queries match it
    assert User.get_or_none(User.email == "grace@acme.test") is None
    assert User.get(User.email == "Grace@acme.test").id == legacy.id


def test_the_fast_read_path_converts_as_peewee_does(db):
    import peewee

    User = powernode.models["User"]
    make(User, email="ada@acme.test", name="Ada", preferences={"theme": "dark"}, backup_codes=["a1", "b2"])
    fast = User.select().get()
    plain = peewee.ModelSelect(User, User._meta.sorted_fields).get()
    for name in ("email", "name", "preferences", "backup_codes", "notification_preferences"):
        assert getattr(fast, name) == getattr(plain, name)
    assert (fast.email, fast.name, fast.preferences, fast.backup_codes) == (
        "ada@acme.test", "Ada", {"theme": "dark"}, ["a1", "b2"])


def test_bulk_load_writes_what_the_model_writes(db):
    User, Account = powernode.models["User"], powernode.models["Account"]
    account = make(Account)
    rows = [{"account": account.id, "email": f"U{i}@acme.test", "name": f"user {i}", "password_digest": "x",
             "preferences": {"n": i, "html": "<b>&</b>"}} for i in range(3)]
    assert powernode.bulk_load(User, rows) == 3
    for i in range(3):
        user = User.get(User.email == f"u{i}@acme.test")
        assert (user.name, user.preferences) == (f"user {i}", {"n": i, "html": "<b>&</b>"})
        assert stored(db, "users", "email", user.id) == User.email.db_value(f"U{i}@acme.test")
        assert stored(db, "users", "preferences", user.id) == f'{{"n":{i},"html":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"}}'
        assert is_envelope(stored(db, "users", "name", user.id))


printable = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@DB_SETTINGS
@given(text=printable, local=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_any_text_round_trips_through_encrypted_columns(db, text, local):
    User = powernode.models["User"]
    email = local + "@x"  # varchar(255) holds the envelope of up to about 140 bytes
    with db.atomic() as transaction:
        user = build(User, email=email, name=text, two_factor_secret=text)
        user.save(validate=False)  # any text, valid for the platform or not, round-trips
        reread = User.get_by_id(user.id)
        downcased = "".join(character.lower() for character in email)
        assert (reread.email, reread.name, reread.two_factor_secret) == (downcased, text, text)
        assert User.get(User.email == email).id == user.id
        headers = json.loads(stored(db, "users", "name", user.id))["h"]
        assert not headers.get("c") or len(text.encode()) > 140  # only long text is ever deflated
        transaction.rollback()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


def exponents(value):
    if isinstance(value, float):
        return "e" in repr(value)
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(exponents(item) for item in items)


@given(value=json_values)
def test_the_json_coder_round_trips_and_escapes_as_active_support(value):
    text = coders.JSON.dump(value)
    if value is None:
        assert text is None
        return
    assert coders.JSON.load(text) == value
    assert not set(text) & set("<>&\u2028\u2029")
    if not exponents(value):  # apart from Ruby's spelling of exponents (1.0e+20), Python's compact JSON, escaped
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        for character, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                                  ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
            plain = plain.replace(character, escape)
        assert text == plain


@DB_SETTINGS
@given(value=json_values.filter(lambda v: v is not None), codes=st.lists(st.text(), max_size=5))
def test_any_json_round_trips_through_coded_columns(db, value, codes):
    User = powernode.models["User"]
    with db.atomic() as transaction:
        user = make(User, preferences=value, backup_codes=codes)
        reread = User.get_by_id(user.id)
        assert (reread.preferences, reread.backup_codes) == (value, codes)
        assert stored(db, "users", "preferences", user.id) == coders.encode(value)
        transaction.rollback()


@pytest.mark.parametrize("text,value", [("", None), ("   ", None), ('"abc"', "abc"), ("1", 1), ("null", None),
                                        ("[]", []), ("1.5", 1.5)])
def test_the_json_coder_reads_scalars_and_blank_text_as_the_platform(text, value):
    assert coders.JSON.load(text) == value


def test_a_json_coded_column_holding_other_text_is_a_clear_error(db):
    User = powernode.models["User"]
    user = make(User)
    db.execute_sql("UPDATE users SET preferences = 'theme=dark secret' WHERE id = %s", (user.id,))
    with pytest.raises(InvalidValue) as failure:
        User.get_by_id(user.id)
    assert str(failure.value) == "User.preferences holds text that is not JSON"


@pytest.mark.parametrize("value,text", [(1e20, "1.0e+20"), (1.5e-7, "1.5e-07"), (100.0, "100.0"),
                                        (decimal.Decimal("1.10"), '"1.10"'), (float("nan"), "null")])
def test_the_json_coder_spells_numbers_as_active_support(value, text):
    assert coders.encode(value) == text


# ---- credential payloads

def test_credentials_use_their_namespace_and_rotate(migrated, keys_of):
    db = migrated(["devops"])
    Credential = powernode.models["Devops::IntegrationCredential"]
    old, new = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    keys_of(EncryptionConfig(credential_keys={"devops": {"k1": old, "k2": new}}, credential_key_ids={"devops": "k1"}))
    row = make(Credential, encrypted_credentials="placeholder", encryption_key_id="placeholder")
    row.credentials = {"api_key": "sk-live-123", "extra": 1}
    row.save(validate=False)
    payload = stored(db, Credential._meta.table_name, "encrypted_credentials", row.id)
    wrapper = json.loads(base64.b64decode(payload))
    assert (wrapper["namespace"], wrapper["key_id"], wrapper["version"]) == ("devops", "k1", "v2")
    assert stored(db, Credential._meta.table_name, "encryption_key_id", row.id) == "k1"
    assert "sk-live" not in payload and "sk-live" not in repr(row)

    keys_of(EncryptionConfig(credential_keys={"devops": {"k1": old, "k2": new}}, credential_key_ids={"devops": "k2"}))
    reread = Credential.get_by_id(row.id)
    assert reread.credentials == {"api_key": "sk-live-123", "extra": 1}  # written with k1, read after rotation
    reread.credentials = reread.credentials
    assert (json.loads(base64.b64decode(reread.encrypted_credentials))["key_id"], reread.encryption_key_id) == ("k2", "k2")

    keys_of(EncryptionConfig(credential_keys={"devops": {"k2": new}}))
    with pytest.raises(EncryptionNotConfigured) as failure:
        Credential.get_by_id(row.id).credentials  # k1 is gone; the stored payload still names it
    message = str(failure.value)
    assert "ENCRYPTION_KEY_DEVOPS_K1" in message and "SECRET_KEY_BASE" in message and old not in message


def test_credential_keys_come_from_the_platforms_variables(keys_of, monkeypatch):
    key = base64.b64encode(os.urandom(32)).decode()
    for variable in ("ENCRYPTION_KEY_AI_K7", "AI_ENCRYPTION_KEY_K7"):
        monkeypatch.delenv("ENCRYPTION_KEY_AI_K7", raising=False)
        monkeypatch.delenv("AI_ENCRYPTION_KEY_K7", raising=False)
        monkeypatch.setenv(variable, key)
        keys_of(None)
        payload = credentials.encrypt({"api_key": "k"}, "ai", key_id="k7")
        keys_of(EncryptionConfig(credential_keys={"ai": {"k7": key}}))
        assert credentials.decrypt(payload, "ai") == {"api_key": "k"}
    with pytest.raises(DecryptionFailed, match="namespace 'ai'"):
        credentials.decrypt(payload, "mcp")


def test_mcp_server_tokens_are_single_value_payloads(db):
    Server = powernode.models["McpServer"]
    server = make(Server)
    server.oauth_access_token = "at-secret"
    server.oauth_refresh_token = ""
    server.save(validate=False)
    reread = Server.get_by_id(server.id)
    assert (reread.oauth_access_token, reread.oauth_refresh_token, reread.oauth_refresh_token_encrypted) == (
        "at-secret", None, None)
    wrapper = json.loads(base64.b64decode(stored(db, "mcp_servers", "oauth_access_token_encrypted", server.id)))
    assert wrapper["namespace"] == "mcp"


# ---- nothing secret in repr, errors or logs

def test_keys_never_show_in_reprs_or_errors(keys_of):
    config = EncryptionConfig(primary_key=VECTOR_KEYS["primary_key"], key_derivation_salt=VECTOR_KEYS["key_derivation_salt"],
                              secret_key_base="sekrit-base-value")
    assert VECTOR_KEYS["primary_key"] not in repr(config) and "sekrit" not in repr(config)
    keys_of(config)
    try:
        keyring().decrypt('{"p":"","h":{"iv":"AAAAAAAAAAAAAAAA","at":"AAAAAAAAAAAAAAAAAAAAAA=="}}', False, "X.y")
    except DecryptionFailed as exc:
        text = "".join(traceback.format_exception(exc))
    assert VECTOR_KEYS["primary_key"] not in text and "sekrit" not in text


# ---- check: values the models cannot read

def test_check_notes_unreadable_and_unencrypted_values_from_a_sample(core_db):
    db = core_db  # not rolled back: the CLI reads the rows from another process
    from conftest import run_cli
    from powernode.value_check import value_notes

    User = powernode.models["User"]
    users = [make(User, email=f"u{i}@acme.test", name="fine") for i in range(3)]
    forged = '{"p":"AAAA","h":{"iv":"AAAAAAAAAAAAAAAA","at":"AAAAAAAAAAAAAAAAAAAAAA=="}}'
    db.execute_sql("UPDATE users SET name = %s WHERE id = %s", (forged, users[0].id))
    db.execute_sql("UPDATE users SET preferences = 'theme=dark' WHERE id = %s", (users[1].id,))
    db.execute_sql("UPDATE users SET email = 'clear@acme.test' WHERE id = %s", (users[2].id,))
    notes = {(n.kind, n.table, n.column, n.actual) for n in value_notes(db, powernode.registry.models_of(db.namespaces))}
    assert notes == {
        ("unreadable_value", "users", "name", "1 of 3 sampled values do not decrypt with the configured keys"),
        ("unreadable_value", "users", "preferences", "1 of 1 sampled values are not JSON"),
        ("unencrypted_value", "users", "email", "1 of 3 sampled values are clear text"),
    }
    code, out, err = run_cli("check", "--json", "--database", db.url, "--namespace", "core")
    assert code == 0, err
    found = {(d["kind"], d["column"]) for d in json.loads(out)["differences"] if d["table"] == "users"}
    assert {("unreadable_value", "name"), ("unreadable_value", "preferences"), ("unencrypted_value", "email")} <= found
    assert "theme=dark" not in out and "clear@acme.test" not in out
