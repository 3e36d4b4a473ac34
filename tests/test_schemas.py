"""Every model's pydantic schemas: a stored row goes out as JSON and comes back in as the same row.

One test walks every model of every namespace the server can hold: a valid row (tests/factory.py)
is read back, validated by the output schema, sent through JSON, accepted by the input schema,
and created again from what the input schema gives; the new row must hold the same values.
"""
import datetime
import decimal
import json
import uuid
import re
from typing import List, Literal, Optional

import peewee
import pydantic
import pytest

import powernode
from factory import _valid_value, _value_checks, allowed_values, make
from powernode import schemas
from powernode.core.models import ApiKey, Invoice, User
from powernode_plugins.ai.models import Agent


# what no output may show, whatever schemas.secret_fields says: digests, tokens, secrets, encrypted values
MUST_HIDE = re.compile(r"(^|_)(password_digest|token_digest|key_digest|secret|token)$|(^|_)encrypted(_|$)")


def stored(model, row):
    """`row` as the database holds it."""
    key = model._meta.primary_key
    if key:
        return model.get_by_id(row.id)
    columns = [f for f in model._meta.sorted_fields if f.unique or isinstance(f, peewee.ForeignKeyField)]
    return model.get(*[f == getattr(row, f.name) for f in columns])


def value_of(row, model, key):
    """A schema field's value on `row` (a belongs_to is named by its key column, `account_id`)."""
    field = model._meta.columns.get(key) or model._meta.fields[key]
    value = row.__data__.get(field.name) if isinstance(field, peewee.ForeignKeyField) else getattr(row, field.name)
    return bytes(value) if isinstance(value, memoryview) else value


def delete(model, row):
    key = model._meta.primary_key
    if key:
        return model.delete().where(key == row.id).execute()
    columns = [f for f in model._meta.sorted_fields if isinstance(f, peewee.ForeignKeyField)]
    return model.delete().where(*[f == row.__data__[f.name] for f in columns]).execute()


def full_row(model, database):
    """A valid row with every column set (nullable ones too, but for optional parents), else the factory's plain one.

    (row, True) when every column could be set; a row whose nullable values the platform's rules refuse
    together (one column compared with another) keeps them NULL.
    """
    allowed, checks = allowed_values(model), _value_checks(model)
    values = {}
    for field in model._meta.sorted_fields:
        if field.null and not isinstance(field, peewee.ForeignKeyField):
            values[field.name] = _valid_value(field, allowed, checks.get(field.name, []), allowed.get(field.column_name))
    try:
        with database.atomic():
            return make(model, **values), True
    except Exception:
        return make(model), False


def round_trip(model, database, partial):
    """Problems found for `model` (empty when its schemas carry a row out and back in unchanged)."""
    problems = []
    row, full = full_row(model, database)
    if not full:
        partial.append(model._meta.rails_name)
    row = stored(model, row)
    secrets = schemas.secret_fields(model)
    out_schema, record_schema, in_schema = schemas.output(model), schemas.output(model, secrets=True), schemas.input(model)

    out = out_schema.model_validate(row)
    must_hide = {f.column_name for f in model._meta.sorted_fields if MUST_HIDE.search(f.column_name)
                 and isinstance(f, (peewee.CharField, peewee.TextField))}
    shown = must_hide & set(out_schema.model_fields)
    if shown:
        problems.append(f"output shows secrets {sorted(shown)}")
    wire = out.model_dump_json()
    for name in secrets:
        value = getattr(row, name)
        if isinstance(value, str) and len(value) > 3 and value in wire:
            problems.append(f"output carries the value of {name}")
    if out_schema.model_validate_json(wire) != out:
        problems.append("output changes through JSON")
    for key, value in out.model_dump().items():
        if value != value_of(row, model, key):
            problems.append(f"output {key}: {value!r} != {value_of(row, model, key)!r}")

    record = record_schema.model_validate(row)
    body = record.model_dump_json(include=set(in_schema.model_fields))
    incoming = in_schema.model_validate_json(body)
    delete(model, row)
    again = stored(model, model.create(**incoming.model_dump(exclude_unset=True)))
    for key in in_schema.model_fields:
        if key not in model._meta.columns and key not in model._meta.fields:
            continue  # `password`: stored as its digest, compared there
        if value_of(again, model, key) != value_of(row, model, key):
            problems.append(f"input {key}: {value_of(again, model, key)!r} != {value_of(row, model, key)!r}")
    return problems


def test_every_model_round_trips_through_its_schemas(every_db):
    models = sorted(powernode.registry.models_of(every_db.namespaces), key=lambda m: m._meta.rails_name)
    assert len(models) > 150  # 348 on PostgreSQL 18; 188 on 15, whose lack of pgvector leaves ai and its dependents out
    failures, partial = {}, []
    for model in models:
        with every_db.atomic() as transaction:
            try:
                problems = round_trip(model, every_db, partial)
            except Exception as error:  # one line per model, so one run names every failure
                problems = [f"{type(error).__name__}: {error}"]
            transaction.rollback()
        if problems:
            failures[model._meta.rails_name] = problems
    assert not failures, json.dumps(failures, indent=1, default=str)[:6000]
    assert len(partial) < len(models) // 10, partial  # nearly every row has every column set


def test_schema_types_limits_and_secrets():
    user = schemas.output(User).model_json_schema()["properties"]
    assert user["status"]["enum"] == ["active", "inactive", "suspended"]
    assert user["name"]["maxLength"] == 100                       # Length(maximum=100)
    assert user["email"]["type"] == "string" and "maxLength" not in user["email"]  # encrypted: limit is the envelope's
    assert user["locked_until"]["anyOf"][0]["format"] == "date-time"
    assert user["account_id"]["format"] == "uuid"
    for secret in ("password_digest", "reset_token_digest", "two_factor_secret", "email_verification_token",
                   "backup_codes"):
        assert secret not in user
        assert secret in schemas.output(User, secrets=True).model_fields
    assert "key_digest" not in schemas.output(ApiKey).model_fields
    assert "encrypted_credentials" not in schemas.output("Ai::ProviderCredential").model_fields

    invoice = schemas.output(Invoice).model_json_schema()["properties"]
    assert invoice["stripe_invoice_id"]["anyOf"][0]["maxLength"] == 100
    assert set(invoice["status"]["enum"]) == set(Invoice.status.choices.values)

    accepted = schemas.input(User)
    assert "id" not in accepted.model_fields and "created_at" not in accepted.model_fields
    with pytest.raises(pydantic.ValidationError) as refused:
        accepted.model_validate({"account_id": "0190b1c8-0000-7000-8000-000000000000", "email": "a@b.test",
                                 "password_digest": "x", "status": "actve", "name": "n" * 101})
    assert {e["loc"][0] for e in refused.value.errors()} == {"status", "name"}
    assert schemas.input(Agent).model_fields["name"].is_required()
    rating = schemas.output("Ai::AgentFeedback").model_json_schema()["properties"]["rating"]
    assert (rating["minimum"], rating["maximum"]) == (1, 5)     # validates :rating, inclusion: { in: 1..5 }


def test_an_input_schema_takes_a_password_for_its_digest(core_db):
    account = make(powernode.models["Account"])
    body = json.dumps({"account_id": str(account.id), "email": "ada@acme.test", "name": "Ada",
                       "password": "correct horse battery"})
    user = User.create(**schemas.input(User).model_validate_json(body).model_dump(exclude_unset=True))
    assert User.get_by_id(user.id).authenticate("correct horse battery")
    assert "password" not in schemas.output(User).model_fields


def test_schema_types_follow_the_columns():
    invoice = schemas.output(Invoice).model_fields
    assert invoice["subtotal_cents"].annotation is int
    assert invoice["created_at"].annotation is datetime.datetime
    assert invoice["currency"].annotation == Literal["USD", "EUR", "GBP"]
    with pytest.raises(pydantic.ValidationError) as refused:   # tax_rate is numeric(5,4): one digit before the point
        schemas.output(Invoice).model_validate({"tax_rate": decimal.Decimal("12.5")})
    assert [e["type"] for e in refused.value.errors() if e["loc"] == ("tax_rate",)] == ["decimal_whole_digits"]
    assert schemas.output(Invoice).model_fields["tax_rate"].annotation == Optional[decimal.Decimal]
    node = schemas.output("Ai::KnowledgeGraphNode").model_json_schema()["properties"]["embedding"]["anyOf"][0]
    assert node["items"]["type"] == "number" and node["minItems"] == node["maxItems"] == 1536


def test_every_column_type_has_its_python_type():
    from typed_models import Listing, Sample

    sample = {name: info.annotation for name, info in schemas.output(Sample).model_fields.items()}
    assert sample == {
        "id": uuid.UUID, "token": Optional[uuid.UUID], "code": Optional[str], "label": Optional[str],
        "body": Optional[str], "small": Optional[int], "big": Optional[int], "flag": Optional[bool],
        "ratio": Optional[float], "amount": Optional[decimal.Decimal], "day": Optional[datetime.date],
        "moment": Optional[datetime.time], "stamp": Optional[datetime.datetime], "address": Optional[str],
        "path": Optional[str], "words": Optional[str], "created_at": datetime.datetime}
    listing = schemas.output(Listing)
    assert listing.model_fields["names"].annotation == Optional[List[str]]
    assert listing.model_fields["counts"].annotation == Optional[List[int]]
    row = listing.model_validate({"id": uuid.uuid4(), "sample_id": None, "names": ["a"], "codes": None, "counts": [1],
                                  "document": {"a": [1]}, "settings": {}, "blob": memoryview(b"\xff\x00")})
    assert row.blob == b"\xff\x00"                                  # psycopg2's memoryview read as bytes
    assert listing.model_validate_json(row.model_dump_json()) == row  # bytea travels as base64
    with pytest.raises(pydantic.ValidationError):
        schemas.output(Sample).model_validate({"id": uuid.uuid4(), "created_at": datetime.datetime.now(),
                                               "code": "x" * 41})   # varchar(40)
