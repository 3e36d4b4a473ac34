"""The database the selected namespaces' models use: what the last `powernode.connect()` set up.

Models of a selected namespace are bound to that database when `connect()` runs
and, for namespaces that load later, as they register.
"""
from typing import Optional, Tuple

__all__ = ["Binding", "binding", "current_database"]


class Binding:
    def __init__(self):
        self.database = None
        self.namespaces: Tuple[str, ...] = ()

    def use(self, database, namespaces, loaded_models):
        """Bind the models of `namespaces` (those loaded now, and the rest as they register)."""
        self.database, self.namespaces = database, tuple(namespaces)
        for model in loaded_models:
            self.bind(model)

    def bind(self, model):
        if self.database is not None and getattr(model._meta, "namespace", None) in self.namespaces:
            model.bind(self.database, bind_refs=False, bind_backrefs=False)


binding = Binding()


def current_database() -> Optional[object]:
    """The database the last `connect()` opened, or None before any."""
    return binding.database
