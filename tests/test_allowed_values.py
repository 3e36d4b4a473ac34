"""Enum-like columns: each field's `choices` are the values every restriction the platform puts on it accepts."""
import json
import re
from pathlib import Path

import peewee

import powernode
from factory import make
from powernode.behaviour.choices import Choices

ROOT = Path(__file__).resolve().parent.parent
BEHAVIOUR = json.loads((ROOT / "reference" / "powernode-behaviour.json").read_text())["models"]
SCHEMA = {t["table"]: t for t in json.loads((ROOT / "reference" / "powernode-schema.json").read_text())["tables"]}
# the tables designed here for the seed document's names carry their own checks
SCHEMA.update({t["table"]: t for t in json.loads((ROOT / "tools" / "catalog" / "seed_names.json").read_text())["tables"]})


def restrictions(model):
    """column -> [lists of allowed values], read from the catalogs for one model."""
    entry, table = BEHAVIOUR.get(model._meta.rails_name, {}), SCHEMA.get(model._meta.table_name)
    found = {}
    for check in (table or {}).get("checks", []):
        match = re.match(r"^(?:\w+ IS NULL OR )?\(?\(?(\w+)\)?(?:::text)? = ANY \(", check["expression"])
        if match:
            listed = re.findall(r"'([^']*)'", check["expression"]) or \
                [int(v) for v in re.findall(r"-?\d+", check["expression"].split("ARRAY[")[1])]
            found.setdefault(match.group(1), []).append(listed)
    columns = {c["name"]: c for c in (table or {}).get("columns", [])}
    for validator in entry.get("validators", []):
        allowed = validator["options"].get("in")
        if validator["kind"] == "inclusion" and isinstance(allowed, list):
            for attribute in validator["attributes"]:
                if attribute in columns and columns[attribute]["type"] != "boolean":
                    found.setdefault(attribute, []).append(allowed)
    for machine in (entry.get("aasm") or {}).values():
        found.setdefault(machine["column"], []).append([s["name"] for s in machine["states"]])
    enums = set(entry.get("enums") or {})
    return {column: lists for column, lists in found.items() if column not in enums}


def test_every_restricted_column_lists_exactly_what_all_its_restrictions_accept():
    with_choices = 0
    for model in powernode.registry.models_of(tuple(powernode.installed.names())):  # the optional ones' too
        restricted = restrictions(model)
        for field in model._meta.sorted_fields:
            lists = restricted.get(field.column_name)
            if not lists:
                assert not isinstance(field.choices, Choices), (model, field.name)
                continue
            accepted = [v for v in lists[0] if all(v in other for other in lists)]
            values = field.choices.values if field.choices else ()
            assert sorted(map(str, values)) == sorted(map(str, accepted)), (model, field.name)
            with_choices += bool(values)
    document = (ROOT / "docs" / "allowed-values.md").read_text()
    assert f"{with_choices} columns have choices" in document


def test_choices_are_peewees_pairs():
    status = powernode.models["Invoice"].status
    assert list(status.choices)[:2] == [("draft", "draft"), ("open", "open")]
    assert "paid" in status.choices and "bogus" not in status.choices


def enum_checks(model, column):
    table = SCHEMA.get(model._meta.table_name) or {"checks": []}
    return {c["name"] for c in table["checks"] if re.match(rf"^(?:\w+ IS NULL OR )?\(?\(?{column}\)?(?:::text)? = ANY",
                                                           c["expression"])}


def test_the_database_accepts_every_choice(every_rows):
    """No choice is refused by the column's own check (another, multi-column check may want more)."""
    written = elsewhere = 0
    for model in powernode.registry.models_of(every_rows.namespaces):
        restricted = [f for f in model._meta.sorted_fields if isinstance(f.choices, Choices)]
        if not restricted or not model._meta.primary_key:
            continue
        row = make(model)
        for field in restricted:
            own_checks = enum_checks(model, field.column_name)
            for value in field.choices.values:
                try:
                    with every_rows.atomic() as transaction:
                        model.update({field: value}).where(model.id == row.id).execute()
                        assert model.select(field).where(model.id == row.id).scalar() == value
                        transaction.rollback()
                    written += 1
                except peewee.IntegrityError as error:
                    assert error.constraint_name not in own_checks, (model, field.name, value)
                    elsewhere += 1
    assert written > 1000 and elsewhere < written / 50
