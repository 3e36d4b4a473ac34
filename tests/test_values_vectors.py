"""Every vector the platform's own code made (reference/encryption-vectors.json), both ways, on a real database.

Read: the platform's stored string, written by raw SQL, reads back through the generated
model as the vector's value. Write: the value written through the model stores the exact
string (deterministic encryption, JSON coding), or one that decrypts to it with the
vector's derived key — opened here with `cryptography` alone, not with the package — and
that re-encrypted with the vector's IV is the stored string byte for byte.
"""
import base64
import json
import zlib
from pathlib import Path

import bcrypt
import peewee
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import powernode
from conftest import SUMMARY
from factory import build, make
from powernode.behaviour import coders, credentials
from powernode.behaviour.encryption import keyring

VECTORS = json.loads((Path(__file__).resolve().parent.parent / "reference" / "encryption-vectors.json").read_text())
KEYS = VECTORS["active_record_encryption"]
BY_KIND = {}
for _vector in VECTORS["vectors"]:
    BY_KIND.setdefault(_vector["kind"], []).append(_vector)
PASSED = set()


def ids(vectors):
    return [vector["id"] for vector in vectors]


def raw(db, sql, params=()):
    return db.execute_sql(sql, params).fetchone()


def model_of(vector):
    return powernode.models[vector["model"]]


def stored_of(db, model, row_id, column):
    return raw(db, f'SELECT "{column}" FROM "{model._meta.table_name}" WHERE id = %s', (row_id,))[0]


def write_raw(db, model, row_id, column, stored):
    db.execute_sql(f'UPDATE "{model._meta.table_name}" SET "{column}" = %s WHERE id = %s', (stored, row_id))


def open_envelope(stored, key_name):
    """The clear text of an envelope, with the vector file's derived key and `cryptography` only."""
    envelope = json.loads(stored)
    key = base64.b64decode(KEYS[f"{key_name}_base64"])
    sealed = base64.b64decode(envelope["p"]) + base64.b64decode(envelope["h"]["at"])
    data = AESGCM(key).decrypt(base64.b64decode(envelope["h"]["iv"]), sealed, None)
    return (zlib.decompress(data) if envelope["h"].get("c") else data).decode()


def clear_text(vector):
    """What the platform encrypts for a vector's input: downcased, or JSON-coded first."""
    value = vector["input"]
    if vector.get("serialized_before_encryption"):
        return coders.encode(value)
    return value.lower() if vector["downcase"] else value


@pytest.fixture
def db(core_rows):
    return core_rows


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    SUMMARY.append(f"encryption vectors passed on this server: {len(PASSED)}/{len(VECTORS['vectors'])}; "
                   f"not through a model on the platform's schema: {', '.join(sorted(PASSED & OFF_SCHEMA))} "
                   "(docs/values.md)")


# vectors no model on the platform's schema can carry (docs/values.md says why): public-14 goes through the model
# on a widened column, the others through the coder or the credential service alone
OFF_SCHEMA = {"public-14", "public-25", "public-28", "public-29", "public-30"}


@pytest.mark.parametrize("vector", BY_KIND["ar_encryption_deterministic"], ids=ids(BY_KIND["ar_encryption_deterministic"]))
def test_deterministic_vectors_round_trip_and_are_found_by_lookup(db, vector):
    User = model_of(vector)
    written = unvalidated(User, email=vector["input"])
    assert stored_of(db, User, written.id, "email") == vector["stored"]  # byte for byte
    assert User.get_by_id(written.id).email == vector["read_back"]

    written.delete_instance()  # users.email is unique
    platform_row = make(User)
    write_raw(db, User, platform_row.id, "email", vector["stored"])
    assert User.get_by_id(platform_row.id).email == vector["read_back"]
    assert User.get(User.email == vector["input"]).id == platform_row.id

    # a row written before encryption (clear text) is found by the same lookup, as extend_queries does
    write_raw(db, User, platform_row.id, "email", vector["input"])
    assert User.get(User.email == vector["input"]).id == platform_row.id
    assert User.get_by_id(platform_row.id).email == vector["input"]
    PASSED.add(vector["id"])


NON_DETERMINISTIC = BY_KIND["ar_encryption"]


@pytest.mark.parametrize("vector", NON_DETERMINISTIC, ids=ids(NON_DETERMINISTIC))
def test_non_deterministic_vectors_round_trip(db, vector):
    model = model_of(vector)
    field = model._meta.fields[vector["attr"]]
    if vector["id"] == "public-14":
        widen_beyond_the_platform_schema(db, model, field)
    row = unvalidated(model, **{field.name: vector["input"]})
    stored = stored_of(db, model, row.id, field.column_name)
    assert stored != clear_text(vector)
    assert open_envelope(stored, vector["key"]) == clear_text(vector)
    assert keyring().encrypt(clear_text(vector), iv=base64.b64decode(vector["iv"])) == vector["stored"]

    write_raw(db, model, row.id, field.column_name, vector["stored"])
    assert getattr(model.get_by_id(row.id), field.name) == vector["read_back"]
    PASSED.add(vector["id"])


def widen_beyond_the_platform_schema(db, model, field):
    """users.last_login_ip is varchar(45) on the platform: no envelope fits, the platform's own writes fail too."""
    with pytest.raises(peewee.DataError, match="value too long"):
        with db.atomic():
            make(model, **{field.name: "203.0.113.7"})
    db.execute_sql(f'ALTER TABLE "{model._meta.table_name}" ALTER COLUMN "{field.column_name}" TYPE varchar')


SERIALIZED = BY_KIND["serialize_json"]


@pytest.mark.parametrize("vector", SERIALIZED, ids=ids(SERIALIZED))
def test_json_coded_vectors_round_trip_byte_for_byte(db, vector):
    assert coders.JSON.dump(vector["input"]) == vector["stored"]
    assert coders.JSON.load(vector["stored"]) == vector["read_back"]
    model = model_of(vector)
    if vector["attr"] not in model._meta.fields:
        # Plan.required_roles: declared by the platform's model, but plans has no such column (docs/values.md)
        assert vector["attr"] not in {c.name for c in db.get_columns(model._meta.table_name)}
        PASSED.add(vector["id"])
        return
    field = model._meta.fields[vector["attr"]]
    row = unvalidated(model, **{field.name: vector["input"]})
    assert stored_of(db, model, row.id, field.column_name) == vector["stored"]
    write_raw(db, model, row.id, field.column_name, vector["stored"])
    assert getattr(model.get_by_id(row.id), field.name) == vector["read_back"]
    PASSED.add(vector["id"])


def reproduce(vector):
    """The payload the service makes for the vector's input with the vector's IV and time."""
    iv = base64.b64decode(vector["wrapper"]["encrypted_data"])[:12]
    if vector["kind"] == "credential_encryption_value":
        return credentials.encrypt_value(vector["input"], vector["namespace"], iv=iv, created_at=vector["created_at"])
    return credentials.encrypt(vector["input"], vector["namespace"], iv=iv, created_at=vector["created_at"])


CREDENTIALS = BY_KIND["credential_encryption"] + BY_KIND["credential_encryption_value"]


@pytest.mark.parametrize("vector", CREDENTIALS, ids=ids(CREDENTIALS))
def test_credential_payload_vectors_round_trip(vector):
    wrapper = json.loads(base64.b64decode(vector["stored"]))
    assert wrapper == vector["wrapper"]
    key = base64.b64decode(vector["key_base64"])
    data = base64.b64decode(wrapper["encrypted_data"])
    clear = json.loads(AESGCM(key).decrypt(data[:12], data[28:] + data[12:28], None))
    assert clear == ({"value": vector["input"]} if vector["kind"].endswith("_value") else vector["input"])
    if vector["kind"].endswith("_value"):
        assert credentials.decrypt_value(vector["stored"], vector["namespace"]) == vector["read_back"]
    else:
        assert credentials.decrypt(vector["stored"], vector["namespace"]) == vector["read_back"]
    assert reproduce(vector) == vector["stored"]
    if vector["id"] in OFF_SCHEMA:
        PASSED.add(vector["id"])


def test_provider_credential_reads_and_writes_the_platforms_payload(vector_namespaces_ok, every_rows):
    vector = next(v for v in CREDENTIALS if v["namespace"] == "ai" and v["kind"] == "credential_encryption")
    Credential = powernode.models["Ai::ProviderCredential"]
    row = make(Credential, encrypted_credentials=vector["stored"], encryption_key_id="default")
    assert Credential.get_by_id(row.id).credentials == vector["read_back"]

    row.credentials = vector["input"]
    row.save(validate=False)
    stored = stored_of(every_rows, Credential, row.id, "encrypted_credentials")
    key = base64.b64decode(vector["key_base64"])
    data = base64.b64decode(json.loads(base64.b64decode(stored))["encrypted_data"])
    assert json.loads(AESGCM(key).decrypt(data[:12], data[28:] + data[12:28], None)) == vector["input"]
    assert stored_of(every_rows, Credential, row.id, "encryption_key_id") == "default"
    PASSED.add(vector["id"])


def test_password_digest_vector(db):
    vector = BY_KIND["password_digest"][0]
    User = model_of(vector)
    user = make(User)
    write_raw(db, User, user.id, "password_digest", vector["stored"])
    stored_user = User.get_by_id(user.id)
    for password, matches in vector["matches"].items():
        assert bool(stored_user.authenticate(password)) is matches

    stored_user.password = vector["input"]
    stored_user.save()
    digest = stored_of(db, User, user.id, "password_digest")
    assert digest.startswith(f"$2a${vector['bcrypt_cost']}$") and digest != vector["stored"]
    assert bcrypt.checkpw(vector["input"].encode(), digest.encode())
    PASSED.add(vector["id"])


def test_every_vector_kind_is_covered():
    assert set(BY_KIND) == {"ar_encryption_deterministic", "ar_encryption", "serialize_json", "credential_encryption",
                            "credential_encryption_value", "password_digest"}
    assert len(VECTORS["vectors"]) == 31


def test_raw_sql_sees_only_envelopes_for_encrypted_columns(db):
    User = powernode.models["User"]
    user = make(User, email="Ada@Acme.test", name="Ada", two_factor_secret="JBSWY3DPEHPK3PXP")
    row = raw(db, "SELECT email, name, two_factor_secret FROM users WHERE id = %s", (user.id,))
    assert all(json.loads(value)["h"]["iv"] for value in row)
    assert "ada" not in " ".join(row).lower()


def unvalidated(model, **values):
    """A stored row holding exactly `values` (a vector's input need not be one the platform validates)."""
    row = build(model, **values)
    row.save(validate=False)
    return row
