"""How scope SQL becomes Python: the parser, the reading of time literals, the clock, raw SQL where it must."""
import datetime
import sys
from pathlib import Path

import peewee
import pytest
from hypothesis import given, settings, strategies as st

import powernode
from factory import make
from powernode import DeclarationError, PowernodeModel, Reference
from powernode.behaviour import clock
from powernode.behaviour.scopes import Scope, scopes_of
from powernode.fields import StringField

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.generator import reserved_names  # noqa: E402
from tools.generator.catalog import Catalog  # noqa: E402
from tools.generator.model_class import ModelWriter  # noqa: E402
from tools.generator.scope_source import TableInfo, translate  # noqa: E402
from tools.generator.scope_sql import Between, Binary, Cast, In, IsNull, Unary, parse  # noqa: E402
from tools.generator.scope_times import relative_time  # noqa: E402

REFERENCE = datetime.datetime(2026, 1, 1, 12)
CLOCK = {name: getattr(clock, name) for name in clock.__all__}
UNITS = st.sampled_from(["years", "months", "weeks", "days", "hours", "minutes"])
moments = st.datetimes(min_value=datetime.datetime(2001, 1, 1), max_value=datetime.datetime(2099, 1, 1)).map(
    lambda moment: moment.replace(microsecond=0))


def read_back(source, at):
    """What the clock expression `source` evaluates to with the clock frozen at `at`."""
    with clock.frozen(at):
        return eval(source, dict(CLOCK))  # generator output made of the clock's names only


@settings(max_examples=300, deadline=None)
@given(reference=moments.filter(lambda m: m.time() != datetime.time()), unit=UNITS,
       count=st.integers(min_value=-20, max_value=20))
def test_a_whole_offset_reads_back_as_the_same_instant(reference, unit, count):
    literal = clock.advance(reference, **{unit: count})
    source = relative_time(literal.isoformat(sep=" "), reference)
    assert source is not None
    assert read_back(source, reference) == literal


@settings(max_examples=200, deadline=None)
@given(reference=moments.filter(lambda m: m.time() != datetime.time()),
       boundary=st.sampled_from(["beginning_of_day", "beginning_of_week", "beginning_of_month", "end_of_day"]),
       count=st.integers(min_value=-3, max_value=3))
def test_a_day_week_or_month_boundary_reads_back_as_the_same_instant(reference, boundary, count):
    unit = {"beginning_of_day": "days", "end_of_day": "days", "beginning_of_week": "weeks",
            "beginning_of_month": "months"}[boundary]
    literal = getattr(clock, boundary)(clock.advance(reference, **{unit: count}))
    source = relative_time(literal.isoformat(sep=" "), reference)
    assert source is not None and read_back(source, reference) == literal


@settings(max_examples=200, deadline=None)
@given(reference=moments, days=st.integers(min_value=-60, max_value=60))
def test_a_date_reads_back_as_the_same_day(reference, days):
    literal = (reference + datetime.timedelta(days=days)).date()
    source = relative_time(literal.isoformat(), reference)
    assert source is not None and read_back(source, reference) == literal


def test_the_catalogs_cut_offs_read_as_rails_wrote_them():
    readings = {"2026-01-01 12:00:00": "now()", "2025-12-18 12:00:00": "ago(weeks=2)",
                "2025-12-02 12:00:00": "ago(days=30)", "2025-12-01 12:00:00": "ago(months=1)",
                "2026-01-01 13:00:00": "from_now(hours=1)", "2026-01-01 00:00:00": "beginning_of_day(now())",
                "2026-01-01 23:59:59.999999": "end_of_day(now())",
                "2025-12-22 00:00:00": "beginning_of_week(ago(weeks=1))", "2025-12-02": "ago(days=30).date()",
                "active": None}
    assert {text: relative_time(text, REFERENCE) for text in readings} == readings


@settings(max_examples=300, deadline=None)
@given(moment=moments, months=st.integers(min_value=-40, max_value=40))
def test_advance_moves_calendar_months_and_keeps_the_day_the_month_has(moment, months):
    moved = clock.advance(moment, months=months)
    assert (moved.year * 12 + moved.month) - (moment.year * 12 + moment.month) == months
    assert moved.day == min(moment.day, moved.day) and moved.time() == moment.time()
    if moved.day < moment.day:  # clamped: the last day of a shorter month
        assert (moved + datetime.timedelta(days=1)).day == 1


def test_the_clock_is_frozen_only_inside_the_block():
    with clock.frozen(REFERENCE):
        assert clock.now() == REFERENCE and clock.ago(days=1) == REFERENCE - datetime.timedelta(days=1)
    assert clock.now() > REFERENCE


def test_operators_bind_as_postgresql_binds_them():
    where = parse('SELECT "t".* FROM "t" WHERE a = 1 OR b = 2 AND NOT c IS NULL').where
    assert isinstance(where, Binary) and where.op == "OR"
    assert where.right.op == "AND" and isinstance(where.right.right, Unary)
    assert isinstance(where.right.right.operand, IsNull)
    between = parse('SELECT "t".* FROM "t" WHERE x BETWEEN 1 AND 2 AND y IN (1, 2)').where
    assert isinstance(between.left, Between) and isinstance(between.right, In)
    cast = parse('SELECT "t".* FROM "t" WHERE (a::float / NULLIF(b, 0)) > 0.9').where
    assert cast.op == ">" and cast.left.op == "/" and isinstance(cast.left.left, Cast)


def table_infos():
    catalog = Catalog()
    reserved = reserved_names()
    infos = {}
    for table in catalog.tables:
        writer = ModelWriter(catalog, table, reserved)
        attributes = writer.attribute_names()
        types = {c["name"]: c["sql_type"] for c in table["columns"]}
        attributes["id"], types["id"] = "id", "uuid"
        infos[table["table"]] = TableInfo(table["table"], table["model"], writer.class_name, attributes, types)
    return infos


def scope_from(sql, table, infos):
    """A `Scope` built from the generator's source for `sql`, as the generated module would build it."""
    code = translate(sql, infos, table, REFERENCE)
    chain = "".join(f".{method}({', '.join(args)})" for method, args in code.chain)
    namespace = {**CLOCK, "SQL": peewee.SQL, "Value": peewee.Value, "Cast": peewee.Cast, "fn": peewee.fn}
    return code, Scope(eval(f"lambda m, q: q{chain}", namespace))  # generator output, from the catalog


def test_a_condition_peewee_cannot_say_stays_sql_and_still_reads_the_clock(core_rows):
    sql = ('SELECT "invoices".* FROM "invoices" WHERE "invoices"."status" = \'open\' '
           'AND (-"invoices"."total_cents" < -5 OR due_at > \'2026-01-01 12:00:00\')')
    code, scope = scope_from(sql, "invoices", table_infos())
    assert code.raw == ['-"invoices"."total_cents" < -5 OR due_at > \'2026-01-01 12:00:00\'']
    assert code.chain[0][1][1] == 'SQL("(-\\"total_cents\\" < -5 OR due_at > %s)", [now()])'
    Invoice = powernode.models["Invoice"]
    later, earlier = REFERENCE + datetime.timedelta(days=1), REFERENCE - datetime.timedelta(days=1)
    for status, total, due in (("open", 1, later), ("open", 10, earlier), ("open", 1, earlier), ("draft", 1, later)):
        make(Invoice, status=status, total_cents=total, due_at=due)
    with clock.frozen(REFERENCE):
        ours = sorted(row.id for row in scope.query(Invoice))
    theirs = sorted(row[0] for row in core_rows.execute_sql(sql.replace('"invoices".*', '"invoices"."id"')))
    assert ours == theirs and len(theirs) == 2


def test_a_scope_reached_by_its_rails_name_and_an_unknown_one_named(core_rows):
    Role = powernode.models["Role"]
    assert "immutable" in scopes_of(Role) and Role.scope("immutable").sql() == Role.immutable_scope().sql()
    with pytest.raises(KeyError, match="no scope 'nope'"):
        Role.scope("nope")


def test_a_back_reference_that_would_hide_a_scope_is_refused():
    class Owner(PowernodeModel):
        name = StringField()
        items = Scope(lambda m, q: q.where(m.name == "x"))

        class Meta:
            table_name = "scope_owners"
            rails_name = "ScopeOwner"

    class Item(PowernodeModel):
        owner = Reference("ScopeOwner", column_name="owner_id", backref="items")

        class Meta:
            table_name = "scope_items"
            rails_name = "ScopeItem"

    registry = powernode.registry
    registry.register(Owner, "core")
    try:
        with pytest.raises(DeclarationError, match="back-reference 'items' is already an attribute of Owner"):
            registry.register(Item, "core")
    finally:
        registry.unregister(Item)
        registry.unregister(Owner)


def test_two_scopes_of_one_rails_name_are_refused():
    with pytest.raises((DeclarationError, RuntimeError)) as raised:
        class Twice(PowernodeModel):
            active = Scope(lambda m, q: q)
            active_scope = Scope(lambda m, q: q, name="active")

            class Meta:
                table_name = "twices"
                rails_name = "Twice"
    error = raised.value if isinstance(raised.value, DeclarationError) else raised.value.__cause__
    assert isinstance(error, DeclarationError) and "two scopes are named 'active'" in str(error)
