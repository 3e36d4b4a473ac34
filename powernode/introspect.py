"""What a live database holds, read from PostgreSQL's catalogs in four queries.

The snapshot is keyed so that two databases (or a database and the models)
compare item by item: columns by (table, column), indexes, checks and foreign
keys by (table, name). Each item is a `schema_items` value built from
PostgreSQL's own rendering of it.
"""
from dataclasses import dataclass, field
from typing import Dict, Tuple

from .schema_items import CheckDef, ColumnDef, ForeignKey, IndexDef, TableDef

__all__ = ["Snapshot", "snapshot", "fetch_all", "IGNORED_TABLES"]

#: the package's own bookkeeping (the migrator's history table): never part of a comparison
IGNORED_TABLES = frozenset({"powernode_migrations"})


@dataclass
class Snapshot:
    tables: set = field(default_factory=set)
    columns: Dict[Tuple[str, str], ColumnDef] = field(default_factory=dict)       # in column order
    indexes: Dict[Tuple[str, str], IndexDef] = field(default_factory=dict)
    checks: Dict[Tuple[str, str], CheckDef] = field(default_factory=dict)
    foreign_keys: Dict[Tuple[str, str], ForeignKey] = field(default_factory=dict)
    primary_keys: Dict[str, Tuple[str, ...]] = field(default_factory=dict)

    def table_defs(self) -> Dict[str, TableDef]:
        """Every table the snapshot holds, each as one value."""
        parts = {name: ([], [], [], []) for name in self.tables}
        for position, items in enumerate((self.columns, self.indexes, self.checks, self.foreign_keys)):
            for (table, _), item in items.items():
                parts[table][position].append(item)
        return {name: TableDef(name, tuple(columns), self.primary_keys.get(name, ()), tuple(indexes), tuple(checks),
                               tuple(keys))
                for name, (columns, indexes, checks, keys) in parts.items()}


COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""

INDEXES = """
SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisprimary
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = current_schema()::regnamespace
ORDER BY t.relname, i.relname
"""

CONSTRAINTS = """
SELECT t.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),
       (SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid AND attnum = k.conkey[1]),
       r.relname, k.confdeltype
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
LEFT JOIN pg_class r ON r.oid = k.confrelid
WHERE k.connamespace = current_schema()::regnamespace AND k.contype IN ('c', 'f', 'p')
ORDER BY t.relname, k.conname
"""

ON_DELETE = {"a": None, "c": "CASCADE", "n": "SET NULL", "r": "RESTRICT", "d": "SET DEFAULT"}


def fetch_all(db, sql: str, params=()):
    """Every row of a catalog query, on a raw cursor."""
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def snapshot(db, tables=None) -> Snapshot:
    """Read the current schema's tables (or only `tables`) from a connected peewee database."""
    wanted = set(tables) if tables is not None else None
    keep = (lambda table: table in wanted) if wanted is not None else (lambda table: True)
    snap = Snapshot()
    if wanted is not None:  # let the catalog queries skip the other tables
        return _few(db, sorted(wanted), snap)
    for table, column, type_, nullable, default, comment in fetch_all(db, COLUMNS):
        if keep(table):
            snap.tables.add(table)
            snap.columns[(table, column)] = ColumnDef(table, column, type_, nullable, default, comment)
    for table, name, definition, primary in fetch_all(db, INDEXES):
        if keep(table) and not primary:
            snap.indexes[(table, name)] = IndexDef.from_sql(table, definition)
    for table, name, kind, definition, column, to_table, on_delete in fetch_all(db, CONSTRAINTS):
        if not keep(table):
            continue
        if kind == "c":
            snap.checks[(table, name)] = CheckDef(table, name, definition)
        elif kind == "f":
            snap.foreign_keys[(table, name)] = ForeignKey(name, table, column, to_table, ON_DELETE[on_delete])
        else:
            snap.primary_keys[table] = tuple(definition[len("PRIMARY KEY ("):-1].split(", "))
    return snap


def _few(db, tables, snap):
    only = " AND {}.relname = ANY(%s)"
    columns = COLUMNS.replace("AND a.attnum > 0", "AND a.attnum > 0" + only.format("c"))
    indexes = INDEXES.replace("WHERE t.relnamespace", "WHERE t.relname = ANY(%s) AND t.relnamespace")
    constraints = CONSTRAINTS.replace("WHERE k.connamespace", "WHERE t.relname = ANY(%s) AND k.connamespace")
    for table, column, type_, nullable, default, comment in fetch_all(db, columns, (tables,)):
        snap.tables.add(table)
        snap.columns[(table, column)] = ColumnDef(table, column, type_, nullable, default, comment)
    for table, name, definition, primary in fetch_all(db, indexes, (tables,)):
        if not primary:
            snap.indexes[(table, name)] = IndexDef.from_sql(table, definition)
    for table, name, kind, definition, column, to_table, on_delete in fetch_all(db, constraints, (tables,)):
        if kind == "c":
            snap.checks[(table, name)] = CheckDef(table, name, definition)
        elif kind == "f":
            snap.foreign_keys[(table, name)] = ForeignKey(name, table, column, to_table, ON_DELETE[on_delete])
        else:
            snap.primary_keys[table] = tuple(definition[len("PRIMARY KEY ("):-1].split(", "))
    return snap
