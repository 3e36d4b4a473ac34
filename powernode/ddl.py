"""The DDL of models, rendered by peewee's schema manager from their declarations.

The generator freezes this text into each namespace's migration, so the
migration builds exactly what the models declare.
"""
import hashlib
from typing import List

from .fields import quote
from .references import ON_DELETE, Reference
from .schema_ops import ForeignKey

__all__ = ["table_statements", "foreign_keys", "rails_foreign_key_name"]


def _render(db, node) -> str:
    sql, params = db.get_sql_context().sql(node).query()
    if params:
        raise ValueError(f"DDL rendered with parameters: {sql} {params}")
    return sql


def table_statements(db, model) -> List[str]:
    """CREATE TABLE (columns, primary key, checks), its indexes, its column comments."""
    with db.bind_ctx([model], bind_refs=False, bind_backrefs=False):
        statements = [_render(db, model._schema._create_table(safe=False))]
        statements += [_render(db, index) for index in model._meta.fields_to_index()]
    table = model._meta.table_name
    for field in model._meta.sorted_fields:
        if field.help_text:
            statements.append(f'COMMENT ON COLUMN "{table}"."{field.column_name}" IS {quote(field.help_text)}')
    return statements


def foreign_keys(model) -> List[ForeignKey]:
    """The model's enforced foreign keys (looking their targets up)."""
    keys = []
    table = model._meta.table_name
    for field in model._meta.sorted_fields:
        if not isinstance(field, Reference) or not field.enforced:
            continue
        to_table = field.rel_model._meta.table_name
        name = field.constraint_name or rails_foreign_key_name(table, field.column_name)
        keys.append(ForeignKey(name, table, field.column_name, to_table, ON_DELETE[field.on_delete_rule]))
    return keys


def rails_foreign_key_name(table: str, column: str) -> str:
    """The name Rails gives an unnamed foreign key: fk_rails_ + 10 hex of SHA-256."""
    return "fk_rails_" + hashlib.sha256(f"{table}_{column}_fk".encode()).hexdigest()[:10]
