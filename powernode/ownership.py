"""Which account owns each row of each table: derived from the live schema's foreign keys and the models.

    owners = ownership(db, models)       # {table: Owner}
    owners["user_tokens"].links          # (Link("user_id", "users", "id", not_null=True),)

A table is owned
- as `accounts` itself: a row is its own account;
- directly, through its `account_id` (NULL there marks a platform-wide row, shared by every account);
- through links: foreign keys (enforced in the database, or declared by a model without a
  constraint) to tables that are owned themselves, however long the chain. Its NOT NULL links
  name its owners (all its links when none is NOT NULL); the others are references to rows the
  account may see (a `granted_by_id`), not owners;
- through a polymorphic owner (`owner_type`/`owner_id` with no foreign key), when it has no link:
  the type names a model, and the row is owned when that model's row is; a model whose table is
  `accounts` or has `account_id` can be named (`polymorphic_targets`).
Every other table is global: platform-wide data no account owns (permissions, roles, plans, ...).

Links only ever point from a table to one nearer the account (or, between tables equally far, one
that does not point back), so that policies built on them never recurse.
"""
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Dict, Optional, Tuple

__all__ = ["Link", "Owner", "ownership", "polymorphic_targets", "ACCOUNTS", "TENANT_COLUMN", "ACCOUNT", "DIRECT", "LINKED",
           "POLYMORPHIC", "GLOBAL"]

ACCOUNTS = "accounts"
TENANT_COLUMN = "account_id"
ACCOUNT, DIRECT, LINKED, POLYMORPHIC, GLOBAL = "account", "direct", "linked", "polymorphic", "global"


@dataclass(frozen=True)
class Link:
    """`table.column` references `parent.parent_column` (a polymorphic owner: the table `type_column` names)."""
    column: str
    parent: str
    parent_column: str = "id"
    not_null: bool = False
    type_column: Optional[str] = None


@dataclass(frozen=True)
class Owner:
    table: str
    kind: str                                 # ACCOUNT, DIRECT, LINKED, POLYMORPHIC or GLOBAL
    shared: bool = False                      # DIRECT with a nullable account_id: NULL rows are platform-wide
    links: Tuple[Link, ...] = field(default=())       # LINKED, POLYMORPHIC: the owners
    references: Tuple[Link, ...] = field(default=())  # LINKED: links that do not make an owner
    distance: Optional[int] = None            # foreign keys between the table and an account-bearing one

    @property
    def tenant_owned(self) -> bool:
        return self.kind != GLOBAL

    def describe(self) -> str:
        if self.kind == ACCOUNT:
            return "the current account's own row"
        if self.kind == DIRECT:
            return f"{TENANT_COLUMN}" + (" (NULL: platform-wide, read-only)" if self.shared else "")
        if self.kind == POLYMORPHIC:
            return "through " + ", ".join(f"{link.type_column}/{link.column}" for link in self.links)
        if self.kind == LINKED:
            return "through " + ", ".join(f"{link.column} -> {link.parent}" for link in self.links)
        return "platform-wide (read-only)"


TABLES = """
SELECT c.relname FROM pg_class c
WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace AND NOT c.relispartition
"""

COLUMNS = """
SELECT c.relname, a.attname, a.attnotnull, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace
  AND a.attnum > 0 AND NOT a.attisdropped
"""

FOREIGN_KEYS = """
SELECT c.relname, a.attname, r.relname, ra.attname
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_class r ON r.oid = k.confrelid
JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1]
WHERE k.contype = 'f' AND cardinality(k.conkey) = 1
  AND c.relnamespace = current_schema()::regnamespace AND r.relnamespace = c.relnamespace
"""


def _rows(db, sql):
    with db.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def ownership(db, models=()) -> Dict[str, Owner]:
    """{table: Owner} for every table of the current schema."""
    tables = {name for (name,) in _rows(db, TABLES)}
    columns = {(table, column): (not_null, type_) for table, column, not_null, type_ in _rows(db, COLUMNS)}
    candidates = _foreign_keys(db, tables, columns, models)

    distance = {ACCOUNTS: 0} if ACCOUNTS in tables else {}
    distance.update({table: 0 for table in tables if (table, TENANT_COLUMN) in columns and table != ACCOUNTS})
    frontier, level = set(distance), 0
    while frontier:  # breadth first: each table's distance is its shortest chain
        level += 1
        frontier = {table for table in tables - set(distance)
                    if any(link.parent in frontier for link in candidates.get(table, ()))}
        distance.update(dict.fromkeys(frontier, level))
    links = _acyclic({table: [link for link in candidates.get(table, ()) if link.parent in distance]
                      for table in distance if distance[table] > 0}, distance)

    owners = {}
    for table in sorted(tables):
        if table == ACCOUNTS:
            owners[table] = Owner(table, ACCOUNT, distance=0)
        elif (table, TENANT_COLUMN) in columns:
            owners[table] = Owner(table, DIRECT, shared=not columns[(table, TENANT_COLUMN)][0], distance=0)
        elif table in distance:
            required = tuple(link for link in links[table] if link.not_null)
            optional = tuple(link for link in links[table] if not link.not_null)
            owners[table] = Owner(table, LINKED, links=required or optional, references=optional if required else (),
                                  distance=distance[table])
        else:
            polymorphic = _polymorphic_links(table, columns)
            owners[table] = (Owner(table, POLYMORPHIC, links=polymorphic, distance=1) if polymorphic
                             else Owner(table, GLOBAL))
    return owners


def _foreign_keys(db, tables, columns, models):
    """{table: [Link]}: the database's single-column foreign keys, and the models' references without one."""
    found = {}
    for table, column, parent, parent_column in _rows(db, FOREIGN_KEYS):
        if table != parent:
            found.setdefault(table, {})[column] = Link(column, parent, parent_column, columns[(table, column)][0])
    for model in models:
        table = model._meta.table_name
        if table not in tables:
            continue
        for field_ in model._meta.sorted_fields:
            target = getattr(field_, "rel_model", None)
            if target is None or (table, field_.column_name) not in columns:
                continue
            parent = target._meta.table_name
            if parent in tables and parent != table and field_.column_name not in found.get(table, {}):
                found.setdefault(table, {})[field_.column_name] = Link(
                    field_.column_name, parent, field_.rel_field.column_name, columns[(table, field_.column_name)][0])
    return {table: sorted(by_column.values(), key=lambda link: link.column) for table, by_column in found.items()}


def _acyclic(links, distance):
    """Drop links until no two tables' policies consult each other (PostgreSQL refuses recursive policies);
    never one that brings a table nearer its account, so every table keeps its shortest chain."""
    links = {table: list(items) for table, items in links.items()}
    while True:
        graph = {table: {link.parent for link in items if link.parent in links} for table, items in links.items()}
        try:
            list(TopologicalSorter(graph).static_order())
            return links
        except CycleError as error:
            cycle = error.args[1]  # each node precedes (is a parent of) the next
            # a cycle cannot only get nearer the account: drop one of its links that does not
            child, parent = next((child, parent) for parent, child in zip(cycle, cycle[1:])
                                 if distance[parent] >= distance[child])
            links[child] = [link for link in links[child] if link.parent != parent]


def _polymorphic_links(table, columns):
    """A link per `<name>_type`/`<name>_id` pair (the id a uuid): its owner is whatever row the type names."""
    links = []
    for (name, column), (_, type_) in sorted(columns.items()):
        if name == table and column.endswith("_type"):
            id_column = column[:-len("_type")] + "_id"
            if columns.get((table, id_column), (None, None))[1] == "uuid":
                links.append(Link(id_column, None, "id", False, type_column=column))
    return tuple(links)


def polymorphic_targets(owners, models) -> Dict[str, Tuple[str, str]]:
    """{Rails name: (table, the column that names its account)} for models a polymorphic owner may name."""
    targets = {}
    for model in models:
        owner = owners.get(model._meta.table_name)
        keyed_by_id = model._meta.primary_key and model._meta.primary_key.column_name == "id"
        if owner is not None and owner.kind in (ACCOUNT, DIRECT) and keyed_by_id:
            targets[model._meta.rails_name] = (owner.table, "id" if owner.kind == ACCOUNT else TENANT_COLUMN)
    return dict(sorted(targets.items()))
