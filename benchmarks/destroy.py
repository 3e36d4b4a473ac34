"""Destroying accounts the platform's way, against a hand-written sequence of bulk deletes.

    python benchmarks/destroy.py [--quick]        (also run by benchmarks/run.py)

Builds 100 tenants shaped like the platform's development tenant (`reference/seed-data.json`'s
`tenant` section: its 29 tables, their row counts and the references between their rows, two
accounts per tenant), then removes them two ways, each from the same starting state:

- ours: `destroy_all` of the accounts, every `dependent:` option on the way followed, after
  `destroy_all` of the tenant rows the platform's own `Account#destroy` cannot get past (found by
  running it: the same refusals and foreign-key errors the platform meets). `Account` declares
  `ai_providers` before `ai_agents`, and a provider that still has agents refuses
  (`restrict_with_error`); agents cannot go while they sit in teams; users cannot go while workflows,
  knowledge-base documents and template installations name them; subscriptions and skills have no
  `dependent:` on `Account` and no ON DELETE. So `PREREQUISITES` go first, each set-based too.
- by hand: one bulk DELETE per table, children first, written for exactly these 29 tables.

Reports the statements each issued and the best time of several runs, and checks both left the
same rows behind.
"""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the test factory fills the columns the seed rows leave out

import powernode  # noqa: E402
from factory import allowed_values, filler, make  # noqa: E402
from powernode.references import Reference  # noqa: E402
from powernode.uuid7 import new_uuid7  # noqa: E402

TENANT = json.loads((ROOT / "reference" / "seed-data.json").read_text())["tenant"]

# The hand-written teardown of those 29 tables: children first, each one statement for every tenant.
AGENTS = "SELECT id FROM ai_agents WHERE account_id = ANY(%(accounts)s::uuid[])"
TEAMS = "SELECT id FROM ai_agent_teams WHERE account_id = ANY(%(accounts)s::uuid[])"
USERS = "SELECT id FROM users WHERE account_id = ANY(%(accounts)s::uuid[])"
BY_HAND = [
    f"DELETE FROM ai_agent_skills WHERE ai_agent_id IN ({AGENTS})",
    f"DELETE FROM ai_agent_team_members WHERE ai_agent_team_id IN ({TEAMS})",
    f"DELETE FROM ai_team_channels WHERE agent_team_id IN ({TEAMS})",
    "DELETE FROM ai_team_roles WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_agent_budgets WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_agent_trust_scores WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_agent_connections WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_memory_pools WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_agent_teams WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_agents WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_providers WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_skills WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_workflow_edges WHERE ai_workflow_id IN "
    "(SELECT id FROM ai_workflows WHERE account_id = ANY(%(accounts)s::uuid[]))",
    "DELETE FROM ai_workflow_nodes WHERE ai_workflow_id IN "
    "(SELECT id FROM ai_workflows WHERE account_id = ANY(%(accounts)s::uuid[]))",
    "DELETE FROM ai_workflows WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_devops_template_installations WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_devops_templates WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM devops_ai_configs WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM ai_documents WHERE knowledge_base_id IN "
    "(SELECT id FROM ai_knowledge_bases WHERE account_id = ANY(%(accounts)s::uuid[]))",
    "DELETE FROM ai_knowledge_bases WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM mcp_tools WHERE mcp_server_id IN "
    "(SELECT id FROM mcp_servers WHERE account_id = ANY(%(accounts)s::uuid[]))",
    "DELETE FROM mcp_servers WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM shared_prompt_templates WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM file_storages WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM subscriptions WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM audit_logs WHERE account_id = ANY(%(accounts)s::uuid[])",
    f"DELETE FROM user_roles WHERE user_id IN ({USERS})",
    "DELETE FROM users WHERE account_id = ANY(%(accounts)s::uuid[])",
    "DELETE FROM accounts WHERE id = ANY(%(accounts)s::uuid[])",
]


class TenantBuilder:
    """Rows for N copies of the development tenant, ids made here so references map without reading back."""

    def __init__(self):
        self.models = {table: model_of(table) for table in TENANT}
        self.order = dependency_order()
        self.shared = {}  # (model outside the tenant, seed reference) -> the row every tenant points at

    def build(self, tenants):
        """Load `tenants` copies; returns the accounts' ids."""
        accounts = []
        rows = {table: [] for table in self.order}
        for _ in range(tenants):
            ids = {table: [new_uuid7() for _ in TENANT[table]["rows"]] for table in self.order}
            accounts += ids["accounts"]
            for table in self.order:
                for index, seed_row in enumerate(TENANT[table]["rows"]):
                    rows[table].append(self.row(table, seed_row, ids[table][index], ids))
        for table in self.order:
            shapes = {}  # bulk_load takes rows with the same columns: one load per set of columns
            for row in rows[table]:
                shapes.setdefault(frozenset(row), []).append(row)
            for same in shapes.values():
                powernode.bulk_load(self.models[table], same)
        return accounts

    def row(self, table, seed_row, row_id, ids):
        model = self.models[table]
        allowed = allowed_values(model)
        values = {"id": row_id} if model._meta.primary_key else {}
        for field in model._meta.sorted_fields:
            if field.primary_key:
                continue
            seed = seed_row.get(field.column_name)
            if isinstance(seed, dict) and "ref" in seed:
                found = self.reference(seed, ids)
                if found is not None:
                    values[field.name] = found
                    continue
            choices = allowed.get(field.column_name)
            if choices and field.default is not None and field.default not in choices:
                values[field.name] = choices[0]  # the platform's default breaks its own check here
                continue
            if field.null or field.default is not None or getattr(field, "server_default", None):
                continue
            if isinstance(field, Reference):
                values[field.name] = self.shared_row(field.rel_model)
            else:
                values[field.name] = filler(field, allowed)
        return values

    def reference(self, seed, ids):
        """The id a seed reference names in this copy (a tenant row) or the shared row (reference data)."""
        table = seed["ref"]
        if seed.get("deleted"):
            return None
        if table not in TENANT:
            return self.shared_row(model_of(table), json.dumps(seed, sort_keys=True))
        if "index" in seed:
            return ids[table][seed["index"]]
        keys = {k: v for k, v in seed.items() if k != "ref"}
        for index, row in enumerate(TENANT[table]["rows"]):
            if all(natural_value(row, k) == v for k, v in keys.items()):
                return ids[table][index]
        return None

    def shared_row(self, model, key=None):
        """One row of reference data per distinct seed reference (one `manager` role, one `owner` role)."""
        if (model, key) not in self.shared:
            self.shared[(model, key)] = make(model).get_id()
        return self.shared[(model, key)]


def natural_value(row, key):
    value = row.get(key)
    if value == "<secret>" and isinstance(row.get("_key"), dict):
        return row["_key"].get(key)
    return value


def model_of(table):
    return next(m for m in powernode.models.values() if m._meta.table_name == table)


def dependency_order():
    """The tenant's tables, each after the tables its rows reference (self-references aside)."""
    needs = {table: {v["ref"] for row in entry["rows"] for v in row.values()
                     if isinstance(v, dict) and v.get("ref") in TENANT and v["ref"] != table}
             for table, entry in TENANT.items()}
    order = []
    while needs:
        ready = sorted(t for t, deps in needs.items() if deps <= set(order))
        order += ready
        for table in ready:
            del needs[table]
    return order


# what must go before the accounts, in this order (see the module doc)
PREREQUISITES = ("Ai::Skill", "Subscription", "Ai::Workflow", "Ai::KnowledgeBase", "Ai::DevopsTemplateInstallation",
                 "Ai::AgentTeam", "Ai::Agent")


def ours(accounts):
    for name in PREREQUISITES:
        model = powernode.models[name]
        model.destroy_all(model.select().where(model.account_id.in_(accounts)))
    Account = powernode.models["Account"]
    return Account.destroy_all(Account.select().where(Account.id.in_(accounts)))


def by_hand(db, accounts):
    with db.atomic():
        for sql in BY_HAND:
            db.execute_sql(sql, {"accounts": [a.hex for a in accounts]})


def counted(db, fn, *args):
    """(statements, seconds) for fn(*args)."""
    original, issued = db.execute_sql, [0]

    def execute_sql(sql, params=None, *rest, **kwargs):
        issued[0] += 1
        return original(sql, params, *rest, **kwargs)

    db.execute_sql = execute_sql
    try:
        start = time.perf_counter()
        fn(*args)
        return issued[0], time.perf_counter() - start
    finally:
        del db.execute_sql


def left_behind(db):
    return {table: db.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in TENANT}


def bench_destroy(url, runs, tenants, report, note):
    """Build, destroy both ways, `runs` times each (alternating); report statements and best times."""
    db = powernode.connect(url)
    powernode.migrate(db)
    builder = TenantBuilder()
    times = {"ours": [], "by hand": []}
    statements, remains = {}, {}
    for _ in range(runs):
        for name in times:
            accounts = builder.build(tenants)
            db.execute_sql("ANALYZE")
            fn, args = (ours, (accounts,)) if name == "ours" else (by_hand, (db, accounts))
            issued, seconds = counted(db, fn, *args)
            statements[name] = issued
            times[name].append(seconds)
            remains[name] = left_behind(db)
    if remains["ours"] != remains["by hand"]:
        raise SystemExit(f"the two teardowns left different rows: {remains}")
    rows = sum(len(entry["rows"]) for entry in TENANT.values()) * tenants
    report(f"destroy {tenants} dev tenants ({rows:,} rows)", min(times["ours"]), min(times["by hand"]),
           f"{len(BY_HAND)} hand-written DELETEs", 2.0)
    note("destroy: statements", f"{statements['ours']} (set-based: one per association level, whatever the "
                                f"row count) vs {statements['by hand']} by hand")
    db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 tenants, 2 runs")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import Server, note, report

    server = Server()
    try:
        bench_destroy(server.fresh(), 2 if args.quick else 3, 10 if args.quick else 100, report, note)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
