"""Row-level security: PostgreSQL holds every statement of the application role to the current account.

    python -m powernode rls enable | disable | status

`enable` (run by the tables' owner) installs
- the tenant key, in `powernode_rls_private.tenant_key`, a table in a schema only its owner can use;
- `powernode_rls.current_account()`, a SECURITY DEFINER function that returns the account `tenant()`
  signed for this transaction (see `signing.py`), or NULL: no forged or replayed setting passes it;
- per account-owned table (`ownership.py`), one policy per command, each comparing with
  `(SELECT powernode_rls.current_account())`, which PostgreSQL evaluates once per statement:
  SELECT sees the account's rows (and platform-wide ones: NULL `account_id`, children of shared rows);
  INSERT, UPDATE and DELETE reach only rows the account owns;
- per global table, a policy that lets every role read it, so that only the owner writes it.

Each table's policies carry a fingerprint of their definition (a comment), so `protect()` rewrites
only those whose ownership changed; `migrate` calls it inside each migration's transaction once
RLS is enabled, so that new tables are never left without policies.
"""
import hashlib
from dataclasses import dataclass
from typing import List

from . import signing
from .ownership import ACCOUNT, DIRECT, GLOBAL, TENANT_COLUMN, ownership, polymorphic_targets
from .plugins import installed
from .registry import registry

__all__ = ["enable", "disable", "protect", "status", "is_enabled", "guard", "TableState", "VERIFIER",
           "POLICIES"]

SCHEMA, PRIVATE = "powernode_rls", "powernode_rls_private"
VERIFIER = f"{SCHEMA}.current_account()"
CURRENT = f"(SELECT {VERIFIER})"
POLICIES = {"select": "powernode_select", "insert": "powernode_insert",
            "update": "powernode_update", "delete": "powernode_delete"}
LEGACY_POLICIES = ("powernode_tenant_isolation",)
_FINGERPRINT = "powernode policies "

_VERIFIER_BODY = f"""
DECLARE
    account text := current_setting('powernode.account_id', true);
    signature text := current_setting('powernode.tenant_signature', true);
    pads record;
BEGIN
    IF account IS NULL OR signature IS NULL
       OR account !~ '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$'
       OR signature !~ '^[0-9a-f]{{64}}$' THEN
        RETURN NULL;
    END IF;
    SELECT inner_pad, outer_pad INTO pads FROM {PRIVATE}.tenant_key;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- HMAC-SHA256 from its padded keys; the digests compare hashed, so timing says nothing of either
    IF sha256(sha256(pads.outer_pad || sha256(pads.inner_pad || convert_to(account || ':' || {signing.NONCE_SQL}, 'UTF8'))))
       = sha256(decode(signature, 'hex')) THEN
        RETURN account::uuid;
    END IF;
    RETURN NULL;
END
"""

_OWNS_BODY = f"""
DECLARE
    target record;
    found boolean;
BEGIN
    IF owner_type IS NULL OR owner_id IS NULL THEN
        RETURN false;
    END IF;
    SELECT table_schema, table_name, account_column INTO target
    FROM {SCHEMA}.polymorphic_targets WHERE rails_name = owner_type;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    -- as the caller, so that the named table's own policy decides what it may read
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE id = $1%s)', target.table_schema, target.table_name,
                   CASE WHEN writing THEN format(' AND %I = {VERIFIER}', target.account_column) ELSE '' END)
        INTO found USING owner_id;
    RETURN found;
END
"""

INSTALL = [
    f"CREATE SCHEMA IF NOT EXISTS {PRIVATE}",
    f"CREATE TABLE IF NOT EXISTS {PRIVATE}.tenant_key (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), "
    "inner_pad bytea NOT NULL, outer_pad bytea NOT NULL)",
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"CREATE OR REPLACE FUNCTION {VERIFIER} RETURNS uuid LANGUAGE plpgsql STABLE SECURITY DEFINER "
    f"PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $verifier${_VERIFIER_BODY}$verifier$",
    f"CREATE TABLE IF NOT EXISTS {SCHEMA}.polymorphic_targets (rails_name text PRIMARY KEY, "
    "table_schema text NOT NULL, table_name text NOT NULL, account_column text NOT NULL)",
    f"CREATE OR REPLACE FUNCTION {SCHEMA}.owns(owner_type text, owner_id uuid, writing boolean) RETURNS boolean "
    f"LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $owns${_OWNS_BODY}$owns$",
]

# What the verifier's objects may grant beyond their owner; every other privilege (a blanket GRANT,
# default privileges) is revoked, so that nobody else reads the key or changes what policies consult.
LOCKED = {f"SCHEMA {PRIVATE}": None, f"TABLE {PRIVATE}.tenant_key": None,
          f"SCHEMA {SCHEMA}": "USAGE", f"TABLE {SCHEMA}.polymorphic_targets": "SELECT"}

GRANTEES = f"""
SELECT DISTINCT a.grantee::regrole::text, a.object FROM (
    SELECT (aclexplode(nspacl)).grantee, nspowner AS owner, 'SCHEMA ' || nspname AS object
    FROM pg_namespace WHERE nspname IN ('{PRIVATE}', '{SCHEMA}')
    UNION ALL
    SELECT (aclexplode(relacl)).grantee, relowner, 'TABLE ' || relnamespace::regnamespace || '.' || relname
    FROM pg_class WHERE oid IN ('{PRIVATE}.tenant_key'::regclass, '{SCHEMA}.polymorphic_targets'::regclass)
) AS a WHERE a.grantee <> a.owner AND a.grantee <> 0
"""

STATE = """
SELECT c.relname, c.relrowsecurity, p.polname, obj_description(p.oid, 'pg_policy')
FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname LIKE 'powernode\\_%%'
WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace AND NOT c.relispartition
"""


@dataclass(frozen=True)
class TableState:
    table: str
    state: str    # "protected", "global" or "unprotected"
    detail: str


def is_enabled(db) -> bool:
    """Whether `rls enable` installed the verifier in this database."""
    return db.execute_sql("SELECT to_regprocedure(%s) IS NOT NULL", (VERIFIER,)).fetchone()[0]


def enable(db, key=None, models=()) -> int:
    """Install the verifier (storing `key`, bytes, when given) and protect every table; returns how many changed."""
    with db.atomic():
        with db.cursor() as cursor:  # no parameters: the function bodies' % signs are format()'s
            for statement in INSTALL:
                cursor.execute(statement)
        for role, target in db.execute_sql(GRANTEES).fetchall():
            db.execute_sql(f"REVOKE ALL ON {target} FROM {role}")  # regrole prints a quoted identifier
        for target, privilege in LOCKED.items():
            db.execute_sql(f"REVOKE ALL ON {target} FROM PUBLIC")
            if privilege:
                db.execute_sql(f"GRANT {privilege} ON {target} TO PUBLIC")
        if key is not None:
            inner, outer = signing.padded_keys(key)
            db.execute_sql(f"INSERT INTO {PRIVATE}.tenant_key (inner_pad, outer_pad) VALUES (%s, %s) "
                           "ON CONFLICT (only_row) DO UPDATE SET inner_pad = excluded.inner_pad, "
                           "outer_pad = excluded.outer_pad", (inner, outer))
        elif not db.execute_sql(f"SELECT count(*) FROM {PRIVATE}.tenant_key").fetchone()[0]:
            signing.key_from(required=True)  # raises: says how to set the key
        return protect(db, models)


def disable(db) -> int:
    """Drop the policies, RLS and the verifier with its key; returns how many tables had policies."""
    with db.atomic():
        tables = sorted({table for table, _, policy, _ in db.execute_sql(STATE).fetchall() if policy})
        for table in tables:
            for name in (*POLICIES.values(), *LEGACY_POLICIES):
                db.execute_sql(f"DROP POLICY IF EXISTS {name} ON {_quote(table)}")
            db.execute_sql(f"ALTER TABLE {_quote(table)} DISABLE ROW LEVEL SECURITY")
        db.execute_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        db.execute_sql(f"DROP SCHEMA IF EXISTS {PRIVATE} CASCADE")
    return len(tables)


def protect(db, models=()) -> int:
    """(Re)write the policies of every table whose ownership changed since; returns how many."""
    owners = ownership(db, models)
    current = _fingerprints(db)
    changed = 0
    with db.atomic():
        _write_targets(db, polymorphic_targets(owners, models))
        for table in sorted(owners):
            statements = policy_statements(owners, table)
            fingerprint = _fingerprint(statements)
            if current.get(table) == fingerprint:
                continue
            name = _quote(table)
            db.execute_sql(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
            for policy in (*POLICIES.values(), *LEGACY_POLICIES):
                db.execute_sql(f"DROP POLICY IF EXISTS {policy} ON {name}")
            for statement in statements:
                db.execute_sql(statement)
            db.execute_sql(f"COMMENT ON POLICY {POLICIES['select']} ON {name} IS %s", (_FINGERPRINT + fingerprint,))
            changed += 1
    return changed


def _write_targets(db, targets):
    """The Rails names a polymorphic owner may take, and the table (schema-qualified) each names."""
    wanted = {(name, table, column) for name, (table, column) in targets.items()}
    present = set(db.execute_sql(f"SELECT rails_name, table_name, account_column FROM {SCHEMA}.polymorphic_targets "
                                 "WHERE table_schema = current_schema()").fetchall())
    if wanted != present:
        db.execute_sql(f"DELETE FROM {SCHEMA}.polymorphic_targets")
        for name, table, column in sorted(wanted):
            db.execute_sql(f"INSERT INTO {SCHEMA}.polymorphic_targets VALUES (%s, current_schema(), %s, %s)",
                           (name, table, column))


def guard(db):
    """What `migrate` runs after each migration: `protect` when RLS is enabled, else None."""
    if not is_enabled(db):
        return None

    def protect_new_tables(database):
        protect(database, registry.models_of(installed.names()))
    return protect_new_tables


def status(db, models=()) -> List[TableState]:
    """Each table: protected (its policies current), global, or unprotected (account-owned, policies missing)."""
    owners = ownership(db, models)
    current = _fingerprints(db)
    states = []
    for table, owner in sorted(owners.items()):
        ok = current.get(table) == _fingerprint(policy_statements(owners, table))
        if owner.kind == GLOBAL:
            states.append(TableState(table, "global", "read-only" if ok else "writable: run `powernode rls enable`"))
        elif ok:
            states.append(TableState(table, "protected", owner.describe()))
        else:
            states.append(TableState(table, "unprotected", owner.describe()))
    return states


def _fingerprints(db):
    """{table: fingerprint} for tables with RLS on and all of their policies in place."""
    policies, enabled, notes = {}, set(), {}
    for table, rls_on, policy, comment in db.execute_sql(STATE).fetchall():
        if rls_on:
            enabled.add(table)
        if policy:
            policies.setdefault(table, set()).add(policy)
        if policy == POLICIES["select"] and comment and comment.startswith(_FINGERPRINT):
            notes[table] = comment[len(_FINGERPRINT):]
    expected = {"global": {POLICIES["select"]}, "owned": set(POLICIES.values())}
    return {table: note for table, note in notes.items()
            if table in enabled and policies.get(table) in expected.values()}


def _fingerprint(statements) -> str:
    return hashlib.sha256("\n".join(statements).encode()).hexdigest()[:16]


# -- the policies -------------------------------------------------------------------------------

def policy_statements(owners, table) -> List[str]:
    """The CREATE POLICY statements for `table`."""
    name, owner = _quote(table), owners[table]
    if owner.kind == GLOBAL:
        return [f"CREATE POLICY {POLICIES['select']} ON {name} FOR SELECT USING (true)"]
    visible, owned = _visible(owners, table, name, 1), _owned(owners, table, name, 1)
    return [f"CREATE POLICY {POLICIES['select']} ON {name} FOR SELECT USING ({visible})",
            f"CREATE POLICY {POLICIES['insert']} ON {name} FOR INSERT WITH CHECK ({owned})",
            f"CREATE POLICY {POLICIES['update']} ON {name} FOR UPDATE USING ({owned}) WITH CHECK ({owned})",
            f"CREATE POLICY {POLICIES['delete']} ON {name} FOR DELETE USING ({owned})"]


def _visible(owners, table, row, depth) -> str:
    """SQL true for a row of `table` (named `row`) the current account may read."""
    owner = owners[table]
    if owner.kind == ACCOUNT:
        return f"{row}.id = {CURRENT}"
    if owner.kind == DIRECT:
        own = f"{row}.{TENANT_COLUMN} = {CURRENT}"
        return f"({own} OR {row}.{TENANT_COLUMN} IS NULL)" if owner.shared else own
    # readable when every owner it names is (each parent's own policy decides), and it names one
    links = owner.links
    if len(links) == 1 or all(link.not_null for link in links):
        return " AND ".join(_reads(link, row, depth) for link in links)
    return " AND ".join([_any_set(links, row), *(_unless_null(link, row, _reads(link, row, depth)) for link in links)])


def _owned(owners, table, row, depth) -> str:
    """SQL true for a row of `table` (named `row`) the current account may write."""
    owner = owners[table]
    if owner.kind == ACCOUNT:
        return f"{row}.id = {CURRENT}"
    if owner.kind == DIRECT:
        return f"{row}.{TENANT_COLUMN} = {CURRENT}"
    # every row it names readable, and one of its owners the account's own
    links = owner.links
    checks = [_unless_null(link, row, _reads(link, row, depth))
              for link in (owner.references if len(links) == 1 else links + owner.references)]
    if len(links) > 1 and not all(link.not_null for link in links):
        checks.insert(0, _any_set(links, row))
    checks.append("(" + " OR ".join(_writes(owners, link, row, depth) for link in links) + ")")
    return " AND ".join(checks)


def _reads(link, row, depth) -> str:
    """The row's link names a row the account may read."""
    if link.type_column:
        return f"{SCHEMA}.owns({row}.{_quote(link.type_column)}, {row}.{_quote(link.column)}, false)"
    return f"{row}.{_quote(link.column)} IN {_subquery(link, depth, '')}"


def _writes(owners, link, row, depth) -> str:
    """The row's link names a row the account owns."""
    if link.type_column:
        return f"{SCHEMA}.owns({row}.{_quote(link.type_column)}, {row}.{_quote(link.column)}, true)"
    where = _owned(owners, link.parent, _alias(depth), depth + 1)
    return f"{row}.{_quote(link.column)} IN {_subquery(link, depth, where)}"


def _unless_null(link, row, test) -> str:
    return test if link.not_null else f"({row}.{_quote(link.column)} IS NULL OR {test})"


def _any_set(links, row) -> str:
    return "(" + " OR ".join(f"{row}.{_quote(link.column)} IS NOT NULL" for link in links) + ")"


def _subquery(link, depth, where) -> str:
    alias = _alias(depth)
    return (f"(SELECT {alias}.{_quote(link.parent_column)} FROM {_quote(link.parent)} {alias}"
            f"{' WHERE ' + where if where else ''})")


def _alias(depth) -> str:
    return f"owner_{depth}"


def _quote(name) -> str:
    return '"' + name.replace('"', '""') + '"'


