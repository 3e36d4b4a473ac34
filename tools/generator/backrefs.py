"""The name of each reference's back-reference on its target: the platform's association where it has one.

For a foreign key `ai_agents.account_id`, the back-reference on `Account` is the
first association the platform's `Account` declares (in declaration order) as
`has_many`/`has_one` of `Ai::Agent` through `account_id` without a scope — here
`ai_agents`. Where the platform declares none, the source table's name stands in
(`source_table`, or `source_table_by_role` when a table references the target twice).
"""
from tools.inflect import demodulize, underscore


def assign_backrefs(catalog, writers, reserved):
    """(table, column) -> back-reference name on the target model."""
    taken = {}  # target table -> names used there
    for writer in writers:
        taken[writer.t["table"]] = {c["name"] for c in writer.t["columns"]} | set(writer.attribute_names().values())
    backrefs, pending = {}, []
    for writer in writers:  # first the names the platform declares, so derived names never take theirs
        for column, info in sorted(writer.references.items()):
            target = catalog.by_model[info["target"]]
            name = platform_association(catalog, target, writer.t, column)
            used = taken[target["table"]]
            if name is None or name in used or name in reserved:
                pending.append((writer.t, column, target))
            else:
                used.add(name)
                backrefs[(writer.t["table"], column)] = name
    for source, column, target in pending:
        used = taken[target["table"]]
        name = source["table"] if source["table"] not in used else f"{source['table']}_by_{column[:-3]}"
        if name in used or name in reserved:
            raise SystemExit(f"generate: no back-reference name for {source['table']}.{column}")
        used.add(name)
        backrefs[(source["table"], column)] = name
    return backrefs


def platform_association(catalog, target, source, column):
    """The platform's has_many/has_one on `target` that reads `source` rows through `column`, or None."""
    declared = catalog.behaviour(target["model"]).get("associations")
    if isinstance(declared, list):
        for association in sorted(declared, key=lambda a: a["declared_index"]):
            if (association["macro"] in ("has_many", "has_one") and not association.get("through")
                    and not association.get("as") and not association.get("scope")
                    and association.get("resolved_class") == source["model"]
                    and association.get("resolved_foreign_key") == column):
                return association["name"]
        return None
    # a table designed here: its schema entry lists the associations it was designed with
    for association in target.get("associations", []):
        kind = association["kind"]
        if kind not in ("has_many", "has_one") or association.get("through") or association.get("as"):
            continue
        cls = catalog.association_class(target["model"], association, singular=kind == "has_many")
        foreign_key = association.get("foreign_key") or underscore(demodulize(target["model"])) + "_id"
        if cls == source["model"] and foreign_key == column:
            return association["name"]
    return None
