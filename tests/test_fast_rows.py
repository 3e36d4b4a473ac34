"""The fast read path (`powernode.fast_rows`) returns exactly what plain peewee returns, for every column type."""
import re

import peewee
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import powernode
from factory import make
from powernode import fast_rows, fields
from typed_models import Embedding, Listing, Sample, create_typed_tables, rows, value_strategy

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
GENERATED = ("Account", "User")


@pytest.fixture
def typed_core_db(server, core_rows):
    create_typed_tables(core_rows, with_vector=server.has_pgvector)
    return core_rows


def _typed_models(server):
    return [Sample, Listing] + ([Embedding] if server.has_pgvector else [])


def _free_columns(model):
    """Nullable columns no check, unique index or reference constrains: any value of their type fits."""
    checked = " ".join(check.expression for check in model._meta.check_specs)
    unique = {column for spec in model._meta.index_specs if spec.unique and not spec.expression
              for column in spec.columns}
    return [field.column_name for field in model._meta.sorted_fields
            if field.null and not field.primary_key and value_strategy(field) is not None
            and field.column_name not in unique and not re.search(rf"\b{field.column_name}\b", checked)
            and not _too_narrow_for_an_envelope(field)]


def _too_narrow_for_an_envelope(field):
    """`users.last_login_ip` is varchar(45) and encrypted: no envelope fits (docs/values.md), as on the platform."""
    return getattr(field, "encrypts", None) is not None and (getattr(field, "max_length", None) or 1000) < 200


def _state(instance):
    """Everything a read gives back: the class, each value with its type, and the change tracking."""
    data = {name: (type(value), value) for name, value in instance.__data__.items()}
    return type(instance), data, instance._dirty, instance.__rel__


def _read_both_ways(model):
    fast = model.select().order_by(model.id)
    fast_rows_read = list(fast)
    assert isinstance(fast._cursor_wrapper, fast_rows._InstanceWrapper)  # the fast path did the reading
    plain = peewee.ModelSelect(model, model._meta.sorted_fields, is_default=True).order_by(model.id)
    plain_rows_read = list(plain)
    assert not isinstance(plain._cursor_wrapper, fast_rows._InstanceWrapper)
    return fast_rows_read, plain_rows_read


def test_the_models_read_here_cover_every_column_type(server):
    types = {getattr(fields, name) for name in fields.__all__ if isinstance(getattr(fields, name), type)}
    if not server.has_pgvector:
        types.discard(fields.VectorField)  # pgvector only: the pg18 run covers it
    covered = {type(field) for model in _typed_models(server) for field in model._meta.sorted_fields}
    assert types <= covered, types - covered
    assert any(isinstance(field, peewee.ForeignKeyField) for field in Listing._meta.sorted_fields)


@FUZZ
@given(data=st.data())
def test_fast_path_returns_what_plain_peewee_returns(server, typed_core_db, data):
    db = typed_core_db
    with db.atomic() as transaction:
        samples = []
        for model in _typed_models(server):
            for row in data.draw(st.lists(rows(model), min_size=1, max_size=4), label=model.__name__):
                if model is Listing:
                    row["sample"] = data.draw(st.sampled_from(samples + [None]), label="sample")
                instance = model.create(**row)
                samples += [instance.id] if model is Sample else []
        for name in GENERATED:
            model = powernode.models[name]
            for row in data.draw(st.lists(rows(model, _free_columns(model)), min_size=1, max_size=3), label=name):
                make(model, **row)
        for model in _typed_models(server) + [powernode.models[name] for name in GENERATED]:
            fast, plain = _read_both_ways(model)
            assert len(fast) == len(plain) > 0
            assert [_state(instance) for instance in fast] == [_state(instance) for instance in plain]
        transaction.rollback()
