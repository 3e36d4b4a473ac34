"""Seeds: the platform's permissions and roles, reference data per namespace, idempotent and verified."""
import json


import powernode
from conftest import run_cli
from platform_schema import REFERENCE_DIR
from powernode.seeding import seed, seed_files

REGISTRY = json.loads((REFERENCE_DIR / "permissions.json").read_text())



def _role_permissions(role_name):
    Role, Permission, Link = (powernode.models[n] for n in ("Role", "Permission", "RolePermission"))
    query = (Permission.select(Permission.name).join(Link, on=(Link.permission == Permission.id))
             .join(Role, on=(Link.role == Role.id)).where(Role.name == role_name))
    return {p.name for p in query}


def test_core_seed_is_the_platforms_registry(core_db):
    report = seed(core_db)
    assert report.ok, report.checks
    Permission, Role = powernode.models["Permission"], powernode.models["Role"]
    assert Permission.select().count() == len(REGISTRY["permissions"]) == 352
    for name, info in REGISTRY["permissions"].items():
        stored = Permission.get(Permission.name == name)
        assert (stored.description, stored.category) == (info["description"], info["tier"])
    assert Role.select().count() == 10
    for name, info in REGISTRY["roles"].items():
        assert _role_permissions(name) == set(info["permissions"]) & set(REGISTRY["permissions"]), name
    assert "system.admin" in _role_permissions("super_admin")
    (warning,) = report.warnings
    assert "system_worker" in warning and "ai.workflow_executions.update" in warning
    assert "ai.workflow_executions.update" not in REGISTRY["permissions"]


def test_seeding_twice_changes_nothing(core_db):
    seed(core_db)
    tables = [powernode.models[t.model] for t in seed(core_db).tables]

    def state():
        return {m._meta.table_name: sorted(map(str, m.select().tuples())) for m in tables}

    before = state()
    report = seed(core_db)
    assert report.changed == 0 and report.ok
    assert state() == before  # same rows, same updated_at


def test_seed_repairs_drift_and_touches_only_what_changed(core_db):
    seed(core_db)
    Plan, Role, Link, Permission = (powernode.models[n] for n in ("Plan", "Role", "RolePermission", "Permission"))
    Plan.update(price_cents=1).where(Plan.slug == "pro").execute()
    starter = Plan.get(Plan.slug == "starter")
    member = Role.get(Role.name == "member")
    Link.insert(role=member, permission=Permission.get(Permission.name == "system.admin")).execute()
    report = seed(core_db)
    changes = {t.model: (t.inserted, t.updated, t.deleted) for t in report.tables}
    assert changes["Plan"] == (0, 1, 0) and changes["RolePermission"] == (0, 0, 1)
    assert Plan.get(Plan.slug == "pro").price_cents == 9900
    assert Plan.get(Plan.slug == "starter").updated_at == starter.updated_at
    assert "system.admin" not in _role_permissions("member")


def test_failed_verification_is_a_nonzero_exit(core_db):
    core_db.execute_sql("CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
    core_db.execute_sql("CREATE TRIGGER swallow BEFORE INSERT ON admin_settings FOR EACH ROW EXECUTE FUNCTION swallow()")
    code, out, err = run_cli("seed", "--database", core_db.url, "--namespace", "core")
    assert code == 1 and "seed verification failed: AdminSetting" in err and "Traceback" not in err


def test_every_namespace_seeds_and_a_dozen_tables_hold_data(every_db, vector_namespaces_ok):
    db = every_db
    report = powernode.seed(db)
    assert report.ok, [name for name, ok in report.checks.items() if not ok]
    filled = {t.model for t in report.tables if t.rows}
    assert len(filled) >= 12, filled
    namespaces = {powernode.installed.namespace_of(name) for name in filled}
    assert {"core", "ai", "devops", "knowledge_base", "supply_chain"} <= namespaces
    assert powernode.seed(db).changed == 0
    assert sum(len(seed_files(ns)) for ns in powernode.installed.names()) == len(report.tables)


def test_demo_tenant_to_explore(database_url, vector_namespaces_ok):
    code, out, err = run_cli("migrate", "--database", database_url, "--namespace", "ai,devops,knowledge_base")
    assert code == 0, err
    code, out, err = run_cli("seed", "--demo", "--database", database_url, "--namespace", "ai,devops,knowledge_base")
    assert code == 0, err
    assert "demo tenant: account 'Acme Robotics'" in out
    code, out, _ = run_cli("seed", "--demo", "--database", database_url, "--namespace", "ai,devops,knowledge_base")
    assert "already present" in out and "0 rows changed" in out

    db = powernode.connect(database_url, namespaces=["ai", "devops", "knowledge_base"])
    account = powernode.models["Account"].get(powernode.models["Account"].subdomain == "acme-demo")
    assert len(account.users) == 3 and len(account.ai_agents) == 3
    from powernode.demo import embedding
    Node = powernode.models["Ai::KnowledgeGraphNode"]
    (closest,) = Node.nearest(embedding("Incident"), k=1).where(Node.account == account)
    assert closest.name == "Incident" and closest.distance < 1e-6
    pipeline = powernode.models["Devops::Pipeline"].get(powernode.models["Devops::Pipeline"].account == account)
    assert sorted(run.run_number for run in pipeline.runs) == ["1", "2", "3"]  # varchar on the platform
    db.close()
