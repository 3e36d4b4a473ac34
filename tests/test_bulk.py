"""`bulk_load`: what goes in through COPY comes back equal, and a bad row is named with nothing loaded."""
import array
import ipaddress

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import powernode
from powernode.bulk import BulkLoadError, bulk_load
from powernode.schema_ops import install_uuidv7
from powernode.uuid7 import new_uuid7
from typed_models import Embedding, Listing, Sample, create_typed_tables, rows
from powernode.fields import BinaryField, InetField, TSVectorField, VectorField

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def typed_db(server, database_url):
    db = powernode.connect(database_url, namespaces=[])
    install_uuidv7(db)
    create_typed_tables(db, with_vector=server.has_pgvector)
    yield db
    db.close()


def _load_and_read(db, model, sent):
    """bulk_load `sent` (ids made here, in order), read the rows back in that order, then roll back."""
    sent = [{"id": new_uuid7(), **row} for row in sent]
    with db.atomic() as transaction:
        assert bulk_load(model, sent, db=db) == len(sent)
        stored = list(model.select().order_by(model.id))
        normal = {row["id"]: _normalised(db, model, row) for row in sent}
        transaction.rollback()
    return [normal[row["id"]] for row in sent], stored


def _normalised(db, model, row):
    """What PostgreSQL gives back for `row`'s values where it stores a canonical form."""
    result = {}
    for name, value in row.items():
        field = model._meta.combined[name]
        if value is not None and isinstance(field, TSVectorField):
            value = db.execute_sql("SELECT %s::tsvector::text", (value,)).fetchone()[0]
        elif value is not None and isinstance(field, InetField):
            value = ipaddress.ip_address(value)
        elif value is not None and isinstance(field, VectorField):
            value = array.array("f", value)  # single precision: the value pgvector stores
        result[field.name] = value
    return result


def _stored(model, instance, name):
    value = getattr(instance, name)
    field = model._meta.fields[name]
    if value is not None and isinstance(field, InetField):
        return ipaddress.ip_address(value)
    if value is not None and isinstance(field, BinaryField):
        return bytes(value)
    if value is not None and isinstance(field, VectorField):  # read back as text: shortest single-precision digits
        return array.array("f", value)
    return value


def _assert_round_trip(db, model, sent):
    expected, stored = _load_and_read(db, model, sent)
    assert len(stored) == len(expected)
    for want, got in zip(expected, stored):
        assert {name: _stored(model, got, name) for name in want} == want


def _same_columns(strategy):
    """Rows that all carry the first row's columns (bulk_load takes its columns from the first row)."""
    return st.lists(strategy, min_size=1, max_size=5).map(
        lambda drawn: [{key: row.get(key, drawn[0][key]) for key in drawn[0]} for row in drawn])


@FUZZ
@given(sent=_same_columns(rows(Sample)))
@example(sent=[{"body": "tab\there", "label": "new\nline", "code": "carriage\rreturn"},
               {"body": "back\\slash", "label": "\\N", "code": "\\\\N"},
               {"body": "\\", "label": "N", "code": "NULL"}])
def test_every_scalar_type_comes_back_as_it_went_in(typed_db, sent):
    _assert_round_trip(typed_db, Sample, sent)


@FUZZ
@given(sent=_same_columns(rows(Listing, ["names", "codes", "counts", "document", "settings", "blob"])))
@example(sent=[{"names": ['say "hi"', "a,b", "back\\slash", None, "NULL", "", "{x}", " pad ", "\\N", "tab\t"],
                "codes": ["\n", "\r\n"], "counts": [1, None, -3],
                "document": {"quote": '"', "backslash": "\\", "tab": "\t", "list": [1, None, "\\N"]},
                "settings": {"nested": {"a": [1.5, True, None]}}, "blob": b"\x00\\\t\n"}])
def test_arrays_json_and_binary_come_back_as_they_went_in(typed_db, sent):
    _assert_round_trip(typed_db, Listing, sent)


@FUZZ
@given(sent=_same_columns(rows(Embedding)))
def test_vectors_come_back_as_they_went_in(typed_db, vector_namespaces_ok, sent):
    _assert_round_trip(typed_db, Embedding, sent)


def _refused(db, model, sent):
    model.insert(id=new_uuid7()).execute()  # a row already there stays
    with pytest.raises(BulkLoadError) as refused:
        bulk_load(model, sent, db=db)
    assert model.select().count() == 1  # nothing of the load
    message = str(refused.value)
    assert "\n" not in message and message.endswith("; nothing was loaded")
    return message


@pytest.mark.parametrize("model, column, value", [
    (Sample, "body", "before\x00after"),
    (Sample, "code", "\x00"),
    (Listing, "names", ["fine", "not\x00fine"]),
])
def test_nul_is_refused_naming_the_row_and_column(typed_db, model, column, value):
    sent = [{column: None}, {column: None}, {column: value}, {column: None}]
    message = _refused(typed_db, model, sent)
    assert message == (f"{model._meta.table_name}: row 2, column {column}: cannot hold a NUL character (\\x00); "
                       "nothing was loaded")


@pytest.mark.parametrize("model, sent, where, reason", [
    (Sample, [{"code": "ok"}] * 3 + [{"code": "x" * 41}], "row 3, column code",
     "value too long for type character varying(40)"),
    (Sample, [{"token": None}, {"token": "not-a-uuid-but-a-secret"}], "row 1, column token",
     "invalid input syntax for type uuid (value withheld)"),
    (Sample, [{"small": 1}, {"small": 2 ** 40}], "row 1, column small", "value (withheld) is out of range for type integer"),
    (Listing, [{"settings": {}}, {"settings": {}}, {"settings": None}], "row 2",
     'null value in column "settings" of relation "typed_listings" violates not-null constraint'),
    (Listing, [{"settings": {}}, {"settings": {"key": "\x00"}}], "row 1, column settings",
     "unsupported Unicode escape sequence"),
])
def test_a_row_the_database_refuses_is_named_without_its_value(typed_db, model, sent, where, reason):
    message = _refused(typed_db, model, sent)
    assert message == f"{model._meta.table_name}: {where}: {reason}; nothing was loaded"
    assert "secret" not in message and str(2 ** 40) not in message


@pytest.mark.parametrize("sent, where, reason", [
    ([{"code": "a"}, {"code": "b"}, {"code": "c", "body": "late"}], "row 2",
     "has 'body', which the first row lacks: give the first row every column the load uses"),
    ([{"code": "a"}, ("not", "a", "dict")], "row 1", "Sample rows must be dicts or model instances, not tuple"),
    ([{"code": "a"}, {"code": "b\x00"}], "row 1, column code", "cannot hold a NUL character (\\x00)"),
])
def test_a_row_python_refuses_is_named_and_nothing_is_loaded(typed_db, sent, where, reason):
    assert _refused(typed_db, Sample, sent) == f"typed_samples: {where}: {reason}; nothing was loaded"


def test_a_vector_of_the_wrong_size_is_named(typed_db, vector_namespaces_ok):
    message = _refused(typed_db, Embedding, [{"vector": [1, 2, 3]}, {"vector": [1, 2]}])
    assert message == ("typed_embeddings: row 1, column vector: Embedding.vector expects a vector of 3 dimensions, "
                       "got 2; nothing was loaded")
