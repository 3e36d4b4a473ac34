"""Tokens, digests, credentials and webhook secrets never show in repr(), error messages or logs."""
import logging
import re
import traceback

import pytest

import powernode
from factory import make
from platform_schema import platform_tables

SECRET = re.compile(r"token|digest|secret|password|credential|encrypted|private_key|api_key|signing|otp|backup_code")
NOT_SECRET = re.compile(r"_(type|types|status|count|mode|method|algorithm|version|strategy|provider|name)$")
TEXT_TYPES = ("character varying", "text", "jsonb", "json", "bytea")


def secret_columns(namespaces):
    found = []
    for table in platform_tables(namespaces):
        for column in table["columns"]:
            name = column["name"]
            if SECRET.search(name) and not NOT_SECRET.search(name) and column["sql_type"].startswith(TEXT_TYPES):
                found.append((table["table"], column["name"], column["sql_type"]))
    return found


@pytest.fixture
def db(every_rows):
    return every_rows


def test_secret_columns_stay_out_of_repr_errors_and_logs(db, caplog):
    columns = secret_columns(db.namespaces)
    assert len(columns) > 40, columns
    by_table = {m._meta.table_name: m for m in powernode.registry.models_of(db.namespaces)}
    caplog.set_level(logging.DEBUG, logger="peewee")
    for number, (table, column, sql_type) in enumerate(columns):
        model = by_table[table]
        field = model._meta.columns[column]
        length = min(getattr(field, "max_length", None) or 48, 48)  # long enough for length checks
        marker = f"SEC{number:03d}".ljust(length, "x")
        value = {"key": marker} if sql_type.startswith("json") else marker.encode() if sql_type == "bytea" else marker
        with db.atomic() as transaction:
            row = make(model, **{field.name: value})
            assert marker not in repr(row) and marker not in str(row)
            transaction.rollback()
        # make the database refuse a row that carries the secret: its DETAIL would quote the row
        required = next(f for f in model._meta.sorted_fields
                        if not f.null and not f.primary_key and f.name != field.name)
        with pytest.raises(Exception) as failure:
            with db.atomic():
                model.insert(**{field.name: value, required.name: None}).execute()
        text = "".join(traceback.format_exception(failure.value))
        assert marker not in text, (table, column, text)
    assert not any(re.search(r"SEC\d{3}x", record.getMessage()) for record in caplog.records)
