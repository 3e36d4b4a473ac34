"""docs/values.md is the reviewed list: it names every credential table, encrypted-looking column,
unmirrored catalog entry and off-schema vector, and agrees with the generator's credential list."""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.generator.sections.values import CREDENTIAL_PAYLOADS  # noqa: E402

DOC = (ROOT / "docs" / "values.md").read_text()
SCHEMA = json.loads((ROOT / "reference" / "powernode-schema.json").read_text())
CATALOG = json.loads((ROOT / "reference" / "powernode-behaviour.json").read_text())["models"]
CORE_TABLES = [t for t in SCHEMA["tables"] if not t["extension"]]


def section(title):
    return DOC.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_every_credential_table_is_listed_with_its_decision():
    listed = section("Credential payloads")
    tables = {t["table"] for t in CORE_TABLES
              if {c["name"] for c in t["columns"]} & {"encrypted_credentials", "encrypted_tls_credentials",
                                                      "encryption_key_id"}}
    assert len(tables) == 5
    for table in tables:
        assert f"| `{table}` |" in listed, table
    for model, (_evidence, declarations) in CREDENTIAL_PAYLOADS.items():
        row = next(line for line in listed.splitlines() if f"`{model}`" in line)
        assert all(f"namespace `{namespace}`" in row for _, _, _, namespace in declarations), row


def test_every_encrypted_looking_column_is_explained():
    listed = section("Other encrypted-looking columns") + section("Credential payloads")
    for table in CORE_TABLES:
        for column in table["columns"]:
            name = column["name"]
            if "encrypt" in name and name not in ("encrypted_credentials", "encrypted_tls_credentials",
                                                  "encryption_key_id"):
                assert f"`{table['table']}.{name}`" in listed, (table["table"], name)


def test_every_unmirrored_serialized_attribute_is_listed():
    listed = section("Catalog entries that cannot be mirrored")
    columns = {t["model"]: {c["name"] for c in t["columns"]} for t in CORE_TABLES}
    for model, entry in CATALOG.items():
        serialized = entry.get("serialized_attributes") or {}
        if "section_error" in serialized:
            assert f"`{model}`" in listed, model
            continue
        for attribute in serialized:
            if attribute not in columns.get(model, ()):
                assert f"`{model}.{attribute}`" in listed, (model, attribute)


def test_the_off_schema_vectors_are_the_documented_ones():
    from test_values_vectors import OFF_SCHEMA

    listed = section("Vectors not carried by a model on the platform's schema")
    assert set(re.findall(r"`(public-\d+)`", listed)) == OFF_SCHEMA
