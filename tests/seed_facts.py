"""The platform's seed facts (reference/seed-data.json) set against what `seed` stored, table by table.

Reads the facts file itself, not the seed files made from it: the seed files
are what is tested. A stored row is shown in the facts' encoding (a uuid naming a
seeded row becomes `{"ref": table, <natural key>: value}`), then compared column by
column with the facts' row. Placeholders compare by the rules docs/seeds.md states:

- prose (`{"prose_chars": N}`): our own text, so any non-empty text (or NULL where docs/seeds.md says so);
- `<secret>`: a value is there (a user's e-mail: its clear text, `_key`);
- `<clock>`, `<clock+14d>`: the platform's seed clock, 2026-03-14 12:00 UTC, and that offset;
- `<db now()>`: the database's clock wrote a time;
- `<random hex>`: the same text with a hex tail;
- `<rails_root>/`: the path relative to the platform's root.

The platform's dangling references are resolved as docs/seeds.md says, through the
constants of tools/platform_seeds.py that the seed files were written with.
"""
import datetime
import decimal
import hashlib
import json
import re
import sys
import uuid

import powernode
from platform_schema import REFERENCE_DIR, ROOT

sys.path.insert(0, str(ROOT))  # the seed writer's decisions (tools/ is not installed)
from tools.platform_seeds import LEFT_OUT, NATURAL_KEYS, REPLACEMENT_AGENT  # noqa: E402
from tools.seed_prose import EMPTY  # noqa: E402

FACTS = json.loads((REFERENCE_DIR / "seed-data.json").read_text())
SECTIONS = {"reference": FACTS["reference"], "tenant": FACTS["tenant"],
            "supplementary": FACTS["supplementary"]["reference"]}
CLOCK = datetime.datetime(2026, 3, 14, 12, 0, 0)
assert FACTS["about"]["seed_clock"] == "2026-03-14T12:00:00Z"

TIME = re.compile(r"^<clock(?:([+-])(\d+)([dhm]))?>$")
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}
#: columns the platform derives from prose; ours follow our text (docs/seeds.md)
DERIVED = {("ai_documents", "checksum"), ("ai_documents", "content_size_bytes"), ("ai_knowledge_bases", "storage_bytes")}


def entries(sections):
    """{table: [entry, ...]} of the given facts sections."""
    found = {}
    for section in sections:
        for table, entry in SECTIONS[section].items():
            found.setdefault(table, []).append(entry)
    return found


def natural_key(table):
    entry = next(SECTIONS[s][table] for s in SECTIONS if table in SECTIONS[s])
    return entry["natural_key"] or NATURAL_KEYS[table]


def model_of(table):
    entry = next(SECTIONS[s][table] for s in SECTIONS if table in SECTIONS[s])
    return entry["model"]


def expected_rows(table, sections):
    """The facts' rows of `table` across `sections`, with the platform's dangling references resolved."""
    rows = []
    for entry in entries(sections).get(table, []):
        for row in entry["rows"]:
            if any(_deleted(value) for value in row.values()):
                continue  # a row naming a row the platform's seeds deleted is left out
            rows.append(_repoint(row))
    return rows


def _deleted(value):
    return isinstance(value, dict) and value.get("deleted") is True


def _repoint(value):
    """Inside JSON, a reference to an agent the seeds deleted names the replacement agent."""
    if isinstance(value, dict):
        if _deleted(value) and value["ref"] == "ai_agents":
            return {"name": REPLACEMENT_AGENT, "ref": "ai_agents"}
        return {key: _repoint(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_repoint(item) for item in value]
    return value


def fact_key(row, key):
    """A facts row's natural key (users: the clear e-mail the facts give beside the encrypted one)."""
    clear = row.get("_key", {})
    return json.dumps([clear.get(column, row[column]) for column in key], sort_keys=True, default=str)


class StoredRows:
    """What is stored in the tables the facts name, shown in the facts' encoding."""

    def __init__(self, tables):
        self.records = {}   # table -> [record]
        self.by_id = {}     # str(uuid) -> (table, record)
        for table in tables:
            model = powernode.models[model_of(table)]
            self.records[table] = list(model.select())
            for record in self.records[table]:
                if model._meta.primary_key:
                    self.by_id[str(record.id)] = (table, record)

    def view(self, table, record, columns):
        """{column: value} of a stored record, references shown as the facts show them."""
        model = type(record)
        return {column: self._show(record.__data__.get(model._meta.columns[column].name)) for column in columns}

    def key(self, table, record):
        view = self.view(table, record, natural_key(table))
        return json.dumps([view[c] for c in natural_key(table)], sort_keys=True, default=str)

    def _show(self, value):
        if isinstance(value, uuid.UUID):
            value = str(value)
        if isinstance(value, str):
            if value in self.by_id:
                table, record = self.by_id[value]
                shown = self.view(table, record, natural_key(table))
                return {"ref": table, **shown}
            return UUID_TEXT.sub(self._embedded, value)
        if isinstance(value, dict):
            return {key: self._show(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._show(item) for item in value]
        return value

    def _embedded(self, match):
        if match.group(0) not in self.by_id:
            return match.group(0)
        table, record = self.by_id[match.group(0)]
        (column,) = natural_key(table)
        return f"<{table}:{column}={record.__data__[column]}>"


def same(fact, stored, place=()):
    """Whether a stored value is the fact, by the rules this module's docstring states."""
    if isinstance(fact, dict) and set(fact) == {"prose_chars"}:
        return (isinstance(stored, str) and stored.strip() != "") or (stored is None and place[:2] in EMPTY)
    if fact == "<secret>":
        return stored not in (None, "")
    if fact == "<db now()>":
        return isinstance(stored, datetime.datetime)
    if isinstance(fact, str):
        time = TIME.match(fact)
        if time:
            return _as_time(stored) == _clock(time)
        if "<random hex>" in fact:
            prefix = fact.split("<random hex>")[0]
            return isinstance(stored, str) and re.fullmatch(re.escape(prefix) + "[0-9a-f]+", stored) is not None
        fact = fact.replace("<rails_root>/", "")
        if isinstance(stored, datetime.datetime):
            return _as_time(fact) == stored
        if isinstance(stored, decimal.Decimal):
            return decimal.Decimal(fact) == stored
    if isinstance(fact, dict) and isinstance(stored, dict):
        return fact.keys() == stored.keys() and all(same(fact[k], stored[k], (*place, k)) for k in fact)
    if isinstance(fact, list) and isinstance(stored, list):
        return len(fact) == len(stored) and all(same(f, s, place) for f, s in zip(fact, stored))
    if isinstance(fact, bool) or isinstance(stored, bool):
        return fact is stored  # True is not 1
    return fact == stored


def _clock(match):
    if not match.group(1):
        return CLOCK
    delta = datetime.timedelta(**{UNITS[match.group(3)]: int(match.group(2))})
    return CLOCK + delta if match.group(1) == "+" else CLOCK - delta


def _as_time(value):
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed
    return None


def compare(table, sections, stored):
    """(expected keys, stored keys, {key: [columns that differ]}) for one table."""
    key = natural_key(table)
    expected = {fact_key(row, key): row for row in expected_rows(table, sections)}
    records = {stored.key(table, record): record for record in stored.records[table]}
    columns = sorted({c for entry in entries(sections)[table] for c in entry["columns"]})
    differing = {}
    for identity, row in expected.items():
        record = records.get(identity)
        if record is None:
            continue
        view = stored.view(table, record, columns)
        wrong = [c for c in columns if not _column_matches(table, c, row, view, record)]
        if wrong:
            differing[identity] = wrong
    return set(expected), set(records), differing


def _column_matches(table, column, row, view, record):
    if (table, column) in DERIVED:
        return view[column] == _derived(table, column, record)
    if (table, column) == ("users", "email"):
        return view[column] == row["_key"]["email"]
    if (table, column) == ("users", "password_digest"):  # bcrypt, the platform's cost
        return re.fullmatch(r"\$2a\$12\$[./A-Za-z0-9]{53}", view[column] or "") is not None
    return same(row[column], view[column], (table, column))


def _derived(table, column, record):
    if table == "ai_documents":
        body = record.content.encode()
        return hashlib.sha256(body).hexdigest() if column == "checksum" else len(body)
    documents = powernode.models["Ai::Document"]
    return sum(d.content_size_bytes for d in documents.select().where(documents.knowledge_base == record.id))


def tables_of(sections):
    """The tables the facts sections fill that `seed` writes (the ones left out are listed in LEFT_OUT)."""
    return sorted(t for t in entries(sections) if t not in LEFT_OUT)
