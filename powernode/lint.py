"""Audit a live database against the platform's conventions (no models needed).

Foreign keys without an index that leads with them, foreign keys to `ai_`/
`devops_` tables without the prefix, `uuid` `*_id` columns without a
constraint, duplicate indexes, and primary keys that are not UUIDv7 in a
sample of rows.
"""
import re
from dataclasses import asdict, dataclass
from typing import List

from .introspect import IGNORED_TABLES, snapshot
from .plugins import installed

__all__ = ["Finding", "lint", "KINDS"]

KINDS = {
    "foreign_key_without_index": "foreign key with no index leading with its column",
    "unprefixed_foreign_key": "foreign key to an ai_/devops_ table without the ai_/devops_ column prefix",
    "unconstrained_reference": "uuid *_id column without a foreign key",
    "duplicate_index": "index with the same definition as another",
    "primary_key_not_uuidv7": "primary keys that are not UUIDv7 in a sample of rows",
}
# the Rails modules whose foreign keys the platform's convention prefixes (Ai:: -> ai_, Devops:: -> devops_)
PREFIXED_MODULES = ("Ai", "Devops")
SAMPLE = 200


@dataclass(frozen=True)
class Finding:
    kind: str
    table: str
    column: str = None
    detail: str = None

    def as_dict(self):
        return asdict(self)


def _prefixes():
    """The table prefixes of the installed namespaces whose Rails module the convention prefixes."""
    return [ns.table_prefix for ns in installed if ns.rails_module in PREFIXED_MODULES]


def _leading_column(keys: str) -> str:
    return re.split(r"[\s,)]", keys.strip(), maxsplit=1)[0].strip('"')


def lint(db) -> List[Finding]:
    with db.atomic():
        db.execute_sql("SET TRANSACTION READ ONLY")
        snap = snapshot(db)
        findings = _structure(snap)
        findings += _primary_keys(db, snap)
    return sorted(findings, key=lambda f: (f.kind, f.table, f.column or ""))


def _structure(snap):
    findings = []
    leading = {(table, _leading_column(index.keys)) for (table, _), index in snap.indexes.items()}
    constrained = set()
    for (table, name), key in snap.foreign_keys.items():
        constrained.add((table, key.column))
        if (table, key.column) not in leading:
            findings.append(Finding("foreign_key_without_index", table, key.column, name))
        for prefix in _prefixes():
            if key.to_table.startswith(prefix) and not key.column.startswith(prefix):
                findings.append(Finding("unprefixed_foreign_key", table, key.column, f"-> {key.to_table}"))
    for (table, column), info in snap.columns.items():
        if column.endswith("_id") and info.type == "uuid" and (table, column) not in constrained:
            if table not in IGNORED_TABLES:
                findings.append(Finding("unconstrained_reference", table, column))
    seen = {}
    for (table, name), index in sorted(snap.indexes.items()):
        key = (table, index.definition)
        if key in seen:
            findings.append(Finding("duplicate_index", table, None, f"{name} repeats {seen[key]}: {index.definition}"))
        else:
            seen[key] = name
    return findings


def _primary_keys(db, snap):
    findings = []
    for table in sorted(snap.tables - IGNORED_TABLES):
        info = snap.columns.get((table, "id"))
        if info is None or info.type != "uuid":
            continue
        # the version nibble is the 15th character of the text form
        sql = (f'SELECT count(*), count(*) FILTER (WHERE substr(id::text, 15, 1) <> \'7\') '
               f'FROM (SELECT id FROM "{table}" LIMIT {SAMPLE}) AS sample')
        total, other = db.execute_sql(sql).fetchone()
        if other:
            findings.append(Finding("primary_key_not_uuidv7", table, "id", f"{other} of {total} sampled rows"))
    return findings
