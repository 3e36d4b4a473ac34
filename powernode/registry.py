"""The model registry: every loaded model by its Rails name, and the references between them.

A namespace's models load the first time one of them is asked for
(`registry.get("Ai::Agent")`), its dependencies first. Registering a model resolves
its references whose targets are registered, and those waiting for it.
`powernode.models` is the read-only view of the namespaces `connect()` selected.

Tests and programs register models of their own with `registry.register(Model,
namespace)` and remove them with `registry.unregister(Model)` (or use
`registry.temporary(...)`, a context manager doing both).
"""
import difflib
from collections.abc import Mapping
from contextlib import contextmanager
from typing import Callable, Dict, List, Optional

from .errors import DeclarationError
from .plugins import Installed, installed
from .references import Reference, check_namespaced_target

__all__ = ["ModelRegistry", "ModelsView", "registry", "models"]


class ModelRegistry:
    def __init__(self, namespaces: Installed):
        self.namespaces = namespaces
        self._models: Dict[str, type] = {}      # Rails name -> model class
        self._loaded = set()                     # namespaces whose models are registered
        self._waiting: Dict[str, List[Reference]] = {}  # Rails name -> references to it, unresolved
        self.listeners: List[Callable] = []      # called with each newly registered model

    def load(self, namespace):
        """Import and register a namespace's models (and those of its dependencies), once."""
        if namespace in self._loaded:
            return
        for dep in self.namespaces[namespace].depends_on:
            self.load(dep)
        self._loaded.add(namespace)
        for model in self.namespaces[namespace].load_models():
            self.register(model, namespace)

    def register(self, model, namespace):
        """Add a model under its `Meta.rails_name`, resolving references to and from it."""
        name = model._meta.rails_name
        if not name:
            raise DeclarationError(f"{model.__name__} has no Meta.rails_name to register it under")
        if self._models.get(name, model) is not model:
            raise DeclarationError(f"two models are registered as {name!r}")
        references = [f for f in model._meta.sorted_fields if isinstance(f, Reference)]
        rails_modules, known = self.namespaces.rails_modules(), self.namespaces.known_names() | set(self._models)
        for field in references:
            check_namespaced_target(field, rails_modules, known)
        model._meta.namespace = namespace
        self._models[name] = model
        for field in references:
            field.resolver = self
            target = self._models.get(field.target)
            if target is None:
                self._waiting.setdefault(field.target, []).append(field)
            else:
                field.resolve(target)
        for field in self._waiting.pop(name, []):
            field.resolve(model)
        for listener in self.listeners:
            listener(model)

    def unregister(self, model):
        """Remove a model registered by hand (its references' bookkeeping on their targets too)."""
        name = model._meta.rails_name
        if self._models.get(name) is not model:
            return
        del self._models[name]
        for field in model._meta.sorted_fields:
            if isinstance(field, Reference) and field.is_resolved:
                target = field.rel_model
                target._meta.backrefs.pop(field, None)
                target._meta.model_backrefs.pop(model, None)
                if field.backref in vars(target):
                    delattr(target, field.backref)
        for fields in self._waiting.values():
            fields[:] = [f for f in fields if f.model is not model]

    @contextmanager
    def temporary(self, *models, namespace="core"):
        """Register `models` for the duration of a block."""
        for model in models:
            self.register(model, namespace)
        try:
            yield models
        finally:
            for model in reversed(models):
                self.unregister(model)

    def resolve(self, field):
        """Resolve a reference whose target has not registered yet, loading the target's namespace."""
        target = self.get(field.target)
        if target is None:
            raise DeclarationError(f"{field.model.__name__}.{field.name} names {field.target}, "
                                   "which no installed namespace defines")
        if not field.is_resolved:  # registering the target resolved it already, unless it was registered before
            field.resolve(target)

    def get(self, rails_name) -> Optional[type]:
        """The model registered under `rails_name`, loading its namespace if need be; None if none has it."""
        if rails_name not in self._models:
            namespace = self.namespaces.namespace_of(rails_name)
            if namespace in self.namespaces:
                self.load(namespace)
        return self._models.get(rails_name)

    def models_of(self, namespaces) -> List[type]:
        """Every model of these namespaces (loading them)."""
        for name in namespaces:
            self.load(name)
        return [model for model in self._models.values() if model._meta.namespace in namespaces]

    def loaded(self) -> List[type]:
        return list(self._models.values())


class ModelsView(Mapping):
    """Read-only mapping of Rails name -> model class over a selection of namespaces."""

    def __init__(self, registry: ModelRegistry, namespaces=None):
        self._registry = registry
        self._namespaces = namespaces

    @property
    def namespaces(self):
        if self._namespaces is None:
            self._namespaces = self._registry.namespaces.select(None)
        return self._namespaces

    def select(self, namespaces):
        self._namespaces = self._registry.namespaces.select(namespaces)
        return self._namespaces

    def __getitem__(self, name):
        if isinstance(name, str):
            name = self._registry.namespaces.canonical(name)
            if self._registry.namespaces.namespace_of(name) in self.namespaces:
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


registry = ModelRegistry(installed)
models = ModelsView(registry)
Reference.default_resolver = registry
