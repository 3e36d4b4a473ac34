"""powernode: the Powernode platform's PostgreSQL data model as Peewee models.

    import powernode
    db = powernode.connect(namespaces=["ai"])     # DATABASE_URL, else the embedded server
    powernode.migrate(db)
    Account = powernode.models["Account"]
    acme = Account.create(name="Acme")
"""
from .behaviour import keys
from .behaviour.keys import EncryptionConfig
from .binding import binding, current_database
from .behaviour.names import check_unshadowed
from .errors import (ConfigurationError, DatabaseUnavailable, DecryptionFailed, DeclarationError,
                     DestructiveMigration, EncryptionNotConfigured, InvalidTransition, InvalidValue, MigrationFailed,
                     MissingExtension, PowernodeError, UnknownNamespace, ValidationError)
from .model import Check, Discardable, Index, PowernodeModel
from .namespace import Namespace
from .plugins import installed
from .references import Reference
from .registry import models, registry
from .replicas import on_primary, open_routed_database
from .tenancy import current_tenant, tenant

__all__ = [
    "connect", "connect_async", "migrate", "seed", "bulk_load", "bulk_load_async", "tenant", "current_tenant", "current_database", "on_primary",
    "models", "registry", "installed", "PowernodeModel", "Discardable", "Index", "Check", "Reference",
    "Namespace",
    "PowernodeError", "ConfigurationError", "UnknownNamespace", "DatabaseUnavailable", "MissingExtension",
    "MigrationFailed", "DestructiveMigration", "DeclarationError", "InvalidValue", "ValidationError", "InvalidTransition",
    "EncryptionConfig", "EncryptionNotConfigured", "DecryptionFailed",
]

registry.listeners.append(binding.bind)  # models that load after connect() join its database
registry.listeners.append(check_unshadowed)  # no back-reference hides a scope or an event


def connect(url=None, namespaces=None, load_models=True, tenant_key=None, replicas=None, encryption=None):
    """Open the database and bind the selected namespaces' models to it.

    url: a postgresql:// URL; None means `$DATABASE_URL`, else the embedded server.
    namespaces: None for every installed namespace, [] for core only, or names
    (their dependencies come along). load_models=False defers importing the
    model modules until a model is first asked for (what `migrate` needs).
    tenant_key: the secret `tenant()` signs with under row-level security (default
    `$POWERNODE_TENANT_KEY`). replicas: standby URLs (or a `powernode.replicas.Replicas`)
    that serve reads; None means `$POWERNODE_REPLICA_URLS`. encryption: an
    `EncryptionConfig` with the platform's keys for encrypted values; None reads them
    from the environment (`ACTIVE_RECORD_ENCRYPTION_*`, ...) when needed.
    Returns a peewee database whose `namespaces` is the selection.
    """
    if encryption is not None:
        keys.configure(encryption)
    selected = installed.select(namespaces)
    return _bind(open_routed_database(url, replicas), selected, load_models, tenant_key)


async def connect_async(url=None, namespaces=None, load_models=True, tenant_key=None, encryption=None,
                        pool_size=None):
    """`connect()` for asyncio programs: the same URL, namespace and key rules, over an asyncpg pool.

    Needs the `powernode[async]` extra. Models then work with peewee's async API
    (`await Model.aget(...)`, `await query.aexecute()`, `async for row in query`,
    `await db.list(query)`, `async with db.atomic()`), `async with powernode.tenant(...)`
    and `await powernode.bulk_load_async(...)`. pool_size: the most connections the
    process opens to this URL (default `$POWERNODE_POOL_SIZE`, else 10); each task holds
    one while it runs a query or a transaction. Calling it again returns the same database.
    Reads are not routed to replicas here. Returns peewee's `AsyncPostgresqlDatabase`.
    """
    try:
        from .aio import open_async_database
    except ImportError as exc:
        raise ConfigurationError(f"connect_async needs the async extra: pip install 'powernode[async]' "
                                 f"({exc.name} is missing)") from None
    if encryption is not None:
        keys.configure(encryption)
    selected = installed.select(namespaces)
    return _bind(await open_async_database(url, pool_size), selected, load_models, tenant_key)


def _bind(database, selected, load_models, tenant_key):
    database.namespaces = selected
    database.tenant_key = tenant_key
    binding.use(database, selected, registry.loaded())
    if load_models:
        registry.models_of(selected)
    models.select(list(selected))
    return database


def migrate(db, namespaces=None, allow_destructive=False):
    """Apply the pending migrations of `db`'s selected namespaces (or of `namespaces`).

    An upgrade that would destroy data raises `DestructiveMigration` naming it, unless
    `allow_destructive=True` (the user confirmed)."""
    from .migrator import migrate as run

    return run(db, namespaces, allow_destructive=allow_destructive)


def seed(db, namespaces=None, *, supplementary=False, demo=False):
    """Upsert the selected namespaces' seeds and verify them; returns a `SeedReport`.

    The platform's reference rows always; `supplementary=True` adds the reference data its
    `db:seed` does not load, `demo=True` its development tenant (docs/seeds.md).
    """
    from .seeding import seed as run

    return run(db, namespaces, supplementary=supplementary, demo=demo)


def bulk_load(model, rows, db=None, validate=True):
    """COPY an iterable of dicts (or instances) into `model`'s table; returns the count.

    validate=True holds every row to the platform's create defaults and validators first
    (a bad row raises `BulkLoadError` and nothing is loaded); validate=False is for trusted rows.
    """
    from .bulk import bulk_load as load

    return load(model, rows, db, validate=validate)


async def bulk_load_async(model, rows, validate=True):
    """`bulk_load` on the database of `connect_async()`, through asyncpg's binary COPY; returns the count.

    The same rows, defaults, validation and errors as `bulk_load`; `rows` may be an async iterable.
    """
    from .bulk_async import bulk_load_async as load

    return await load(model, rows, validate=validate)
