"""A namespace: a group of platform models with their migrations and seeds, provided by a plugin.

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
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .hookspecs import hookimpl

__all__ = ["Namespace"]


class Namespace:
    """A namespace plugin: metadata, a models module (imported when first needed), migrations, seeds.

    models: the dotted name of the module (or package) defining the model classes;
    every `PowernodeModel` subclass with a `Meta.rails_name` defined in it or its
    submodules belongs to the namespace. model_names: the Rails names it defines,
    so that lookups work before the module is imported. aliases: other names
    (the seed document's) that stand for one of them. optional: installed but
    selected only when named (the platform's optional extensions), never by default.
    """

    def __init__(self, name, *, rails_module, models, migrations=None, seeds=None,
                 table_prefix="", depends_on=(), model_names=(), aliases=None, optional=False):
        if name != "core" and "core" not in depends_on:
            depends_on = ("core", *depends_on)
        self.name: str = name
        self.rails_module: Optional[str] = rails_module
        self.table_prefix: str = table_prefix
        self.optional: bool = optional
        self.depends_on: Tuple[str, ...] = tuple(depends_on)
        self.model_names: Tuple[str, ...] = tuple(model_names)
        self.aliases: Dict[str, str] = dict(aliases or {})
        self.models_module: str = models
        self.migrations_dir: Optional[Path] = Path(migrations) if migrations else None
        self.seeds_dir: Optional[Path] = Path(seeds) if seeds else None

    def __repr__(self):
        return f"<Namespace {self.name}>"

    def load_models(self) -> List[type]:
        """Import the models module (and its submodules) and return its model classes."""
        module = importlib.import_module(self.models_module)
        prefix = module.__name__ + "."
        return [obj for obj in vars(module).values()
                if inspect.isclass(obj) and (obj.__module__ == module.__name__ or obj.__module__.startswith(prefix))
                and getattr(getattr(obj, "_meta", None), "rails_name", None)]

    @hookimpl
    def powernode_namespaces(self):
        return [self]
