"""The platform's `serialize :attr, coder: JSON`: Python values in, Active Support's JSON text out.

    preferences = TextField(null=True, serialize=JSON)

`JSON.dump(value)` writes what `ActiveSupport::JSON.encode` writes, byte for byte:
compact, non-ASCII characters as they are, and `<`, `>`, `&`, U+2028 and U+2029
escaped as `\\u003c`, `\\u003e`, `\\u0026`, `\\u2028`, `\\u2029` (Rails'
`escape_html_entities_in_json`). `None` is SQL NULL. Values are converted as
Active Support's `as_json` converts them: a `Decimal` becomes a string, a
non-finite float `null`, a datetime ISO 8601 with milliseconds (naive ones are
UTC, as Rails stores them), a date `YYYY-MM-DD`, a tuple or set a list.

`JSON.load(text)` reads what `ActiveRecord::Coders::JSON.load` reads: blank text
(NULL, `""`, spaces) is `None`; a document holding a scalar (`"abc"`, `1`, `null`)
is that scalar. Text that is not JSON raises `ValueError`, as the platform's read does.
"""
import datetime
import decimal
import json
import math
import re

__all__ = ["JSON", "JSONCoder", "encode", "decode"]

# Active Support's escapes for JSON embedded in HTML, applied to the whole generated text
_HTML_UNSAFE = re.compile("[<>&\u2028\u2029]")
_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_RUBY_EXPONENT = re.compile(r"^(-?\d+)(e[+-]\d+)$")


def _ruby_float(number: float) -> str:
    """A float as Ruby's `Float#to_s` prints it inside JSON: `1.0e+20`, not Python's `1e+20`."""
    text = repr(number)
    match = _RUBY_EXPONENT.match(text)
    return f"{match.group(1)}.0{match.group(2)}" if match else text


def _as_json(value):
    """A value as Active Support's `as_json` would hand it to the JSON generator."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_key(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_as_json(item) for item in value]
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() == datetime.timedelta(0):
            return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} cannot be stored as JSON")


def _key(key):
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: ""}[key]  # Ruby's to_s
    if isinstance(key, (int, float, decimal.Decimal)):
        return _ruby_float(key) if isinstance(key, float) else str(key)
    raise TypeError(f"a JSON object key must be text, not {type(key).__name__}")


class _RubyFloatEncoder(json.JSONEncoder):
    """The standard encoder with Ruby's float spelling (the C encoder cannot change it)."""

    def iterencode(self, o, _one_shot=False):
        return json.encoder._make_iterencode(
            {}, self.default, json.encoder.py_encode_basestring, self.indent, _ruby_float,
            self.key_separator, self.item_separator, self.sort_keys, self.skipkeys, _one_shot)(o, 0)


_FAST = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_WITH_FLOATS = _RubyFloatEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode(value) -> str:
    """`ActiveSupport::JSON.encode(value)`, byte for byte."""
    document = _as_json(value)
    text = (_WITH_FLOATS if _has_float(document) else _FAST).encode(document)
    return _HTML_UNSAFE.sub(lambda match: _HTML_ESCAPES[match.group()], text)


def _has_float(document) -> bool:
    if isinstance(document, float):
        return True
    if isinstance(document, dict):
        return any(_has_float(item) for item in document.values())
    if isinstance(document, list):
        return any(_has_float(item) for item in document)
    return False


def decode(text):
    """`ActiveSupport::JSON.decode(text)`: any JSON document, scalars included."""
    return json.loads(text)


class JSONCoder:
    """The coder a `serialize=` option names: `dump` to the column's text, `load` from it."""

    name = "JSON"

    @staticmethod
    def dump(value):
        return None if value is None else encode(value)

    @staticmethod
    def load(text):
        if text is None or not text.strip():
            return None
        return decode(text)

    def __repr__(self):
        return self.name


#: `serialize=JSON`, as the platform writes `serialize :preferences, coder: JSON`
JSON = JSONCoder()
