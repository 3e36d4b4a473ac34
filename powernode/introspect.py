"""What a live database holds, read from PostgreSQL's catalogs in four queries.

The snapshot is keyed so that two databases (or a database and the models)
compare item by item: columns by (table, column), indexes, checks and foreign
keys by (table, name), each with PostgreSQL's own rendering of its definition.
"""
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

__all__ = ["Snapshot", "snapshot"]


@dataclass(frozen=True)
class ColumnInfo:
    type: str           # format_type(): 'character varying(255)', 'timestamp(6) without time zone'
    nullable: bool
    default: Optional[str]
    comment: Optional[str] = None


@dataclass(frozen=True)
class ForeignKeyInfo:
    column: str
    to_table: str
    on_delete: Optional[str]  # CASCADE, SET NULL, RESTRICT, or None for NO ACTION


@dataclass
class Snapshot:
    tables: set = field(default_factory=set)
    columns: Dict[Tuple[str, str], ColumnInfo] = field(default_factory=dict)
    indexes: Dict[Tuple[str, str], str] = field(default_factory=dict)      # [UNIQUE ]USING btree (...)
    checks: Dict[Tuple[str, str], str] = field(default_factory=dict)       # CHECK (...)
    foreign_keys: Dict[Tuple[str, str], ForeignKeyInfo] = field(default_factory=dict)
    primary_keys: Dict[str, Tuple[str, ...]] = field(default_factory=dict)


COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
"""

INDEXES = """
SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisprimary
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = current_schema()::regnamespace
"""

CONSTRAINTS = """
SELECT t.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),
       (SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid AND attnum = k.conkey[1]),
       r.relname, k.confdeltype
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
LEFT JOIN pg_class r ON r.oid = k.confrelid
WHERE k.connamespace = current_schema()::regnamespace AND k.contype IN ('c', 'f', 'p')
"""

ON_DELETE = {"a": None, "c": "CASCADE", "n": "SET NULL", "r": "RESTRICT", "d": "SET DEFAULT"}


def _rows(db, sql):
    with db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def snapshot(db, tables=None) -> Snapshot:
    """Read the current schema's tables (or only `tables`) from a connected peewee database."""
    wanted = set(tables) if tables is not None else None
    keep = (lambda table: table in wanted) if wanted is not None else (lambda table: True)
    snap = Snapshot()
    for table, column, type_, nullable, default, comment in _rows(db, COLUMNS):
        if keep(table):
            snap.tables.add(table)
            snap.columns[(table, column)] = ColumnInfo(type_, nullable, default, comment)
    for table, name, definition, primary in _rows(db, INDEXES):
        if keep(table) and not primary:
            unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
            snap.indexes[(table, name)] = unique + "USING " + definition.split(" USING ", 1)[1]
    for table, name, kind, definition, column, to_table, on_delete in _rows(db, CONSTRAINTS):
        if not keep(table):
            continue
        if kind == "c":
            snap.checks[(table, name)] = definition
        elif kind == "f":
            snap.foreign_keys[(table, name)] = ForeignKeyInfo(column, to_table, ON_DELETE[on_delete])
        else:
            snap.primary_keys[table] = tuple(definition[len("PRIMARY KEY ("):-1].split(", "))
    return snap
