"""`seed` against the platform's own seed facts: every table of every section, generated over the file.

For each table: the natural keys stored equal the facts' as sets, and every fact
column of every row equals the facts' (tests/seed_facts.py has the rules for prose,
secrets, times and the platform's dangling references; docs/seeds.md explains them).

- plain `seed`                -> the `reference` section
- `seed(supplementary=True)`  -> `reference` + `supplementary`
- `seed(demo=True)`           -> the `tenant` section: the platform's development tenant
"""
import pytest

import powernode
from conftest import SUMMARY, _close_bound_connections
from seed_facts import SECTIONS, StoredRows, compare, model_of, tables_of

#: how each variant seeds, and which facts sections its tables are compared with
VARIANTS = {
    "reference": ({}, ["reference"], ["reference"]),
    "supplementary": ({"supplementary": True}, ["supplementary"], ["reference", "supplementary"]),
    "demo": ({"demo": True}, ["tenant"], ["reference", "tenant"]),
}
CASES = [(variant, table) for variant, (_, tables, _) in VARIANTS.items() for table in tables_of(tables)]
ALL_TABLES = tables_of(SECTIONS)


@pytest.fixture(scope="module")
def held(server):
    """The namespaces this server holds (asked once: each question opens a connection)."""
    return server.selectable


@pytest.fixture(scope="module")
def seeded(server, held):
    """`seeded(variant)`: a database of every namespace this server holds, seeded once per variant, bound."""
    made = {}

    def database(variant):
        _close_bound_connections()
        if variant not in made:
            name = server.copy(server.template(held))
            db = powernode.connect(server.url(name), namespaces=held)
            report = powernode.seed(db, **VARIANTS[variant][0])
            assert report.ok, [check for check, ok in report.checks.items() if not ok]
            made[variant] = name
            return db
        return powernode.connect(server.url(made[variant]), namespaces=held)

    yield database
    _close_bound_connections()
    for name in made.values():
        server.drop_database(name)


def _in(namespaces, table):
    return powernode.installed.namespace_of(model_of(table)) in namespaces


@pytest.mark.parametrize("variant,table", CASES, ids=[f"{v}-{t}" for v, t in CASES])
def test_seeded_table_holds_the_platforms_rows(seeded, held, variant, table):
    if not _in(held, table):
        pytest.skip(f"{table} is in the ai namespace, which needs pgvector (this server has none)")
    seeded(variant)
    stored = StoredRows([t for t in ALL_TABLES if _in(held, t)])
    expected, found, differing = compare(table, VARIANTS[variant][2], stored)
    assert found - expected == set(), "stored rows the facts do not have"
    assert expected - found == set(), "facts rows that were not stored"
    assert differing == {}, "rows whose fact columns differ"
    SUMMARY.append(f"seed facts: {variant:<13} {table:<34} {len(expected):>5} rows, "
                   f"{len(expected) - len(differing):>5} match")


def test_plain_seed_writes_only_the_tenant_rows_reference_rows_name(seeded, held):
    """The articles name their author: the platform's admin user and its account come along, nothing else."""
    seeded("reference")
    Account, User = powernode.models["Account"], powernode.models["User"]
    assert [a.name for a in Account.select()] == ["Powernode Admin"]
    assert [u.email for u in User.select()] == ["admin@powernode.org"]
    others = [t for t in tables_of(["tenant"]) if t not in ("accounts", "users") and _in(held, t)]
    assert {t: powernode.models[model_of(t)].select().count() for t in others} == {t: 0 for t in others}
