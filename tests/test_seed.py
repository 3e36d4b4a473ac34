"""Seeds: the platform's quirks kept, idempotent, repairing drift, verified; the options and the decisions' document.

Whether each seeded table holds the platform's rows is tests/test_seed_facts.py.
"""
import json
import re
import subprocess
import sys

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import powernode
from conftest import run_cli
from platform_schema import REFERENCE_DIR, ROOT
from powernode.seeding import Resolver, SeedError, seed, seed_files

REGISTRY = json.loads((REFERENCE_DIR / "permissions.json").read_text())
DOCS = (ROOT / "docs" / "seeds.md").read_text()
sys.path.insert(0, str(ROOT))
from tools import platform_seeds, seed_prose  # noqa: E402

#: the registry names the platform stores under another name (docs/seeds.md, "Permissions")
SHARED_ROWS = {"analytics.read": "ai.analytics.read", "analytics.export": "ai.analytics.export"}


def _grants(role_name):
    Role, Permission, Link = (powernode.models[n] for n in ("Role", "Permission", "RolePermission"))
    query = (Permission.select(Permission.name).join(Link, on=(Link.permission == Permission.id))
             .join(Role, on=(Link.role == Role.id)).where(Role.name == role_name))
    return {p.name for p in query}


def _state(models):
    """Every row of the models, `updated_at` included."""
    return {m._meta.table_name: sorted(map(str, m.select().tuples())) for m in models}


def test_roles_hold_the_registrys_grants_as_the_platform_stores_them(core_rows):
    assert seed(core_rows).ok
    undefined = {"ai.workflow_executions.update"}  # granted by the registry, defined nowhere: created on the fly
    for name, role in REGISTRY["roles"].items():
        wanted = {SHARED_ROWS.get(p, p) for p in role["permissions"]}
        assert _grants(name) == wanted, name
        assert set(role["permissions"]) - set(REGISTRY["permissions"]) <= undefined
    assert "ai.workflow_executions.update" in _grants("system_worker")
    Permission = powernode.models["Permission"]
    stored = {p.name for p in Permission.select()}
    assert stored == (set(REGISTRY["permissions"]) - set(SHARED_ROWS)) | undefined
    created = Permission.get(Permission.name == "ai.workflow_executions.update")
    assert created.description == "Permission for ai.workflow_executions.update"


def test_system_roles_are_system_as_on_the_platform(core_rows):
    seed(core_rows)
    Role = powernode.models["Role"]
    for name, role in REGISTRY["roles"].items():
        marked = role.get("is_system", False) or role["role_type"] == "system"  # the registry's flag, or the type's
        assert Role.get(Role.name == name).is_system is marked, name


def test_seeding_twice_changes_nothing(core_rows):
    tables = [powernode.models[t.model] for t in seed(core_rows).tables]
    before = _state(tables)
    report = seed(core_rows)
    assert report.changed == 0 and report.ok
    assert _state(tables) == before  # same rows, same updated_at


def test_every_section_of_every_namespace_seeds_twice_without_a_change(every_rows):
    report = powernode.seed(every_rows, supplementary=True, demo=True)
    assert report.ok, [name for name, ok in report.checks.items() if not ok]
    assert {t.section for t in report.tables} == {"reference", "supplementary", "demo"}
    expected = sum(len(seed_files(ns, section)) for ns in every_rows.namespaces
                   for section in ("reference", "supplementary", "demo"))
    assert len(report.tables) == expected
    models = {powernode.models[t.model] for t in report.tables}
    before = _state(models)
    again = powernode.seed(every_rows, supplementary=True, demo=True)
    assert again.changed == 0 and again.ok
    assert _state(models) == before


def test_a_plain_seed_keeps_what_supplementary_granted(core_rows):
    seed(core_rows, supplementary=True)
    granted = _grants("owner")
    assert {"admin.docker.admin", "admin.supply_chain.admin"} <= granted
    report = seed(core_rows)
    assert report.changed == 0 and report.ok
    assert _grants("owner") == granted


def test_seed_repairs_drift_and_touches_only_what_changed(core_rows):
    seed(core_rows)
    Plan, Role, Link, Permission, Setting = (powernode.models[n] for n in
                                            ("Plan", "Role", "RolePermission", "Permission", "SiteSetting"))
    Plan.update(price_cents=1).where(Plan.slug == "professional").execute()
    untouched = Plan.get(Plan.slug == "administrator")
    member = Role.get(Role.name == "member")
    Link.insert(role=member, permission=Permission.get(Permission.name == "system.admin")).execute()
    Setting.delete().where(Setting.key == "company_address").execute()
    report = seed(core_rows)
    changes = {t.model: (t.inserted, t.updated, t.deleted) for t in report.tables}
    assert changes["Plan"] == (0, 1, 0) and changes["RolePermission"] == (0, 0, 1)
    assert changes["SiteSetting"] == (1, 0, 0)
    assert Plan.get(Plan.slug == "professional").price_cents == 4900
    assert Plan.get(Plan.slug == "administrator").updated_at == untouched.updated_at
    assert "system.admin" not in _grants("member")


COLUMNS = {"Plan": ["price_cents", "trial_period_days"], "SiteSetting": ["value", "description"],
           "Role": ["display_name", "description"]}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_drift_of_a_reference_row_is_repaired(core_rows, data):
    seed(core_rows)
    model_name = data.draw(st.sampled_from(sorted(COLUMNS)))
    model = powernode.models[model_name]
    column = data.draw(st.sampled_from(COLUMNS[model_name]))
    ids = [r.id for r in model.select(model.id).order_by(model.id)]
    target = data.draw(st.sampled_from(ids))
    field = model._meta.columns[column]
    drifted = data.draw(st.integers(0, 10**6) if column.endswith(("_cents", "_days"))
                        else st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30))
    with core_rows.atomic() as transaction:
        before = getattr(model.get_by_id(target), field.name)
        model.update({field: drifted}).where(model.id == target).execute()
        report = seed(core_rows)
        assert report.ok
        assert report.changed == (drifted != before)
        assert getattr(model.get_by_id(target), field.name) == before
        transaction.rollback()


def test_failed_verification_is_a_nonzero_exit(core_db):
    core_db.execute_sql("CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
    core_db.execute_sql("CREATE TRIGGER swallow BEFORE INSERT ON site_settings FOR EACH ROW EXECUTE FUNCTION swallow()")
    code, out, err = run_cli("seed", "--database", core_db.url, "--namespace", "core")
    assert code == 1 and "seed verification failed: SiteSetting" in err and "Traceback" not in err


def test_the_core_checks_catch_a_missing_critical_grant(core_rows):
    seed(core_rows)
    Role, Permission, Link = (powernode.models[n] for n in ("Role", "Permission", "RolePermission"))

    def checks():
        found = {}
        for pairs in powernode.installed.hook.powernode_seed_checks(db=core_rows, namespaces=("core",)):
            found.update(pairs)
        return found

    assert checks() == {"super_admin has system.admin": True, "system_worker has ai.workflow_executions.update": True}
    worker = Role.get(Role.name == "system_worker")
    undefined = Permission.get(Permission.name == "ai.workflow_executions.update")
    Link.delete().where(Link.role == worker, Link.permission == undefined).execute()
    assert checks()["system_worker has ai.workflow_executions.update"] is False


def test_a_reference_to_a_missing_row_says_what_to_do(core_rows):
    with pytest.raises(SeedError, match=r"^Role with name='nobody' does not exist: seed what it names first$"):
        Resolver().id_of({"$ref": "Role", "name": "nobody"})


def test_demo_is_the_platforms_development_tenant_from_the_command_line(database_url, vector_namespaces_ok):
    namespaces = "ai,devops,file_management,knowledge_base,shared"
    code, out, err = run_cli("migrate", "--database", database_url, "--namespace", namespaces)
    assert code == 0, err
    code, out, err = run_cli("seed", "--demo", "--database", database_url, "--namespace", namespaces)
    assert code == 0, err
    assert re.search(r"^demo +Ai::Agent +23 rows +\(23 new\)$", out, re.M)
    code, out, _ = run_cli("seed", "--demo", "--database", database_url, "--namespace", namespaces)
    assert code == 0 and " 0 rows changed" in out
    db = powernode.connect(database_url, namespaces=namespaces.split(","))
    Account, Provider = powernode.models["Account"], powernode.models["Ai::Provider"]
    admin = Account.get(Account.name == "Powernode Admin")
    facts = json.loads((REFERENCE_DIR / "seed-data.json").read_text())["tenant"]["ai_providers"]["rows"]
    assert {p.name for p in Provider.select().where(Provider.account == admin)} == {r["name"] for r in facts}
    assert powernode.models["AuditLog"].select().count() == 0  # left out: docs/seeds.md
    db.close()


def test_seeded_emails_are_encrypted_as_the_platform_encrypts_them(core_db):
    assert seed(core_db, demo=True).ok
    User = powernode.models["User"]
    assert User.get(User.email == "admin@powernode.org").email == "admin@powernode.org"  # reads back clear
    connection = psycopg2.connect(core_db.url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT email FROM users ORDER BY email")
            stored = [email for (email,) in cursor.fetchall()]
    finally:
        connection.close()
    assert len(stored) == 5
    for text in stored:
        envelope = json.loads(text)  # Active Record encryption: {"p": ..., "h": {"iv": ..., "at": ...}}
        assert set(envelope) == {"p", "h"} and {"iv", "at"} <= set(envelope["h"])


def test_the_committed_seed_files_are_the_facts():
    result = subprocess.run([sys.executable, "tools/platform_seeds.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docs_state_every_decision_the_seed_writer_makes():
    decided = [*platform_seeds.LEFT_OUT, platform_seeds.REPLACEMENT_AGENT, *platform_seeds.NATURAL_KEYS,
               *(f"{table}.{place}" for table, place in platform_seeds.JSON_SECRETS),
               *(f"{table}.{place}" for table, place in seed_prose.EMPTY),
               *platform_seeds.JSON_SECRETS.values()]
    missing = [item for item in decided if f"`{item}`" not in DOCS and item not in DOCS]
    assert missing == [], "docs/seeds.md does not mention these decisions"
