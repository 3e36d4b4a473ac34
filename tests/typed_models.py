"""Test models with a column of every type the package has, and hypothesis strategies for their values.

`Sample` holds one column per scalar type, `Listing` the collections (arrays
of several element types, JSON, binary) and a reference to a sample, `Embedding`
a pgvector column (servers with pgvector only). Their tables are created from
the models' own DDL, as a plugin's migration would.
"""
import decimal
import string

import peewee
from hypothesis import strategies as st

from powernode import PowernodeModel, Reference
from powernode.ddl import foreign_keys, table_statements
from powernode.fields import (ArrayField, BigIntegerField, BinaryField, BooleanField, DateField, DecimalField,
                              DoubleField, InetField, IntegerField, JSONBField, JSONField, LtreeField, StringField,
                              TextField, TimeField, TimestampField, TSVectorField, UUIDField, VectorField, utcnow)
from powernode.schema_ops import add_foreign_keys, execute


class Sample(PowernodeModel):
    token = UUIDField(null=True)
    code = StringField(40, null=True)
    label = StringField(null=True)
    body = TextField(null=True)
    small = IntegerField(null=True)
    big = BigIntegerField(null=True)
    flag = BooleanField(null=True)
    ratio = DoubleField(null=True)
    amount = DecimalField(max_digits=12, decimal_places=4, null=True)
    day = DateField(null=True)
    moment = TimeField(null=True)
    stamp = TimestampField(precision=6, null=True)
    address = InetField(null=True)
    path = LtreeField(null=True)
    words = TSVectorField(null=True)
    created_at = TimestampField(precision=6, default=utcnow)

    class Meta:
        table_name = "typed_samples"
        rails_name = "Typed::Sample"


class Listing(PowernodeModel):
    sample = Reference("Typed::Sample", column_name="sample_id", null=True, on_delete="cascade")
    names = ArrayField(TextField, null=True)
    codes = ArrayField(StringField, null=True)
    counts = ArrayField(IntegerField, null=True)
    document = JSONField(null=True)
    settings = JSONBField(default=dict)
    blob = BinaryField(null=True)

    class Meta:
        table_name = "typed_listings"
        rails_name = "Typed::Listing"


class Embedding(PowernodeModel):
    vector = VectorField(dimensions=3, null=True)

    class Meta:
        table_name = "typed_embeddings"
        rails_name = "Typed::Embedding"


# What registering the models in a namespace would do: the reference becomes a foreign key to Sample.
Listing._meta.fields["sample"].resolve(Sample)


def create_typed_tables(db, with_vector):
    """Create the test models' tables in `db` and bind the models to it."""
    models = [Sample, Listing] + ([Embedding] if with_vector else [])
    execute(db, "CREATE EXTENSION IF NOT EXISTS ltree")
    if with_vector:
        execute(db, "CREATE EXTENSION IF NOT EXISTS vector")
    for model in models:
        model.bind(db)
        for statement in table_statements(db, model):
            execute(db, statement)
    add_foreign_keys(db, [key for model in models for key in foreign_keys(model)])
    return models


# What COPY's text format, array literals and JSON give a meaning to, and what PostgreSQL normalises.
SPECIAL = ["\t", "\n", "\r", "\\", "\\N", "N", '"', "'", ",", "{", "}", "[", "]", " ", "NULL", "é", "\U0001F600"]
# Values PostgreSQL text can hold: any character but NUL (and lone surrogates, which are not UTF-8).
texts = (st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
         | st.lists(st.sampled_from(SPECIAL), max_size=8).map("".join))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 53, 2 ** 53) | texts | st.floats(-1e9, 1e9),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12)
_labels = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=8)
_int32 = st.integers(-2 ** 31, 2 ** 31 - 1)
_ELEMENTS = {"TEXT": texts, "VARCHAR": texts, "INT": _int32}


def value_strategy(field):
    """Values a column of `field`'s type holds; None for a foreign key (its value is another row's id)."""
    if isinstance(field, peewee.ForeignKeyField):
        return None
    if isinstance(field, VectorField):
        return st.lists(st.floats(-1e6, 1e6, width=32), min_size=field.dimensions, max_size=field.dimensions)
    if isinstance(field, ArrayField):
        return st.lists(_ELEMENTS[field.field_type] | st.none(), max_size=5)
    if isinstance(field, JSONBField):
        return st.dictionaries(texts, json_values, max_size=4)
    if isinstance(field, JSONField):
        return json_values
    if isinstance(field, TSVectorField):  # a TextField too: tested first
        return st.lists(st.text(string.ascii_lowercase, min_size=1, max_size=8), max_size=5).map(" ".join)
    if isinstance(field, peewee.CharField | peewee.TextField):
        return texts.map(lambda text: text[:field.max_length]) if getattr(field, "max_length", None) else texts
    if isinstance(field, peewee.DecimalField):
        bound = decimal.Decimal(10) ** (field.max_digits - field.decimal_places) - 1
        return st.decimals(-bound, bound, places=field.decimal_places, allow_nan=False, allow_infinity=False)
    strategies = [
        (peewee.UUIDField, st.uuids()), (peewee.BooleanField, st.booleans()),
        (peewee.BigIntegerField, st.integers(-2 ** 63, 2 ** 63 - 1)), (peewee.IntegerField, _int32),
        (peewee.DoubleField, st.floats(allow_nan=False)), (peewee.DateTimeField, st.datetimes()),
        (peewee.DateField, st.dates()), (peewee.TimeField, st.times()),
        (InetField, st.ip_addresses().map(str)), (LtreeField, st.lists(_labels, min_size=1, max_size=4).map(".".join)),
        (BinaryField, st.binary(max_size=40)),
    ]
    return next((strategy for kind, strategy in strategies if isinstance(field, kind)), None)


def rows(model, columns=None):
    """Rows (dicts) for `model`: each of `columns` (default: all) absent, drawn, or None where NULL is allowed."""
    fields = [model._meta.columns[name] for name in columns] if columns else model._meta.sorted_fields
    drawn = {field: value_strategy(field) for field in fields if not field.primary_key}
    return st.fixed_dictionaries({}, optional={field.name: (strategy | st.none()) if field.null else strategy
                                               for field, strategy in drawn.items() if strategy is not None})
