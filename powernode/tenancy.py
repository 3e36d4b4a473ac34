"""The account as tenant boundary: `tenant()` scopes queries, and row-level security enforces it.

    with powernode.tenant(acme):          # an Account, or its id
        User.select()                     # acme's users only
        User.create(email=..., ...)       # account_id defaults to acme

Inside `tenant()` the package filters account-scoped models (those with
`account_id`) and sets `powernode.account_id` for the transaction
(`set_config(..., true)`, as `SET LOCAL`). With row-level security enabled
(`python -m powernode rls enable`), PostgreSQL itself holds every statement,
raw SQL included, to that account for roles without BYPASSRLS.
"""
import contextvars
import uuid
from contextlib import contextmanager

from .binding import current_database
from .errors import InvalidValue

__all__ = ["tenant", "current_tenant", "SETTING", "POLICY"]

SETTING = "powernode.account_id"
POLICY = "powernode_tenant_isolation"
TENANT_COLUMN = "account_id"
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
    """Scope queries and inserts to one account, in a transaction that carries it to PostgreSQL."""
    account_id = _account_id(account)
    db = db or current_database()
    if db is None:
        raise InvalidValue("tenant() needs a database: call powernode.connect() first or pass db=")
    token = _current.set(account_id)
    try:
        with db.atomic():
            previous = db.execute_sql("SELECT current_setting(%s, true)", (SETTING,)).fetchone()[0]
            db.execute_sql("SELECT set_config(%s, %s, true)", (SETTING, str(account_id)))
            try:
                yield account_id
            finally:  # a nested tenant() hands the outer one back its account
                if previous and not db.is_closed() and db.in_transaction():
                    db.execute_sql("SELECT set_config(%s, %s, true)", (SETTING, previous))
    finally:
        _current.reset(token)
