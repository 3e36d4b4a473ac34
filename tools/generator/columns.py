"""One column as a field declaration: its class, type arguments, nullability, defaults, comment."""
import re
from decimal import Decimal

from .source import literal

FIELDS = "powernode.fields"

TYPE_MAP = [
    (r"uuid", "UUIDField", ""),
    (r"character varying", "StringField", ""),
    (r"character varying\((\d+)\)", "StringField", "{0}"),
    (r"text", "TextField", ""),
    (r"integer", "IntegerField", ""),
    (r"bigint", "BigIntegerField", ""),
    (r"boolean", "BooleanField", ""),
    (r"double precision", "DoubleField", ""),
    (r"numeric\((\d+),(\d+)\)", "DecimalField", "max_digits={0}, decimal_places={1}"),
    (r"date", "DateField", ""),
    (r"time\((\d)\) without time zone", "TimeField", "precision={0}"),
    (r"timestamp\((\d)\) without time zone", "TimestampField", "precision={0}"),
    (r"timestamp without time zone", "TimestampField", ""),
    (r"jsonb", "JSONBField", ""),
    (r"json", "JSONField", ""),
    (r"bytea", "BinaryField", ""),
    (r"inet", "InetField", ""),
    (r"ltree", "LtreeField", ""),
    (r"tsvector", "TSVectorField", ""),
    (r"text\[\]", "ArrayField", "TextField"),
    (r"character varying\[\]", "ArrayField", "StringField"),
    (r"vector\((\d+)\)", "VectorField", "dimensions={0}"),
]


def field_type(sql_type):
    """(field class name, its positional type arguments as source) for a PostgreSQL type."""
    for pattern, cls, args in TYPE_MAP:
        match = re.fullmatch(pattern, sql_type)
        if match:
            return cls, args.format(*match.groups())
    raise SystemExit(f"generate: no field type for {sql_type!r}")


def python_default(column):
    """Source of the column's Python default, or None when it has none (or only an SQL one)."""
    if "default" not in column:
        return None
    value = column["default"]
    if isinstance(value, dict) and set(value) == {"sql"}:
        return None
    if column["sql_type"] in ("jsonb", "json") or column.get("array"):
        if value == {}:
            return "dict"
        if value == []:
            return "list"
        return f"lambda: {value!r}"
    if column["type"] == "decimal":
        return f'Decimal("{Decimal(str(value))}")'
    if column["type"] in ("integer", "bigint") and isinstance(value, str):
        return str(int(value))
    if column["type"] == "float":
        return repr(float(value))
    return literal(value)


def rendered_default(cls_name, args, default_source):
    """The DEFAULT SQL the field class renders for this Python default (None if none)."""
    import powernode.fields as fields

    if default_source is None:
        return None
    default = eval(default_source, {"Decimal": Decimal})  # generator-built source, not user input
    cls = getattr(fields, cls_name)
    if cls_name == "ArrayField":
        return cls(getattr(fields, args), default=default).server_default
    if cls_name == "VectorField":
        return cls(int(args.split("=")[1]), default=default).server_default
    return cls(default=default).server_default


def column_source(column, attribute, imports, options=()):
    """`StringField(255, null=True, default="x", ...)` for a plain (non-reference) column."""
    name = column["name"]
    cls, args = field_type(column["sql_type"])
    imports.add(FIELDS, cls)
    if cls == "ArrayField":
        imports.add(FIELDS, args)
    kwargs = [args] if args else []
    if attribute != name:
        kwargs.append(f'column_name="{name}"')
    if column["null"]:
        kwargs.append("null=True")
    if name in ("created_at", "updated_at") and "default" not in column:
        kwargs.append("default=utcnow")
        imports.add(FIELDS, "utcnow")
    default = python_default(column)
    if default is not None:
        kwargs.append(f"default={default}")
        if default.startswith("Decimal"):
            imports.add("decimal", "Decimal")
    if "default_sql" in column and rendered_default(cls, args, default) != column["default_sql"]:
        kwargs.append(f"server_default={literal(column['default_sql'])}")
    kwargs += options
    if column.get("comment"):
        kwargs.append(f"help_text={literal(column['comment'])}")
    return f"{cls}({', '.join(kwargs)})"


def index_source(index):
    args = [literal(index["name"]), literal(index["columns"]) if isinstance(index["columns"], str)
            else "[" + ", ".join(literal(c) for c in index["columns"]) + "]"]
    for key in ("unique", "where", "using", "opclass", "order"):
        if index.get(key):
            args.append(f"{key}={literal(index[key])}")
    return f"Index({', '.join(args)})"
