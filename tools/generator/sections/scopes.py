"""The platform's argument-free scopes, as `Scope` class attributes: `Invoice.overdue()`.

Each scope with SQL in the catalog is parsed (`scope_sql`) and translated into a
chain of peewee query methods (`scope_source`), its time cut-offs read from the
clock (`scope_times`). The attribute is the scope's Rails name unless that name
is taken (a column, an association, an event method, the model API, a Python
keyword): then `_scope` is appended and `name=` keeps the Rails name, which
`Model.scope(name)` reaches. This section runs after the others, so every
other declaration keeps its name. `docs/scopes.md` lists what was generated, how
every time literal was read, what the database refuses, and what was not
generated and why.
"""
import datetime
import json
import keyword

from ..catalog import BEHAVIOUR
from ..scope_source import MissingColumn, MissingTable, TableInfo, translate
from ..scope_sql import Unsupported
from ..scope_times import CLOCK_NAMES
from ..source import literal

DOCUMENT = "docs/scopes.md"
HELPERS = {"Scope", "SQL", "Case", "Cast", "Value", "JOIN", "fn", "Decimal", *CLOCK_NAMES}
LINE = 110

_generated = {}   # model -> [(rails name, attribute, ScopeCode)]
_skipped = {}     # (model, scope) -> why it was not generated
_tables = {}      # id of the writers map -> {table: TableInfo}


def reference_time():
    """The instant the catalog printed its scope SQL at (naive UTC)."""
    stamp = json.loads(BEHAVIOUR.read_text())["scope_sql_time"]
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(tzinfo=None)


def contribute(parts, writer):
    scopes = sorted((name, s) for name, s in (parts.behaviour.get("scopes") or {}).items() if "sql" in s)
    if not scopes:
        return
    if parts.table.get("designed"):
        for name, _ in scopes:
            _skipped[(parts.model, name)] = "its table is not in the platform's schema (designed here)"
        return
    tables, reference, generated = _table_infos(writer), _reference(), []
    for name, scope in scopes:
        try:
            code = translate(scope["sql"], tables, parts.table["table"], reference)
        except MissingColumn as error:
            _skipped[(parts.model, name)] = f"the SQL names a column the table does not have ({error})"
            continue
        except MissingTable as error:
            _skipped[(parts.model, name)] = f"the SQL joins a table the core does not model ({error})"
            continue
        except Unsupported as error:
            _skipped[(parts.model, name)] = f"SQL this generator does not read ({error})"
            continue
        clash = set(code.params) & HELPERS
        if clash:
            raise SystemExit(f"generate: {parts.model}.{name} joins models named like helpers: {sorted(clash)}")
        attribute = name if parts.claim(name) else name + "_scope"
        if attribute != name and not parts.claim(attribute):
            raise SystemExit(f"generate: {parts.model}: neither {name} nor {attribute} is free for its scope")
        generated.append((name, attribute, code, _taken_by(name, parts, writer)))
        _add_imports(parts.imports, code)
    if generated:
        parts.body += [""] if parts.body else []  # apart from what other sections declared
        parts.body.append("    # the platform's argument-free scopes; Model.scope(\"name\") reaches each by its Rails name")
        for name, attribute, code, _ in generated:
            parts.body += _declaration(attribute, name, code)
    _generated[parts.model] = generated


def _declaration(attribute, name, code):
    params = ", ".join(["m", "q", *code.params])
    extras = ([f"name={literal(name)}"] if attribute != name else []) + \
             ([f"uses=[{', '.join(literal(u) for u in code.uses)}]"] if code.uses else [])
    tail = "".join(f", {extra}" for extra in extras)
    calls = [(method, ", ".join(args)) for method, args in code.chain]
    one_line = f"    {attribute} = Scope(lambda {params}: q{''.join(f'.{m}({a})' for m, a in calls)}{tail})"
    if len(one_line) <= LINE:
        return [one_line]
    lines = [f"    {attribute} = Scope(lambda {params}: ("]
    for position, (method, args) in enumerate(code.chain):
        call = f"        {'q' if position == 0 else ''}.{method}("
        if len(call) + len(", ".join(args)) + 1 <= LINE or len(args) <= 1:
            lines.append(f"{call}{', '.join(args)})")
        else:
            lines += [call, *(f"            {arg}," for arg in args), "        )"]
    lines.append(f"    ){tail})")
    return lines


def _add_imports(imports, code):
    imports.add("powernode.behaviour.scopes", "Scope")
    if code.peewee:
        imports.add("peewee", *code.peewee)
    if code.clock:
        imports.add("powernode.behaviour.clock", *code.clock)
    if code.decimal:
        imports.add("decimal", "Decimal")


def _taken_by(name, parts, writer):
    """Why the scope's own name was not free (None when it was)."""
    if name in parts.attributes.values():
        return "a column"
    if name in {writer.backrefs[key] for key in writer.incoming()}:
        return "a back-reference"
    machine = (parts.behaviour.get("aasm") or {}).get("default")
    if machine and name in {n for e in machine["events"] for n in (e["name"], "may_" + e["name"])}:
        return "a state machine event"
    if name in writer.reserved:
        return "the model API"
    if keyword.iskeyword(name):
        return "a Python keyword"
    return "an association"


def _table_infos(writer):
    key = id(writer.writers)
    if key not in _tables:
        infos = {}
        for table, other in writer.writers.items():
            if other.t.get("extension"):  # an optional namespace's table: a core model's scope cannot rely on it
                continue
            attributes = other.attribute_names()
            types = {c["name"]: c["sql_type"] for c in other.t["columns"]}
            if other.t.get("primary_key"):
                attributes["id"], types["id"] = "id", "uuid"
            infos[table] = TableInfo(table, other.t["model"], other.class_name, attributes, types)
        _tables.clear()
        _tables[key] = infos
    return _tables[key]


_REFERENCE = []


def _reference():
    if not _REFERENCE:
        _REFERENCE.append(reference_time())
    return _REFERENCE[0]


# -- the document ---------------------------------------------------------------------
def documents():
    behaviour = json.loads(BEHAVIOUR.read_text())
    every = [(model, name, scope) for model, entry in sorted(behaviour["models"].items())
             for name, scope in sorted((entry.get("scopes") or {}).items()) if not scope.get("takes_arguments")]
    with_sql = [(model, name) for model, name, scope in every if "sql" in scope]
    errors = [(model, name, scope) for model, name, scope in every if "error" in scope]
    generated = [(model, *g) for model, entries in sorted(_generated.items()) for g in entries]
    raw = [(model, name, code) for model, name, _, code, _ in generated if code.raw]
    skipped = dict(_skipped)
    for model, name in with_sql:  # models the generator never saw: no table of that name at all
        if not any(g[0] == model and g[1] == name for g in generated) and (model, name) not in skipped:
            skipped[(model, name)] = "its table is not in the platform's schema"
    refused = [(model, name, why) for model, name, _, code, _ in generated for why in [_refused_by_postgres(code)]
               if why]
    renamed = [(model, name, attribute, why) for model, name, attribute, _, why in generated if attribute != name]
    lines = [
        "# Scopes",
        "",
        f"Generated by `tools/generate.py` from `reference/powernode-behaviour.json` (`{DOCUMENT}`): do not edit.",
        "",
        "Every argument-free scope the platform's models declare, with SQL in the catalog, is a class method",
        "returning a peewee query (`powernode/behaviour/scopes.py`). The catalog printed that SQL with the clock",
        f"at {behaviour['scope_sql_time']}; the generated scopes read a clock instead",
        "(`powernode.behaviour.clock`), and `tests/test_scopes.py` runs each one beside the platform's SQL, the",
        "clock frozen at that instant, over the same rows.",
        "",
        "| | scopes |",
        "|---|---|",
        f"| argument-free, with SQL in the catalog | {len(with_sql):,} |",
        f"| generated | {len(generated):,} |",
        f"| &nbsp;&nbsp;as readable peewee expressions | {len(generated) - len(raw):,} |",
        f"| &nbsp;&nbsp;with a raw SQL condition | {len(raw):,} |",
        f"| not generated (below) | {len(skipped):,} |",
        f"| argument-free, with an error instead of SQL in the catalog (below) | {len(errors):,} |",
        "",
        "## Names",
        "",
        "A scope is named as the platform names it unless a column, an association, an event method, the",
        "model API or a Python keyword has that name: then `_scope` is appended, and `Model.scope(\"name\")`",
        "reaches it by its Rails name, as it reaches every scope.",
        "",
        "| model | scope | attribute | the name belongs to |",
        "|---|---|---|---|",
        *[f"| {model} | {name} | `{attribute}` | {why or 'another declaration'} |"
          for model, name, attribute, why in renamed],
        "",
        "## Time cut-offs",
        "",
        "Each time literal of the platform's SQL, and the clock expression it was read as (`scope_times`):",
        "",
        "| model | scope | platform's literal | here |",
        "|---|---|---|---|",
        *[f"| {model} | {name} | `{text}` | `{source}` |"
          for model, name, _, code, _ in generated for text, source in code.times],
        "",
        "## Raw SQL conditions",
        "",
        "Conditions kept as the platform wrote them (`SQL(...)`), where no peewee expression says the same:",
        "",
        *([f"- {model}.{name}: `{'`, `'.join(code.raw)}`" for model, name, code in raw] or ["- none"]),
        "",
        "## Conditions always true",
        "",
        "Dropped from the generated scope (it selects what the platform's selects):",
        "",
        *([f"- {model}.{name}: `{'`, `'.join(code.dropped)}`" for model, name, _, code, _ in generated
           if code.dropped] or ["- none"]),
        "",
        "## The database refuses the platform's SQL",
        "",
        "Generated as the platform wrote them; PostgreSQL refuses these statements, the platform's and these",
        "alike (the test holds both to the same error):",
        "",
        *([f"- {model}.{name}: {why}" for model, name, why in refused] or ["- none"]),
        "",
        "## Not generated",
        "",
        "| model | scope | why |",
        "|---|---|---|",
        *[f"| {model} | {name} | {_cell(why)} |" for (model, name), why in sorted(skipped.items())],
        "",
        "## Errors in the catalog",
        "",
        "Argument-free scopes the catalog could not print as SQL (no table on the platform's side, or Ruby that",
        "fails): nothing to generate.",
        "",
        "| model | scope | defined at | error |",
        "|---|---|---|---|",
        *[f"| {model} | {name} | `{scope['at']}` | {_cell(scope['error'])} |" for model, name, scope in errors],
    ]
    return [(DOCUMENT, "\n".join(lines) + "\n")]


def _refused_by_postgres(code):
    methods = dict(code.chain)
    if "group_by" in methods and "select" not in methods:
        return "GROUP BY an expression while selecting every column (a grouping error)"
    return None


def _cell(text):
    return text.splitlines()[0].replace("|", "\\|")
