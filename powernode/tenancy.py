"""The account as tenant boundary: `tenant()` scopes queries, and row-level security enforces it.

    with powernode.tenant(acme):          # an Account, or its id
        User.select()                     # acme's users only
        User.create(email=..., ...)       # account_id defaults to acme

Inside `tenant()` the package filters account-scoped models (those with
`account_id`) and runs a transaction that carries the account to PostgreSQL:
`powernode.account_id`, and `powernode.tenant_signature`, an HMAC of the account
and this transaction made with the tenant key (`signing.py`). With row-level
security enabled (`python -m powernode rls enable`), the policies trust the
account only when the signature verifies, so SQL that sets the account itself
(`SET`, `set_config`) reaches nothing.
"""
import contextvars
import uuid
from contextlib import contextmanager

from .binding import current_database
from .errors import ConfigurationError, InvalidValue
from .signing import NONCE_SQL, key_from, sign

__all__ = ["tenant", "current_tenant", "SETTING", "SIGNATURE_SETTING"]

SETTING = "powernode.account_id"
SIGNATURE_SETTING = "powernode.tenant_signature"
TENANT_COLUMN = "account_id"
VERIFIER = "powernode_rls.current_account()"  # installed by `rls enable`
_current = contextvars.ContextVar("powernode_tenant", default=None)


def current_tenant():
    """The account id `tenant()` set, or None outside one."""
    return _current.get()


def _account_id(account):
    value = getattr(account, "id", account)
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise InvalidValue(f"tenant() needs an account or its id, not {account!r}") from None


@contextmanager
def tenant(account, db=None):
    """Scope queries and inserts to one account, in a transaction that proves it to PostgreSQL.

    The tenant key comes from `db.tenant_key` (`powernode.connect(tenant_key=...)`), else
    `$POWERNODE_TENANT_KEY`; a database with row-level security enabled requires it.
    """
    account_id = _account_id(account)
    db = db or current_database()
    if db is None:
        raise InvalidValue("tenant() needs a database: call powernode.connect() first or pass db=")
    token = _current.set(account_id)
    outermost = not db.in_transaction()  # peewee counts transactions, not the savepoints inside them
    try:
        with db.atomic():
            enforced, previous, previous_signature, nonce = db.execute_sql(
                f"SELECT to_regprocedure(%s) IS NOT NULL, current_setting(%s, true), current_setting(%s, true), "
                f"{NONCE_SQL}", (VERIFIER, SETTING, SIGNATURE_SETTING)).fetchone()
            key = key_from(getattr(db, "tenant_key", None), required=enforced)
            _carry(db, str(account_id), sign(key, account_id, nonce) if key else "", verify=enforced)
            try:
                yield account_id
            finally:  # hand an outer tenant() its account back; an outermost one ends with its transaction
                if not outermost and not db.is_closed() and db.in_transaction():
                    _carry(db, previous or "", previous_signature or "")
    finally:
        _current.reset(token)


def _carry(db, account, signature, verify=False):
    sql = "SELECT set_config(%s, %s, true), set_config(%s, %s, true)"
    if not verify:
        db.execute_sql(sql, (SETTING, account, SIGNATURE_SETTING, signature))
        return
    verified = db.execute_sql(f"{sql}; SELECT {VERIFIER}", (SETTING, account, SIGNATURE_SETTING, signature))
    if str(verified.fetchone()[0]) != account:
        raise ConfigurationError("the tenant key differs from the one `powernode rls enable` stored in this "
                                 "database: give the program the same POWERNODE_TENANT_KEY")
