"""The platform's declarative validators, one class per kind, as a model's `Behaviour` declares them.

    class Account(PowernodeModel):
        class Behaviour:
            validations = [
                Presence("name", "status"),
                Length("name", minimum=2, maximum=100),
                Inclusion("status", in_=["active", "suspended", "cancelled"]),
                Format("subdomain", r"\\A[a-z0-9\\-]+\\Z", allow_blank=True, message="can only contain ..."),
                Uniqueness("subdomain", case_sensitive=False, allow_blank=True),
                Presence("created_at", if_="has_created_at?"),
            ]

Each mirrors an Active Model / Active Record validator option for option, and adds
Active Model's English messages (`messages.py`) under the Rails attribute name. The
options every kind takes: `allow_nil`, `allow_blank`, `on` ("create", "update" or a
custom context), `if_`/`unless` (conditions whose meaning is known: `CONDITIONS`),
`message`. A declaration runs on a record (`validate(record, errors, context)`, the
`Behaviour` protocol) and, for `bulk_load`, on plain rows (`row_check()`); the kinds
that ask the database (`Required`, `Uniqueness`) also check a whole load set-wise
(`rows.py`).
"""
import decimal
import re
import uuid

from ..errors import DeclarationError
from .messages import RubyRange, is_blank, message, ruby_to_s
from .ruby_regex import compile_ruby

__all__ = ["Presence", "Required", "Inclusion", "Numericality", "Length", "Format", "Uniqueness",
           "Comparison", "Confirmation", "Money", "RubyRange", "CONDITIONS"]

#: conditions (`if_=`/`unless=`) whose meaning is known, by the name the platform gives them:
#: model -> whether it holds for every record of that model
CONDITIONS = {
    # the platform's Timestampable concern: validate the timestamp where the table has it
    "has_created_at?": lambda model: "created_at" in model._meta.columns,
    "has_updated_at?": lambda model: "updated_at" in model._meta.columns,
}


class Validator:
    """Attributes, the options every kind shares, and the two ways to run: on a record, on a row."""

    default_key = "invalid"
    needs_record = False  # True when the check reads other attributes than the one validated

    def __init__(self, *attributes, allow_nil=False, allow_blank=False, on=None, if_=None, unless=None,
                 message=None):
        if not attributes:
            raise DeclarationError(f"{type(self).__name__} needs at least one attribute")
        self.attributes = attributes
        self.allow_nil, self.allow_blank = allow_nil, allow_blank
        self.on = (on,) if isinstance(on, str) else tuple(on or ())
        self.if_ = (if_,) if isinstance(if_, str) else tuple(if_ or ())
        self.unless = (unless,) if isinstance(unless, str) else tuple(unless or ())
        self.message = message
        self.model = None

    # -- the Behaviour protocol ---------------------------------------------
    def install(self, model, behaviour):
        unknown = [name for name in self.if_ + self.unless if name not in CONDITIONS]
        if unknown:
            raise DeclarationError(f"{model.__name__}: no known meaning for the condition {unknown[0]!r}")
        self.model = model
        self.fields = {attribute: _field(model, attribute) for attribute in self.attributes}
        # known conditions depend on the model only: decided once
        self.active = (all(CONDITIONS[name](model) for name in self.if_)
                       and not any(CONDITIONS[name](model) for name in self.unless))
        behaviour.validators.append(self)

    def applies(self, context) -> bool:
        return self.active and (not self.on or context in self.on)

    def validate(self, record, errors, context):
        if not self.applies(context):
            return
        for attribute in self.attributes:
            value = self.read(record, attribute)
            if self.skipped(value):
                continue
            for text in self.check(value, record, attribute) or ():
                errors.setdefault(attribute, []).append(text)

    # -- what each kind defines ---------------------------------------------
    def check(self, value, record, attribute):
        """The messages for `value` (None when it passes)."""
        raise NotImplementedError

    def row_check(self):
        """A function value -> messages (or None) for rows that are not records; None if it needs the record."""
        if self.needs_record:
            return None
        check = self.check
        if not self.allow_nil and not self.allow_blank:
            return lambda value: check(value, None, None)
        return lambda value: None if self.skipped(value) else check(value, None, None)

    # -- shared helpers -----------------------------------------------------
    def read(self, record, attribute):
        field = self.fields[attribute]
        if field is not None:
            return record.__data__.get(field.name)
        return getattr(record, attribute, None)

    def skipped(self, value):
        return (self.allow_nil and value is None) or (self.allow_blank and is_blank(value))

    def error(self, key, **values):
        return message(key, self.message, **values)

    def options_source(self):
        """The declaration's options as keyword source, for `repr` and the generated documentation."""
        options = {"allow_nil": self.allow_nil, "allow_blank": self.allow_blank, "message": self.message}
        if self.on:
            options["on"] = self.on[0] if len(self.on) == 1 else list(self.on)
        if self.if_:
            options["if_"] = self.if_[0] if len(self.if_) == 1 else list(self.if_)
        if self.unless:
            options["unless"] = self.unless[0] if len(self.unless) == 1 else list(self.unless)
        return {key: value for key, value in options.items() if value not in (False, None)}

    def __repr__(self):
        options = "".join(f", {key}={value!r}" for key, value in self.options_source().items())
        return f"{type(self).__name__}({', '.join(map(repr, self.attributes))}{options})"


def _field(model, attribute):
    """The model field behind a Rails attribute name (a column, or a belongs_to's name), or None."""
    field = model._meta.columns.get(attribute)
    if field is None:
        field = model._meta.fields.get(attribute)
    return field


class Presence(Validator):
    """`validates :x, presence: true`: "can't be blank" for nil, false, blank text, empty collections.

    On a belongs_to's name (`Presence("account")`) the associated row must exist: the
    key must be set and, unless the record holds the loaded row, name a row of the target table.
    """

    default_key = "blank"

    def install(self, model, behaviour):
        super().install(model, behaviour)
        self.associations = {attribute: field for attribute, field in self.fields.items()
                             if field is not None and hasattr(field, "target")}

    @property
    def needs_database(self):
        return bool(self.associations)

    def validate(self, record, errors, context):
        if not self.applies(context):
            return
        for attribute in self.attributes:
            if self.checked(record, attribute) and self.absent(record, attribute):
                errors.setdefault(attribute, []).append(self.error(self.default_key))

    def checked(self, record, attribute):
        return True

    def absent(self, record, attribute):
        field = self.associations.get(attribute)
        value = self.read(record, attribute)
        if field is None:
            return is_blank(value) and not self.skipped(value)
        if value is None:
            return record.__rel__.get(field.name) is None
        if record.__rel__.get(field.name) is not None:
            return False  # the row is at hand (or about to be saved with this one)
        return not row_exists(field, value)

    def check(self, value, record, attribute):
        return [self.error(self.default_key)] if is_blank(value) else None

    def row_check(self):
        # an association's existence is checked for the whole load at once (rows.py)
        refused = [self.error(self.default_key)]
        if not self.allow_nil and not self.allow_blank:
            return lambda value: refused if is_blank(value) else None
        return lambda value: None if self.skipped(value) or not is_blank(value) else refused


class Required(Presence):
    """A required `belongs_to :account`: "must exist", checked as Rails does only when the key is nil or changed.

    (`belongs_to.rb`'s condition: the record is new, its foreign key is nil, or the key was
    assigned since the row was read or saved.)
    """

    default_key = "required"

    def checked(self, record, attribute):
        field = self.associations.get(attribute) or self.fields[attribute]
        return (record._new_record or record.__data__.get(field.name) is None
                or field.name in record._dirty)


def row_exists(field, value) -> bool:
    """Whether the target table of reference `field` has a row with id `value` (never tenant-scoped)."""
    return bool(existing_ids(field, [value]))


def existing_ids(field, values) -> set:
    """Those of `values` that are ids of rows of reference `field`'s target table, in one query.

    A target whose namespace the connection did not select has no table to look in: every
    id is taken as existing (the database's foreign key, where there is one, still holds).
    """
    values = list(values)
    try:
        target = field.rel_model
    except Exception:
        return set(values)
    database = field.model._meta.database
    selected = getattr(database, "namespaces", None)
    if database is None or not values or (selected is not None and target._meta.namespace not in selected):
        return set(values)
    by_text = {_uuid_text(value): value for value in values}
    cursor = database.execute_sql(f'SELECT id::text FROM "{target._meta.table_name}" WHERE id = ANY(%s::uuid[])',
                                  (list(by_text),))
    return {by_text[row[0]] for row in cursor.fetchall() if row[0] in by_text}


def _uuid_text(value):
    value = value.get_id() if hasattr(value, "get_id") else value
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    except ValueError:
        return str(value)


class Inclusion(Validator):
    """`inclusion: { in: [...] }`: "is not included in the list". A `RubyRange` checks numbers by bounds."""

    default_key = "inclusion"

    def __init__(self, *attributes, in_, **options):
        super().__init__(*attributes, **options)
        self.in_ = in_
        self._members = None if isinstance(in_, RubyRange) else _Members(in_)

    def check(self, value, record, attribute):
        if self._members is not None:
            if value in self._members:
                return None
        else:
            try:
                if value is not None and value in self.in_:
                    return None
            except TypeError:
                pass
        return [self.error("inclusion", value=value)]

    def options_source(self):
        return {"in_": self.in_, **super().options_source()}


class _Members:
    """Ruby's `Array#include?`: equality with Ruby's types (true is not 1, "1" is not 1)."""

    def __init__(self, values):
        self.values = list(values)
        self._fast = frozenset((type(v), v) for v in values if isinstance(v, (str, bool, int, float)))

    def __contains__(self, value):
        try:
            if (type(value), value) in self._fast:
                return True
        except TypeError:
            return False
        if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
            return False
        # Ruby's 1 == 1.0: numbers compare by value across Integer, Float and BigDecimal
        return any(value == v for v in self.values if isinstance(v, (int, float)) and not isinstance(v, bool))


_INTEGER = re.compile(r"\A[+-]?\d+\Z")
# Kernel.Float: digits with single underscores between them, optional fraction and exponent, blanks around
_FLOAT = re.compile(r"\A\s*[+-]?\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?(?:[eE][+-]?\d+)?\s*\Z", re.ASCII)
_HEX = re.compile(r"\A[+-]?0[xX]")

_BOUNDS = (("greater_than", lambda a, b: a > b), ("greater_than_or_equal_to", lambda a, b: a >= b),
           ("equal_to", lambda a, b: a == b), ("less_than", lambda a, b: a < b),
           ("less_than_or_equal_to", lambda a, b: a <= b), ("other_than", lambda a, b: a != b))


class Numericality(Validator):
    """`numericality:`: "is not a number", "must be an integer", then each bound in Rails' order.

    The value is read as the platform reads the value a program assigned: numbers as they
    are, text parsed as Ruby's `Kernel.Float` parses it (`" 1_000.5 "` is a number, `"0x1A"`
    and `"1."` are not); nil is not a number unless `allow_nil`. `only_integer` accepts
    integers and integer text only (a Float or Decimal is not, as its Ruby text is not).
    """

    default_key = "not_a_number"

    def __init__(self, *attributes, only_integer=False, in_=None, greater_than=None,
                 greater_than_or_equal_to=None, equal_to=None, less_than=None, less_than_or_equal_to=None,
                 other_than=None, **options):
        super().__init__(*attributes, **options)
        self.only_integer, self.in_ = only_integer, in_
        given = dict(greater_than=greater_than, greater_than_or_equal_to=greater_than_or_equal_to,
                     equal_to=equal_to, less_than=less_than, less_than_or_equal_to=less_than_or_equal_to,
                     other_than=other_than)
        self.bounds = [(name, compare, given[name]) for name, compare in _BOUNDS if given[name] is not None]

    def check(self, value, record, attribute):
        number = _parse_number(value)
        if number is None:
            return [self.error("not_a_number", value=value)]
        if self.only_integer and not _is_integer(value):
            return [self.error("not_an_integer", value=value)]
        found = []
        for name, compare, bound in self.bounds:
            if not compare(number, bound):
                found.append(self.error(name, count=bound, value=value))
        if self.in_ is not None and number not in self.in_:
            found.append(self.error("in", count=self.in_, value=value))
        return found or None

    def options_source(self):
        options = {name: bound for name, _, bound in self.bounds}
        if self.only_integer:
            options["only_integer"] = True
        if self.in_ is not None:
            options["in_"] = self.in_
        return {**options, **super().options_source()}


def _parse_number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, decimal.Decimal)):
        return value
    text = str(value) if isinstance(value, str) else None
    if text is None:
        return None
    if _INTEGER.match(text):
        return int(text)
    if _HEX.match(text.strip()) or not _FLOAT.match(text):
        return None
    return float(text.replace("_", ""))


def _is_integer(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and bool(_INTEGER.match(value))


_LENGTH_CHECKS = (("is_", "wrong_length", lambda n, c: n == c), ("minimum", "too_short", lambda n, c: n >= c),
                  ("maximum", "too_long", lambda n, c: n <= c))


class Length(Validator):
    """`length: { minimum:, maximum:, is: }`: "is too short (minimum is N characters)", ...

    nil has no length: it fails `minimum`/`is` and passes `maximum` (unless allow_nil/allow_blank
    was given, as Rails' `skip_nil_check?` says). Text counts characters, collections their items.
    """

    default_key = "too_long"

    def __init__(self, *attributes, minimum=None, maximum=None, is_=None, **options):
        super().__init__(*attributes, **options)
        self.limits = {"minimum": minimum, "maximum": maximum, "is_": is_}
        self.nil_passes_maximum = not options.get("allow_nil") and not options.get("allow_blank")

    def check(self, value, record, attribute):
        size = len(value) if hasattr(value, "__len__") else len(ruby_to_s(value))
        found = []
        for option, key, fits in _LENGTH_CHECKS:
            limit = self.limits[option]
            if limit is None:
                continue
            if value is None and option == "maximum" and self.nil_passes_maximum:
                continue
            if value is not None and fits(size, limit):
                continue
            found.append(self.error(key, count=limit))
        return found or None

    def options_source(self):
        return {**{k: v for k, v in self.limits.items() if v is not None}, **super().options_source()}


class Format(Validator):
    """`format: { with: /.../ }`: "is invalid" unless the value's text matches (anywhere, as Ruby's `=~`).

    `with_` is Python regex source translated from the platform's Ruby one (`ruby_regex.py`);
    it is compiled with re.MULTILINE, since Ruby's `^` and `$` are line anchors.
    """

    default_key = "invalid"

    def __init__(self, *attributes, with_, **options):
        super().__init__(*attributes, **options)
        self.with_ = with_
        self.pattern = re.compile(with_, re.MULTILINE)

    def check(self, value, record, attribute):
        if self.pattern.search(value if type(value) is str else ruby_to_s(value)):
            return None
        return [self.error("invalid", value=value)]

    def options_source(self):
        return {"with_": self.with_, **super().options_source()}

    @classmethod
    def from_ruby(cls, *attributes, regexp, flags="", **options):
        """A Format from the platform's Ruby regexp source and flags."""
        return cls(*attributes, with_=compile_ruby(regexp, flags).pattern, **options)


class Comparison(Validator):
    """`comparison: { greater_than: :created_at }`: compares with another attribute (a string names one) or a value."""

    default_key = "greater_than"
    needs_record = True

    def __init__(self, *attributes, greater_than=None, greater_than_or_equal_to=None, equal_to=None,
                 less_than=None, less_than_or_equal_to=None, other_than=None, **options):
        super().__init__(*attributes, **options)
        given = dict(greater_than=greater_than, greater_than_or_equal_to=greater_than_or_equal_to,
                     equal_to=equal_to, less_than=less_than, less_than_or_equal_to=less_than_or_equal_to,
                     other_than=other_than)
        self.bounds = [(name, compare, given[name]) for name, compare in _BOUNDS if given[name] is not None]

    def check(self, value, record, attribute):
        found = []
        for name, compare, bound in self.bounds:
            other = getattr(record, bound) if isinstance(bound, str) else bound
            try:
                if compare(value, other):
                    continue
            except TypeError:  # Ruby's Comparable raises ArgumentError, which the validator reports
                found.append(f"comparison of {_ruby_class(value)} with {_ruby_inspect(other)} failed")
                continue
            found.append(self.error(name, count=other, value=value))
        return found or None

    def options_source(self):
        return {**{name: bound for name, _, bound in self.bounds}, **super().options_source()}


def _ruby_class(value):
    import datetime
    if isinstance(value, datetime.datetime):
        return "ActiveSupport::TimeWithZone"
    return {int: "Integer", float: "Float", str: "String"}.get(type(value), type(value).__name__)


def _ruby_inspect(value):
    return "nil" if value is None else ruby_to_s(value)


class Confirmation(Validator):
    """`confirmation: true`: "doesn't match Password" on `password_confirmation`, when one was given."""

    default_key = "confirmation"
    needs_record = True

    def __init__(self, *attributes, case_sensitive=True, **options):
        super().__init__(*attributes, **options)
        self.case_sensitive = case_sensitive

    def validate(self, record, errors, context):
        if not self.applies(context):
            return
        for attribute in self.attributes:
            value = self.read(record, attribute)
            if self.skipped(value):
                continue
            confirmed = getattr(record, f"{attribute}_confirmation", None)
            if confirmed is None:
                continue
            same = (confirmed == value if self.case_sensitive
                    else ruby_to_s(confirmed).casefold() == ruby_to_s(value).casefold())
            if not same:
                human = attribute.replace("_", " ").capitalize()
                errors.setdefault(f"{attribute}_confirmation", []).append(
                    self.error("confirmation", attribute=human))

    def options_source(self):
        return {"case_sensitive": self.case_sensitive, **super().options_source()}


class Money(Validator):
    """money-rails' `monetize :total_cents`: the amount (its cents column) must be a number.

    money-rails parses the text a program assigned through its setter (`"12,50 EUR"`); a
    Python program sets the integer cents (or a Decimal amount), so what remains to check is
    that the cents are there and numeric: "is not a number" on the money attribute otherwise.
    """

    default_key = "not_a_number"

    def __init__(self, *attributes, cents, **options):
        super().__init__(*attributes, **options)
        self.cents = cents

    def install(self, model, behaviour):
        super().install(model, behaviour)
        self.fields = {attribute: _field(model, self.cents) for attribute in self.attributes}

    def check(self, value, record, attribute):
        return None if _parse_number(value) is not None else [self.error("not_a_number", value=value)]

    def options_source(self):
        return {"cents": self.cents, **super().options_source()}


class Uniqueness(Validator):
    """`uniqueness:`: "has already been taken" when another row holds the value (and the same scope values).

    Asked of the database in the transaction of the save, and never limited to the
    `tenant()` account (the platform's validator reads `Model.unscoped`). As Rails does:
    nil is a value (another row's NULL makes it taken) unless `allow_nil`/`allow_blank`;
    `case_sensitive=False` compares `LOWER()`s; a stored record is not compared with itself;
    `conditions` is the SQL the platform's `conditions:` scope adds (`archived_at IS NULL`).
    """

    default_key = "taken"
    needs_database = True

    def __init__(self, *attributes, scope=(), case_sensitive=None, conditions=None, **options):
        super().__init__(*attributes, **options)
        self.scope = (scope,) if isinstance(scope, str) else tuple(scope)
        self.case_sensitive, self.conditions = case_sensitive, conditions

    def install(self, model, behaviour):
        super().install(model, behaviour)
        self.scope_fields = [_field(model, name) for name in self.scope]
        missing = [name for name, field in zip(self.scope, self.scope_fields) if field is None]
        if missing or any(field is None for field in self.fields.values()):
            raise DeclarationError(f"{model.__name__}: uniqueness names no column {(missing or self.attributes)[0]!r}")

    def check(self, value, record, attribute):
        from .uniqueness import taken

        return [self.error("taken", value=value)] if taken(self, record, attribute, value) else None

    def row_check(self):
        return None  # set-wise, for the whole load (rows.py)

    def options_source(self):
        options = {}
        if self.scope:
            options["scope"] = list(self.scope)
        if self.case_sensitive is not None:
            options["case_sensitive"] = self.case_sensitive
        if self.conditions:
            options["conditions"] = self.conditions
        return {**options, **super().options_source()}
