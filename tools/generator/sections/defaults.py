"""`attribute_defaults` and `create_defaults` in each model's `Behaviour`: what a new record is given.

From the catalog's `attributes` (`attribute :x, default:` declarations whose default
differs from the column's) and `create_defaults` (what the platform's callbacks set
before the insert: `Default` for a fixed value from a record built with only its
account, `FillNil` for one it fills in when given nil, `Generated` for values made per
record). What cannot be reproduced faithfully is left out and listed, with why, in
docs/validations-not-mirrored.md (`document_part`).
"""
import decimal
import json
import re

from .pysource import call_source

RUNTIME = "powernode.behaviour.defaults"

#: columns the model itself fills on every insert (UUIDv7 id, Rails timestamps)
MODEL_OWNS = {"id", "created_at", "updated_at"}
#: values that depend on what the table already holds (the catalog has an empty database's)
FROM_EXISTING_ROWS = {"sequence_number", "previous_hash"}
#: timestamps the platform sets ahead of now (an expiry, a deadline): the catalog gives no offset
_AHEAD = re.compile(r"(expires_at|ends_at|deadline|^next_)")
_SHAPE = re.compile(r"^(hex string|token string|string) \((\d+) chars\)$")


def contribute(parts, writer):
    entry = parts.behaviour
    if not entry.get("table_exists") or parts.table.get("designed"):
        return
    attribute_defaults, create_defaults, _ = plan(entry, parts.table)
    for name, declarations in (("attribute_defaults", attribute_defaults), ("create_defaults", create_defaults)):
        if not declarations:
            continue
        lines = [f"{name} = ["]
        for cls, args, options in declarations:
            parts.imports.add(RUNTIME, cls)
            lines += ["    " + line for line in (call_source(cls, args, options, parts.imports) + ",").split("\n")]
        parts.behaviour_lines += lines + ["]"]


def _value(value):
    if isinstance(value, dict) and set(value) == {"decimal"}:
        return decimal.Decimal(value["decimal"])
    return value


def _column_default(column):
    default = column.get("default")
    if isinstance(default, str) and column["sql_type"] in ("json", "jsonb"):
        try:
            return json.loads(default)
        except ValueError:
            return default
    return default


def plan(entry, table):
    """(attribute defaults, create defaults, [not applied]) for one model, as declarations."""
    columns = {c["name"]: c for c in table["columns"]}
    attribute_defaults, create_defaults, skipped = [], [], []
    declared = {}
    for name, attribute in sorted((entry.get("attributes") or {}).items()):
        if not attribute.get("column") or "default_value" not in attribute or name not in columns:
            continue
        value = _value(attribute["default_value"])
        if value != _column_default(columns[name]):
            attribute_defaults.append(("AttributeDefault", [name, value], {}))
            declared[name] = value
    defaults = entry.get("create_defaults") or {}
    fresh, nil = (defaults.get(section) or {} for section in ("attributes", "when_nil"))
    # both probes start this column at nil (no column default) and still end apart: other attributes decide it
    derived = {column for column, fact in fresh.items()
               if column in columns and columns[column].get("default") is None and column in nil
               and not fact.get("generated") and not nil[column].get("generated")
               and nil[column]["value"] != fact["value"]}
    generated = {}
    for section, cls in (("attributes", "Default"), ("when_nil", "FillNil")):
        for column, fact in sorted((defaults.get(section) or {}).items()):
            if fact.get("generated"):
                generated.setdefault(column, fact)
                continue
            value, on = _value(fact["value"]), fact["set_in"]
            why = _static_why(column, value, columns) or (
                "derived from other attributes: both probes start it at nil and end with different values"
                if column in derived else None)
            if why:
                skipped.append((section, column, json.dumps(fact["value"]), why))
            elif not (on == "initialize" and declared.get(column) == value):
                create_defaults.append((cls, [column, value], {} if on == "validation" else {"on": on}))
    for column, fact in sorted(generated.items()):
        if column in MODEL_OWNS:
            continue
        kind, length, why = _generated_kind(column, fact["example_type"], columns)
        if why:
            skipped.append(("generated", column, fact["example_type"], why))
            continue
        args = [column, kind] + ([length] if length else [])
        create_defaults.append(("Generated", args, {} if fact["set_in"] == "validation" else {"on": fact["set_in"]}))
    return attribute_defaults, create_defaults, skipped


def _static_why(column, value, columns):
    if column not in columns:
        return "no such column in the table"
    if value == "":
        return ("an empty string the platform derives from another attribute the probe left nil (a slug from "
                "the name): not a fixed default")
    if column in FROM_EXISTING_ROWS:
        return "depends on the rows the table already holds (the catalog has an empty table's value)"
    return None


def _generated_kind(column, example, columns):
    if column not in columns:
        return None, None, "no such column in the table"
    if example in ("uuid", "date"):
        return example, None, None
    if example == "timestamp":
        if _AHEAD.search(column):
            return None, None, ("a time the platform sets ahead of now (an expiry or deadline); the catalog "
                                "does not give the offset")
        return "timestamp", None, None
    shape = _SHAPE.match(example)
    if shape and shape.group(1) == "hex string":
        return "hex", int(shape.group(2)), None
    if shape and shape.group(1) == "token string":
        return "token", int(shape.group(2)), None
    if shape:
        return None, None, (f"a {example} the catalog does not describe further (a digest, a colour, a prefixed "
                            "secret): a random string of that length would not be the platform's kind of value")
    return None, None, f"a generated {example} built from other data by platform code"


def document_part(catalog, by_model):
    """The create-defaults part of docs/validations-not-mirrored.md."""
    counts = {"attributes": [0, 0], "when_nil": [0, 0], "generated": [0, 0]}
    skipped_rows, error_rows = [], []
    for name in sorted(catalog._behaviour):
        entry = catalog._behaviour[name]
        defaults = entry.get("create_defaults") or {}
        writer = by_model.get(name)
        for section in ("attributes", "when_nil"):
            for column, fact in (defaults.get(section) or {}).items():
                key = "generated" if fact.get("generated") else section
                counts[key][0] += 1
        for phase in ("error", "when_nil_error"):
            if phase in defaults:
                error = defaults[phase]
                error_rows.append(f"| {name} | {'only its account' if phase == 'error' else 'every column nil'} | "
                                  f"{error['phase']} | `{error['error']}` |")
        if not defaults or writer is None or writer.t.get("designed") or not entry.get("table_exists"):
            continue
        _, _, skipped = plan(entry, writer.t)
        for section, column, value, why in skipped:
            skipped_rows.append(f"| {name} | {section} | {column} | `{value[:60]}` | {why} |")
        for section in ("attributes", "when_nil"):
            for column, fact in (defaults.get(section) or {}).items():
                key = "generated" if fact.get("generated") else section
                missed = any(s == (key if key != "generated" else "generated") and c == column
                             for s, c, _, _ in skipped)
                counts[key][1] += 0 if missed else 1
    lines = ["## Create defaults", "",
             "| entries of `create_defaults` | in the catalog | applied |", "|---|---|---|"]
    labels = {"attributes": "fixed values (`attributes`)", "when_nil": "fill-if-nil values (`when_nil`)",
              "generated": "generated values (both probes; `id`, `created_at`, `updated_at` by the model itself)"}
    for key, label in labels.items():
        lines.append(f"| {label} | {counts[key][0]} | {counts[key][1]} |")
    lines += ["", "### Not applied", "", "| model | entry | column | value or kind | why |", "|---|---|---|---|---|",
              *skipped_rows, "", "### Probes that raised in the platform", "",
              "Platform code raised while the catalog's probe built the record; the values listed for these models "
              "are those set before it raised, and are applied as they are.", "",
              "| model | probe | step | error |", "|---|---|---|---|", *error_rows]
    return lines
