"""The installed namespaces: found through the `powernode` entry points, ordered by dependency.

    powernode.installed.names()          # ('core', 'account', 'ai', ...), dependencies first
    powernode.installed["ai"]            # its Namespace: rails_module, migrations_dir, ...
    powernode.installed.select(["ai"])   # ('core', 'ai'): a selection with its dependencies
    powernode.installed.select(None)     # the default: every namespace but the optional ones

Plugins are discovered once, on first use. The real hooks (seed checks) are
called through `installed.hook`.
"""
from graphlib import CycleError, TopologicalSorter
from typing import Dict, Iterable, Optional, Tuple

import pluggy

from . import hookspecs
from .errors import DeclarationError, UnknownNamespace

__all__ = ["Installed", "installed", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "powernode"


class Installed:
    """The namespace plugins of this environment (or exactly those given to `use()`)."""

    def __init__(self):
        self._manager: Optional[pluggy.PluginManager] = None
        self._namespaces: Optional[Dict[str, object]] = None

    @property
    def manager(self) -> pluggy.PluginManager:
        if self._manager is None:
            manager = pluggy.PluginManager("powernode")
            manager.add_hookspecs(hookspecs)
            manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
            self._manager = manager
        return self._manager

    @property
    def hook(self):
        return self.manager.hook

    def use(self, plugins: Iterable):
        """Replace entry-point discovery with exactly these plugins (the generator's working tree)."""
        manager = pluggy.PluginManager("powernode")
        manager.add_hookspecs(hookspecs)
        for plugin in plugins:
            manager.register(plugin)
        self._manager, self._namespaces = manager, None

    def register(self, plugin, name=None):
        """Add a plugin by hand (entry points are the usual way)."""
        self.manager.register(plugin, name=name)
        self._namespaces = None

    def unregister(self, plugin):
        self.manager.unregister(plugin)
        self._namespaces = None

    # -- the namespaces -----------------------------------------------------
    @property
    def _by_name(self) -> Dict[str, object]:
        if self._namespaces is None:
            found = {}
            for provided in self.hook.powernode_namespaces():
                for namespace in provided:
                    if namespace.name in found:
                        raise DeclarationError(f"two plugins provide the namespace {namespace.name!r}")
                    found[namespace.name] = namespace
            self._namespaces = _dependency_order(found)
        return self._namespaces

    def names(self) -> Tuple[str, ...]:
        """Every installed namespace (optional ones too), dependencies first."""
        return tuple(self._by_name)

    def default_names(self) -> Tuple[str, ...]:
        """The default selection: every installed namespace but the optional ones (selected only by name)."""
        return tuple(name for name, ns in self._by_name.items() if not getattr(ns, "optional", False))

    def __getitem__(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownNamespace(f"unknown namespace {name!r}; installed: {', '.join(self._by_name)}") from None

    def __contains__(self, name):
        return name in self._by_name

    def __iter__(self):
        return iter(self._by_name.values())

    def select(self, namespaces=None) -> Tuple[str, ...]:
        """The names a selection stands for, dependencies included, in dependency order.

        None selects every namespace but the optional ones; a list (or "a,b" string) selects
        those and core.
        """
        available = self._by_name
        if namespaces is None:
            return self.default_names()
        if isinstance(namespaces, str):
            namespaces = [part.strip() for part in namespaces.split(",") if part.strip()]
        unknown = [name for name in namespaces if name not in available]
        if unknown:
            raise UnknownNamespace(f"unknown namespace {', '.join(map(repr, unknown))}; "
                                   f"installed: {', '.join(available)}")
        wanted = {"core", *namespaces}
        for name in list(wanted):
            wanted.update(self.dependencies(name))
        return tuple(name for name in available if name in wanted)

    def selection(self, db, namespaces=None) -> Tuple[str, ...]:
        """`namespaces` selected (see `select`), or the ones `db` was connected with when None."""
        return self.select(namespaces) if namespaces is not None else tuple(db.namespaces)

    def dependencies(self, name):
        """Every namespace `name` depends on, directly or not."""
        for dep in self[name].depends_on:
            yield dep
            yield from self.dependencies(dep)

    def dependents(self, name):
        """The installed namespaces that depend on `name` directly."""
        return [ns.name for ns in self if name in ns.depends_on]

    # -- Rails names --------------------------------------------------------
    def rails_modules(self):
        return [ns.rails_module for ns in self if ns.rails_module]

    def known_names(self):
        """Every Rails name (and alias) the installed namespaces declare."""
        return {name for ns in self for name in (*ns.model_names, *ns.aliases)}

    def canonical(self, rails_name):
        """The Rails name a seed-document alias stands for (itself when not an alias)."""
        for ns in self:
            if rails_name in ns.aliases:
                return ns.aliases[rails_name]
        return rails_name

    def namespace_of(self, rails_name) -> Optional[str]:
        """The namespace a Rails name belongs to: the one declaring it, else by its module."""
        for ns in self:
            if rails_name in ns.model_names:
                return ns.name
        module = rails_name.split("::")[0] if "::" in rails_name else None
        for ns in self:
            if ns.rails_module == module:
                return ns.name
        return "core" if module is None else None


def _dependency_order(found):
    graph = {name: sorted(found[name].depends_on) for name in sorted(found, key=lambda n: (n != "core", n))}
    missing = sorted({dep for deps in graph.values() for dep in deps} - set(found))
    if missing:
        raise DeclarationError(f"namespaces depend on ones that are not installed: {missing}")
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise DeclarationError(f"namespace dependencies form a cycle: {exc.args[1]}") from None
    return {name: found[name] for name in order}


installed = Installed()
