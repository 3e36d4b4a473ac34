"""Back-references for the foreign keys the platform declares no association for, named after the table.

Where the platform's model declares a `has_many`/`has_one` that reads a key (`Account has_many
:ai_agents` for `ai_agents.account_id`), the association is generated on that model under the
platform's name (`sections/associations.py`) and the reference gets no back-reference. For every
other key, the reference names one (`Reference(..., backref="ai_agent_reviews")`): the source
table's name, or `<table>_by_<column without _id>` when the table's name is taken on the target (by
a column, an attribute, one of the platform's association names, or another back-reference).
"""


def assign_backrefs(catalog, writers, reserved):
    """(table, column) -> back-reference name on the target model, for keys the platform leaves undeclared."""
    taken = {}  # target table -> names used there
    for writer in writers:
        taken[writer.t["table"]] = ({c["name"] for c in writer.t["columns"]} | set(writer.attribute_names().values())
                                    | {a["name"] for a in catalog.associations(writer.t["model"])})
    backrefs = {}
    for writer in writers:
        for column, info in sorted(writer.references.items()):
            target = catalog.by_model[info["target"]]
            if platform_declares_inverse(catalog, target["model"], writer.t["model"], column):
                continue
            used = taken[target["table"]]
            table = writer.t["table"]
            name = next((n for n in (table, f"{table}_by_{column[:-3]}") if n not in used and n not in reserved), None)
            if name is None:
                raise SystemExit(f"generate: no back-reference name for {table}.{column}")
            used.add(name)
            backrefs[(table, column)] = name
    return backrefs


def platform_declares_inverse(catalog, target, source, column):
    """Whether the platform's `target` declares a has_many/has_one reading `source` rows by `column`."""
    return any(a["macro"] in ("has_many", "has_one") and not a.get("through") and not a.get("as")
               and a.get("resolved_class") == source and a.get("resolved_foreign_key") == column
               for a in catalog.associations(target))
