"""Rows that make the platform's scopes discriminate: values on both sides of every cut-off their SQL draws.

`Population(db, reference).fill(model, sqls)` reads the platform's SQL of a
model's scopes and inserts rows whose columns take, at random (seeded by the
model's name), the values around every literal a condition compares a column to
(a time 1 s before, at and after each cut-off, numbers one below, at and above,
the strings listed and one other, both booleans, NULL where the column allows
it), distinct values in the ORDER BY columns, and rows in the tables the scopes
join, linked both ways. A row a constraint of the table refuses is skipped, in
its own savepoint. One factory row (`factory.make`) gives every other column.
"""
import datetime
import decimal
import json
import random
import sys
import uuid
from collections import defaultdict
from pathlib import Path

import peewee
from playhouse import postgres_ext

import powernode
from powernode import fields as fields_module
from factory import allowed_values, filler, make
from powernode.references import Reference

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.generator.catalog import Catalog  # noqa: E402
from tools.generator.scope_sql import (Between, Binary, Case, Cast, Column, Func, In, IsNull, Like,  # noqa: E402
                                       Literal, Select, Unary, parse)
from tools.generator.scope_times import parse_time  # noqa: E402
from tools.generator.sections.choices import check_lists  # noqa: E402

TABLES = Catalog().by_table

ROWS = 40
SECOND = datetime.timedelta(seconds=1)
LONG_AGO = datetime.timedelta(days=3650)


class Population:
    def __init__(self, db, reference):
        self.db, self.reference = db, reference
        self.filled = set()
        self.skipped = 0
        self.refusals = {}  # table -> the first reason a generated row was refused

    def fill(self, model, sqls):
        """Rows for `model` (and the tables its scopes join) that the scopes in `sqls` tell apart."""
        if model in self.filled:
            return
        self.filled.add(model)
        plan = _Plan(model._meta.table_name)
        for sql in sqls:
            plan.read(parse(sql))
        models = {m._meta.table_name: m for m in powernode.registry.loaded()}
        created = {}
        for table in plan.order():
            target = models[table]
            parents = {column: created[parent] for (child, column), parent in plan.links.items()
                       if child == table and parent in created}
            created[table] = self.rows(target, plan.candidates[table], plan.ordered[table], parents,
                                       random.Random(f"{model._meta.rails_name}:{table}"), plan.hints[table])

    def rows(self, model, candidates, ordered, parents, rng, hints=()):
        """Insert variants of one factory row of `model` (one meeting each scope's conditions first); their ids."""
        base = make(model)
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        checked = {column: values for column, (values, _) in check_lists(TABLES[model._meta.table_name]).items()}
        values = {column: self.values(fields[column], literals, checked.get(column))
                  for column, literals in candidates.items() if column in fields and not fields[column].primary_key}
        values = {column: choices for column, choices in values.items() if choices}
        for column, ids in parents.items():  # half the parents get children: a join tells them apart
            values[column] = list(ids)[: max(1, (len(ids) + 1) // 2)] + ([None] if fields[column].null else [])
        ids = [base.get_id()] if model._meta.primary_key else []
        allowed = {**allowed_values(model), **checked}
        unique = {c for index in model._meta.index_specs if index.unique and not index.expression for c in index.columns}
        cycles = {column: rng.sample(choices, len(choices)) for column, choices in values.items()}
        meeting = [_meeting(hint, values, fields, self.reference, rng) for hint in hints]
        for number in range(len(meeting) + max([ROWS] + [len(c) + ROWS // 2 for c in values.values()])):
            row = {name: value for name, value in base.__data__.items() if name != "id"}
            for field in model._meta.sorted_fields:
                column = field.column_name
                if field.primary_key or column in values:
                    continue
                if isinstance(field, (peewee.CharField, peewee.TextField)) and not isinstance(field, Reference) \
                        and column not in allowed:
                    row[field.name] = filler(field, allowed)  # fresh strings: no clash on unique ones
                elif isinstance(field, peewee.DateTimeField) and row.get(field.name) is not None:
                    row[field.name] = self.reference - LONG_AGO + number * SECOND  # before every cut-off
                elif column in unique and isinstance(field, Reference):
                    row[field.name] = None if field.null else _parent_id(field)
                elif column in unique and isinstance(field, peewee.IntegerField):
                    row[field.name] = 1000 + number
                elif column in unique and isinstance(field, peewee.DateField) and row.get(field.name):
                    row[field.name] = row[field.name] - datetime.timedelta(days=number + 1)
            for column, choices in values.items():  # each value once, then at random
                cycle = cycles[column]
                row[fields[column].name] = cycle[number] if number < len(cycle) else rng.choice(choices)
            if number < len(meeting):  # a row that meets every condition of one scope
                row.update({fields[column].name: value for column, value in meeting[number].items()})
            for column in ordered:
                if column in fields and column not in values and not isinstance(fields[column], Reference):
                    row[fields[column].name] = _distinct(fields[column], number, self.reference)
            inserted = self.insert(model, row, values)
            if inserted is None:
                continue
            if model._meta.primary_key:
                ids.append(inserted)
        return ids

    def insert(self, model, row, values):
        """Insert `row`; where a check refuses it, once more with the other counts large (`a <= b` checks)."""
        for attempt in range(2):
            try:
                with self.db.atomic():
                    return model.insert(row).execute() or True
            except peewee.DatabaseError as error:
                self.refusals.setdefault(model._meta.table_name, str(error))
                if attempt or "check constraint" not in str(error):
                    break
                row = dict(row, **{f.name: 1000 for f in model._meta.sorted_fields
                                   if type(f) in (fields_module.IntegerField, fields_module.BigIntegerField)
                                   and f.column_name not in values and not f.unique})
        self.skipped += 1
        return None

    def values(self, field, literals, checked):
        """The values a column takes: around each literal compared to it, NULL where allowed."""
        found = []
        for literal in literals or [None]:
            found += _around(field, literal, self.reference)
        if not literals or isinstance(field, peewee.BooleanField):
            found += self.plain(field)
        if field.null:
            found.append(None)
        if checked:  # what the table's check allows, and one value no literal names
            found = [v for v in found if v is None or v in checked] + [checked[-1]]
        unique = []
        for value in found:
            if value not in unique:
                unique.append(value)
        return unique  # none: the column keeps the factory row's value

    def plain(self, field):
        if isinstance(field, Reference):  # a reference a condition tests: one row to point at
            return [_parent_id(field)]
        return _plain(field) or [filler(field, {})]


class _Plan:
    """What a model's scopes compare, order by and join, read from their SQL."""

    def __init__(self, table):
        self.table = table
        self.candidates = defaultdict(lambda: defaultdict(list))  # table -> column -> literals
        self.ordered = defaultdict(set)                          # table -> columns an ORDER BY names
        self.links = {}                                          # (child table, column) -> parent table
        self.hints = defaultdict(list)                           # table -> [[(column, op, literal)] per scope]
        self.tables = [table]

    def order(self):
        """Tables, parents before the children that reference them."""
        ordered, pending = [], list(self.tables)
        while pending:
            for table in pending:
                if all(parent in ordered or parent == table for (child, _), parent in self.links.items()
                       if child == table):
                    ordered.append(table)
                    pending.remove(table)
                    break
            else:
                raise AssertionError(f"circular joins among {pending}")
        return ordered

    def read(self, select, scope=None):
        own = select.table
        if own not in self.tables:
            self.tables.append(own)
        tables = [own]
        for join in select.joins:
            if join.table not in self.tables:
                self.tables.append(join.table)
            tables.append(join.table)
            self.link(join.on, tables)
        if select.where is not None:
            self.hints[own].append([condition for node in _conjuncts(select.where)
                                    for condition in [_condition(node, own)] if condition])
        for node in [select.where, *select.group_by, *(o.expression for o in select.order_by),
                     *(select.distinct if isinstance(select.distinct, list) else [])]:
            if node is not None:
                self.visit(node, tables)
        for item in select.order_by:
            if isinstance(item.expression, Column):
                self.ordered[self.table_of(item.expression, tables)].add(item.expression.name)

    def link(self, on, tables):
        if isinstance(on, Binary) and on.op == "=" and isinstance(on.left, Column) and isinstance(on.right, Column):
            left, right = (self.table_of(on.left, tables), on.left.name), (self.table_of(on.right, tables), on.right.name)
            child, parent = (left, right) if right[1] == "id" else (right, left)
            self.links[child] = parent[0]

    def table_of(self, column, tables):
        return column.table or tables[0]

    def note(self, column, tables, literal=None):
        literals = self.candidates[self.table_of(column, tables)][column.name]
        if literal is not None and literal not in literals:
            literals.append(literal)

    def visit(self, node, tables):
        if isinstance(node, Binary) and node.op in ("AND", "OR", "+", "-", "*", "/"):
            self.visit(node.left, tables)
            self.visit(node.right, tables)
        elif isinstance(node, Binary) and node.op in ("->>", "->"):
            if isinstance(node.left, Column):
                self.note(node.left, tables, ("json key", node.right.value))
        elif isinstance(node, Binary) and node.op in ("@>", "<@", "?"):
            if isinstance(node.left, Column):
                self.note(node.left, tables, ("json", node.op, node.right.value))
        elif isinstance(node, Binary):
            self.compared(node.left, [node.right], tables)
            self.compared(node.right, [node.left], tables)
        elif isinstance(node, Between):
            self.compared(node.operand, [node.low, node.high], tables)
        elif isinstance(node, In):
            if isinstance(node.values, Select):
                self.read(node.values)
                self.visit(node.operand, tables)
            else:
                self.compared(node.operand, node.values, tables)
        elif isinstance(node, (IsNull, Unary, Cast)):
            self.visit(node.operand, tables)
        elif isinstance(node, Like):
            self.compared(node.operand, [node.pattern], tables)
        elif isinstance(node, Func):
            for arg in node.args:
                if "ARRAY" in node.name and isinstance(arg, Column):  # jsonb_array_length(x): x holds arrays
                    self.note(arg, tables, ("json array",))
                self.visit(arg, tables)
        elif isinstance(node, Case):
            if node.subject is not None:
                self.compared(node.subject, [w for w, _ in node.whens], tables)
            for condition, result in node.whens:
                self.visit(condition, tables)
                self.visit(result, tables)
            if node.default is not None:
                self.visit(node.default, tables)
        elif isinstance(node, Column):
            self.note(node, tables)

    def compared(self, side, others, tables):
        if isinstance(side, Binary) and side.op in ("->>", "->") and isinstance(side.left, Column):
            for other in others:
                if isinstance(other, Literal):
                    self.note(side.left, tables, ("json key", side.right.value, other.value))
            return
        if not isinstance(side, Column):
            self.visit(side, tables)
            return
        json_casts = [o for o in others if isinstance(o, Cast) and isinstance(o.operand, Literal)
                      and o.type in ("json", "jsonb")]
        for cast in json_casts:
            self.note(side, tables, ("json", "=", cast.operand.value))
        literals = [o for o in others if isinstance(o, Literal)]
        for literal in literals:
            self.note(side, tables, literal.value)
        literals += json_casts
        if not literals:
            self.note(side, tables)


def _parent_id(field):
    """The id of a new row for a reference to point at (a bare uuid where the target's namespace is absent)."""
    if field.rel_model._meta.namespace not in powernode.models.namespaces:
        return uuid.uuid4()  # without the namespace the column is a plain uuid: no key to satisfy
    return make(field.rel_model).get_id()


def _conjuncts(node):
    if isinstance(node, Binary) and node.op == "AND":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _condition(node, table):
    """(column, op, literal values) for a condition of `table`'s column against literals, else None."""
    def own(column):
        return isinstance(column, Column) and column.table in (None, table)
    if isinstance(node, Binary) and node.op in ("=", "!=", "<", "<=", ">", ">=") and own(node.left) \
            and isinstance(node.right, Literal):
        return node.left.name, node.op, [node.right.value]
    if isinstance(node, In) and own(node.operand) and isinstance(node.values, list) \
            and all(isinstance(v, Literal) for v in node.values):
        return node.operand.name, "NOT IN" if node.negated else "IN", [v.value for v in node.values]
    if isinstance(node, IsNull) and own(node.operand):
        return node.operand.name, "IS NOT NULL" if node.negated else "IS NULL", []
    if isinstance(node, Between) and own(node.operand) and not node.negated \
            and isinstance(node.low, Literal) and isinstance(node.high, Literal):
        return node.operand.name, "BETWEEN", [node.low.value, node.high.value]
    return None


def _meeting(conditions, values, fields, reference, rng):
    """column -> a candidate value meeting every condition on it (columns no candidate meets are left out)."""
    chosen = {}
    for column in {c for c, _, _ in conditions}:
        if column not in values or column not in fields:
            continue
        field = fields[column]
        fits = [v for v in values[column]
                if all(_meets(v, op, [_typed(field, x) for x in literals]) for c, op, literals in conditions
                       if c == column)]
        if fits:
            chosen[column] = rng.choice(fits)
    return chosen


def _typed(field, literal):
    if isinstance(literal, str) and isinstance(field, (peewee.DateTimeField, peewee.DateField)):
        moment = parse_time(literal)
        if isinstance(field, peewee.DateField) and isinstance(moment, datetime.datetime):
            return moment  # compared as a timestamp, as PostgreSQL does
        return moment
    if isinstance(literal, str) and isinstance(field, (peewee.IntegerField, peewee.DecimalField, peewee.DoubleField)):
        return decimal.Decimal(literal)
    return literal


def _meets(value, op, literals):
    if op == "IS NULL":
        return value is None
    if value is None:
        return False
    if op == "IS NOT NULL":
        return True
    try:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime) \
                and any(isinstance(x, datetime.datetime) for x in literals):
            value = datetime.datetime.combine(value, datetime.time())
        if isinstance(value, float):
            value = decimal.Decimal(repr(value))
        if op == "IN":
            return value in literals
        if op == "NOT IN":
            return value not in literals
        if op == "BETWEEN":
            return literals[0] <= value <= literals[1]
        other = literals[0]
        return {"=": value == other, "!=": value != other, "<": value < other, "<=": value <= other,
                ">": value > other, ">=": value >= other}[op]
    except TypeError:
        return False


def _around(field, literal, reference):
    """Values of `field` at and on both sides of `literal` (or plain ones when there is none)."""
    if literal is None:
        return []
    if isinstance(literal, tuple):
        return _json_values(literal)
    if isinstance(field, (peewee.DateTimeField, peewee.DateField)) and isinstance(literal, str):
        moment = parse_time(literal)
        if moment is None:
            return []
        if isinstance(field, peewee.DateTimeField):
            if not isinstance(moment, datetime.datetime):
                moment = datetime.datetime.combine(moment, datetime.time())
            return [moment - SECOND, moment, moment + SECOND]
        day = moment if not isinstance(moment, datetime.datetime) else moment.date()
        return [day - datetime.timedelta(days=1), day, day + datetime.timedelta(days=1)]
    if isinstance(field, peewee.BooleanField):
        return [True, False]
    if isinstance(field, (peewee.IntegerField, peewee.BigIntegerField)) and isinstance(literal, str):
        value = decimal.Decimal(literal)
        low = int(value.to_integral_value(rounding=decimal.ROUND_FLOOR))
        return sorted({low - 1, low, low + 1, low + 2})
    if isinstance(field, (peewee.DecimalField, peewee.DoubleField)) and isinstance(literal, str):
        value = decimal.Decimal(literal)
        step = decimal.Decimal("0.01")
        values = [value - step, value, value + step]
        return values if isinstance(field, peewee.DecimalField) else [float(v) for v in values]
    if isinstance(field, (peewee.CharField, peewee.TextField)) and isinstance(literal, str):
        return [literal, "zz_other"]
    if isinstance(field, postgres_ext.JSONField) and isinstance(literal, str):
        return _json_values(("json", "=", literal))
    return []


def _plain(field):
    """Values for a column a condition uses without a literal (compared to another column, in arithmetic)."""
    if isinstance(field, peewee.BooleanField):
        return [True, False]
    if isinstance(field, (peewee.IntegerField, peewee.BigIntegerField)):
        return [0, 1, 2, 5, 10, 200000000]
    if isinstance(field, peewee.DecimalField):
        largest = 10 ** ((field.max_digits or 10) - (field.decimal_places or 0)) - 1
        return [decimal.Decimal(v) for v in ("0", "0.5", "1", "5", "10") if decimal.Decimal(v) <= largest]
    if isinstance(field, peewee.DoubleField):
        return [0.0, 0.5, 1.0, 5.0, 10.0]
    if isinstance(field, peewee.DateTimeField):
        return [datetime.datetime(2025, 6, 1, 12), datetime.datetime(2026, 6, 1, 12)]
    if isinstance(field, (peewee.CharField, peewee.TextField)):
        return ["a_value", "zz_other"]
    return []


def _json_values(literal):
    if literal[0] == "json array":
        return [[], ["a"], ["a", "b"]]
    if literal[0] == "json key":
        key = literal[1]
        values = [{key: literal[2]}] if len(literal) > 2 else []
        return values + [{key: "zz_other"}, {}]
    _, op, text = literal
    if op == "?":
        return [[text], ["zz_other"], {text: 1}, {}]
    value = json.loads(text)
    if op == "=":
        return [value, ["zz_other"] if isinstance(value, list) else {"zz_other": 1}]
    return [value, [] if isinstance(value, list) else {}, value + ["zz_other"] if isinstance(value, list) else value]


def _distinct(field, number, reference):
    """A value of an ORDER BY column unique to row `number` (so the order is total)."""
    if isinstance(field, peewee.DateTimeField):
        return reference - datetime.timedelta(minutes=number * 7 % ROWS)
    if isinstance(field, peewee.DateField):
        return reference.date() - datetime.timedelta(days=number * 7 % ROWS)
    if isinstance(field, (peewee.IntegerField, peewee.BigIntegerField, peewee.DoubleField, peewee.DecimalField)):
        return number * 7 % ROWS
    if isinstance(field, (peewee.CharField, peewee.TextField)) and not allowed_values(field.model).get(
            field.column_name):
        return f"row {number * 7 % ROWS:03d}"
    return None if field.null else filler(field, {})
