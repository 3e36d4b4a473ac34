"""Active Model's English error messages, and Ruby's way of turning values into text for them.

    message("too_long", count=255)                  -> "is too long (maximum is 255 characters)"
    message("inclusion", custom="%{value} is not a valid status", value="done")
                                                    -> "done is not a valid status"

The keys and wording are those of `activemodel/lib/active_model/locale/en.yml` and
`activerecord/lib/active_record/locale/en.yml` (`taken`, `required`); a validator's own
`message:` replaces the default and is interpolated the same way (`%{value}`, `%{count}`,
`%{attribute}`, `%{model}`).
"""
import datetime
import decimal
import re

__all__ = ["message", "ruby_to_s", "is_blank"]

DEFAULTS = {
    "blank": "can't be blank",
    "inclusion": "is not included in the list",
    "invalid": "is invalid",
    "confirmation": "doesn't match %{attribute}",
    "too_long": ("is too long (maximum is 1 character)", "is too long (maximum is %{count} characters)"),
    "too_short": ("is too short (minimum is 1 character)", "is too short (minimum is %{count} characters)"),
    "wrong_length": ("is the wrong length (should be 1 character)",
                     "is the wrong length (should be %{count} characters)"),
    "not_a_number": "is not a number",
    "not_an_integer": "must be an integer",
    "greater_than": "must be greater than %{count}",
    "greater_than_or_equal_to": "must be greater than or equal to %{count}",
    "equal_to": "must be equal to %{count}",
    "less_than": "must be less than %{count}",
    "less_than_or_equal_to": "must be less than or equal to %{count}",
    "other_than": "must be other than %{count}",
    "in": "must be in %{count}",
    "taken": "has already been taken",
    "required": "must exist",
}

_PLACEHOLDER = re.compile(r"%\{(\w+)\}")


def message(key, custom=None, **values):
    """The message for error `key` (or the validator's `custom` one), interpolated as I18n does."""
    text = custom if custom is not None else DEFAULTS[key]
    if isinstance(text, tuple):  # one/other pluralisation by count
        text = text[0] if values.get("count") == 1 else text[1]
    if "%{" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: ruby_to_s(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def ruby_to_s(value) -> str:
    """`value.to_s` as Ruby writes it: nil is "", true is "true", 1.0 is "1.0", ranges "1..5"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _ruby_float(value)
    if isinstance(value, decimal.Decimal):
        return _ruby_big_decimal(value)
    if isinstance(value, datetime.datetime):  # ActiveSupport::TimeWithZone#to_s, in UTC
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, RubyRange):
        return str(value)
    return str(value)


def _ruby_float(number: float) -> str:
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    if number == int(number) and abs(number) < 1e16:
        return f"{int(number)}.0"
    text = repr(number)
    if "e" in text:  # Ruby: 1.0e-05, Python: 1e-05
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').rjust(2, '0')}"
    return text


def _ruby_big_decimal(number: decimal.Decimal) -> str:
    """BigDecimal#to_s: `0.15e1` for 1.5, `0.0` for zero."""
    if number.is_zero():
        return "-0.0" if number.is_signed() else "0.0"
    sign, digits, exponent = number.normalize().as_tuple()
    text = "".join(map(str, digits))
    return f"{'-' if sign else ''}0.{text}e{len(text) + exponent}"


class RubyRange:
    """A Ruby range `first..last` (or `first...last`), as `in:` options give them."""

    def __init__(self, first, last, exclude_end=False):
        self.first, self.last, self.exclude_end = first, last, exclude_end

    def __contains__(self, value):
        if value < self.first:
            return False
        return value < self.last if self.exclude_end else value <= self.last

    def __str__(self):
        return f"{ruby_to_s(self.first)}{'...' if self.exclude_end else '..'}{ruby_to_s(self.last)}"

    def __repr__(self):
        end = ", exclude_end=True" if self.exclude_end else ""
        return f"RubyRange({self.first!r}, {self.last!r}{end})"

    def __eq__(self, other):
        return isinstance(other, RubyRange) and (self.first, self.last, self.exclude_end) == (
            other.first, other.last, other.exclude_end)


# Unicode White_Space: what Ruby's [[:space:]] (ActiveSupport's String#blank?) matches.
_WHITE_SPACE = frozenset("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                         "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def is_blank(value) -> bool:
    """ActiveSupport's `blank?`: nil, false, empty or white-space-only text, empty collections."""
    if value is None or value is False:
        return True
    if type(value) is str:
        return not value or (value[0] in _WHITE_SPACE and all(character in _WHITE_SPACE for character in value))
    if isinstance(value, str):
        return all(character in _WHITE_SPACE for character in value)
    if isinstance(value, (list, tuple, dict, set, frozenset, bytes)):
        return len(value) == 0
    return False
