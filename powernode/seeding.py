"""Seeds: each namespace's reference data, upserted on natural keys and verified.

A namespace's seed folder holds JSON files, applied in name order:

    {"model": "Ai::Provider", "key": ["slug"], "rows": [{"slug": "openai", ...}]}

Rows are keyed by column name. A foreign key names its target row by natural
key: `{"$ref": "Ai::Provider", "slug": "openai"}`. A row whose key is new is
inserted through the bulk path (COPY); one whose values changed is updated
(`updated_at` touched); an unchanged row is left alone, so a second run
changes nothing. Optional file keys: `"exact": "role_id"` (for each value of
that column among the rows, delete the rows the file does not list) and
`"skip_unresolved": true` (a `$ref` to a row that does not exist skips the
row with a warning instead of failing).
"""
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from .bulk import bulk_load
from .errors import PowernodeError
from .fields import JSONBField, JSONField, default_value, utcnow
from .plugins import installed
from .registry import registry

__all__ = ["seed", "SeedReport", "SeedError"]


class SeedError(PowernodeError):
    """A seed file is wrong, or what was written failed verification."""


@dataclass
class TableReport:
    model: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


@dataclass
class SeedReport:
    tables: List[TableReport] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    checks: Dict[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())

    @property
    def changed(self) -> int:
        return sum(t.inserted + t.updated + t.deleted for t in self.tables)


def seed_files(namespace) -> List[Path]:
    folder = installed[namespace].seeds_dir
    if folder is None or not Path(folder).is_dir():
        return []
    return sorted(Path(folder).glob("*.json"))


def seed(db, namespaces=None, progress=None) -> SeedReport:
    """Apply the seeds of the selected namespaces in dependency order, then verify them."""
    selected = installed.selection(db, namespaces)
    files = [path for namespace in selected for path in seed_files(namespace)]
    report = SeedReport()
    written = []
    with db.atomic():
        for number, path in enumerate(files, 1):
            if progress:
                progress(number, len(files), path)
            table, document, rows = _apply(db, path, report.warnings)
            report.tables.append(table)
            written.append((document, rows))
    _verify(db, selected, written, report)
    return report


def _load(path):
    try:
        document = json.loads(Path(path).read_text())
        return document, registry.get(document["model"]), document["key"], document["rows"]
    except (ValueError, KeyError) as exc:
        raise SeedError(f"{path}: not a seed file ({exc})") from None


def _apply(db, path, warnings):
    """(TableReport, the seed document, its rows with references resolved)."""
    document, model, key, rows = _load(path)
    if model is None:
        raise SeedError(f"{path}: no model named {document['model']!r} is installed")
    meta = model._meta
    report = TableReport(document["model"], rows=len(rows))
    resolved, cache = [], {}
    for row in rows:
        try:
            resolved.append({column: _resolve(value, cache) for column, value in row.items()})
        except LookupError as exc:
            if not document.get("skip_unresolved"):
                raise SeedError(f"{path}: {exc}") from None
            warnings.append(f"{document['model']}: skipped the row {_describe(row)}: {exc}")
    fields = {column: meta.columns[column] for row in resolved for column in row}
    key_fields = [meta.columns[column] for column in key]
    existing = {}
    for record in model.select(*{f.name: f for f in [*key_fields, *fields.values()]}.values(),
                               *([meta.primary_key] if meta.primary_key else [])).dicts():
        existing[tuple(record[f.name] for f in key_fields)] = record
    inserts = []
    for row in resolved:
        identity = tuple(_normal(fields[c], row[c]) for c in key)
        current = existing.get(identity)
        if current is None:
            inserts.append(row)
            continue
        changes = {fields[c]: row[c] for c in row
                   if _normal(fields[c], row[c]) != _normal(fields[c], current[fields[c].name])}
        if changes:
            if "updated_at" in meta.columns:
                changes[meta.columns["updated_at"]] = utcnow()
            model.update(changes).where(*[f == v for f, v in zip(key_fields, identity)]).execute()
            report.updated += 1
    if inserts:
        columns = list(dict.fromkeys(column for row in inserts for column in row))  # every row, first row first
        inserts[0] = {column: inserts[0].get(column, default_value(meta.columns[column])) for column in columns}
        report.inserted = bulk_load(model, inserts, db=db)
    if document.get("exact"):
        report.deleted = _delete_unlisted(model, meta.columns[document["exact"]], key_fields, resolved, key)
    return report, document, resolved




def _normal(field, value):
    """A value as it reads back from the column, so seed and database values compare."""
    if value is None or isinstance(field, (JSONField, JSONBField)):  # JSON documents compare as they are
        return value
    return field.python_value(field.db_value(value))


def _delete_unlisted(model, scope, key_fields, rows, key):
    listed = {tuple(str(row[c]) for c in key) for row in rows}
    deleted = 0
    for owner in {row[scope.column_name] for row in rows}:
        for record in model.select(*key_fields).where(scope == owner).dicts():
            if tuple(str(record[f.name]) for f in key_fields) not in listed:
                model.delete().where(*[f == record[f.name] for f in key_fields]).execute()
                deleted += 1
    return deleted


def _describe(row):
    def show(value):
        if isinstance(value, dict) and "$ref" in value:
            return value["$ref"] + " " + " ".join(f"{c}={v!r}" for c, v in value.items() if c != "$ref")
        return repr(value)
    return "(" + ", ".join(f"{column}: {show(value)}" for column, value in row.items()) + ")"


def _resolve(value, cache):
    """A `{"$ref": ...}` as the id of the row it names (looked up once per seed run)."""
    if not (isinstance(value, dict) and "$ref" in value):
        return value
    memo = json.dumps(value, sort_keys=True, default=str)
    if memo not in cache:
        cache[memo] = _lookup(value, cache)
    return cache[memo]


def _lookup(value, cache):
    target = registry.get(value["$ref"])
    if target is None:
        raise LookupError(f"no model named {value['$ref']!r}")
    lookup = {column: _resolve(v, cache) for column, v in value.items() if column != "$ref"}
    query = target.select(target._meta.primary_key)
    for column, wanted in lookup.items():
        query = query.where(target._meta.columns[column] == wanted)
    found = query.scalar()
    if found is None:
        described = ", ".join(f"{c}={v!r}" for c, v in lookup.items())
        raise LookupError(f"{value['$ref']} with {described} does not exist")
    return found


def _keys(model, key, scope=None, owner=None):
    fields = [model._meta.columns[c] for c in key]
    query = model.select(*fields)
    if scope is not None:
        query = query.where(model._meta.columns[scope] == owner)
    return {tuple(str(record[f.name]) for f in fields) for record in query.dicts()}


def _verify(db, selected, written, report):
    """Read back what was written: every row's key present, `exact` sets equal, the namespaces' checks."""
    for document, rows in written:
        model, key = registry.get(document["model"]), document["key"]
        listed = {tuple(str(row[c]) for c in key): row for row in rows}
        report.checks[f"{document['model']}: {len(listed)} rows present"] = set(listed) <= _keys(model, key)
        scope = document.get("exact")
        if scope:
            by_owner = {}
            for identity, row in listed.items():
                by_owner.setdefault(row[scope], set()).add(identity)
            exact = all(_keys(model, key, scope, owner) == identities for owner, identities in by_owner.items())
            report.checks[f"{document['model']}: exactly the listed rows per {scope}"] = exact
    for checks in installed.hook.powernode_seed_checks(db=db, namespaces=selected):
        report.checks.update(checks)


def print_progress(number, total, path):
    """Progress on a terminal; nothing when stderr is not one."""
    if sys.stderr.isatty():
        end = "\n" if number == total else ""
        sys.stderr.write(f"\rseeding {number}/{total}: {path.parent.name}/{path.name:<40}{end}")
        sys.stderr.flush()
