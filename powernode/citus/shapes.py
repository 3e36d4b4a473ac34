"""What the distribution plan needs to know of a table, read from the models or from a live catalog.

Both readers give the same `TableShape`s: columns and their nullability, the
primary key, unique indexes (columns, or the expression as PostgreSQL prints
it), and foreign keys with their columns on both sides and their ON DELETE /
ON UPDATE actions; indexes and keys by name, so that both read in one order.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import peewee

from ..ddl import rails_foreign_key_name
from ..references import ON_DELETE, Reference

__all__ = ["TableShape", "UniqueIndex", "ForeignKey", "shapes_from_models", "shapes_from_catalog"]


@dataclass(frozen=True)
class UniqueIndex:
    name: str
    keys: Tuple[str, ...]            # column names; an expression key as PostgreSQL prints it
    where: Optional[str] = None
    constraint: bool = False         # the index of a UNIQUE constraint (dropped with the constraint)


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: Tuple[str, ...]
    table: str                       # the referenced table
    referenced: Tuple[str, ...]
    on_delete: Optional[str] = None  # CASCADE, SET NULL, SET DEFAULT, RESTRICT; None for NO ACTION
    on_update: Optional[str] = None

    def describe(self) -> str:
        return f"foreign key {self.name} ({', '.join(self.columns)}) -> {self.table} ({', '.join(self.referenced)})"


@dataclass(frozen=True)
class TableShape:
    name: str
    columns: Dict[str, bool]         # column -> nullable, in declaration order
    primary_key: Tuple[str, ...] = ()
    primary_key_name: Optional[str] = None
    unique: Tuple[UniqueIndex, ...] = ()
    foreign_keys: Tuple[ForeignKey, ...] = ()


# -- from the models -----------------------------------------------------------------------------

def shapes_from_models(models) -> Dict[str, TableShape]:
    """The tables of these model classes; foreign keys to tables outside them are left out."""
    tables = {model._meta.table_name for model in models}
    shapes = {}
    for model in models:
        meta = model._meta
        table = meta.table_name
        primary = meta.primary_key
        key = tuple(meta.fields[name].column_name for name in primary.field_names) \
            if isinstance(primary, peewee.CompositeKey) else ((primary.column_name,) if primary else ())
        unique = [UniqueIndex(spec.name, (spec.columns,) if spec.expression else tuple(spec.columns), spec.where)
                  for spec in getattr(meta, "index_specs", ()) if spec.unique]
        unique += [UniqueIndex(f"{table}_{field.column_name}_key", (field.column_name,))
                   for field in meta.sorted_fields if field.unique and not field.primary_key]
        keys = [_model_foreign_key(table, field) for field in meta.sorted_fields
                if isinstance(field, Reference) and field.enforced]
        shapes[table] = TableShape(
            name=table,
            columns={field.column_name: bool(field.null) for field in meta.sorted_fields},
            primary_key=key, primary_key_name=f"{table}_pkey" if key else None,
            unique=tuple(sorted(unique, key=lambda index: index.name)),
            foreign_keys=tuple(sorted((fk for fk in keys if fk.table in tables), key=lambda fk: fk.name)))
    return shapes


def _model_foreign_key(table, field) -> ForeignKey:
    return ForeignKey(
        name=field.constraint_name or rails_foreign_key_name(table, field.column_name),
        columns=(field.column_name,), table=field.rel_model._meta.table_name,
        referenced=(field.rel_field.column_name,), on_delete=ON_DELETE[field.on_delete_rule])


# -- from a live database ------------------------------------------------------------------------

COLUMNS = """
SELECT c.relname, a.attname, NOT a.attnotnull
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""

# every key of a unique index: a column name, or the expression as pg_get_indexdef prints it
UNIQUE_INDEXES = """
SELECT t.relname, i.relname, x.indisprimary,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k),
       pg_get_expr(x.indpred, x.indrelid),
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype = 'u')
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = current_schema()::regnamespace AND x.indisunique
"""

FOREIGN_KEYS = """
SELECT t.relname, k.conname, r.relname,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS c(num, ord)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.num ORDER BY c.ord),
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY AS c(num, ord)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c.num ORDER BY c.ord),
       k.confdeltype, k.confupdtype
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_class r ON r.oid = k.confrelid
WHERE k.connamespace = current_schema()::regnamespace AND k.contype = 'f'
"""

ACTIONS = {"a": None, "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def shapes_from_catalog(db, tables=None, ignore=("powernode_migrations",)) -> Dict[str, TableShape]:
    """The tables of the current schema of a connected peewee database (or those of them named in `tables`).

    Foreign keys to tables outside them are left out.
    """
    columns, primary, unique, keys = {}, {}, {}, {}
    for table, column, nullable in db.execute_sql(COLUMNS).fetchall():
        columns.setdefault(table, {})[column] = nullable
    for table, name, is_primary, index_keys, where, constraint in db.execute_sql(UNIQUE_INDEXES).fetchall():
        if is_primary:
            primary[table] = (name, tuple(index_keys))
        else:
            unique.setdefault(table, []).append(UniqueIndex(name, tuple(index_keys), where, constraint))
    for table, name, to_table, from_columns, to_columns, on_delete, on_update in db.execute_sql(FOREIGN_KEYS).fetchall():
        keys.setdefault(table, []).append(ForeignKey(name, tuple(from_columns), to_table, tuple(to_columns),
                                                     ACTIONS[on_delete], ACTIONS[on_update]))
    kept = (set(columns) - set(ignore)) & (set(tables) if tables is not None else set(columns))
    shapes = {}
    for table in sorted(kept):
        key_name, key = primary.get(table, (None, ()))
        shapes[table] = TableShape(table, columns[table], key, key_name,
                                   tuple(sorted(unique.get(table, ()), key=lambda index: index.name)),
                                   tuple(sorted((fk for fk in keys.get(table, ()) if fk.table in kept),
                                                key=lambda fk: fk.name)))
    return shapes
