"""The platform's scope SQL, parsed: the SELECT statements Active Record printed for each scope.

    parse('SELECT "invoices".* FROM "invoices" WHERE "invoices"."status" = \\'open\\' AND (due_at < \\'2026-...\\')')
    -> Select(table="invoices", where=Binary("AND", Binary("=", Column("invoices", "status"), Literal("open")), ...))

A small recursive-descent parser for the subset of PostgreSQL those statements
use: one FROM table with INNER/LEFT joins, WHERE, GROUP BY, ORDER BY, LIMIT,
OFFSET, DISTINCT [ON], and expressions with AND/OR/NOT, comparisons, IS [NOT]
NULL, [NOT] IN (list or subquery), [NOT] BETWEEN, [NOT] [I]LIKE, arithmetic,
`::` casts, the JSON operators `->`, `->>`, `@>`, `<@`, `?`, function calls and
CASE. Operator precedence is PostgreSQL's. Every node keeps its span of the
source text, so a part that cannot be translated is kept as written.
Anything else raises `Unsupported`.
"""
import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

__all__ = ["parse", "Unsupported", "Select", "Column", "Literal", "Binary", "Unary", "IsNull", "In", "Between",
           "Like", "Cast", "Func", "Case", "Star", "Node"]


class Unsupported(Exception):
    """SQL outside the subset this parser reads."""


@dataclass
class Node:
    span: Tuple[int, int] = field(default=(0, 0), repr=False, compare=False, kw_only=True)


@dataclass
class Column(Node):
    table: Optional[str]
    name: str


@dataclass
class Star(Node):
    table: Optional[str]


@dataclass
class Literal(Node):
    value: object  # str, int, Decimal-like str for numbers, bool, None
    kind: str      # "string", "number", "boolean", "null"


@dataclass
class Binary(Node):
    op: str        # AND OR = != < <= > >= + - * / -> ->> @> <@ ?
    left: Node
    right: Node


@dataclass
class Unary(Node):
    op: str        # NOT, -
    operand: Node


@dataclass
class IsNull(Node):
    operand: Node
    negated: bool


@dataclass
class In(Node):
    operand: Node
    values: object  # list of nodes, or a Select
    negated: bool


@dataclass
class Between(Node):
    operand: Node
    low: Node
    high: Node
    negated: bool


@dataclass
class Like(Node):
    operand: Node
    pattern: Node
    case_insensitive: bool
    negated: bool


@dataclass
class Cast(Node):
    operand: Node
    type: str


@dataclass
class Func(Node):
    name: str
    args: List[Node]


@dataclass
class Case(Node):
    subject: Optional[Node]
    whens: List[Tuple[Node, Node]]
    default: Optional[Node]


@dataclass
class Join(Node):
    kind: str      # "INNER", "LEFT"
    table: str
    on: Node


@dataclass
class Order(Node):
    expression: Node
    direction: Optional[str]  # "ASC", "DESC" or None
    nulls: Optional[str]      # "FIRST", "LAST" or None


@dataclass
class Select(Node):
    table: str
    columns: List[Node]                 # [Star(...)] or column expressions
    distinct: object = False            # False, True, or [nodes] for DISTINCT ON
    joins: List[Join] = field(default_factory=list)
    where: Optional[Node] = None
    group_by: List[Node] = field(default_factory=list)
    order_by: List[Order] = field(default_factory=list)
    limit: Optional[int] = None
    offset: Optional[int] = None


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<op>::|->>|->|@>|<@|>=|<=|<>|!=|=|<|>|\?|\+|-|\*|/|\(|\)|,|\.)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)

KEYWORDS = {"SELECT", "DISTINCT", "ON", "FROM", "INNER", "LEFT", "OUTER", "JOIN", "WHERE", "AND", "OR", "NOT",
            "IN", "IS", "NULL", "TRUE", "FALSE", "BETWEEN", "LIKE", "ILIKE", "ORDER", "BY", "ASC", "DESC", "NULLS",
            "FIRST", "LAST", "LIMIT", "OFFSET", "GROUP", "HAVING", "CASE", "WHEN", "THEN", "ELSE", "END", "AS"}
COMPARISONS = {"=", "!=", "<>", "<", "<=", ">", ">="}
JSON_AND_OTHER = {"->", "->>", "@>", "<@", "?"}

# binding powers, PostgreSQL's order from loosest to tightest
OR, AND, NOT, IS, COMPARE, RANGE, OTHER, ADD, MULTIPLY, UNARY, CAST = range(1, 12)


@dataclass
class Token:
    kind: str   # quoted, string, number, op, word, keyword, end
    text: str
    start: int
    end: int


def tokenize(sql):
    tokens, position = [], 0
    while position < len(sql):
        match = _TOKEN.match(sql, position)
        if match is None:
            raise Unsupported(f"unexpected character {sql[position]!r} at {position}")
        kind, text = match.lastgroup, match.group()
        if kind == "word" and text.upper() in KEYWORDS:
            kind, text = "keyword", text.upper()
        if kind != "space":
            tokens.append(Token(kind, text, match.start(), match.end()))
        position = match.end()
    tokens.append(Token("end", "", len(sql), len(sql)))
    return tokens


def parse(sql) -> Select:
    parser = _Parser(sql)
    select = parser.select()
    parser.expect("end")
    return select


class _Parser:
    def __init__(self, sql):
        self.sql = sql
        self.tokens = tokenize(sql)
        self.at = 0

    # -- tokens -------------------------------------------------------------------
    @property
    def token(self):
        return self.tokens[self.at]

    def peek(self, offset=1):
        return self.tokens[min(self.at + offset, len(self.tokens) - 1)]

    def accept(self, *texts):
        if self.token.kind in ("keyword", "op") and self.token.text in texts:
            token = self.token
            self.at += 1
            return token
        return None

    def expect(self, text):
        if text == "end":
            if self.token.kind != "end":
                raise Unsupported(f"unexpected {self.token.text!r} at {self.token.start}")
            return self.token
        token = self.accept(text)
        if token is None:
            raise Unsupported(f"expected {text} at {self.token.start}, found {self.token.text!r}")
        return token

    def identifier(self):
        token = self.token
        if token.kind == "quoted":
            self.at += 1
            return token.text[1:-1].replace('""', '"')
        if token.kind == "word":
            self.at += 1
            return token.text
        raise Unsupported(f"expected a name at {token.start}, found {token.text!r}")

    def spanned(self, node, start):
        node.span = (start, self.tokens[self.at - 1].end)
        return node

    # -- statements ---------------------------------------------------------------
    def select(self):
        start = self.expect("SELECT").start
        distinct = False
        if self.accept("DISTINCT"):
            distinct = True
            if self.accept("ON"):
                self.expect("(")
                distinct = self.expression_list()
                self.expect(")")
        columns = [self.select_item()]
        while self.accept(","):
            columns.append(self.select_item())
        self.expect("FROM")
        select = Select(table=self.identifier(), columns=columns, distinct=distinct)
        while self.token.text in ("INNER", "LEFT", "JOIN"):
            select.joins.append(self.join())
        if self.accept("WHERE"):
            select.where = self.expression()
        if self.accept("GROUP"):
            self.expect("BY")
            select.group_by = self.expression_list()
        if self.token.text == "HAVING":
            raise Unsupported("HAVING")
        if self.accept("ORDER"):
            self.expect("BY")
            select.order_by = [self.order_item()]
            while self.accept(","):
                select.order_by.append(self.order_item())
        if self.accept("LIMIT"):
            select.limit = self.integer()
        if self.accept("OFFSET"):
            select.offset = self.integer()
        return self.spanned(select, start)

    def select_item(self):
        start = self.token.start
        if self.accept("*"):
            return self.spanned(Star(None), start)
        if self.peek().text == "." and self.peek(2).text == "*":
            table = self.identifier()
            self.at += 2
            return self.spanned(Star(table), start)
        return self.expression()

    def join(self):
        start = self.token.start
        kind = "LEFT" if self.accept("LEFT") else "INNER"
        self.accept("OUTER")
        self.accept("INNER")
        self.expect("JOIN")
        table = self.identifier()
        self.expect("ON")
        return self.spanned(Join(kind, table, self.expression()), start)

    def order_item(self):
        start = self.token.start
        expression = self.expression()
        direction = (self.accept("ASC", "DESC") or Token("", None, 0, 0)).text
        nulls = None
        if self.accept("NULLS"):
            nulls = self.expect("FIRST").text if self.token.text == "FIRST" else self.expect("LAST").text
        return self.spanned(Order(expression, direction, nulls), start)

    def integer(self):
        token = self.token
        if token.kind != "number" or "." in token.text:
            raise Unsupported(f"expected an integer at {token.start}")
        self.at += 1
        return int(token.text)

    def expression_list(self):
        items = [self.expression()]
        while self.accept(","):
            items.append(self.expression())
        return items

    # -- expressions (precedence climbing) ---------------------------------------
    def expression(self, power=0):
        start = self.token.start
        left = self.prefix()
        while True:
            token = self.token
            text = token.text if token.kind in ("op", "keyword") else None
            if text == "OR" and power < OR:
                self.at += 1
                left = self.spanned(Binary("OR", left, self.expression(OR)), start)
            elif text == "AND" and power < AND:
                self.at += 1
                left = self.spanned(Binary("AND", left, self.expression(AND)), start)
            elif text == "IS" and power < IS:
                self.at += 1
                negated = bool(self.accept("NOT"))
                self.expect("NULL")
                left = self.spanned(IsNull(left, negated), start)
            elif text in COMPARISONS and power < COMPARE:
                self.at += 1
                op = "!=" if text == "<>" else text
                left = self.spanned(Binary(op, left, self.expression(COMPARE)), start)
            elif power < RANGE and (text in ("IN", "BETWEEN", "LIKE", "ILIKE")
                                    or text == "NOT" and self.peek().text in ("IN", "BETWEEN", "LIKE", "ILIKE")):
                left = self.spanned(self.range_predicate(left), start)
            elif text in JSON_AND_OTHER and power < OTHER:
                self.at += 1
                left = self.spanned(Binary(text, left, self.expression(OTHER)), start)
            elif text in ("+", "-") and power < ADD:
                self.at += 1
                left = self.spanned(Binary(text, left, self.expression(ADD)), start)
            elif text in ("*", "/") and power < MULTIPLY:
                self.at += 1
                left = self.spanned(Binary(text, left, self.expression(MULTIPLY)), start)
            elif text == "::":
                self.at += 1
                left = self.spanned(Cast(left, self.type_name()), start)
            else:
                return left

    def range_predicate(self, operand):
        negated = bool(self.accept("NOT"))
        keyword = self.accept("IN", "BETWEEN", "LIKE", "ILIKE").text
        if keyword == "IN":
            self.expect("(")
            values = self.select() if self.token.text == "SELECT" else self.expression_list()
            self.expect(")")
            return In(operand, values, negated)
        if keyword == "BETWEEN":
            low = self.expression(RANGE)
            self.expect("AND")
            return Between(operand, low, self.expression(RANGE), negated)
        return Like(operand, self.expression(RANGE), keyword == "ILIKE", negated)

    def type_name(self):
        name = self.identifier()
        while self.token.kind == "word":  # "double precision", "character varying"
            name += " " + self.identifier()
        return name.lower()

    def prefix(self):
        token = self.token
        start = token.start
        if token.kind == "string":
            self.at += 1
            return self.spanned(Literal(token.text[1:-1].replace("''", "'"), "string"), start)
        if token.kind == "number":
            self.at += 1
            return self.spanned(Literal(token.text, "number"), start)
        if token.kind == "keyword":
            if self.accept("TRUE", "FALSE"):
                return self.spanned(Literal(token.text == "TRUE", "boolean"), start)
            if self.accept("NULL"):
                return self.spanned(Literal(None, "null"), start)
            if self.accept("NOT"):
                return self.spanned(Unary("NOT", self.expression(NOT)), start)
            if self.accept("CASE"):
                return self.spanned(self.case(), start)
            raise Unsupported(f"unexpected {token.text} at {token.start}")
        if self.accept("-"):
            return self.spanned(Unary("-", self.expression(UNARY)), start)
        if self.accept("("):
            if self.token.text == "SELECT":
                raise Unsupported("a subquery outside IN (...)")
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind in ("quoted", "word"):
            name = self.identifier()
            if self.accept("("):
                args = [] if self.token.text == ")" else self.expression_list()
                self.expect(")")
                return self.spanned(Func(name.upper(), args), start)
            if self.accept("."):
                return self.spanned(Column(name, self.identifier()), start)
            return self.spanned(Column(None, name), start)
        raise Unsupported(f"unexpected {token.text!r} at {token.start}")

    def case(self):
        subject = None if self.token.text == "WHEN" else self.expression()
        whens = []
        while self.accept("WHEN"):
            condition = self.expression()
            self.expect("THEN")
            whens.append((condition, self.expression()))
        default = self.expression() if self.accept("ELSE") else None
        self.expect("END")
        return Case(subject, whens, default)
