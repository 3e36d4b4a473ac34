"""The parts of a schema as values: a table, a column, an index, a check, a foreign key.

What the models declare and what a live database holds take the same form, so
`schema_check` compares them field by field and `makemigration` rebuilds either
side from its fields alone (no display text is parsed back). Every item says
which table it belongs to, its column where it has one, and how `check`
prints it.
"""
import re
from dataclasses import dataclass
from typing import Optional, Tuple

__all__ = ["TableDef", "ColumnDef", "IndexDef", "CheckDef", "ForeignKey", "quote_identifier", "quote_literal"]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class ColumnDef:
    table: str
    name: str
    type: str                      # as format_type() prints it: 'character varying(255)'
    nullable: bool
    default: Optional[str] = None  # SQL
    comment: Optional[str] = None

    kind = "column"

    @property
    def column(self) -> str:
        return self.name

    def summary(self) -> str:
        return self.type

    def sql(self) -> str:
        """The column's clause in a CREATE TABLE."""
        default = f" DEFAULT {self.default}" if self.default is not None else ""
        return f"{quote_identifier(self.name)} {self.type}{'' if self.nullable else ' NOT NULL'}{default}"


_INDEX_HEAD = re.compile(r'CREATE (UNIQUE )?INDEX (?:IF NOT EXISTS )?("(?:[^"]|"")+"|\S+) ON (?:ONLY )?\S+ '
                         r'(?:USING (\w+) )?\(')
_BARE_COLUMN = re.compile(r'"((?:[^"]|"")+)"|([a-z_][a-z0-9_$]*)')


@dataclass(frozen=True)
class IndexDef:
    """An index: `keys` is the text between the parentheses, `tail` what follows them (WHERE ...)."""
    table: str
    name: str
    unique: bool
    using: str
    keys: str
    tail: str = ""

    kind = "index"
    column = None

    @classmethod
    def from_sql(cls, table: str, sql: str) -> "IndexDef":
        """Read a CREATE INDEX as peewee renders it or as pg_get_indexdef() prints it."""
        head = _INDEX_HEAD.match(sql)
        if head is None:
            raise ValueError(f"not a CREATE INDEX statement: {sql[:80]}")
        end = _closing_parenthesis(sql, head.end() - 1)
        name = head.group(2)
        if name.startswith('"'):
            name = name[1:-1].replace('""', '"')
        return cls(table, name, bool(head.group(1)), head.group(3) or "btree", sql[head.end():end], sql[end + 1:])

    @property
    def definition(self) -> str:
        """`[UNIQUE ]USING method (keys)[ WHERE ...]`: how `check` shows and compares it."""
        return f"{'UNIQUE ' if self.unique else ''}USING {self.using} ({self.keys}){self.tail}"

    @property
    def where(self) -> Optional[str]:
        match = re.fullmatch(r"\s*WHERE\s+(.*)", self.tail, re.S)
        return match.group(1) if match else None

    @property
    def columns(self) -> Optional[Tuple[str, ...]]:
        """The indexed columns when the keys are plain columns (no expression, opclass or order), else None."""
        names = []
        for part in self.keys.split(","):
            match = _BARE_COLUMN.fullmatch(part.strip())
            if match is None:
                return None
            names.append(match.group(1).replace('""', '"') if match.group(1) else match.group(2))
        return tuple(names)

    def summary(self) -> str:
        return f"{self.name}: {self.definition}"

    def sql(self) -> str:
        return (f"CREATE {'UNIQUE ' if self.unique else ''}INDEX {quote_identifier(self.name)} "
                f"ON {quote_identifier(self.table)} USING {self.using} ({self.keys}){self.tail}")


def _closing_parenthesis(text: str, start: int) -> int:
    """The index of the parenthesis closing the one at `start` (string literals and quoted names skipped)."""
    depth, quote = 0, None
    for position in range(start, len(text)):
        char = text[position]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position
    raise ValueError(f"unbalanced parentheses in: {text[:80]}")


@dataclass(frozen=True)
class CheckDef:
    table: str
    name: str
    definition: str  # 'CHECK (...)', as pg_get_constraintdef() prints it

    kind = "check"
    column = None

    def summary(self) -> str:
        return f"{self.name}: {self.definition}"


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key from `table.column` to `to_table.id` (every table's key is `id`)."""
    name: str
    table: str
    column: str
    to_table: str
    on_delete: Optional[str] = None  # SQL: CASCADE, SET NULL, RESTRICT, SET DEFAULT; None for NO ACTION

    kind = "foreign_key"

    def summary(self) -> str:
        return f"{self.name} -> {self.to_table} ON DELETE {self.on_delete or 'NO ACTION'}"

    def sql(self) -> str:
        clause = f" ON DELETE {self.on_delete}" if self.on_delete else ""
        return (f'ALTER TABLE "{self.table}" ADD CONSTRAINT "{self.name}" '
                f'FOREIGN KEY ("{self.column}") REFERENCES "{self.to_table}" ("id"){clause}')


@dataclass(frozen=True)
class TableDef:
    """A whole table: enough to create it again, its foreign keys to other tables included."""
    name: str
    columns: Tuple[ColumnDef, ...]
    primary_key: Tuple[str, ...] = ()
    indexes: Tuple[IndexDef, ...] = ()
    checks: Tuple[CheckDef, ...] = ()
    foreign_keys: Tuple[ForeignKey, ...] = ()

    kind = "table"
    column = None

    @property
    def table(self) -> str:
        return self.name

    def summary(self) -> None:
        return None

    def create_sql(self) -> str:
        """CREATE TABLE with the columns, primary key and checks (indexes and keys come apart)."""
        parts = [column.sql() for column in self.columns]
        if self.primary_key:
            parts.append(f"PRIMARY KEY ({', '.join(map(quote_identifier, self.primary_key))})")
        parts += [f"CONSTRAINT {quote_identifier(check.name)} {check.definition}" for check in self.checks]
        return f"CREATE TABLE {quote_identifier(self.name)} (\n    " + ",\n    ".join(parts) + "\n)"
