"""Audit a live database against the platform's conventions (no models needed).

Foreign keys without an index that leads with them, foreign keys to `ai_`/
`devops_` tables without the prefix, `uuid` `*_id` columns without a
constraint, duplicate indexes, and primary keys that are not UUIDv7 in a
sample of rows.

The platform departs from its own conventions in reviewed places; the package's
migrations keep those departures (attach mode must match the platform). The
bundled list `lint_accepted.txt` names them, so that `lint` fails only on a new
one: `accepted()` reads it, `tools/lint_accepted.py` rewrites it.
"""
import re
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import FrozenSet, List

from .errors import ConfigurationError
from .introspect import IGNORED_TABLES, snapshot
from .plugins import installed

__all__ = ["Finding", "lint", "accepted", "render_accepted", "KINDS", "ACCEPTED"]

KINDS = {
    "foreign_key_without_index": "foreign key with no index leading with its column",
    "unprefixed_foreign_key": "foreign key to an ai_/devops_ table without the ai_/devops_ column prefix",
    "unconstrained_reference": "uuid *_id column without a foreign key",
    "duplicate_index": "index with the same definition as another",
    "primary_key_not_uuidv7": "primary keys that are not UUIDv7 in a sample of rows",
}
# the Rails modules whose foreign keys the platform's convention prefixes (Ai:: -> ai_, Devops:: -> devops_)
PREFIXED_MODULES = ("Ai", "Devops")
ACCEPTED = "lint_accepted.txt"  # bundled beside this module
SAMPLE = 200


@dataclass(frozen=True)
class Finding:
    kind: str
    table: str
    column: str = None
    detail: str = None

    def as_dict(self):
        return asdict(self)

    def line(self) -> str:
        """This finding as one line of an accepted list."""
        return " ".join([self.kind, self.table, self.column or "-", *([self.detail] if self.detail else [])])

    @classmethod
    def parse(cls, line: str) -> "Finding":
        kind, table, column, *detail = line.split(" ", 3)
        return cls(kind, table, None if column == "-" else column, detail[0] if detail else None)


def accepted(path=None) -> FrozenSet[Finding]:
    """The reviewed findings in `path` (default: the bundled list); `#` starts a comment."""
    try:
        text = Path(path).read_text() if path else resources.files(__package__).joinpath(ACCEPTED).read_text()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the accepted findings {path} ({exc.strerror}): "
                                 "pass --accepted with a file `powernode lint` can read") from None
    try:
        return frozenset(Finding.parse(line.strip()) for line in text.splitlines()
                         if line.strip() and not line.lstrip().startswith("#"))
    except ValueError:
        raise ConfigurationError(f"{path or ACCEPTED} is not a list of findings (kind table column detail)") from None


def render_accepted(findings) -> str:
    header = ["# The platform's own departures from its conventions, as `powernode lint` finds them in a",
              "# fresh `powernode migrate` of every namespace: reviewed, and accepted by `lint`.",
              "# Rewritten by `python tools/lint_accepted.py`; one finding a line: kind table column detail.", ""]
    return "\n".join(header + sorted(f.line() for f in findings)) + "\n"


def _prefixes():
    """The table prefixes of the installed namespaces whose Rails module the convention prefixes."""
    return [ns.table_prefix for ns in installed if ns.rails_module in PREFIXED_MODULES]


def _leading_column(keys: str) -> str:
    return re.split(r"[\s,)]", keys.strip(), maxsplit=1)[0].strip('"')


def lint(db, models=()) -> List[Finding]:
    """Every departure from the conventions. models: a `uuid` column one of them declares as a foreign
    key to a table the database lacks is a key still to come (its namespace is not migrated), not one."""
    with db.atomic():
        db.execute_sql("SET TRANSACTION READ ONLY")
        snap = snapshot(db)
        findings = _structure(snap, _pending_keys(models, snap.tables))
        findings += _primary_keys(db, snap)
    return sorted(findings, key=lambda f: (f.kind, f.table, f.column or ""))


def _pending_keys(models, tables):
    pending = set()
    for model in models:
        for field in model._meta.sorted_fields:
            target = getattr(field, "rel_model", None)
            if target is not None and getattr(field, "enforced", True) and target._meta.table_name not in tables:
                pending.add((model._meta.table_name, field.column_name))
    return pending


def _structure(snap, pending=frozenset()):
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
    known = constrained | pending
    for (table, column), info in snap.columns.items():
        if column.endswith("_id") and info.type == "uuid" and (table, column) not in known:
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
