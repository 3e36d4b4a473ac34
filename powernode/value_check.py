"""`check`'s look at the data: encrypted and JSON-coded columns holding values the models cannot read.

For every column with a value layer (`encrypts=`, `serialize=`), a sample of its non-NULL
values is read as the model reads them, in a read-only transaction. What fails becomes a
note (never blocking: the schema still serves the models):

    unreadable_value    envelopes the configured keys do not open, or text that is not JSON
    unencrypted_value   clear text in an encrypted column (the platform reads it as it is,
                        but it is not protected): written before encryption, or by a writer
                        that skipped it

A note counts values; it never shows one.
"""
from collections import Counter
from dataclasses import dataclass
from typing import List

from .errors import DecryptionFailed, EncryptionNotConfigured, InvalidValue
from .schema_check import Shown

__all__ = ["value_notes", "ValueNote", "SAMPLE_ROWS"]


@dataclass(frozen=True)
class ValueNote(Shown):
    """A column whose sampled values the models cannot read as the platform wrote them; never blocking."""
    kind: str  # unreadable_value or unencrypted_value
    table: str
    column: str
    expected: str
    actual: str
    blocking: bool = False

SAMPLE_ROWS = 50


def value_notes(db, models, sample=SAMPLE_ROWS) -> List[ValueNote]:
    from .behaviour.encryption import is_envelope

    notes = []
    with db.atomic():
        db.execute_sql("SET TRANSACTION READ ONLY")
        for model in sorted(models, key=lambda m: m._meta.table_name):
            coded = [f for f in model._meta.sorted_fields if getattr(f, "convert_values", False)]
            if not coded or not db.table_exists(model._meta.table_name):
                continue
            present = {column.name for column in db.get_columns(model._meta.table_name)}
            for field in coded:
                if field.column_name in present:
                    notes += _sample(db, model, field, sample, is_envelope)
    return notes


def _sample(db, model, field, sample, is_envelope):
    table, column = model._meta.table_name, field.column_name
    values = [row[0] for row in db.execute_sql(
        f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL LIMIT %s', (sample,))]
    failures, clear = Counter(), 0
    for value in values:
        if field.encrypts is not None and not is_envelope(value):
            clear += 1
        try:
            field.python_value(value)
        except EncryptionNotConfigured:
            failures["are encrypted, and no key is configured (ACTIVE_RECORD_ENCRYPTION_*)"] += 1
        except DecryptionFailed:
            failures["do not decrypt with the configured keys"] += 1
        except InvalidValue:
            failures[f"are not {field.serialize!r}"] += 1
    notes = [ValueNote("unreadable_value", table, column, expected=_layers(field),
                        actual=f"{count} of {len(values)} sampled values {reason}")
             for reason, count in sorted(failures.items())]
    if clear:
        notes.append(ValueNote("unencrypted_value", table, column, expected="encrypted values",
                                actual=f"{clear} of {len(values)} sampled values are clear text"))
    return notes


def _layers(field) -> str:
    layers = [f"{field.serialize!r} text"] if field.serialize is not None else []
    if field.encrypts is not None:
        layers.append(f"{'deterministic ' if field.encrypts.deterministic else ''}encrypted")
    return ", ".join(layers)
