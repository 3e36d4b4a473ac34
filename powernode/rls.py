"""Row-level security on every account-scoped table, keyed by the `tenant()` setting.

A policy per table holds every statement to `account_id = the current tenant`
for roles without BYPASSRLS that do not own the table; with no tenant set
they see no rows. Tables whose `account_id` may be NULL (platform-wide rows
such as shared AI providers) also show those rows, but accept writes of the
tenant's own only.
"""
from .introspect import snapshot
from .tenancy import POLICY, SETTING, TENANT_COLUMN

__all__ = ["enable", "disable", "status"]

TENANT = f"NULLIF(current_setting('{SETTING}', true), '')::uuid"


def _tenant_tables(db):
    snap = snapshot(db)
    return {table: info.nullable for (table, column), info in snap.columns.items() if column == TENANT_COLUMN}


def enable(db):
    """Enable RLS with the tenant policy on every table that has `account_id`; returns how many."""
    tables = _tenant_tables(db)
    with db.atomic():
        for table, nullable in sorted(tables.items()):
            visible = f"{TENANT_COLUMN} = {TENANT}" + (f" OR {TENANT_COLUMN} IS NULL" if nullable else "")
            db.execute_sql(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            db.execute_sql(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
            db.execute_sql(f'CREATE POLICY {POLICY} ON "{table}" USING ({visible}) '
                           f"WITH CHECK ({TENANT_COLUMN} = {TENANT})")
    return len(tables)


def disable(db):
    tables = _tenant_tables(db)
    with db.atomic():
        for table in sorted(tables):
            db.execute_sql(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
            db.execute_sql(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    return len(tables)


def status(db):
    """(tables with account_id, of them with RLS on and the policy in place)."""
    tables = _tenant_tables(db)
    protected = {name for (name,) in db.execute_sql(
        "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
        "WHERE c.relrowsecurity AND p.polname = %s AND c.relnamespace = current_schema()::regnamespace",
        (POLICY,)).fetchall()}
    return len(tables), len(protected & set(tables))
