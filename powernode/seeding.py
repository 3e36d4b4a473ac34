"""Seeds: each namespace's data, upserted on natural keys through the models, then verified.

A namespace's seed folder holds JSON files, applied in name order, one section each:

    seeds/<namespace>/*.json                 reference      (always)
    seeds/<namespace>/supplementary/*.json   supplementary  (seed(..., supplementary=True))
    seeds/<namespace>/demo/*.json            demo           (seed(..., demo=True))

    {"model": "Ai::Provider", "key": ["name"], "rows": [{"name": "OpenAI", ...}]}

Rows are keyed by column name. Values are plain JSON, or one of:

- `{"$ref": "Account", "name": "Demo Company"}`: the id of the row with that natural
  key (a uuid; inside a JSON column, its text);
- `{"$concat": ["storage/files/", {"$ref": ...}]}`: the parts joined as text;
- `{"$generate": "password"}` or `{"$generate": "hex", "prefix": "sub_demo_"}`: a value
  made when the row is inserted (a bcrypt digest of a random password nobody knows,
  a random hex tail) and never compared or rewritten afterwards.

A new row is saved through its model (so the platform's validations and value
formats apply); a stored row whose values differ is updated through its model
(`updated_at` touched); an unchanged row is left alone, so a second run changes
nothing. `"exact": "role_id"` makes a file the whole truth for each value of that
column: rows no seed file of the selected namespaces lists are deleted. After
writing, every row is read back and compared column by column, and the namespaces'
`powernode_seed_checks` run; a mismatch fails the report.
"""
import json
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import bcrypt

from .errors import PowernodeError
from .fields import JSONBField, JSONField, utcnow
from .plugins import installed
from .registry import registry

__all__ = ["seed", "seed_files", "SeedReport", "SeedError", "SECTIONS"]

#: section -> its folder inside a namespace's seed folder
SECTIONS = {"reference": "", "supplementary": "supplementary", "demo": "demo"}

#: the platform's bcrypt cost (reference/encryption-vectors.json)
BCRYPT_COST = 12


class SeedError(PowernodeError):
    """A seed file is wrong, or names a row that does not exist."""


@dataclass
class TableReport:
    model: str
    section: str = "reference"
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


@dataclass
class SeedFile:
    """One seed file: which model, its natural key, its rows (as written, references unresolved)."""
    path: Path
    section: str
    model_name: str
    key: List[str]
    rows: List[dict]
    exact: Optional[str] = None

    @classmethod
    def load(cls, path, section):
        try:
            document = json.loads(Path(path).read_text())
            return cls(Path(path), section, document["model"], document["key"], document["rows"],
                       document.get("exact"))
        except (ValueError, KeyError) as exc:
            raise SeedError(f"{path}: not a seed file ({exc})") from None

    @property
    def model(self):
        model = registry.get(self.model_name)
        if model is None:
            raise SeedError(f"{self.path}: no model named {self.model_name!r} is installed")
        return model


def seed_files(namespace, section="reference") -> List[Path]:
    """The seed files of one section of a namespace, in the order they apply."""
    folder = installed[namespace].seeds_dir
    if folder is None:
        return []
    folder = Path(folder) / SECTIONS[section]
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def seed(db, namespaces=None, *, supplementary=False, demo=False, progress=None) -> SeedReport:
    """Apply the selected namespaces' seeds (reference, then the optional sections), then verify them."""
    selected = installed.selection(db, namespaces)
    sections = ["reference"] + ["supplementary"] * supplementary + ["demo"] * demo
    files = [SeedFile.load(path, section) for section in sections
             for namespace in selected for path in seed_files(namespace, section)]
    report = SeedReport()
    resolver = Resolver()
    written = []
    with db.atomic():
        for number, document in enumerate(files, 1):
            if progress:
                progress(number, len(files), document.path)
            table, rows = _apply(document, resolver)
            report.tables.append(table)
            written.append((document, rows))
        exact = {}
        for model_name, scope in sorted({(d.model_name, d.exact) for d in files if d.exact}):
            deleted, exact[model_name, scope] = _remove_unlisted(model_name, scope, selected, resolver)
            next(t for t in reversed(report.tables) if t.model == model_name).deleted += deleted
    _verify(db, selected, written, exact, report)
    return report


class Generate:
    """A value made when its row is inserted (`{"$generate": ...}`), never compared afterwards."""

    def __init__(self, spec):
        self.spec = spec
        if spec["$generate"] not in ("password", "hex"):
            raise SeedError(f"unknown $generate kind {spec['$generate']!r}: use 'password' or 'hex'")

    def make(self):
        if self.spec["$generate"] == "password":
            # a digest of a password nobody is ever told: the row exists, nobody can log in with it
            password = secrets.token_urlsafe(32).encode()
            return bcrypt.hashpw(password, bcrypt.gensalt(BCRYPT_COST, prefix=b"2a")).decode()
        return self.spec.get("prefix", "") + secrets.token_hex(self.spec.get("bytes", 8))


class Resolver:
    """Turns seed values into column values, looking each `$ref` up once per run."""

    def __init__(self):
        self._ids = {}

    def row(self, model, row):
        columns = model._meta.columns
        try:
            return {column: self.value(value, isinstance(columns[column], (JSONField, JSONBField)))
                    for column, value in row.items()}
        except KeyError as exc:
            raise SeedError(f"{model._meta.table_name} has no column {exc}") from None

    def value(self, value, in_json=False):
        if isinstance(value, list):
            return [self.value(item, in_json) for item in value]
        if not isinstance(value, dict):
            return value
        if "$ref" in value:
            found = self.id_of(value)
            return str(found) if in_json else found
        if "$concat" in value:  # text, in a column or inside a document
            return "".join(str(self.value(part, True)) for part in value["$concat"])
        if "$generate" in value:
            if in_json:
                raise SeedError("$generate is for a whole column value, not a value inside a JSON document")
            return Generate(value)
        if not in_json:
            raise SeedError(f"a document where a plain value belongs: use $ref, $concat or $generate ({sorted(value)})")
        return {key: self.value(item, True) for key, item in value.items()}

    def id_of(self, reference):
        memo = json.dumps(reference, sort_keys=True)
        if memo not in self._ids:
            self._ids[memo] = self._lookup(reference)
        return self._ids[memo]

    def _lookup(self, reference):
        target = registry.get(reference["$ref"])
        if target is None:
            raise SeedError(f"no model named {reference['$ref']!r} is installed")
        query = target.select(target._meta.primary_key)
        for column, wanted in reference.items():
            if column != "$ref":
                query = query.where(target._meta.columns[column] == self.value(wanted))
        found = query.scalar()
        if found is None:
            described = ", ".join(f"{c}={v!r}" for c, v in reference.items() if c != "$ref")
            raise SeedError(f"{reference['$ref']} with {described} does not exist: seed what it names first")
        return found


def _apply(document, resolver):
    """Insert or update one file's rows through the model: (TableReport, the rows resolved)."""
    model, meta = document.model, document.model._meta
    report = TableReport(document.model_name, document.section, rows=len(document.rows))
    try:
        rows = [resolver.row(model, row) for row in document.rows]
    except SeedError as exc:
        raise SeedError(f"{document.path}: {exc}") from None
    stored = _stored_by_key(model, document.key)
    for row in rows:
        record = stored.get(_identity(meta, document.key, row))
        if record is None:
            values = {meta.columns[c].name: (v.make() if isinstance(v, Generate) else v) for c, v in row.items()}
            model(**values).save(force_insert=True)
            report.inserted += 1
            continue
        changes = {meta.columns[c]: (v.make() if isinstance(v, Generate) else v)
                   for c, v in row.items() if _differs(meta.columns[c], v, record)}
        if changes:
            _update(model, record, changes, document.key)
            report.updated += 1
    return report, rows


def _update(model, record, changes, key):
    meta = model._meta
    if meta.primary_key:
        for column_field, value in changes.items():
            setattr(record, column_field.name, value)
        touched = list(changes) + ([meta.fields["updated_at"]] if "updated_at" in meta.fields else [])
        record.save(only=touched)
    else:  # a join table without an id (role_permissions): its key columns name the row
        key_fields = [meta.columns[c] for c in key]
        model.update({f: v for f, v in changes.items()}).where(
            *[f == record.__data__[f.name] for f in key_fields]).execute()


def _stored_by_key(model, key):
    """Every stored row of the model, by natural key (normalised as the seed's values are)."""
    meta = model._meta
    return {tuple(_stored(record, meta.columns[c]) for c in key): record for record in model.select()}


def _identity(meta, key, row):
    return tuple(_normal(meta.columns[c], row[c]) for c in key)


def _stored(record, column_field):
    return record.__data__.get(column_field.name)


def _normal(column_field, value):
    """A value as it reads back from its column, so that seed and stored values compare."""
    if value is None or isinstance(column_field, (JSONField, JSONBField)):  # documents compare as they are
        return value
    return column_field.python_value(column_field.db_value(value))


def _all_files(selected):
    return [SeedFile.load(path, section) for section in SECTIONS
            for namespace in selected for path in seed_files(namespace, section)]


def _remove_unlisted(model_name, scope, selected, resolver):
    """Delete the rows of `model_name` that no seed file lists, for each `scope` value the files list.

    Every section counts, seeded in this run or not: a plain `seed` keeps the grants
    `--supplementary` made. A listed row whose reference does not resolve cannot be stored, so it is skipped.
    Returns (rows deleted, the listed keys).
    """
    documents = [d for d in _all_files(selected) if d.model_name == model_name]
    model, key = documents[0].model, documents[0].key
    meta = model._meta
    if any(d.key != key for d in documents) or scope not in key:
        raise SeedError(f"{model_name}: every file of an exact table uses one key holding {scope!r}")
    listed = set()
    for document in documents:
        for row in document.rows:
            try:
                listed.add(_identity(meta, key, {c: resolver.value(row[c]) for c in key}))
            except SeedError:
                continue
    owners = {identity[key.index(scope)] for identity in listed}
    key_fields = [meta.columns[c] for c in key]
    deleted = 0
    for record in model.select().where(meta.columns[scope].in_(list(owners))):
        identity = tuple(_stored(record, f) for f in key_fields)
        if identity not in listed:
            model.delete().where(*[f == v for f, v in zip(key_fields, identity)]).execute()
            deleted += 1
    return deleted, listed


def _verify(db, selected, written, exact, report):
    """Read back every row written, column by column, and the exact tables; then the namespaces' checks."""
    for document, rows in written:
        model, meta = document.model, document.model._meta
        stored = _stored_by_key(model, document.key)
        missing = differing = 0
        columns = set()
        for row in rows:
            record = stored.get(_identity(meta, document.key, row))
            if record is None:
                missing += 1
                continue
            wrong = [c for c, v in row.items() if _differs(meta.columns[c], v, record)]
            differing += bool(wrong)
            columns.update(wrong)
        name = f"{document.model_name} ({document.section}): {len(rows)} rows as written"
        report.checks[name] = not (missing or differing)
        if missing or differing:
            report.warnings.append(f"{document.model_name}: {missing} rows missing, {differing} differing"
                                   + (f" in {', '.join(sorted(columns))}" if columns else ""))
    for (model_name, scope), listed in exact.items():
        model = registry.get(model_name)
        key = next(d.key for d, _ in written if d.model_name == model_name)
        owners = {identity[key.index(scope)] for identity in listed}
        stored = _stored_by_key(model, key)
        unlisted = [k for k in stored if k[key.index(scope)] in owners and k not in listed]
        report.checks[f"{model_name}: no rows beyond the listed ones per {scope}"] = not unlisted
    for checks in installed.hook.powernode_seed_checks(db=db, namespaces=selected):
        report.checks.update(checks)


def _differs(column_field, value, record):
    """Whether a stored row's column differs from the seed's value (a generated one only when it is missing)."""
    stored = _stored(record, column_field)
    if isinstance(value, Generate):
        return stored is None
    return _normal(column_field, value) != stored


def print_progress(number, total, path):
    """Progress on a terminal; nothing when stderr is not one."""
    if sys.stderr.isatty():
        end = "\n" if number == total else ""
        sys.stderr.write(f"\rseeding {number}/{total}: {path.parent.name}/{path.name:<40}{end}")
        sys.stderr.flush()
