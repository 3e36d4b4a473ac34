"""Migrations: playhouse.migrations' runner, one folder per namespace, under one lock.

Extends `playhouse.migrations.Runner` with
- one history table (`powernode_migrations`) whose rows carry their namespace;
- a PostgreSQL advisory lock around a whole run, so two migrators never collide;
- namespaces migrated in dependency order, a failing namespace (such as one
  needing an extension the server lacks) skipping only itself and its dependents;
- on a database with row-level security enabled, each migration ends by giving
  the tables it created their policies (`rls.protect`), in its own transaction.
Each migration runs in its own transaction (playhouse's `migration_context`).
"""
import datetime
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import peewee
from playhouse import migrations as playhouse_migrations

from . import rls
from .errors import DestructiveMigration, MigrationFailed, PowernodeError
from .plugins import installed
from .upgrades import allowing_destructive

__all__ = ["NamespaceRunner", "MigrationReport", "migrate", "status", "unmigrated", "rollback", "schema_versions",
           "HISTORY_TABLE"]

HISTORY_TABLE = "powernode_migrations"
LOCK_KEY = 0x706F7765726E6F64  # "powernod": one advisory lock for every migrator


def _history_model(database, namespace, version=lambda: None):
    class History(peewee.Model):
        namespace_name = peewee.CharField(column_name="namespace", default=namespace)
        name = peewee.CharField()
        applied = peewee.DateTimeField(default=datetime.datetime.now)
        # the platform schema version the migration brings the namespace to (its SCHEMA_VERSION)
        schema_version = peewee.CharField(null=True, default=version)

        class Meta:
            table_name = HISTORY_TABLE
            indexes = ((("namespace_name", "name"), True),)

        # playhouse's runner reads and deletes history by name; scope both to this namespace.
        @classmethod
        def select(cls, *fields):
            return super().select(*(fields or (cls.id, cls.namespace_name, cls.name, cls.applied))).where(
                cls.namespace_name == namespace)

        @classmethod
        def delete(cls):
            return super().delete().where(cls.namespace_name == namespace)

    History.bind(database)
    return History


class NamespaceRunner(playhouse_migrations.Runner):
    """playhouse's Runner for one namespace's folder, its history tagged with the namespace."""

    def __init__(self, database, namespace, directory, after_each=None):
        super().__init__(database, str(directory), table_name=HISTORY_TABLE)
        self.namespace = namespace
        self._version = None
        self.History = _history_model(database, namespace, lambda: self._version)
        self.after_each = after_each  # run at the end of each migration, inside its transaction

    def _run(self, name, module, direction, fake=False):
        self._version = getattr(module, "SCHEMA_VERSION", None)
        if self.after_each is not None and not fake:
            module = _FollowedBy(module, self.after_each)
        try:
            super()._run(name, module, direction, fake)
        except DestructiveMigration as exc:
            raise DestructiveMigration(f"{self.namespace}/{name}: {exc}") from None
        except PowernodeError:
            raise
        except Exception as exc:
            raise MigrationFailed(f"{self.namespace}/{name} ({direction}) failed and was rolled back: "
                                  f"{str(exc).strip().splitlines()[0]}") from exc


class _FollowedBy:
    """A migration module whose `up()` and `down()` end with `then(db)`."""

    def __init__(self, module, then):
        self._module, self._then = module, then

    def __getattr__(self, name):
        return getattr(self._module, name)

    def up(self, migrator, db):
        self._module.up(migrator, db)
        self._then(db)

    def down(self, migrator, db):
        self._module.down(migrator, db)
        self._then(db)


@dataclass
class MigrationReport:
    applied: Dict[str, List[str]] = field(default_factory=dict)
    failed: Dict[str, PowernodeError] = field(default_factory=dict)
    skipped: Dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


def runner_for(database, namespace, after_each=None, directories=None) -> Optional[NamespaceRunner]:
    directory = (directories or {}).get(namespace) or installed[namespace].migrations_dir
    return NamespaceRunner(database, namespace, directory, after_each) if directory else None


def _history_has_versions(database):
    """Give a history table made before schema versions were recorded its column (once)."""
    database.execute_sql(f'ALTER TABLE IF EXISTS "{HISTORY_TABLE}" '
                         "ADD COLUMN IF NOT EXISTS schema_version varchar(255)")


_VERSION = re.compile(r'^SCHEMA_VERSION = "(\d+)"', re.M)


def file_version(path) -> Optional[str]:
    """The SCHEMA_VERSION a migration file declares (read, not imported), or None."""
    match = _VERSION.search(Path(path).read_text()) if path else None
    return match.group(1) if match else None


def recorded_versions(database) -> Dict[tuple, Optional[str]]:
    """(namespace, migration name) -> the schema version its history row recorded."""
    exists = database.execute_sql("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                                  "AND attname = 'schema_version'", (HISTORY_TABLE,)).fetchone()
    if not exists:
        return {}
    rows = database.execute_sql(f'SELECT namespace, name, schema_version FROM "{HISTORY_TABLE}"').fetchall()
    return {(namespace, name): version for namespace, name, version in rows}


def schema_versions(database, namespaces=None, directories=None) -> Dict[str, Optional[str]]:
    """namespace -> the platform schema version its last applied migration brought it to (None: nothing
    applied). A migration applied before versions were recorded counts by its file's SCHEMA_VERSION."""
    recorded = recorded_versions(database)
    found = {}
    for namespace, migration in status(database, namespaces, directories):
        found.setdefault(namespace, None)
        if migration.applied:
            found[namespace] = recorded.get((namespace, migration.name)) or file_version(migration.path)
    return found


@contextmanager
def _advisory_lock(database):
    """One migrator at a time, across processes; released with the session if the process dies."""
    database.execute_sql("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        yield
    finally:
        database.execute_sql("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


def migrate(database, namespaces=None, raise_on_failure=True, allow_destructive=False,
            directories=None) -> MigrationReport:
    """Apply the pending migrations of the selected namespaces, dependencies first.

    allow_destructive: run the upgrade operations that destroy data (powernode.upgrades);
    directories: namespace -> a migrations folder to use instead of the installed one."""
    selected = installed.selection(database, namespaces)
    report = MigrationReport()
    with _advisory_lock(database), allowing_destructive(allow_destructive):
        _history_has_versions(database)
        after_each = rls.guard(database)
        for namespace in selected:
            blocked = [dep for dep in installed[namespace].depends_on
                       if dep in report.failed or dep in report.skipped]
            if blocked:
                report.skipped[namespace] = f"depends on {', '.join(blocked)}, which did not migrate"
                continue
            runner = runner_for(database, namespace, after_each, directories)
            if runner is None:
                continue
            try:
                report.applied[namespace] = runner.up()
            except PowernodeError as exc:
                report.failed[namespace] = exc
    if raise_on_failure and report.failed:
        error = next(iter(report.failed.values()))
        error.report = report  # what did migrate, for callers that want to carry on
        raise error
    return report


def status(database, namespaces=None, directories=None):
    """[(namespace, playhouse Migration tuple with `applied` set or None)], in run order."""
    selected = installed.selection(database, namespaces)
    rows = []
    for namespace in selected:
        runner = runner_for(database, namespace, directories=directories)
        if runner is not None:
            rows.extend((namespace, migration) for migration in runner.status())
    return rows


def unmigrated(database, namespaces=None) -> List[str]:
    """The selected namespaces with a migration not applied, and those that depend on them."""
    selected = installed.selection(database, namespaces)
    pending = {namespace for namespace, migration in status(database, selected) if migration.applied is None}
    for namespace in selected:  # dependency order: a namespace's dependencies are decided before it
        if pending & set(installed[namespace].depends_on):
            pending.add(namespace)
    return [namespace for namespace in selected if namespace in pending]


def rollback(database, namespaces=None, to=None) -> List[str]:
    """Revert the last applied migration, or every one applied after `to` (`ns/name` or a unique name)."""
    selected = installed.selection(database, namespaces)
    with _advisory_lock(database):
        applied = sorted(((migration.applied, namespace, migration.name)
                          for namespace, migration in status(database, selected)
                          if migration.applied), reverse=True)
        if not applied:
            return []
        if to is None:
            plan = applied[:1]
        else:
            matches = [row for row in applied if to in (row[2], f"{row[1]}/{row[2]}")]
            if len(matches) != 1:
                known = ", ".join(f"{ns}/{name}" for _, ns, name in applied)
                raise MigrationFailed(f"no single applied migration named {to!r}; applied: {known}")
            plan = applied[:applied.index(matches[0])]
        reverted = []
        after_each = rls.guard(database)
        for _, namespace, name in plan:
            _refuse_if_depended_on(database, namespace)
            runner_for(database, namespace, after_each).down(name)
            reverted.append(f"{namespace}/{name}")
        return reverted


def _refuse_if_depended_on(database, namespace):
    for other in installed.dependents(namespace):
        runner = runner_for(database, other)
        if runner is not None and runner.applied():
            raise MigrationFailed(
                f"cannot roll back {namespace}: namespace {other} depends on it and is migrated; "
                f"roll back {other} first")
