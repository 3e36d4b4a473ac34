"""Where each table goes on a Citus cluster keyed by account, and what Citus would refuse there.

Placement:
- `accounts` is distributed by its `id`: the tenant key every other table is colocated with.
- A table with `account_id` is distributed by it, colocated with accounts.
- A table without `account_id` whose every row belongs to an account through a NOT NULL foreign key
  (to accounts, or to a table placed as distributed: followed to a fixpoint; a parent row is
  preferred to a user, since `author_id`/`created_by_id` say who wrote a row, not whose it is) is
  distributed too: by that column when it points at accounts itself, else by an `account_id` it
  must gain (the `missing_key` blocker fills it from the parent).
- Every other table is a reference table: global rows, a copy on every node.

Blockers, the rules Citus enforces (create_distributed_table and its foreign-key checks):
- `primary_key`: the primary key of a distributed table must include the distribution column.
- `unique_index`: so must every unique index and unique constraint.
- `missing_key`: a tenant-owned table needs the distribution column before it can be distributed.
- `nullable_key`: a distribution column cannot hold NULL (Citus refuses such rows).
- `foreign_key`: a foreign key between distributed tables must include the distribution column on
  both sides, at the same position.
- `foreign_key_action`: a foreign key that includes the distribution column cannot SET NULL or SET
  DEFAULT on delete, nor SET NULL, SET DEFAULT or CASCADE on update.
- `reference_to_distributed`: a reference table cannot have a foreign key to a distributed table.

Each blocker's fix is SQL where SQL can say it, in phases (`PHASES`) so that all the fixes
together run in order: the keys that must go are dropped first, columns gained, primary keys and
unique indexes rebuilt, and the foreign keys added back on the new keys.
"""
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Dict, List, Optional, Tuple

from ..errors import ConfigurationError
from .shapes import ForeignKey, TableShape

__all__ = ["Placement", "Blocker", "Plan", "plan", "RULES", "PHASES", "TENANT_TABLE", "TENANT_COLUMN"]

TENANT_TABLE, TENANT_COLUMN = "accounts", "account_id"
USERS_TABLE = "users"

RULES = {
    "primary_key": "primary key without the distribution column",
    "unique_index": "unique index without the distribution column",
    "missing_key": "tenant-owned table without account_id",
    "nullable_key": "distribution column that allows NULL",
    "foreign_key": "foreign key between distributed tables without the distribution column",
    "foreign_key_action": "SET NULL / SET DEFAULT / ON UPDATE CASCADE on a key holding the distribution column",
    "reference_to_distributed": "foreign key from a reference table to a distributed table",
}
PHASES = ("drop", "column", "key", "add")  # the order the fixes run in

_REFUSED = {"ON DELETE": {"SET NULL", "SET DEFAULT"}, "ON UPDATE": {"SET NULL", "SET DEFAULT", "CASCADE"}}


@dataclass(frozen=True)
class Placement:
    table: str
    distributed: bool
    column: Optional[str] = None          # the distribution column
    reason: str = ""
    parent: Optional[ForeignKey] = None   # the key through which a table without account_id belongs to one

    @property
    def gains_key(self) -> bool:
        return self.parent is not None and self.column == TENANT_COLUMN

    def ddl(self) -> str:
        if not self.distributed:
            return f"SELECT create_reference_table('{self.table}');"
        if self.table == TENANT_TABLE:
            return f"SELECT create_distributed_table('{self.table}', '{self.column}');"
        return f"SELECT create_distributed_table('{self.table}', '{self.column}', colocate_with => '{TENANT_TABLE}');"


@dataclass(frozen=True)
class Blocker:
    table: str
    rule: str
    subject: str                                # the primary key, index, column or foreign key at fault
    problem: str                                # why Citus refuses it, one line
    steps: Tuple[Tuple[str, str], ...] = ()     # the fix as (phase, SQL statement)
    note: str = ""                              # what the SQL cannot say

    @property
    def fix(self) -> str:
        sql = " ".join(statement for _, statement in self.steps)
        return f"{sql} -- {self.note}" if sql and self.note else sql or self.note

    def as_dict(self):
        return {"table": self.table, "rule": self.rule, "subject": self.subject, "problem": self.problem,
                "sql": [statement for _, statement in self.steps], "note": self.note}


@dataclass
class Plan:
    placements: List[Placement]       # in the order the DDL must run: a table after those it references
    blockers: List[Blocker]           # by table, in that same order
    # foreign-key cycles the order breaks: (the table distributed first, its keys to drop before and add after)
    cycles: List[Tuple[str, List[ForeignKey]]] = field(default_factory=list)

    def counts(self) -> Dict[str, int]:
        return {rule: sum(b.rule == rule for b in self.blockers) for rule in RULES}

    def placement(self, table) -> Placement:
        return next(p for p in self.placements if p.table == table)

    def fix_script(self) -> List[str]:
        """Every fix's SQL, phase by phase: the changes to make before distributing."""
        return [statement for phase in PHASES for blocker in self.blockers
                for step, statement in blocker.steps if step == phase]


def plan(shapes: Dict[str, TableShape]) -> Plan:
    if TENANT_TABLE not in shapes:
        raise ConfigurationError(f"no {TENANT_TABLE} table: the plan keys every tenant by {TENANT_TABLE}.id")
    placements = _place(shapes)
    ordered, cycles = _order(shapes, placements)
    blockers = [blocker for placement in ordered for blocker in _blockers(shapes[placement.table], placements)]
    return Plan(ordered, blockers, cycles)


# -- placement -------------------------------------------------------------------------------------

def _place(shapes) -> Dict[str, Placement]:
    placements = {TENANT_TABLE: Placement(TENANT_TABLE, True, shapes[TENANT_TABLE].primary_key[0],
                                          "the tenant key: one shard per group of accounts")}
    for name, shape in shapes.items():
        if name != TENANT_TABLE and TENANT_COLUMN in shape.columns:
            placements[name] = Placement(name, True, TENANT_COLUMN, "has account_id")
    changed = True
    while changed:  # tables that reach a distributed table through a NOT NULL key follow it
        changed = False
        for name in sorted(set(shapes) - set(placements)):
            parent = _owning_key(shapes[name], placements)
            if parent is not None:
                on_accounts = parent.table == TENANT_TABLE
                placements[name] = Placement(
                    name, True, parent.columns[0] if on_accounts else TENANT_COLUMN,
                    f"each row belongs to an account through {parent.columns[0]} -> {parent.table}", parent)
                changed = True
    for name in set(shapes) - set(placements):
        placements[name] = Placement(name, False, None, "global rows: no account owns them")
    return placements


def _owning_key(shape, placements) -> Optional[ForeignKey]:
    """The NOT NULL single-column key to a distributed table through which each row belongs to an account."""
    candidates = [fk for fk in shape.foreign_keys
                  if len(fk.columns) == 1 and fk.table != shape.name and not shape.columns.get(fk.columns[0], True)
                  and fk.table in placements and placements[fk.table].distributed]
    candidates.sort(key=lambda fk: (fk.table != TENANT_TABLE, fk.table == USERS_TABLE, fk.columns))
    return candidates[0] if candidates else None


# -- blockers --------------------------------------------------------------------------------------

def _blockers(shape, placements) -> List[Blocker]:
    place = placements[shape.name]
    if not place.distributed:
        return [_reference_to_distributed(shape, fk) for fk in shape.foreign_keys if placements[fk.table].distributed]
    column, found = place.column, []
    if place.gains_key:
        found.append(_missing_key(shape, place.parent, placements))
    elif shape.columns.get(column):
        found.append(_nullable_key(shape, column))
    if shape.primary_key and column not in shape.primary_key:
        found.append(_primary_key(shape, column))
    found += [_unique_index(shape, index, column, placements) for index in shape.unique if column not in index.keys]
    for fk in shape.foreign_keys:
        if placements[fk.table].distributed:
            found += _distributed_key(shape, fk, column, placements[fk.table])
    return found


def _missing_key(shape, parent, placements) -> Blocker:
    table, parent_column = shape.name, placements[parent.table].column
    return Blocker(
        table, "missing_key", TENANT_COLUMN,
        f"no account_id, though each row belongs to an account through {parent.columns[0]} -> {parent.table}",
        (("column", f"ALTER TABLE {table} ADD COLUMN {TENANT_COLUMN} uuid;"),
         ("column", f"UPDATE {table} AS child SET {TENANT_COLUMN} = parent.{parent_column} FROM {parent.table} "
                    f"AS parent WHERE parent.{parent.referenced[0]} = child.{parent.columns[0]};"),
         ("column", f"ALTER TABLE {table} ALTER COLUMN {TENANT_COLUMN} SET NOT NULL;")))


def _nullable_key(shape, column) -> Blocker:
    return Blocker(shape.name, "nullable_key", column, f"{column} allows NULL: Citus refuses rows without it",
                   (("column", f"ALTER TABLE {shape.name} ALTER COLUMN {column} SET NOT NULL;"),),
                   "first move the rows without an account (the global ones) to a reference table")


def _primary_key(shape, column) -> Blocker:
    keys = ", ".join((column, *shape.primary_key))
    return Blocker(shape.name, "primary_key", f"primary key ({', '.join(shape.primary_key)})",
                   f"the primary key does not include {column}",
                   (("key", f"ALTER TABLE {shape.name} DROP CONSTRAINT {shape.primary_key_name}, "
                            f"ADD PRIMARY KEY ({keys});"),))


def _unique_index(shape, index, column, placements) -> Blocker:
    table, keys = shape.name, ", ".join(index.keys)
    subject = f"unique {'constraint' if index.constraint else 'index'} {index.name} ({keys})"
    drop = (f"ALTER TABLE {table} DROP CONSTRAINT {index.name};" if index.constraint
            else f"DROP INDEX {index.name};")
    if table == TENANT_TABLE:  # (id, x) would mean nothing: id alone is unique
        return Blocker(table, "unique_index", subject, f"the index does not include {column}", (("key", drop),),
                       f"keep ({keys}) unique across accounts in a reference table (one row per value, with its "
                       f"account's id) or check it in the application")
    same_meaning = any(key in shape.primary_key for key in index.keys) or any(
        fk.columns[0] in index.keys and placements[fk.table].distributed for fk in shape.foreign_keys)
    where = f" WHERE {index.where}" if index.where else ""
    create = (f"ALTER TABLE {table} ADD CONSTRAINT {index.name} UNIQUE ({column}, {keys});" if index.constraint
              else f"CREATE UNIQUE INDEX {index.name} ON {table} ({column}, {keys}){where};")
    return Blocker(table, "unique_index", subject, f"the index does not include {column}",
                   (("key", drop), ("key", create)),
                   "same meaning: each of those rows belongs to one account" if same_meaning else
                   "unique per account only: if it must hold across accounts, keep the values in a reference table")


def _distributed_key(shape, fk, column, target) -> List[Blocker]:
    """The rules for a foreign key from a distributed table to a distributed table."""
    table = shape.name
    drop = ("drop", f"ALTER TABLE {table} DROP CONSTRAINT {fk.name};")
    refused = [(event, action) for event, action in (("ON DELETE", fk.on_delete), ("ON UPDATE", fk.on_update))
               if action in _REFUSED[event]]
    on_key = column in fk.columns and fk.referenced[fk.columns.index(column)] == target.column
    found = []
    if not on_key:
        if fk.table == TENANT_TABLE:  # a second account: its rows may live on another node
            return [Blocker(table, "foreign_key", fk.describe(), "it points at another account, which may live "
                            "on another node", (drop,), "check that the account exists in the application")]
        add = ("add", f"ALTER TABLE {table} ADD CONSTRAINT {fk.name} FOREIGN KEY ({column}, {', '.join(fk.columns)}) "
                      f"REFERENCES {fk.table} ({target.column}, {', '.join(fk.referenced)}){_kept_actions(fk)};")
        found.append(Blocker(table, "foreign_key", fk.describe(), f"the key does not include {column}", (drop, add),
                             f"the {fk.table} row must then belong to the same account"))
    if refused:
        others = ", ".join(c for c in fk.columns if c != column) or column
        steps = () if not on_key else (drop, ("add", f"ALTER TABLE {table} ADD CONSTRAINT {fk.name} FOREIGN KEY "
                                                     f"({', '.join(fk.columns)}) REFERENCES {fk.table} "
                                                     f"({', '.join(fk.referenced)}){_kept_actions(fk)};"))
        found.append(Blocker(
            table, "foreign_key_action", fk.describe(),
            f"{' and '.join(f'{e} {a}' for e, a in refused)} would change {column} too once the key holds it: "
            f"Citus refuses that", steps,
            f"{'the foreign_key fix re-creates it ' if not on_key else ''}without "
            f"{' and '.join(f'{e} {a}' for e, a in refused)}: clear {others} in the application before the "
            f"{fk.table} row goes (as Rails' dependent: :nullify does)"))
    return found


def _kept_actions(fk) -> str:
    """The key's actions that Citus accepts on a key holding the distribution column."""
    return "".join(f" {event} {action}" for event, action in (("ON DELETE", fk.on_delete), ("ON UPDATE", fk.on_update))
                   if action and action not in _REFUSED[event])


def _reference_to_distributed(shape, fk) -> Blocker:
    return Blocker(shape.name, "reference_to_distributed", fk.describe(),
                   f"{shape.name} holds global rows (a reference table) but points at tenant rows in {fk.table}",
                   (("drop", f"ALTER TABLE {shape.name} DROP CONSTRAINT {fk.name};"),),
                   f"check it in the application; or, if each row belongs to one account, give {shape.name} "
                   f"account_id NOT NULL and it is distributed instead")


# -- order -----------------------------------------------------------------------------------------

def _order(shapes, placements):
    """Reference tables, then accounts, then the distributed tables: each after the tables it references."""
    graph = {name: {fk.table for fk in shape.foreign_keys if fk.table != name} for name, shape in shapes.items()}
    groups = [sorted(n for n, p in placements.items() if not p.distributed), [TENANT_TABLE],
              sorted(n for n, p in placements.items() if p.distributed and n != TENANT_TABLE)]
    ordered, cycles = [], []
    for group in groups:
        pending = {name: sorted(graph[name] & set(group)) for name in group}
        while True:
            try:
                ordered += list(TopologicalSorter(pending).static_order())
                break
            except CycleError as exc:  # one of the cycle's tables goes first, without its keys into the cycle
                cycle = exc.args[1][:-1]
                first = min(cycle)
                cycles.append((first, [fk for fk in shapes[first].foreign_keys if fk.table in cycle and fk.table != first]))
                ordered.append(first)
                pending.pop(first)
                pending = {name: [dep for dep in deps if dep != first] for name, deps in pending.items()}
    return [placements[name] for name in ordered], cycles
