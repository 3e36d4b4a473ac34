"""`validations = [...]` in each model's `Behaviour`: the platform's validators, declared like `validates` lines.

Reads each model's `validators` in reference/powernode-behaviour.json and writes one
declaration per kind and option set (`Presence("name", "status")`), in the order
Rails models usually read: required belongs_to first, then presence, length,
inclusion, numericality, format, uniqueness and the rest. A validator that cannot be
mirrored faithfully (its condition or list is platform code, a kind whose rules live
in configuration the catalog lacks) is left out, named in a comment, and listed with
why in docs/validations-not-mirrored.md, which `files()` writes from the same plan.
"""
import json
import re

from powernode.behaviour.ruby_regex import URI_REGEXP_BODY, UntranslatableRegex, translate

from .pysource import Raw, call_source, regex_source, value_source

RUNTIME = "powernode.behaviour.validations"
DOCUMENT = "docs/validations-not-mirrored.md"

ORDER = ["Required", "Presence", "Length", "Inclusion", "Numericality", "Format", "Uniqueness", "Comparison",
         "Confirmation", "Money"]
KNOWN_CONDITIONS = {"has_created_at?", "has_updated_at?"}
REQUIRED_BELONGS_TO = "belongs_to.rb:130"
_URI = re.compile(r"^\(\?=\(\?-mix:([a-z|]+)\):\)")


def contribute(parts, writer):
    entry = parts.behaviour
    if not entry.get("table_exists") or parts.table.get("designed"):
        return
    declarations, skipped = plan(entry, parts.attributes)
    if not declarations and not skipped:
        return
    lines = ["validations = ["]
    for name, attributes, options in declarations:
        parts.imports.add(RUNTIME, name)
        if any(isinstance(v, Raw) and "RubyRange" in v.source for v in options.values()):
            parts.imports.add(RUNTIME, "RubyRange")
        if any(isinstance(v, Raw) and "uri_regexp" in v.source for v in options.values()):
            parts.imports.add("powernode.behaviour.ruby_regex", "uri_regexp")
        source = call_source(name, attributes, options, parts.imports, indent=12)
        lines += _indented(source + ",")
    for item in skipped:
        lines.append(f"    # not mirrored: {item['kind']} {', '.join(item['attributes'])} ({item['short']})")
    lines.append("]")
    parts.behaviour_lines += lines


def _indented(source):
    """The call's lines inside the list, leaving the inside of a triple-quoted regex as it is."""
    out, in_string = [], False
    for line in source.split("\n"):
        out.append(line if in_string else "    " + line)
        if line.count('"""') % 2:
            in_string = not in_string
    return out


def plan(entry, attributes):
    """([(class, attributes, options)], [not mirrored item]) for one model's catalog entry.

    attributes: the table's column -> attribute names in the generated class.
    """
    by_declaration, skipped = {}, []
    associations = {a["name"]: a for a in entry.get("associations", [])}
    columns = set(attributes)
    python_names = {attributes[c]: c for c in columns}
    for validator in entry.get("validators", []):
        try:
            name, options = _declaration(validator, entry, associations, columns, python_names)
        except NotMirrored as reason:
            skipped.append({"kind": validator["kind"], "attributes": validator["attributes"],
                            "options": _options_text(validator["options"]), "why": reason.why,
                            "short": reason.short})
            continue
        key = (name, json.dumps({k: getattr(v, "source", v) for k, v in options.items()}, sort_keys=True,
                                default=str))
        by_declaration.setdefault(key, (name, [], options))[1].extend(
            a for a in validator["attributes"] if a not in by_declaration.get(key, (None, []))[1])
    declarations = sorted(by_declaration.values(), key=lambda d: ORDER.index(d[0]))
    return declarations, skipped


class NotMirrored(Exception):
    def __init__(self, short, why):
        super().__init__(why)
        self.short, self.why = short, why


def _declaration(validator, entry, associations, columns, python_names):
    kind, options = validator["kind"], dict(validator["options"])
    out = {}
    conditions = _conditions(options, kind)
    name = _KINDS.get(kind)
    if name is None:
        raise NotMirrored(f"{kind} validator", _UNSUPPORTED_KINDS[kind])
    required = options.get("message") == {"symbol": "required"}
    if required:
        options.pop("message")
        name = "Required"
        for attribute in validator["attributes"]:
            association = associations.get(attribute, {})
            if association.get("polymorphic"):
                raise NotMirrored("polymorphic belongs_to", "a polymorphic belongs_to: its target class is "
                                  "stored in a column, and the package models such columns as plain uuids "
                                  "(the NOT NULL column, where there is one, still refuses a missing key)")
    for attribute in validator["attributes"]:
        if kind == "confirmation":
            continue  # a virtual attribute (`password`), read from the record
        if attribute not in columns and attribute not in python_names:
            if kind == "money" or conditions.get("if_") == f"has_{attribute}?":
                continue  # money reads its cents column; a timestamp check is off where there is no column
            if attribute in associations:
                raise NotMirrored("belongs_to not a reference here", f"belongs_to `{attribute}` has no reference "
                                  "column here (it joins on another key than `id`, or its column is not in the "
                                  "schema), so whether its row exists cannot be asked the same way")
            raise NotMirrored("no such column here", f"`{attribute}` is not a column of the table as the "
                              "platform's schema has it")
    message = options.pop("message", None)
    if isinstance(message, dict):
        raise NotMirrored("symbolic message", f"message {message} is an I18n key the catalog does not resolve")
    common = {option: True for option in ("allow_nil", "allow_blank") if options.pop(option, None)}
    if "on" in options:
        on = options.pop("on")
        common["on"] = on["symbol"] if isinstance(on, dict) else [o["symbol"] for o in on]
    out.update(_KIND_OPTIONS[kind](options, validator, entry))
    out.update(common)
    out.update(conditions)
    if message is not None:
        out["message"] = message
    return name, out


def _conditions(options, kind):
    out = {}
    for option, keyword in (("if", "if_"), ("unless", "unless")):
        names = []
        for condition in options.pop(option, []):
            if isinstance(condition, dict) and REQUIRED_BELONGS_TO in condition.get("proc", ""):
                continue  # Required carries Rails' own condition
            if isinstance(condition, str) and condition in KNOWN_CONDITIONS:
                names.append(condition)
                continue
            where = condition if isinstance(condition, str) else condition.get("proc")
            raise NotMirrored(f"{option}: {where}", f"its `{option}:` condition is "
                              + (f"the platform method `{where}`" if isinstance(condition, str)
                                 else f"a block at `{where}`")
                              + ", code the catalog names but does not carry; running the validator without "
                                "it would refuse records the platform accepts")
        if names:
            out[keyword] = names[0] if len(names) == 1 else names
    return out


def _range(value):
    first, last = value["range"]
    end = ", exclude_end=True" if value.get("exclude_end") else ""
    return Raw(f"RubyRange({value_source(first)}, {value_source(last)}{end})")


def _inclusion(options, validator, entry):
    values = options.pop("in")
    if isinstance(values, dict) and "range" in values:
        return {"in_": _range(values)}
    if isinstance(values, dict):
        raise NotMirrored(f"in: {values.get('proc')}", f"its list is computed by platform code at "
                          f"`{values.get('proc')}`, which the catalog does not carry")
    return {"in_": [v["symbol"] if isinstance(v, dict) else v for v in values]}


def _numericality(options, validator, entry):
    out = {}
    for option in ("only_integer", "greater_than", "greater_than_or_equal_to", "equal_to", "less_than",
                   "less_than_or_equal_to", "other_than"):
        if option in options:
            out[option] = options.pop(option)
    if "in" in options:
        out["in_"] = _range(options.pop("in"))
    return out


def _length(options, validator, entry):
    return {("is_" if k == "is" else k): options.pop(k) for k in ("minimum", "maximum", "is") if k in options}


def _format(options, validator, entry):
    regexp = options.pop("with")
    source, flags = regexp["regexp"], regexp["flags"]
    uri = _URI.match(source)
    if uri and flags == "x" and source[uri.end():] == URI_REGEXP_BODY:
        schemes = ", ".join(value_source(s) for s in uri.group(1).split("|"))
        return {"with_": Raw(f"uri_regexp({schemes})")}
    try:
        return {"with_": Raw(regex_source(translate(source, flags)))}
    except UntranslatableRegex as error:
        raise NotMirrored("untranslatable regex", f"its regex uses {error}, which Python's `re` cannot express "
                          "faithfully") from None


def _uniqueness(options, validator, entry):
    out = {}
    scope = options.pop("scope", None)
    if scope:
        out["scope"] = [s["symbol"] for s in (scope if isinstance(scope, list) else [scope])]
    if "case_sensitive" in options:
        out["case_sensitive"] = options.pop("case_sensitive")
    if "conditions" in options:
        options.pop("conditions")
        sql = validator.get("conditions_sql", "")
        where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else None
        if where is None:
            raise NotMirrored("conditions", "its `conditions:` scope has no SQL in the catalog")
        out["conditions"] = re.sub(r'"\w+"\."(\w+)"', r"\1", where)
    return out


def _comparison(options, validator, entry):
    return {k: (v["symbol"] if isinstance(v, dict) else v) for k, v in options.items()
            if k in ("greater_than", "greater_than_or_equal_to", "equal_to", "less_than",
                     "less_than_or_equal_to", "other_than")}


def _confirmation(options, validator, entry):
    return {"case_sensitive": options.pop("case_sensitive", True)}


def _money(options, validator, entry):
    attribute = validator["attributes"][0]
    money = (entry.get("monetized") or {}).get(attribute)
    if not money:
        raise NotMirrored("money", "no `monetize` declaration names its cents column")
    return {"cents": money["subunit_column"]}


_KINDS = {"presence": "Presence", "inclusion": "Inclusion", "numericality": "Numericality", "length": "Length",
          "format": "Format", "uniqueness": "Uniqueness", "comparison": "Comparison",
          "confirmation": "Confirmation", "money": "Money"}
_KIND_OPTIONS = {"presence": lambda o, v, e: {}, "inclusion": _inclusion, "numericality": _numericality,
                 "length": _length, "format": _format, "uniqueness": _uniqueness, "comparison": _comparison,
                 "confirmation": _confirmation, "money": _money}
_UNSUPPORTED_KINDS = {
    "redirect_uri": "Doorkeeper's redirect-URI validator: what it allows (HTTPS only, blank, `urn:ietf:wg:oauth:"
                    "2.0:oob`, custom schemes) is the platform's Doorkeeper configuration, which the catalog "
                    "does not carry, and its messages are Doorkeeper's locale",
}


def _options_text(options):
    return json.dumps(options, sort_keys=True)[:160]


# -- the document --------------------------------------------------------------------------

def files(catalog, writers):
    """{path: text} of the reviewed document, from the same plan the models are written with."""
    from . import defaults

    by_model = {writer.t["model"]: writer for writer in writers}
    return {DOCUMENT: document(catalog, by_model, defaults.document_part(catalog, by_model))}


def _model_plan(catalog, by_model, name, entry):
    writer = by_model.get(name)
    if not entry.get("table_exists") or writer is None or writer.t.get("designed"):
        why = ("the platform has no table for this model; the table of that name here is designed for the seed "
               "document, with other columns" if writer is not None else "the platform has no table for this model")
        return [], [{"kind": v["kind"], "attributes": v["attributes"], "options": _options_text(v["options"]),
                     "why": why, "short": "no table"} for v in entry.get("validators", [])]
    return plan(entry, writer.attribute_names())


def document(catalog, by_model, defaults_part):
    behaviour = catalog._behaviour
    totals, mirrored, rows = {}, {}, []
    for name in sorted(behaviour):
        entry = behaviour[name]
        declarations, skipped = _model_plan(catalog, by_model, name, entry)
        for validator in entry.get("validators", []):
            totals[validator["kind"]] = totals.get(validator["kind"], 0) + 1
        for item in skipped:
            rows.append((name, item))
        for kind in entry.get("validators", []):
            mirrored[kind["kind"]] = mirrored.get(kind["kind"], 0) + 1
        for item in skipped:
            mirrored[item["kind"]] -= 1
    lines = [
        "# Validators and create defaults not mirrored",
        "",
        "Generated by `python tools/generate.py` from `reference/powernode-behaviour.json` (the validations and",
        "defaults sections); `tests/test_validations.py` holds this file to what the catalog says. Everything",
        "the platform's models validate declaratively is mirrored in the generated models' `Behaviour` except",
        "what is listed here, each with why.",
        "",
        "## Validators",
        "",
        "| kind | in the catalog | mirrored | not mirrored |",
        "|---|---|---|---|",
    ]
    for kind in sorted(totals, key=lambda k: -totals[k]):
        lines.append(f"| {kind} | {totals[kind]} | {mirrored[kind]} | {totals[kind] - mirrored[kind]} |")
    lines.append(f"| all | {sum(totals.values())} | {sum(mirrored.values())} | "
                 f"{sum(totals.values()) - sum(mirrored.values())} |")
    lines += ["", "### Not mirrored", "", "| model | kind | attributes | options | why |", "|---|---|---|---|---|"]
    for name, item in rows:
        lines.append(f"| {name} | {item['kind']} | {', '.join(item['attributes'])} | `{item['options']}` | "
                     f"{item['why']} |")
    lines += ["", "## Custom `validate` methods", "",
              "Platform code the catalog names but does not carry. None is mirrored: each reads as the name says,",
              "and a Python writer must keep to it itself (the platform refuses the record otherwise).", "",
              "| model | method | condition | checks (as its name says) |", "|---|---|---|---|"]
    gems = []
    for name in sorted(behaviour):
        for method in behaviour[name].get("validate_methods", []):
            if method.get("origin") != "app":
                gems.append((name, method))
                continue
            condition = "; ".join(c if isinstance(c, str) else c.get("proc", "") for c in method.get("if", []))
            lines.append(f"| {name} | `{method['method']}` | {condition or '—'} | "
                         f"{method['method'].replace('_', ' ')} |")
    lines += ["", "## Validations of Rails and gems", "",
              "| origin | method | models | here |", "|---|---|---|---|"]
    grouped = {}
    for name, method in gems:
        key = (method.get("origin"), method.get("method") or method.get("proc"), method.get("rails", ""))
        grouped.setdefault(key, []).append(name)
    for (origin, method, rails), models in sorted(grouped.items()):
        lines.append(f"| {origin} | `{method}` | {len(models)} ({', '.join(models[:4])}{', …' if len(models) > 4 else ''}) "
                     f"| {_gem_handling(origin, method, rails)} |")
    lines += ["", *defaults_part]
    return "\n".join(lines) + "\n"


def _gem_handling(origin, method, rails):
    if method == "cant_modify_encrypted_attributes_when_frozen":
        return "nothing to mirror: Rails checks it only while encryption is frozen, never in normal use"
    if "secure_password" in (method or ""):
        return f"has_secure_password ({rails}): the values branch's `set_password`/`authenticate`"
    if origin == "gem:aasm":
        return "AASM's check that the state is one of the machine's: the state machines' work"
    if origin == "gem:neighbor":
        return "neighbor's vector checks: `VectorField` refuses a vector of the wrong size when it is written"
    if origin == "gem:doorkeeper":
        return "Doorkeeper's scope check, under its configuration (not in the catalog): not mirrored"
    return "not mirrored"
