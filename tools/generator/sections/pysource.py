"""Python source for the values behaviour declarations carry: strings, lists, regexes, decimals, ranges."""
import decimal
import json


def value_source(value, imports=None):
    """Source for a literal value, strings in double quotes like the rest of the generated code."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        if imports is not None:
            imports.add("decimal", "Decimal")
        return f'Decimal("{value}")'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_source(v, imports) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{value_source(k, imports)}: {value_source(v, imports)}" for k, v in value.items()) + "}"
    if isinstance(value, Raw):
        return value.source
    raise TypeError(f"no source for {type(value).__name__}")


class Raw:
    """Source written as is (a call such as `RubyRange(1, 5)`)."""

    def __init__(self, source):
        self.source = source


def regex_source(pattern):
    """A regex as a raw string: r"..." on one line, r\"\"\"...\"\"\" when it spans lines."""
    if pattern.endswith("\\") or '"' in pattern:
        return json.dumps(pattern, ensure_ascii=False)
    if "\n" in pattern:
        return 'r"""' + pattern + '"""'
    return 'r"' + pattern + '"'


def call_source(name, positional, keywords, imports=None, indent=12, width=100):
    """`Name("a", "b", key=value)`, one argument a line when it does not fit in `width`."""
    args = [value_source(p, imports) for p in positional]
    args += [f"{key}={value_source(value, imports)}" for key, value in keywords.items()]
    one_line = f"{name}({', '.join(args)})"
    if indent + len(one_line) + 1 <= width and "\n" not in one_line:
        return one_line
    pad = " " * 4
    return f"{name}(\n" + "".join(f"{pad}{arg},\n" for arg in args) + ")"
