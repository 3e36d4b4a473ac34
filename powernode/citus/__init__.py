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
import os
import sys

from .rules import RULES, Blocker, Placement, Plan, plan
from .shapes import ForeignKey, TableShape, UniqueIndex, shapes_from_catalog, shapes_from_models

__all__ = ["plan", "Plan", "Placement", "Blocker", "RULES", "TableShape", "UniqueIndex", "ForeignKey",
           "shapes_from_models", "shapes_from_catalog", "command"]


def command(args, connect, selection=None) -> int:
    """The `distribute` command; `connect(args)` opens the database when the plan reads the catalog.

    selection: the --namespace names (None for every installed namespace).
    """
    from ..errors import ConfigurationError
    from ..plugins import installed
    from ..registry import registry
    from . import report

    if not args.plan:
        raise ConfigurationError("distribute only plans (Citus is not installed here): add --plan")
    namespaces = installed.select(selection)
    if args.catalog:  # the live database's tables, those of the selected namespaces if --namespace says which
        tables = {model._meta.table_name for model in registry.models_of(namespaces)} if args.namespace else None
        shapes = shapes_from_catalog(connect(args), tables)
        namespaces = ["the live database"] + ([f"tables of {', '.join(namespaces)}"] if args.namespace else [])
    else:
        shapes = shapes_from_models(registry.models_of(namespaces))
    result = plan(shapes)
    try:
        print(report.dumps(result, namespaces) if args.json else report.text(result, namespaces))
    except BrokenPipeError:  # a long plan piped to head or less, which stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
