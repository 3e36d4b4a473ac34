"""A Citus distribution plan for the selected namespaces, checked on paper (Citus is not installed here).

    python -m powernode distribute --plan [--namespace ai] [--catalog] [--json]

Citus spreads the tenants over nodes by `account_id`, colocated with `accounts`;
global tables become reference tables. The plan prints the DDL that does it and,
per table, what the schema does that Citus would refuse, with the change each
needs (`rules` says which rules and why). It reads the models by default, or the
live database's catalog with `--catalog`.

    from powernode.citus import plan, shapes_from_models
    result = plan(shapes_from_models(powernode.registry.models_of(("core",))))
    result.counts()      # {"primary_key": ..., "unique_index": ..., ...}
"""
from .rules import RULES, Blocker, Placement, Plan, plan
from .shapes import ForeignKey, TableShape, UniqueIndex, shapes_from_catalog, shapes_from_models

__all__ = ["plan", "Plan", "Placement", "Blocker", "RULES", "TableShape", "UniqueIndex", "ForeignKey",
           "shapes_from_models", "shapes_from_catalog", "command"]


def command(args, connect) -> int:
    """The `distribute` command; `connect(args)` opens the database when the plan reads the catalog."""
    from ..errors import ConfigurationError
    from ..registry import registry
    from . import report

    if not args.plan:
        raise ConfigurationError("distribute only plans (Citus is not installed here): add --plan")
    if args.catalog:
        db = connect(args)
        namespaces, shapes = ["the live database"], shapes_from_catalog(db)
    else:
        namespaces = registry.resolve_selection(args.namespace.split(",") if args.namespace else None)
        shapes = shapes_from_models(registry.models_of(namespaces))
    result = plan(shapes)
    print(report.dumps(result, namespaces) if args.json else report.text(result, namespaces))
    return 0
