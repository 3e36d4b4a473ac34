"""The tenant key: what makes a tenant context unforgeable from SQL.

`tenant()` proves to PostgreSQL which account a transaction works for with an
HMAC-SHA256 signature over the account id and a nonce that names this one
transaction of this one server process:

    message   = "<account uuid>:<backend pid>:<transaction start, in microseconds>"
    signature = HMAC-SHA256(tenant key, message), in hex

The key lives outside the application role's reach twice over: the program
holds it (`POWERNODE_TENANT_KEY` or `connect(tenant_key=...)`), and
`rls enable` stores it, as HMAC's two padded keys, in a table only the
schema owner can read. The row-level security policies verify the signature
through a `SECURITY DEFINER` function (see `rls.py`). A signature seen
anywhere (a log, `pg_stat_activity`) is worthless elsewhere: another
transaction or another connection has another nonce.
"""
import hashlib
import hmac
import os

from .errors import ConfigurationError

__all__ = ["ENVIRONMENT", "NONCE_SQL", "MIN_LENGTH", "key_from", "padded_keys", "sign"]

ENVIRONMENT = "POWERNODE_TENANT_KEY"
MIN_LENGTH = 32
#: The nonce, computed by the server alike for `tenant()` and for the verifier: no session setting changes it.
NONCE_SQL = ("pg_catalog.pg_backend_pid()::text || ':' || "
             "(EXTRACT(epoch FROM pg_catalog.transaction_timestamp()) * 1000000)::bigint::text")
_BLOCK = 64  # SHA-256's block size, the length of HMAC's padded keys


def key_from(explicit=None, required=True):
    """The tenant key as bytes: `explicit`, else `$POWERNODE_TENANT_KEY`; None when absent and not required."""
    text = explicit if explicit is not None else os.environ.get(ENVIRONMENT)
    if not text:
        if required:
            raise ConfigurationError(
                f"row-level security needs a tenant key: set {ENVIRONMENT} to a random secret of at least "
                f"{MIN_LENGTH} characters (python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return None
    if len(text) < MIN_LENGTH:
        raise ConfigurationError(f"the tenant key is too short: use a random secret of at least {MIN_LENGTH} characters")
    return text.encode() if isinstance(text, str) else bytes(text)


def padded_keys(key: bytes):
    """HMAC's inner and outer keys (RFC 2104), so that SQL computes HMAC with `sha256()` alone."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def sign(key: bytes, account_id, nonce: str) -> str:
    return hmac.new(key, f"{account_id}:{nonce}".encode(), hashlib.sha256).hexdigest()
