"""What a namespace is, and the helper that makes one a plugin in a few lines.

    # my_package/__init__.py
    plugin = Namespace(
        "billing", rails_module="Billing", table_prefix="billing_",
        models="my_package.models", migrations=files("my_package") / "migrations")

    # setup.cfg
    [options.entry_points]
    powernode = billing = my_package:plugin
"""
import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Tuple

from .hookspecs import hookimpl

__all__ = ["NamespaceInfo", "Namespace"]


@dataclass(frozen=True)
class NamespaceInfo:
    name: str
    rails_module: Optional[str]
    table_prefix: str = ""
    depends_on: Tuple[str, ...] = ()
    model_names: Tuple[str, ...] = field(default=(), repr=False)
    aliases: Dict[str, str] = field(default_factory=dict, repr=False)  # seed name -> Rails name


class Namespace:
    """A namespace plugin: metadata, a models module (imported lazily), migrations, seeds."""

    def __init__(self, name, *, rails_module, models, migrations=None, seeds=None,
                 table_prefix="", depends_on=(), model_names=(), aliases=None):
        if name != "core" and "core" not in depends_on:
            depends_on = ("core", *depends_on)
        self.info = NamespaceInfo(name, rails_module, table_prefix, tuple(depends_on), tuple(model_names),
                                  dict(aliases or {}))
        self.models_module = models
        self.migrations_dir = Path(migrations) if migrations else None
        self.seeds_dir = Path(seeds) if seeds else None

    def __repr__(self):
        return f"<Namespace {self.info.name}>"

    @hookimpl
    def powernode_namespace(self):
        return self.info

    @hookimpl
    def powernode_models(self, namespace):
        if namespace != self.info.name:
            return None
        module = importlib.import_module(self.models_module)
        return [obj for obj in vars(module).values()
                if inspect.isclass(obj) and obj.__module__ == module.__name__
                and getattr(getattr(obj, "_meta", None), "rails_name", None)]

    @hookimpl
    def powernode_migrations(self, namespace):
        return self.migrations_dir if namespace == self.info.name else None

    @hookimpl
    def powernode_seeds(self, namespace):
        return self.seeds_dir if namespace == self.info.name else None
