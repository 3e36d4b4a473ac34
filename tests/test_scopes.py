"""Every generated scope returns the platform's rows: its SQL and ours, over the same populated database.

The clock is frozen at the catalog's `scope_sql_time`, the instant the platform's
SQL was printed at; the rows (`scope_rows.Population`) sit on both sides of every
cut-off. For each scope: the same rows (in the same order where the SQL orders
them), or the same error from PostgreSQL; the same inside `tenant()`; and the
same when applied on top of another scope as when the two run apart.
"""
import datetime
import inspect
import json
import re
import sys
from pathlib import Path

import peewee
import pytest

import powernode
from conftest import SUMMARY
from powernode.behaviour import clock
from powernode.behaviour.scopes import scopes_of
from scope_rows import Population

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.generator.scope_sql import parse  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BEHAVIOUR = json.loads((ROOT / "reference" / "powernode-behaviour.json").read_text())
REFERENCE = datetime.datetime.fromisoformat(BEHAVIOUR["scope_sql_time"].replace("Z", ""))
PLATFORM_SQL = {model: {name: scope["sql"] for name, scope in entry["scopes"].items() if "sql" in scope}
                for model, entry in BEHAVIOUR["models"].items()
                if any("sql" in scope for scope in (entry.get("scopes") or {}).values())}
DOCUMENT = (ROOT / "docs" / "scopes.md").read_text()
REFUSED = DOCUMENT.split("## The database refuses the platform's SQL")[1].split("## ")[0]
UNDEFINED_COLUMN, UNDEFINED_TABLE = "42703", "42P01"


def generated_model(rails_name):
    """The model class for a catalog model, or None when the package has none (loading its namespace)."""
    return powernode.registry.get(rails_name)


WITH_GENERATED = sorted(m for m in PLATFORM_SQL if generated_model(m) is not None and scopes_of(generated_model(m)))
UNDISCRIMINATED = []
TALLY = {"compared": 0, "discriminating": 0, "refused by both": 0, "tenant": 0, "composed": 0}


@pytest.fixture(scope="module")
def scoped_db(server):
    """One database with every namespace this server holds; rows are added model by model."""
    name = server.copy(server.template(server.selectable))
    db = powernode.connect(server.url(name), namespaces=server.selectable)
    population = Population(db, REFERENCE)
    yield db, population
    SUMMARY.append(f"scopes: {TALLY['compared']} compared with the platform's SQL, {TALLY['discriminating']} "
                   f"telling rows apart, {TALLY['refused by both']} refused by PostgreSQL both ways, "
                   f"{TALLY['tenant']} inside tenant(), {TALLY['composed']} composed; {population.skipped} "
                   f"generated rows refused by constraints; returning all rows or none: "
                   f"{', '.join(UNDISCRIMINATED) or 'none'}")
    db.close()
    server.drop_database(name)


def run(db, sql, params=None):
    """("rows", [dict]) or ("error", SQLSTATE), in a savepoint."""
    try:
        with db.atomic():
            cursor = db.execute_sql(sql, params)
            names = [column[0] for column in cursor.description]
            return "rows", [dict(zip(names, row)) for row in cursor.fetchall()]
    except peewee.DatabaseError as error:
        return "error", _sqlstate(error)


def _sqlstate(error):
    return getattr(error, "pgcode", None) or type(error).__name__


def _key(row):
    return json.dumps(row, sort_keys=True, default=_plain)


def _plain(value):
    return bytes(value).hex() if isinstance(value, memoryview) else str(value)


def order_keys(db, sql):
    """row -> its ORDER BY values, from the platform's own SQL (None when it does not order)."""
    select = parse(sql)
    if not select.order_by:
        return None
    extra = "".join(f", ({sql[item.expression.span[0]:item.expression.span[1]]}) AS \"__order_{n}\""
                    for n, item in enumerate(select.order_by))
    end = select.columns[-1].span[1]
    outcome, rows = run(db, sql[:end] + extra + sql[end:])
    assert outcome == "rows", (sql, rows)
    keys = {}
    for row in rows:
        key = tuple(_plain(row.pop(f"__order_{n}")) for n in range(len(select.order_by)))
        keys[_key(row)] = key
    return keys


def assert_same_rows(ours, theirs, keys, what):
    """The same rows; where the platform orders them, in an order its ORDER BY gives (ties either way)."""
    assert sorted(map(_key, ours)) == sorted(map(_key, theirs)), what
    if keys is not None:
        assert [keys[_key(row)] for row in ours] == [keys[_key(row)] for row in theirs], what


@pytest.mark.parametrize("rails_name", WITH_GENERATED)
def test_every_scope_returns_the_platforms_rows(scoped_db, rails_name):
    db, population = scoped_db
    model = powernode.registry.get(rails_name)
    if model._meta.namespace not in db.namespaces:
        pytest.skip(f"{model._meta.namespace} needs pgvector, which this server lacks")
    scopes = scopes_of(model)
    platform_sql = {name: PLATFORM_SQL[rails_name][name] for name in scopes}
    population.fill(model, platform_sql.values())
    total = model.select().count()
    names = sorted(scopes)
    with clock.frozen(REFERENCE):
        for position, name in enumerate(names):
            sql = platform_sql[name]
            theirs = run(db, sql)
            query = model.scope(name)
            ours = run(db, *query.sql())
            assert ours[0] == theirs[0], (name, theirs if theirs[0] == "error" else ours)
            assert (theirs[0] == "error") == (f"- {rails_name}.{name}:" in REFUSED), (name, theirs)
            TALLY["compared"] += 1
            if theirs[0] == "error":
                assert ours[1] == theirs[1], name
                TALLY["refused by both"] += 1
                continue
            keys = order_keys(db, sql)
            assert_same_rows(ours[1], theirs[1], keys, name)
            if len(theirs[1]) not in (0, total) or keys is not None and len(set(keys.values())) > 1:
                TALLY["discriminating"] += 1
            else:
                UNDISCRIMINATED.append(f"{rails_name}.{name}: {len(theirs[1])} of {total}")
            if theirs[1] and "id" in theirs[1][0] and model._meta.primary_key:
                by_id = {row["id"]: row for row in theirs[1]}
                instances = [by_id.get(row.id, {"id": row.id}) for row in query]  # the model's own read path
                assert_same_rows(instances, theirs[1], keys, (name, "instances"))
                if "LIMIT" not in sql:
                    check_inside_tenant(model, name, theirs[1], keys)
                check_composed(db, model, name, names[(position + 1) % len(names)], theirs[1])


def check_inside_tenant(model, name, platform_rows, keys):
    """Inside tenant(account), the scope returns the platform's rows of that account."""
    if "account_id" not in model._meta.columns:
        return
    account = next((row["account_id"] for row in platform_rows if row["account_id"] is not None), None)
    if account is None:
        return
    with powernode.tenant(account, db=model._meta.database):
        ids = [row.id for row in model.scope(name)]
    by_id = {row["id"]: row for row in platform_rows}
    mine = [by_id.get(row_id, {"id": row_id}) for row_id in ids]
    assert_same_rows(mine, [row for row in platform_rows if row["account_id"] == account], keys, (name, "tenant"))
    TALLY["tenant"] += 1


def check_composed(db, model, name, other, platform_rows):
    """`Model.name(Model.other())`: the rows both scopes select (for scopes that only filter)."""
    plain = [s for s in (name, other) if _only_filters(model, s)]
    if len(plain) < 2 or name == other:
        return
    outcome, other_rows = run(db, PLATFORM_SQL[model._meta.rails_name][other])
    if outcome == "error":
        return
    other_ids = {row["id"] for row in other_rows}
    expected = sorted(row["id"] for row in platform_rows if row["id"] in other_ids)
    composed = model.scope(name, model.scope(other))
    assert sorted(row.id for row in composed) == expected, (name, other)
    TALLY["composed"] += 1


def _only_filters(model, name):
    sql = PLATFORM_SQL[model._meta.rails_name][name]
    return not re.search(r"\b(LIMIT|DISTINCT|GROUP BY|JOIN)\b", sql)


def test_what_is_not_generated_fails_on_the_platforms_schema_too(every_db):
    """Scopes left out (docs/scopes.md): the platform's SQL names a column or table the schema lacks."""
    section = DOCUMENT.split("## Not generated")[1].split("## Errors")[0]
    listed = {(model, name): why for model, name, why in re.findall(r"^\| ([\w:]+) \| (\w+) \| (.+) \|$", section, re.M)
              if model != "model"}
    missing = {(model, name) for model, scopes in PLATFORM_SQL.items() for name in scopes
               if generated_model(model) is None or name not in scopes_of(generated_model(model))}
    assert set(listed) == missing and len(missing) == 19
    checked = 0
    for (model, name), why in listed.items():
        # a table designed here for the name has other columns; a table nobody has is undefined
        expected = UNDEFINED_COLUMN if "names a column" in why or "designed here" in why else UNDEFINED_TABLE
        outcome = run(every_db, PLATFORM_SQL[model][name])
        if outcome[0] == "error" and outcome[1] == UNDEFINED_TABLE and expected == UNDEFINED_COLUMN:
            continue  # the model's namespace is not on this server
        assert outcome == ("error", expected), (model, name, why)
        checked += 1
    assert checked >= 17  # every one but those of namespaces a server without pgvector lacks


def test_the_document_counts_what_was_generated():
    generated = {(model, name): scope for model in PLATFORM_SQL if generated_model(model) is not None
                 for name, scope in scopes_of(generated_model(model)).items()}
    raw = [key for key, scope in generated.items() if "SQL(" in inspect.getsource(scope.build)]
    assert f"| generated | {len(generated):,} |" in DOCUMENT
    assert f"| &nbsp;&nbsp;with a raw SQL condition | {len(raw):,} |" in DOCUMENT
    assert f"| argument-free, with SQL in the catalog | {sum(map(len, PLATFORM_SQL.values())):,} |" in DOCUMENT
    errors = [(m, n) for m, e in BEHAVIOUR["models"].items() for n, s in (e.get("scopes") or {}).items()
              if "error" in s and not s.get("takes_arguments")]
    assert len(errors) == 60 and all(f"| {m} | {n} |" in DOCUMENT for m, n in errors)
    for (model, name), scope in generated.items():
        attribute = scope.attribute
        assert attribute == name or f"| {model} | {name} | `{attribute}` |" in DOCUMENT
        owner = generated_model(model)
        assert getattr(owner, attribute).scope is scope and owner.scope is not None
