"""Write the seed files from the rows the platform's own `db:seed` writes (reference/seed-data.json).

    python tools/platform_seeds.py           # (re)writes seeds/
    python tools/platform_seeds.py --check   # exit 1 when the committed seed files differ from the facts

Each section of the facts becomes one section of the seeds, per namespace:

    reference      -> seeds/<namespace>/NN_<table>.json
    supplementary  -> seeds/<namespace>/supplementary/NN_<table>.json
    tenant         -> seeds/<namespace>/demo/NN_<table>.json

The facts' encoding becomes the seed engine's (powernode/seeding.py): a reference
`{"ref": table, key: value}` becomes `{"$ref": Model, key: value}`, prose becomes our
own text (tools/seed_prose.py), and the placeholders become the values decided in
docs/seeds.md: times pinned to the platform's seed clock, secrets made when a row is
inserted, the platform's dangling references resolved. Files are written in an order
where every row comes after the rows it names; running the script twice writes the
same bytes.
"""
import datetime
import graphlib
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import seed_prose  # noqa: E402

FACTS = ROOT / "reference" / "seed-data.json"
OUT = ROOT / "seeds"

#: a natural key for each table the facts give none; the facts' rows are unique on it
NATURAL_KEYS = {
    "role_permissions": ["role_id", "permission_id"],
    "user_roles": ["user_id", "role_id"],
    "subscriptions": ["account_id"],
    "ai_agent_budgets": ["agent_id", "period_type"],
    "ai_agent_connections": ["source_type", "source_id", "target_type", "target_id", "connection_type"],
    "ai_agent_skills": ["ai_agent_id", "ai_skill_id"],
    "ai_agent_team_members": ["ai_agent_team_id", "ai_agent_id"],
    "ai_agent_trust_scores": ["agent_id"],
    "ai_devops_template_installations": ["account_id", "devops_template_id"],
}

#: tables whose rows a file lists completely per value of a column (a seeded role has exactly its grants)
EXACT = {"role_permissions": "role_id"}

#: tenant tables `--demo` does not write, and why (docs/seeds.md)
LEFT_OUT = {
    "audit_logs": "the platform's audit trail of its own seed run, hash-chained by platform code",
}

#: inside a JSON document, a reference to an agent the platform's seeds deleted names this agent instead
REPLACEMENT_AGENT = "Powernode Documentation Specialist"

#: values for the "<secret>" placeholders inside JSON documents: examples, never credentials
JSON_SECRETS = {
    ("ai_workflows", "metadata.example_inputs.api_key"): "replace-with-your-api-key",
    ("ai_workflow_nodes", "configuration.headers.Authorization"): "Bearer {{api_key}}",
    ("ai_memory_pools", "data.claude_code.auth_gotchas.canonical_token"):
        "not stored here: mint a token through the platform's authentication service",
}

PLACEHOLDER_TIME = re.compile(r"^<clock(?:([+-])(\d+)([dhm]))?>$")
EMBEDDED_ROW = re.compile(r"<(\w+):(\w+)=([^>]+)>")
RANDOM_HEX = "<random hex>"
RAILS_ROOT = "<rails_root>/"
OFFSET_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class Facts:
    """The facts file, with the lookups the conversion needs."""

    def __init__(self, document):
        self.sections = {"reference": document["reference"], "tenant": document["tenant"],
                         "supplementary": document["supplementary"]["reference"]}
        self.clock = datetime.datetime.fromisoformat(document["about"]["seed_clock"].replace("Z", "+00:00"))
        self.models = {table: entry["model"] for section in self.sections.values() for table, entry in section.items()}

    def key_of(self, table):
        for section in self.sections.values():
            if table in section:
                return section[table]["natural_key"] or NATURAL_KEYS[table]
        raise KeyError(table)


def convert_rows(facts, table, entry):
    """The facts' rows of one table as seed rows (rows naming deleted rows left out)."""
    rows = [Converter(facts, table, entry, row).convert() for row in entry["rows"]]
    return derive(table, [row for row in rows if row is not None])


class Converter:
    """One row of the facts in the seed engine's encoding."""

    def __init__(self, facts, table, entry, row):
        self.facts, self.table, self.entry, self.row = facts, table, entry, row

    def convert(self):
        """The row as a seed row; None when a column names a row the platform's seeds deleted."""
        if any(_is_deleted(value) for value in self.row.values()):
            return None
        converted = {}
        for column, value in self.row.items():
            if column.startswith("_") or value == "<db now()>":  # annotations; the column default writes now()
                continue
            converted[column] = self.column(column, value)
        return converted

    def column(self, column, value):
        kind = self.entry["columns"][column]
        if kind.startswith("json"):
            return self.json(value, [column])
        if isinstance(value, dict):
            if set(value) == {"prose_chars"}:
                return seed_prose.text(self.table, column, self.row)
            return self.reference(value)
        if isinstance(value, str):
            return self.text(column, value, kind)
        return value

    def text(self, column, value, kind):
        if value == "<secret>":
            return self.column_secret(column)
        time = PLACEHOLDER_TIME.match(value)
        if time:
            return self.clock(time).strftime("%Y-%m-%d %H:%M:%S")
        if RANDOM_HEX in value:
            prefix, _, rest = value.partition(RANDOM_HEX)
            assert not rest, f"{self.table}.{column}: random hex is expected at the end"
            return {"$generate": "hex", "prefix": prefix}
        if kind.startswith("timestamp") and value.endswith("Z"):
            return value[:-1].replace("T", " ")
        if value.startswith("<") and value.endswith(">"):
            raise ValueError(f"{self.table}.{column}: placeholder {value} has no conversion")
        return value

    def column_secret(self, column):
        if (self.table, column) == ("users", "password_digest"):
            return {"$generate": "password"}
        if (self.table, column) == ("users", "email"):
            return self.row["_key"]["email"]
        if (self.table, column) == ("users", "name"):
            return user_name(self.row["_key"]["email"])
        raise ValueError(f"{self.table}.{column}: no value decided for its secret")

    def json(self, value, path):
        if isinstance(value, dict):
            if set(value) == {"prose_chars"}:
                return seed_prose.text(self.table, ".".join(path), self.row)
            if "ref" in value:
                if value.get("deleted"):
                    if value["ref"] != "ai_agents":
                        raise ValueError(f"{self.table}.{'.'.join(path)}: no resolution for a deleted {value['ref']}")
                    value = {"ref": "ai_agents", "name": REPLACEMENT_AGENT}
                return self.reference(value)
            return {key: self.json(item, [*path, key]) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item, path) for item in value]
        if isinstance(value, str):
            return self.json_text(value, path)
        return value

    def json_text(self, value, path):
        if value == "<secret>":
            return JSON_SECRETS[self.table, ".".join(path)]
        time = PLACEHOLDER_TIME.match(value)
        if time:
            return self.clock(time).strftime("%Y-%m-%dT%H:%M:%SZ")
        if EMBEDDED_ROW.search(value):
            parts, position = [], 0
            text = value.replace(RAILS_ROOT, "")  # a path under the platform's root, kept relative to it
            for match in EMBEDDED_ROW.finditer(text):
                parts.append(text[position:match.start()])
                table, column, key = match.groups()
                parts.append(self.reference({"ref": table, column: key}))
                position = match.end()
            parts.append(text[position:])
            return {"$concat": [part for part in parts if part != ""]}
        return value

    def clock(self, match):
        moment = self.facts.clock.replace(tzinfo=None)
        if match.group(1):
            delta = datetime.timedelta(**{OFFSET_UNITS[match.group(3)]: int(match.group(2))})
            moment = moment + delta if match.group(1) == "+" else moment - delta
        return moment

    def reference(self, value):
        if "section" in value:
            raise ValueError(f"{self.table}: a reference by position ({value['ref']}) has no natural key")
        target = value["ref"]
        named = {column: (self.reference(v) if isinstance(v, dict) else v)
                 for column, v in value.items() if column != "ref"}
        return {"$ref": self.facts.models[target], **named}


def _is_deleted(value):
    return isinstance(value, dict) and value.get("deleted") is True


def user_name(email):
    """A user's name is encrypted in the facts; ours says who the seeded user is for."""
    return email.split("@")[0].capitalize() + " User"


def derive(table, rows):
    """Columns the platform derives from prose, recomputed from our text so that the row agrees with itself."""
    if table == "ai_documents":
        for row in rows:
            body = row["content"].encode()
            row["checksum"] = hashlib.sha256(body).hexdigest()
            row["content_size_bytes"] = len(body)
    return rows


def storage_bytes(documents):
    """`ai_knowledge_bases.storage_bytes`: the sizes of its documents."""
    totals = {}
    for row in documents:
        name = row["knowledge_base_id"]["name"]
        totals[name] = totals.get(name, 0) + row["content_size_bytes"]
    return totals


def section_tables(facts, section):
    """({table: seed rows}, {table brought along: the table that needs it}) for one section.

    The reference section brings along the tenant rows its rows name (the articles' author).
    """
    tables = {table: convert_rows(facts, table, entry) for table, entry in facts.sections[section].items()
              if not (section == "tenant" and table in LEFT_OUT)}
    if section == "tenant":
        sizes = storage_bytes(tables["ai_documents"])
        for row in tables["ai_knowledge_bases"]:
            row["storage_bytes"] = sizes.get(row["name"], 0)
    brought = _bring_along(facts, tables) if section == "reference" else {}
    return tables, brought


def _bring_along(facts, tables):
    """Add the tenant rows that reference rows name (the articles' author, and that user's account)."""
    brought = {}
    tenant = {table: convert_rows(facts, table, entry) for table, entry in facts.sections["tenant"].items()
              if table not in LEFT_OUT}
    by_model = {facts.models[t]: t for t in tenant}
    wanted = [(table, ref) for table, rows in tables.items() for row in rows for ref in _refs_in(row)]
    while wanted:
        needed_by, ref = wanted.pop()
        table = by_model.get(ref["$ref"])
        if table is None or table in facts.sections["reference"]:
            continue
        named = {k: v for k, v in ref.items() if k != "$ref"}
        row = next(r for r in tenant[table] if all(r.get(k) == v for k, v in named.items()))
        if row not in tables.setdefault(table, []):
            tables[table].append(row)
            brought[table] = brought.get(needed_by, needed_by)
            wanted.extend((table, ref) for ref in _refs_in(row))
    return brought


def _refs_in(value):
    """The `$ref`s a seed value holds."""
    if isinstance(value, dict):
        if "$ref" in value:
            return [value]
        return [ref for item in value.values() for ref in _refs_in(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs_in(item)]
    return []


def section_files(facts, section, folder_name, namespace_of):
    """{path under seeds/: file text} for one section."""
    tables, brought = section_tables(facts, section)
    model_table = {facts.models[t]: t for t in tables}
    graph = {table: {model_table[r["$ref"]] for row in rows for r in _refs_in(row) if r["$ref"] in model_table}
             - {table} for table, rows in sorted(tables.items())}
    per_namespace = {}
    for table in graphlib.TopologicalSorter(graph).static_order():
        owner = brought.get(table, table)  # a row brought along goes with the rows that need it
        per_namespace.setdefault(namespace_of(facts.models[owner]), []).append(table)
    files = {}
    for namespace, names in per_namespace.items():
        for number, table in enumerate(names, 1):
            document = {"model": facts.models[table], "key": facts.key_of(table)}
            if table in EXACT:
                document["exact"] = EXACT[table]
            document["rows"] = sorted(tables[table], key=lambda row: json.dumps(row, sort_keys=True))
            path = Path(namespace, folder_name, f"{number:02d}_{table}.json")
            files[path] = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    return files


def seed_files(namespace_of):
    """{path under seeds/: text} of every seed file the facts give."""
    facts = Facts(json.loads(FACTS.read_text()))
    files = {}
    for section, folder_name in (("reference", ""), ("supplementary", "supplementary"), ("tenant", "demo")):
        files.update(section_files(facts, section, folder_name, namespace_of))
    return files


def main(argv):
    import powernode

    files = seed_files(powernode.installed.namespace_of)
    committed = {path.relative_to(OUT): path for path in OUT.glob("*/**/*.json")}
    if "--check" in argv:
        stale = sorted(str(p) for p in set(files) | set(committed)
                       if p not in files or p not in committed or committed[p].read_text() != files[p])
        if stale:
            print("seed files differ from the facts (run python tools/platform_seeds.py): " + ", ".join(stale))
            return 1
        return 0
    for path in set(committed) - set(files):
        committed[path].unlink()
    for path, text in sorted(files.items()):
        target = OUT / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        print(f"wrote seeds/{path} ({len(json.loads(text)['rows'])} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
