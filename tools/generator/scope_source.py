"""One platform scope's SQL as the body of a `Scope` declaration: peewee expressions, or raw SQL where it must.

    translate(sql, tables, "invoices", reference_time)
    -> ScopeCode(chain=[("where", ['m.status == "open"', "m.due_at < now()"])], uses=[], raw=[], ...)

`tables` describes every generated table (`TableInfo`: its model, class, column
attributes and types). Columns become `m.<attribute>` (the scope's model) or
`<Class>.<attribute>` (a joined model, passed to the scope by `uses`); literals
become Python values of the column's kind, time literals the clock expressions of
`scope_times`; AND at the top becomes separate `where()` arguments, as a Rails
chain of `where`s. A condition the translation cannot express becomes
`SQL("...", [params])`: the platform's text with the scope's own table
unqualified (peewee aliases it) and its times still read from the clock.
"""
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, List, Optional

from .scope_sql import (Between, Binary, Case, Cast, Column, Func, In, IsNull, Like, Literal, Select, Star,
                        Unary, Unsupported, parse, tokenize)
from .scope_times import parse_time, relative_time
from .source import literal

__all__ = ["TableInfo", "ScopeCode", "translate", "MissingColumn", "MissingTable"]

# Python precedence of what an expression renders to, loosest first
COMPARISON, OR, AND, ADD, MULTIPLY, UNARY, ATOM = range(1, 8)
PY_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "+": "+", "-": "-", "*": "*",
          "/": "/"}
TIME_TYPES = ("timestamp", "date")
JSON_TYPES = ("json", "jsonb")


class MissingColumn(Unsupported):
    """The SQL names a column its table does not have (the platform's scope fails on its own schema)."""


class MissingTable(Unsupported):
    """The SQL names a table that is not generated here."""


@dataclass
class TableInfo:
    table: str
    model: str                       # Rails name
    class_name: str
    attributes: Dict[str, str]       # column -> attribute
    types: Dict[str, str]            # column -> sql type


@dataclass
class ScopeCode:
    chain: List[tuple] = field(default_factory=list)   # (method, [argument sources])
    uses: List[str] = field(default_factory=list)       # Rails names of joined models
    params: List[str] = field(default_factory=list)     # their parameter names
    raw: List[str] = field(default_factory=list)        # the conditions kept as SQL, as the platform wrote them
    times: List[tuple] = field(default_factory=list)    # (the platform's literal, the clock expression read)
    dropped: List[str] = field(default_factory=list)    # conditions that are always true
    peewee: set = field(default_factory=set)            # names imported from peewee
    clock: set = field(default_factory=set)             # names imported from the clock
    decimal: bool = False

    @property
    def readable(self):
        return not self.raw


def translate(sql: str, tables: Dict[str, TableInfo], table: str, reference) -> ScopeCode:
    """The scope of `table` whose SQL is `sql` as a chain of query methods; raises Unsupported."""
    select = parse(sql)
    if select.table != table:
        raise Unsupported(f"selects from {select.table}, not the scope's table")
    code = ScopeCode()
    _Translator(code, tables, reference, sql, table, table).statement(select, code.chain, top=True)
    return code


class _Translator:
    """Renders one statement; `scope_table` is the model's (`m`), `own` the statement's FROM table."""

    def __init__(self, code, tables, reference, source, scope_table, own):
        self.code, self.tables, self.reference, self.source = code, tables, reference, source
        self.scope_table, self.own = scope_table, own
        self.joined = []  # tables joined in this statement

    # -- statements -----------------------------------------------------------------
    def statement(self, select, chain, top=False):
        columns = select.columns
        star = len(columns) == 1 and isinstance(columns[0], Star) and columns[0].table in (None, select.table)
        if not star:
            if any(isinstance(c, Star) for c in columns):
                raise Unsupported("a select list mixing * and columns")
            chain.append(("select", [self.expression(c)[0] for c in columns]))
        if select.distinct is True:
            chain.append(("distinct", []))
        elif select.distinct:
            chain.append(("distinct", [self.expression(node)[0] for node in select.distinct]))
        for join in select.joins:
            info = self.table(join.table)
            if info.model not in self.code.uses:
                self.code.uses.append(info.model)
                self.code.params.append(info.class_name)
            self.joined.append(join.table)
            arguments = [info.class_name]
            if join.kind == "LEFT":
                self.code.peewee.add("JOIN")
                arguments.append("JOIN.LEFT_OUTER")
            arguments.append(f"on=({self.expression(join.on)[0]})")
            chain.append(("join", arguments))
        if select.where is not None:
            conditions = []
            for node in _conjuncts(select.where):
                if _always_true(node):
                    self.code.dropped.append("1 = 1")
                    continue
                conditions.append(self.condition(node, select, top))
            if conditions:
                chain.append(("where", conditions))
        if select.group_by:
            chain.append(("group_by", [self.expression(node)[0] for node in select.group_by]))
        if select.order_by:
            chain.append(("order_by", [self.order(item) for item in select.order_by]))
        if select.limit is not None:
            chain.append(("limit", [str(select.limit)]))
        if select.offset is not None:
            chain.append(("offset", [str(select.offset)]))

    def condition(self, node, select, top):
        try:
            return self.expression(node)[0]
        except (MissingColumn, MissingTable):
            raise
        except Unsupported:
            if not top or self.joined:
                raise
            return self.raw(node)

    def order(self, item):
        source, precedence = self.expression(item.expression)
        if item.direction is None and item.nulls is None:
            return source
        nulls = f'nulls="{item.nulls}"' if item.nulls else ""
        method = (item.direction or "ASC").lower()
        return f"{_wrap(source, precedence, ATOM)}.{method}({nulls})"

    # -- expressions: (source, python precedence) -------------------------------------
    def expression(self, node, context=None):
        if isinstance(node, Column):
            return self.column(node), ATOM
        if isinstance(node, Literal):
            return self.literal(node, context), ATOM
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Unary):
            if node.op != "NOT":
                raise Unsupported(f"unary {node.op}")
            operand, precedence = self.expression(node.operand)
            return f"~{_wrap(operand, precedence, ATOM)}", UNARY
        if isinstance(node, IsNull):
            operand, precedence = self.expression(node.operand)
            return f"{_wrap(operand, precedence, ATOM)}.is_null({'False' if node.negated else ''})", ATOM
        if isinstance(node, In):
            operand, precedence = self.expression(node.operand)
            method = "not_in" if node.negated else "in_"
            if isinstance(node.values, Select):
                values = self.subquery(node.values)
            else:
                kind = self.type_of(node.operand)
                values = "[" + ", ".join(self.expression(v, kind)[0] for v in node.values) + "]"
            return f"{_wrap(operand, precedence, ATOM)}.{method}({values})", ATOM
        if isinstance(node, Between):
            operand, precedence = self.expression(node.operand)
            kind = self.type_of(node.operand)
            low, high = self.expression(node.low, kind)[0], self.expression(node.high, kind)[0]
            source = f"{_wrap(operand, precedence, ATOM)}.between({low}, {high})"
            return (f"~({source})", UNARY) if node.negated else (source, ATOM)
        if isinstance(node, Like):
            operand, precedence = self.expression(node.operand)
            method = "ilike" if node.case_insensitive else "like"
            source = f"{_wrap(operand, precedence, ATOM)}.{method}({self.expression(node.pattern, 'text')[0]})"
            return (f"~({source})", UNARY) if node.negated else (source, ATOM)
        if isinstance(node, Cast):
            if isinstance(node.operand, Literal):
                if node.type in JSON_TYPES and context in JSON_TYPES:
                    return self.json_literal(node.operand.value), ATOM
                self.code.peewee.add("Cast")
                return f"Cast({self.literal(node.operand, None)}, {literal(node.type)})", ATOM
            operand, precedence = self.expression(node.operand)
            return f"{_wrap(operand, precedence, ATOM)}.cast({literal(node.type)})", ATOM
        if isinstance(node, Func):
            self.code.peewee.add("fn")
            kind = next((self.type_of(a) for a in node.args if isinstance(a, Column)), None)
            args = ", ".join(self.expression(a, kind)[0] for a in node.args)
            return f"fn.{node.name}({args})", ATOM
        if isinstance(node, Case):
            return self.case(node), ATOM
        raise Unsupported(type(node).__name__)

    def binary(self, node):
        op = node.op
        if op in ("AND", "OR"):
            python_op, precedence = ("&", AND) if op == "AND" else ("|", OR)
            left, lp = self.expression(node.left)
            right, rp = self.expression(node.right)
            # a mixed AND/OR always shows its grouping
            return f"{_wrap(left, lp, precedence + 1)} {python_op} {_wrap(right, rp, precedence + 1)}", precedence
        if op in ("->", "->>", "@>", "<@", "?"):
            return self.json(node), ATOM
        if isinstance(node.left, Literal) and not isinstance(node.right, Literal) and op in PY_OPS:
            raise Unsupported("a literal on the left of an operator")
        kind = self.type_of(node.left) or self.type_of(node.right)
        if op in ("=", "!=") and (_is_null(node.left) or _is_null(node.right)):
            raise Unsupported("= NULL, which SQL never holds true")
        left, lp = self.expression(node.left, kind)
        right, rp = self.expression(node.right, kind)
        right = self.converted(node.left, node.right, right, kind)
        precedence = {"+": ADD, "-": ADD, "*": MULTIPLY, "/": MULTIPLY}.get(op, COMPARISON)
        floor = precedence + 1 if precedence != COMPARISON else ADD
        return f"{_wrap(left, lp, floor)} {PY_OPS[op]} {_wrap(right, rp, floor)}", precedence

    def converted(self, left_node, right_node, right, kind):
        """Keep peewee from converting a literal to the column's type where that would change it."""
        if not isinstance(left_node, Column) or not isinstance(right_node, Literal):
            return right
        column_kind = self.type_of(left_node) or ""
        literal_kind = _literal_kind(right_node)
        lossy = (column_kind.startswith(("integer", "bigint")) and literal_kind == "fraction"
                 or column_kind.startswith("date") and literal_kind == "timestamp"
                 or column_kind.startswith("timestamp") and literal_kind == "date")
        if lossy:
            self.code.peewee.add("Value")
            return f"Value({right}, converter=False)"
        return right

    def json(self, node):
        left = node.left
        if not isinstance(left, Column) or (self.type_of(left) or "") not in JSON_TYPES:
            raise Unsupported(f"{node.op} on something other than a JSON column")
        if not isinstance(node.right, Literal) or node.right.kind != "string":
            raise Unsupported(f"{node.op} with a non-literal operand")
        column, key = self.column(left), literal(node.right.value)
        if node.op == "->>":
            return f"{column}[{key}]"
        if node.op == "->":
            return f"{column}[{key}].as_json()"
        if node.op == "?":
            return f"{column}.has_key({key})"
        if (self.type_of(left) or "") != "jsonb":
            raise Unsupported(f"{node.op} on a json (not jsonb) column")
        value = _python_source(json.loads(node.right.value))
        return f"{column}.{'contains' if node.op == '@>' else 'contained_by'}({value})"

    def case(self, node):
        self.code.peewee.add("Case")
        kind = self.type_of(node.subject) if node.subject is not None else None
        subject = self.expression(node.subject)[0] if node.subject is not None else "None"
        whens = ", ".join(f"({self.expression(condition, kind)[0]}, {self.expression(result)[0]})"
                          for condition, result in node.whens)
        default = f", {self.expression(node.default)[0]}" if node.default is not None else ""
        return f"Case({subject}, [{whens}]{default})"

    def subquery(self, select):
        info = self.table(select.table)
        base = "m" if select.table == self.scope_table else info.class_name
        if base != "m" and info.model not in self.code.uses:
            self.code.uses.append(info.model)
            self.code.params.append(info.class_name)
        inner = _Translator(self.code, self.tables, self.reference, self.source, self.scope_table, select.table)
        chain = []
        inner.statement(select, chain)
        selection = next((args for method, args in chain if method == "select"), [])
        rest = "".join(f".{method}({', '.join(args)})" for method, args in chain if method != "select")
        return f"{base}.select({', '.join(selection)}){rest}"

    # -- leaves -----------------------------------------------------------------------
    def column(self, node):
        table = self.table_of(node)
        info = self.table(table)
        attribute = info.attributes.get(node.name)
        if attribute is None:
            raise MissingColumn(f"{table} has no column {node.name}")
        owner = "m" if table == self.scope_table else info.class_name
        if owner != "m" and info.model not in self.code.uses:
            raise Unsupported(f"{table} is neither the scope's table nor joined")
        return f"{owner}.{attribute}"

    def table_of(self, node):
        if node.table is not None:
            if node.table != self.own and node.table not in self.joined:
                raise Unsupported(f"{node.table} is not in the statement")
            return node.table
        having = [t for t in [self.own, *self.joined] if node.name in self.table(t).attributes]
        if not having:
            raise MissingColumn(f"no table of the statement has a column {node.name}")
        return having[0]

    def table(self, name) -> TableInfo:
        info = self.tables.get(name)
        if info is None:
            raise MissingTable(f"{name} is not a table of the platform's core")
        return info

    def type_of(self, node) -> Optional[str]:
        if isinstance(node, Column):
            return self.table(self.table_of(node)).types.get(node.name)
        if isinstance(node, Cast):
            return node.type
        return None

    def literal(self, node, kind):
        if node.kind == "string":
            if kind and kind.startswith(TIME_TYPES):
                moment = relative_time(node.value, self.reference)
                if moment is not None:
                    self.code.clock.update(_clock_names(moment))
                    self.code.times.append((node.value, moment))
                    return moment
            if kind in JSON_TYPES:
                return self.json_literal(node.value)
            return literal(node.value)
        if node.kind == "number":
            if "." in node.value:
                return repr(float(node.value)) if Decimal(repr(float(node.value))) == Decimal(node.value) \
                    else self._decimal(node.value)
            return node.value
        if node.kind == "boolean":
            return "True" if node.value else "False"
        return "None"

    def json_literal(self, text):
        """A JSON document compared with a JSON column, as the Python value the column's field codes.

        A dict is itself; anything else is `Value(..., unpack=False)`, as peewee would read
        a list as the values of an IN and a bare string as a JSON string.
        """
        value = json.loads(text)
        if isinstance(value, dict):
            return _python_source(value)
        self.code.peewee.add("Value")
        return f"Value({_python_source(value)}, unpack=False)"

    def _decimal(self, text):
        self.code.decimal = True
        return f'Decimal("{text}")'

    # -- raw SQL, where nothing else fits ------------------------------------------------
    def raw(self, node):
        """`SQL("...", [params])` for a condition of the scope's own table, times still from the clock."""
        self.code.peewee.add("SQL")
        text = self.source[node.span[0]:node.span[1]]
        pieces, params, position = [], [], 0
        for token in tokenize(text)[:-1]:
            pieces.append(text[position:token.start])
            position = token.end
            if token.kind == "string" and parse_time(token.text[1:-1]) is not None:
                moment = relative_time(token.text[1:-1], self.reference)
                if moment is not None:
                    self.code.clock.update(_clock_names(moment))
                    self.code.times.append((token.text[1:-1], moment))
                    pieces.append("%s")
                    params.append(moment)
                    continue
            pieces.append(token.text.replace("%", "%%"))
        pieces.append(text[position:])
        sql = "".join(pieces)
        for qualifier in (f'"{self.own}".', f"{self.own}."):
            sql = sql.replace(qualifier, "")
        sql = f"({sql})"  # beside other conditions it keeps its own grouping
        self.code.raw.append(text)
        return f"SQL({literal(sql)}, [{', '.join(params)}])" if params else f"SQL({literal(sql)})"


def _conjuncts(node):
    if isinstance(node, Binary) and node.op == "AND":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _always_true(node):
    return (isinstance(node, Binary) and node.op == "=" and isinstance(node.left, Literal)
            and isinstance(node.right, Literal) and node.left.value == node.right.value
            and node.left.kind == node.right.kind == "number")


def _is_null(node):
    return isinstance(node, Literal) and node.kind == "null"


def _literal_kind(node):
    if node.kind == "number":
        return "fraction" if "." in node.value else "integer"
    if node.kind == "string":
        value = parse_time(node.value)
        if value is not None:
            return "timestamp" if hasattr(value, "hour") else "date"
    return node.kind


def _wrap(source, precedence, needed):
    return source if precedence >= needed else f"({source})"


def _clock_names(source):
    return set(re.findall(r"([a-z_]+)\(", source)) - {"date"}


def _python_source(value):
    """A JSON value as Python source, strings in double quotes."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {_python_source(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_python_source(v) for v in value) + "]"
    if value is None:
        return "None"
    return literal(value)
