"""powernode: the Powernode platform's PostgreSQL data model as Peewee models.

    import powernode
    db = powernode.connect(namespaces=["ai"])     # DATABASE_URL, else the embedded server
    powernode.migrate(db)
    Account = powernode.models["Account"]
    acme = Account.create(name="Acme")
"""
from .binding import binding, current_database
from .errors import (ConfigurationError, DatabaseUnavailable, DeclarationError, InvalidValue, MigrationFailed,
                     MissingExtension, PowernodeError, UnknownNamespace, ValidationError)
from .model import Check, Discardable, Index, PowernodeModel
from .namespace import Namespace
from .plugins import installed
from .references import Reference
from .registry import models, registry
from .tenancy import current_tenant, tenant

__all__ = [
    "connect", "migrate", "seed", "bulk_load", "tenant", "current_tenant", "current_database", "models",
    "registry", "installed", "PowernodeModel", "Discardable", "Index", "Check", "Reference", "Namespace",
    "PowernodeError", "ConfigurationError", "UnknownNamespace", "DatabaseUnavailable", "MissingExtension",
    "MigrationFailed", "DeclarationError", "InvalidValue", "ValidationError",
]

registry.listeners.append(binding.bind)  # models that load after connect() join its database


def connect(url=None, namespaces=None, load_models=True):
    """Open the database and bind the selected namespaces' models to it.

    url: a postgresql:// URL; None means `$DATABASE_URL`, else the embedded server.
    namespaces: None for every installed namespace, [] for core only, or names
    (their dependencies come along). load_models=False defers importing the
    model modules until a model is first asked for (what `migrate` needs).
    Returns a peewee database whose `namespaces` is the selection.
    """
    from .database import open_database

    selected = installed.select(namespaces)
    database = open_database(url)
    database.namespaces = selected
    binding.use(database, selected, registry.loaded())
    if load_models:
        registry.models_of(selected)
    models.select(list(selected))
    return database


def migrate(db, namespaces=None):
    """Apply the pending migrations of `db`'s selected namespaces (or of `namespaces`)."""
    from .migrator import migrate as run

    return run(db, namespaces)


def seed(db, namespaces=None, *, supplementary=False, demo=False):
    """Upsert the selected namespaces' seeds and verify them; returns a `SeedReport`.

    The platform's reference rows always; `supplementary=True` adds the reference data its
    `db:seed` does not load, `demo=True` its development tenant (docs/seeds.md).
    """
    from .seeding import seed as run

    return run(db, namespaces, supplementary=supplementary, demo=demo)


def bulk_load(model, rows, db=None):
    """COPY an iterable of dicts (or instances) into `model`'s table; returns the count."""
    from .bulk import bulk_load as load

    return load(model, rows, db)
