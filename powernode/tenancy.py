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

From asyncio (after `powernode.connect_async()`), `async with powernode.tenant(acme):`
does the same on the task's connection; the account is context-local, so tasks for
different accounts interleave without seeing each other's rows.
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


class tenant:
    """Scope queries and inserts to one account, in a transaction that proves it to PostgreSQL.

    `with tenant(acme):`, or `async with tenant(acme):` on the database of `connect_async()`.
    The tenant key comes from `db.tenant_key` (`powernode.connect(tenant_key=...)`), else
    `$POWERNODE_TENANT_KEY`; a database with row-level security enabled requires it.
    """

    def __init__(self, account, db=None):
        self._account, self._db = account, db
        self._open = []  # the blocks entered and not left yet (one object may be entered again inside)

    def __enter__(self):
        scope = _scope(self._account, self._db)
        account_id = scope.__enter__()
        self._open.append(scope)
        return account_id

    def __exit__(self, *exc_info):
        return self._open.pop().__exit__(*exc_info)

    async def __aenter__(self):
        return await _bridge(self._db).run(self.__enter__)

    async def __aexit__(self, *exc_info):
        return await _bridge(self._db).run(self.__exit__, *exc_info)

    def __call__(self, function):  # as a decorator, as the context manager it replaced was
        def scoped(*args, **kwargs):
            with tenant(self._account, self._db):
                return function(*args, **kwargs)
        return scoped


def _bridge(db):
    db = db or current_database()
    if not hasattr(db, "run"):
        raise InvalidValue("`async with tenant()` needs the database of `await powernode.connect_async()` "
                           "(or pass db=); use `with tenant()` with connect()")
    return db


@contextmanager
def _scope(account, db=None):
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
    if getattr(db, "one_statement_per_call", False):
        db.execute_sql(sql, (SETTING, account, SIGNATURE_SETTING, signature))
        verified = db.execute_sql(f"SELECT {VERIFIER}")
    else:  # one round trip
        verified = db.execute_sql(f"{sql}; SELECT {VERIFIER}", (SETTING, account, SIGNATURE_SETTING, signature))
    if str(verified.fetchone()[0]) != account:
        raise ConfigurationError("the tenant key differs from the one `powernode rls enable` stored in this "
                                 "database: give the program the same POWERNODE_TENANT_KEY")
