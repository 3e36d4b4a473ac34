"""Installed namespaces (pluggy plugins) and the model registry they fill.

`registry` is the process-wide registry: it finds the plugins of the
entry-point group `powernode`, loads a namespace's models the first time they
are needed, and resolves each `Reference` as soon as its target registers.
`powernode.models` is its read-only view of the selected namespaces.
"""
import difflib
from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter

import pluggy

from . import hookspecs
from .errors import DeclarationError, UnknownNamespace
from .references import Reference

__all__ = ["registry", "Registry", "ModelsView"]

ENTRY_POINT_GROUP = "powernode"


class Registry:
    def __init__(self):
        self._manager = None
        self._namespaces = None      # name -> NamespaceInfo, dependency order
        self._models = {}            # Rails name -> model class, loaded namespaces only
        self._loaded = set()         # namespaces whose models are registered
        self._waiting = {}           # Rails name -> [Reference] whose target has not loaded
        self._database = None        # what the last connect() opened, and for which namespaces
        self._database_namespaces = ()

    # -- plugins -----------------------------------------------------------
    @property
    def manager(self) -> pluggy.PluginManager:
        if self._manager is None:
            manager = pluggy.PluginManager("powernode")
            manager.add_hookspecs(hookspecs)
            manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
            self._manager = manager
        return self._manager

    def use_plugins(self, plugins):
        """Replace entry-point discovery with exactly these plugins (the generator's working tree)."""
        manager = pluggy.PluginManager("powernode")
        manager.add_hookspecs(hookspecs)
        for plugin in plugins:
            manager.register(plugin)
        self._manager, self._namespaces = manager, None

    def register_plugin(self, plugin, name=None):
        """Add a plugin by hand (entry points are the usual way); returns its namespace name."""
        self.manager.register(plugin, name=name)
        self._namespaces = None
        return plugin.powernode_namespace().name

    def unregister_plugin(self, plugin):
        self.manager.unregister(plugin)
        self._namespaces = None

    @property
    def namespaces(self) -> dict:
        """Installed namespaces by name, dependencies first."""
        if self._namespaces is None:
            infos = {}
            for info in self.manager.hook.powernode_namespace():
                if info.name in infos:
                    raise DeclarationError(f"two plugins provide the namespace {info.name!r}")
                infos[info.name] = info
            graph = {name: sorted(infos[name].depends_on) for name in sorted(infos, key=lambda n: (n != "core", n))}
            try:
                order = list(TopologicalSorter(graph).static_order())
            except CycleError as exc:
                raise DeclarationError(f"namespace dependencies form a cycle: {exc.args[1]}") from None
            missing = sorted({dep for deps in graph.values() for dep in deps} - set(infos))
            if missing:
                raise DeclarationError(f"namespaces depend on ones that are not installed: {missing}")
            self._namespaces = {name: infos[name] for name in order}
        return self._namespaces

    def rails_modules(self):
        return [info.rails_module for info in self.namespaces.values() if info.rails_module]

    def known_names(self):
        names = set(self._models)
        for info in self.namespaces.values():
            names.update(info.model_names)
            names.update(info.aliases)
        return names

    def canonical(self, rails_name):
        """The Rails name a seed-document alias stands for (itself when not an alias)."""
        for info in self.namespaces.values():
            if rails_name in info.aliases:
                return info.aliases[rails_name]
        return rails_name

    def namespace_of(self, rails_name):
        """The namespace a Rails name belongs to, by its module (`Ai::Agent` -> ai)."""
        for name, info in self.namespaces.items():
            if rails_name in info.model_names:
                return name
        module = rails_name.split("::")[0] if "::" in rails_name else None
        for name, info in self.namespaces.items():
            if info.rails_module == module:
                return name
        return "core" if module is None else None

    def resolve_selection(self, namespaces=None):
        """The names to load for a selection, dependencies included, in dependency order."""
        available = self.namespaces
        if namespaces is None:
            wanted = set(available)
        else:
            if isinstance(namespaces, str):
                namespaces = [part for part in namespaces.split(",") if part]
            unknown = [name for name in namespaces if name not in available]
            if unknown:
                raise UnknownNamespace(
                    f"unknown namespace {', '.join(map(repr, unknown))}; "
                    f"installed: {', '.join(available)}")
            wanted = {"core", *namespaces}
            for name in list(wanted):
                wanted.update(self._dependencies(name))
        return tuple(name for name in available if name in wanted)

    def _dependencies(self, name):
        for dep in self.namespaces[name].depends_on:
            yield dep
            yield from self._dependencies(dep)

    def plugin_path(self, hook, namespace):
        return getattr(self.manager.hook, hook)(namespace=namespace)

    # -- models ------------------------------------------------------------
    def load(self, namespace):
        """Import and register a namespace's models (and those it depends on), once."""
        if namespace in self._loaded:
            return
        for dep in self.namespaces[namespace].depends_on:
            self.load(dep)
        models = self.manager.hook.powernode_models(namespace=namespace)
        if models is None:
            raise DeclarationError(f"no plugin returned the models of namespace {namespace!r}")
        self._loaded.add(namespace)
        for model in models:
            self._register(model, namespace)

    @property
    def database(self):
        """The database the last `powernode.connect()` opened."""
        return self._database

    def use_database(self, database, namespaces):
        """Bind the selected namespaces' models to `database`: those loaded now, the rest as they load."""
        self._database, self._database_namespaces = database, tuple(namespaces)
        for model in self._models.values():
            if model._meta.namespace in namespaces:
                model.bind(database, bind_refs=False, bind_backrefs=False)

    def _register(self, model, namespace):
        name = model._meta.rails_name
        if name in self._models and self._models[name] is not model:
            raise DeclarationError(f"two models are registered as {name!r}")
        model._meta.namespace = namespace
        self._models[name] = model
        if self._database is not None and namespace in self._database_namespaces:
            model.bind(self._database, bind_refs=False, bind_backrefs=False)
        for field in list(model._meta.sorted_fields):
            if isinstance(field, Reference):
                target = self._models.get(field.target)
                if target is None:
                    self._waiting.setdefault(field.target, []).append(field)
                else:
                    field.resolve(target)
        for field in self._waiting.pop(name, []):
            field.resolve(model)

    def get(self, rails_name):
        if rails_name not in self._models:
            namespace = self.namespace_of(rails_name)
            if namespace in self.namespaces:
                self.load(namespace)
        return self._models.get(rails_name)

    def models_of(self, namespaces):
        for name in namespaces:
            self.load(name)
        return [model for model in self._models.values() if model._meta.namespace in namespaces]

    def unresolved(self):
        """References whose target has not registered: {target name: [fields]}."""
        return {name: list(fields) for name, fields in self._waiting.items()}


class ModelsView(Mapping):
    """Read-only mapping of Rails name -> model class over a selection of namespaces."""

    def __init__(self, registry, namespaces=None):
        self._registry = registry
        self._namespaces = namespaces

    @property
    def namespaces(self):
        if self._namespaces is None:
            self._namespaces = self._registry.resolve_selection(None)
        return self._namespaces

    def select(self, namespaces):
        self._namespaces = self._registry.resolve_selection(namespaces)
        return self._namespaces

    def __getitem__(self, name):
        if isinstance(name, str):
            name = self._registry.canonical(name)
            if self._registry.namespace_of(name) in self.namespaces:
                model = self._registry.get(name)
                if model is not None:
                    return model
        raise KeyError(self._missing(name))

    def _missing(self, name):
        message = f"no model named {name!r} in the selected namespaces ({', '.join(self.namespaces)})"
        near = difflib.get_close_matches(str(name), list(self), n=3, cutoff=0.6)
        return message + (f"; did you mean {', '.join(near)}?" if near else "")

    def __iter__(self):
        return iter(sorted(model._meta.rails_name for model in self._registry.models_of(self.namespaces)))

    def __len__(self):
        return len(self._registry.models_of(self.namespaces))

    def __repr__(self):
        return f"<powernode.models: {', '.join(self.namespaces)}>"


registry = Registry()
