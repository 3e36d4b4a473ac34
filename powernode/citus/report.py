"""`python -m powernode distribute --plan`: the plan as text (DDL, then blockers by table) or JSON."""
import json

from .rules import RULES, TENANT_TABLE, Plan

__all__ = ["text", "as_dict", "dumps", "summary"]


def text(plan: Plan, namespaces) -> str:
    lines = [f"-- Citus distribution plan for {', '.join(namespaces)}: {_placement_counts(plan)}", "",
             "-- 1. the changes Citus needs first (the blockers listed below, with what SQL cannot say), in an",
             "--    order that runs: keys dropped, columns gained, keys rebuilt, foreign keys added back"]
    lines += plan.fix_script()
    lines += ["", "-- 2. the distribution, each table after the tables it references"]
    for table, keys in plan.cycles:
        lines.append(f"-- foreign keys form a cycle through {table}: drop {', '.join(fk.name for fk in keys)} "
                     f"before distributing it, and add them back once the whole cycle is")
    section = None
    for placement in plan.placements:
        heading = _heading(placement)
        if heading != section:
            section = heading
            lines += [f"-- {heading}"]
        note = "" if placement.reason == "has account_id" else f"  -- {placement.reason}"
        lines.append(placement.ddl() + note)
    lines += ["", "-- blockers: what Citus would refuse, and the change each needs"]
    table = None
    for blocker in plan.blockers:
        if blocker.table != table:
            table = blocker.table
            lines.append(table)
        lines.append(f"  {blocker.rule}: {blocker.subject}: {blocker.problem}")
        lines += [f"    fix: {statement}" for _, statement in blocker.steps]
        if blocker.note:
            lines.append(f"    {'and' if blocker.steps else 'fix'}: {blocker.note}")
    lines += ["", summary(plan)]
    return "\n".join(lines)


def summary(plan: Plan) -> str:
    counts = ", ".join(f"{count} {rule}" for rule, count in plan.counts().items() if count)
    return f"{len(plan.blockers)} blockers in {len({b.table for b in plan.blockers})} tables" + \
        (f": {counts}" if counts else "")


def as_dict(plan: Plan, namespaces) -> dict:
    return {
        "namespaces": list(namespaces),
        "changes": plan.fix_script(),
        "placements": [{"table": p.table, "kind": "distributed" if p.distributed else "reference",
                        "column": p.column, "reason": p.reason, "ddl": p.ddl()} for p in plan.placements],
        "blockers": [b.as_dict() for b in plan.blockers],
        "counts": plan.counts(),
        "rules": RULES,
    }


def dumps(plan: Plan, namespaces) -> str:
    return json.dumps(as_dict(plan, namespaces), indent=2)


def _heading(placement) -> str:
    if not placement.distributed:
        return "reference tables: global rows, a copy on every node"
    if placement.table == TENANT_TABLE:
        return "the tenant key"
    return "tenant tables, each account's rows on its account's node"


def _placement_counts(plan) -> str:
    reference = sum(not p.distributed for p in plan.placements)
    gaining = sum(p.gains_key for p in plan.placements)
    distributed = len(plan.placements) - reference - 1
    return (f"{len(plan.placements)} tables: {TENANT_TABLE} and {distributed} distributed with it "
            f"({gaining} of them once they gain account_id), {reference} reference")
