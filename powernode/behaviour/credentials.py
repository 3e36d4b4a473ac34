"""`Security::CredentialEncryptionService` payloads: the platform's encrypted provider and integration credentials.

    class ProviderCredential(PowernodeModel):
        class Behaviour:
            credentials = EncryptedCredentials("credentials", column="encrypted_credentials", namespace="ai")

    credential.credentials                     # {"api_key": "sk-...", ...}
    credential.credentials = {"api_key": "sk-..."}   # encrypts; sets encryption_key_id

A payload is `base64(JSON {"version": "v2", "namespace", "key_id", "encrypted_data",
"created_at"})` (namespace left out when there is none); `encrypted_data` is
`base64(iv12 + tag16 + AES-256-GCM ciphertext)` of the credentials as compact JSON with
string keys. A single value (`encrypt_value`) is the payload of `{"value": value}`.

Keys are found by the payload's own key id, so a payload written with an older key id
still reads after the current one changes (rotation), in the platform's order:
`EncryptionConfig.credential_keys[namespace][key_id]`, then `[None][key_id]` (the
platform's Rails credentials), then the variables `ENCRYPTION_KEY_<NAMESPACE>_<KEY_ID>`
(`ENCRYPTION_KEY_<KEY_ID>` without a namespace), then `AI_ENCRYPTION_KEY_<KEY_ID>`, then
base64(SHA-256("<SECRET_KEY_BASE>_encryption_<namespace>_<key_id>")) — the platform's own
fallback outside production. New payloads use the key id `credential_key_ids[namespace]`
(else `[None]`, else "default").
"""
import base64
import binascii
import hashlib
import json
import os
import time
from typing import Optional

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import DecryptionFailed, EncryptionNotConfigured, InvalidValue
from . import keys

__all__ = ["encrypt", "decrypt", "encrypt_value", "decrypt_value", "current_key_id", "EncryptedCredentials",
           "EncryptedValue"]

VERSION = "v2"
READABLE_VERSIONS = ("v1", "v2")
IV_BYTES, TAG_BYTES = 12, 16

_ciphers = {}  # (namespace, key id) -> AESGCM, for the configuration of generation _ciphers_generation
_ciphers_generation = -1


def _config():
    return keys.active_config()


def current_key_id(namespace: Optional[str] = None) -> str:
    """The key id new payloads of `namespace` use."""
    ids = _config().credential_key_ids
    return (namespace and ids.get(namespace)) or ids.get(None) or "default"


def _key_variables(namespace, key_id):
    own = f"ENCRYPTION_KEY_{namespace.upper()}_{key_id.upper()}" if namespace else f"ENCRYPTION_KEY_{key_id.upper()}"
    return own, f"AI_ENCRYPTION_KEY_{key_id.upper()}"


def _find_key(namespace, key_id) -> str:
    config = _config()
    keys = config.credential_keys
    environ = config.environ
    own, legacy = _key_variables(namespace, key_id)
    found = ((namespace and keys.get(namespace, {}).get(key_id)) or keys.get(None, {}).get(key_id)
             or environ.get(own) or environ.get(legacy))
    if found:
        return found
    if config.secret_key_base:
        material = (f"{config.secret_key_base}_encryption_{namespace}_{key_id}" if namespace
                    else f"{config.secret_key_base}_encryption_{key_id}")
        return base64.b64encode(hashlib.sha256(material.encode()).digest()).decode()
    raise EncryptionNotConfigured(
        f"no credential key {key_id!r} for namespace {namespace or '(none)'}: set {own}, {legacy} or SECRET_KEY_BASE "
        "(or pass encryption=EncryptionConfig(credential_keys=...) to powernode.connect)")


def _cipher(namespace, key_id) -> AESGCM:
    global _ciphers_generation
    if _ciphers_generation != keys.generation():
        _ciphers.clear()
        _ciphers_generation = keys.generation()
    cipher = _ciphers.get((namespace, key_id))
    if cipher is None:
        key = base64.b64decode(_find_key(namespace, key_id))
        if len(key) != 32:
            raise EncryptionNotConfigured(f"credential key {key_id!r} for namespace {namespace or '(none)'} "
                                          "must be 32 bytes, base64-encoded")
        cipher = _ciphers[(namespace, key_id)] = AESGCM(key)
    return cipher


def encrypt(credentials: dict, namespace: Optional[str] = None, *, key_id=None, iv=None, created_at=None) -> str:
    """The payload for a credentials dict (`key_id`, `iv`, `created_at` only to reproduce a known one)."""
    if not isinstance(credentials, dict):
        raise InvalidValue("credentials must be a dict")
    if not credentials:
        raise InvalidValue("credentials cannot be empty")
    key_id = key_id or current_key_id(namespace)
    clear = json.dumps({str(key): value for key, value in credentials.items()}, ensure_ascii=False,
                       separators=(",", ":")).encode()
    iv = iv or os.urandom(IV_BYTES)
    sealed = _cipher(namespace, key_id).encrypt(iv, clear, None)
    wrapper = {"version": VERSION, "namespace": namespace, "key_id": key_id,
               "encrypted_data": base64.b64encode(iv + sealed[-TAG_BYTES:] + sealed[:-TAG_BYTES]).decode(),
               "created_at": int(time.time()) if created_at is None else created_at}
    wrapper = {name: value for name, value in wrapper.items() if value is not None}
    return base64.b64encode(json.dumps(wrapper, separators=(",", ":")).encode()).decode()


def decrypt(payload: str, namespace: Optional[str] = None):
    """The credentials a payload holds; `namespace` must be the one it was written for."""
    where = f"a credential payload ({namespace or 'no namespace'})"
    try:
        wrapper = json.loads(base64.b64decode(payload, validate=True))
        stored_namespace, key_id = wrapper.get("namespace"), wrapper["key_id"]
        version, data = wrapper.get("version"), base64.b64decode(wrapper["encrypted_data"], validate=True)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise DecryptionFailed(f"{where} is not a CredentialEncryptionService payload") from None
    if namespace and stored_namespace != namespace:
        raise DecryptionFailed(f"{where} was written for namespace {stored_namespace!r}")
    if version not in READABLE_VERSIONS:
        raise DecryptionFailed(f"{where} has unsupported version {version!r}")
    cipher = _cipher(stored_namespace or namespace, key_id)
    iv, tag, ciphertext = data[:IV_BYTES], data[IV_BYTES:IV_BYTES + TAG_BYTES], data[IV_BYTES + TAG_BYTES:]
    try:
        return json.loads(cipher.decrypt(iv, ciphertext + tag, None))
    except (InvalidTag, ValueError):
        raise DecryptionFailed(f"{where} does not decrypt with key {key_id!r}: the key must be the platform's") from None


def encrypt_value(value, namespace: Optional[str] = None, **options) -> Optional[str]:
    """The payload for one secret (None for a blank one), as `encrypt_value` writes it."""
    return None if _blank(value) else encrypt({"value": value}, namespace, **options)


def decrypt_value(payload, namespace: Optional[str] = None):
    return None if _blank(payload) else decrypt(payload, namespace).get("value")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class EncryptedCredentials:
    """A model's credentials dict, stored as a payload in `column` with its key id in `key_id_column`."""

    def __init__(self, attribute="credentials", *, column="encrypted_credentials", namespace=None,
                 key_id_column="encryption_key_id"):
        self.attribute, self.column, self.namespace, self.key_id_column = attribute, column, namespace, key_id_column

    def install(self, model, behaviour):
        column, namespace, key_id_column = self.column, self.namespace, self.key_id_column

        def read(record):
            payload = getattr(record, column)
            return {} if _blank(payload) else decrypt(payload, namespace)

        def write(record, credentials):
            setattr(record, column, encrypt(credentials, namespace) if credentials else None)
            setattr(record, key_id_column, current_key_id(namespace))

        setattr(model, self.attribute, property(read, write, doc=f"The decrypted {column} ({namespace!r} keys)."))

    def __repr__(self):
        return (f'EncryptedCredentials("{self.attribute}", column="{self.column}", '
                f'namespace={json.dumps(self.namespace)})')


class EncryptedValue:
    """One secret stored as a single-value payload in `column` (`encrypt_value`/`decrypt_value`)."""

    def __init__(self, attribute, *, column, namespace=None):
        self.attribute, self.column, self.namespace = attribute, column, namespace

    def install(self, model, behaviour):
        column, namespace = self.column, self.namespace

        def read(record):
            return decrypt_value(getattr(record, column), namespace)

        def write(record, value):
            setattr(record, column, encrypt_value(value, namespace))

        setattr(model, self.attribute, property(read, write, doc=f"The decrypted {column} ({namespace!r} keys)."))

    def __repr__(self):
        return f'EncryptedValue("{self.attribute}", column="{self.column}", namespace={json.dumps(self.namespace)})'
