"""Active Record Encryption, as the platform configures it: `encrypts :email, deterministic: true, downcase: true`.

    email = StringField(255, encrypts=Encrypts(deterministic=True, downcase=True))
    name = StringField(default="", encrypts=Encrypts())

A stored value is a JSON envelope, `{"p": base64(ciphertext), "h": {"iv": ..., "at": ...}}`
(`"c": true` when the clear text was zlib-deflated: longer than 140 bytes and smaller
deflated; `"e"` names a clear text encoding other than UTF-8). The cipher is AES-256-GCM
with a 12-byte IV. Keys are derived with PBKDF2-HMAC-SHA256 (65,536 iterations, 32 bytes)
from the configured key and the key-derivation salt: the primary key for ordinary
attributes, the deterministic key for deterministic ones, whose IV is the first 12 bytes
of HMAC-SHA256(derived deterministic key, the bytes encrypted) — the same clear text
always makes the same envelope, so the column can be queried and indexed.

As configured on the platform (`reference/powernode-behaviour.json`, `encryption_config`):
`support_unencrypted_data` — a stored value that is not an envelope is clear text and
reads as it is; `extend_queries` — a lookup by a deterministic attribute matches the
envelope and the clear text (`email IN (envelope, clear text)`).

Keys come from `ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY`, `..._DETERMINISTIC_KEY` and
`..._KEY_DERIVATION_SALT`, or from `powernode.connect(..., encryption=EncryptionConfig(...))`
(`keys.py`). Without them, reading an
envelope or writing an encrypted attribute raises `EncryptionNotConfigured`, naming the
variables; nothing is ever written in clear instead. Each key is derived once per
process and each cipher object made once per key.
"""
import base64
import binascii
import codecs
import hashlib
import hmac
import json
import os
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..errors import DecryptionFailed, EncryptionNotConfigured
from . import keys
from .keys import KEY_VARIABLES

__all__ = ["Encrypts", "Keyring", "keyring", "is_envelope"]

ITERATIONS = 65536            # Active Record's PBKDF2 iterations with SHA-256
COMPRESSION_THRESHOLD = 140   # bytes; shorter clear text is never deflated
IV_BYTES, TAG_BYTES = 12, 16


@dataclass(frozen=True)
class Encrypts:
    """The `encrypts` options of one attribute, as the platform declares them."""
    deterministic: bool = False
    downcase: bool = False

    def __repr__(self):
        options = [f"{name}=True" for name in ("deterministic", "downcase") if getattr(self, name)]
        return f"Encrypts({', '.join(options)})"


@lru_cache(maxsize=None)
def derive_key(password: str, salt: str) -> bytes:
    """Active Record's key derivation, once per (key, salt) in a process: it is slow on purpose."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    return PBKDF2HMAC(hashes.SHA256(), 32, salt.encode(), ITERATIONS).derive(password.encode())


# The envelope exactly as Active Record writes it; anything else goes through json.loads.
_ENVELOPE = re.compile(r'\{"p":"([A-Za-z0-9+/=]*)","h":\{"iv":"([A-Za-z0-9+/=]+)","at":"([A-Za-z0-9+/=]+)"'
                       r'(,"c":true)?\}\}')
_b64decode = binascii.a2b_base64


def _envelope_parts(text):
    """(payload, iv, tag, compressed, encoding) when `text` is an envelope, else None."""
    match = _ENVELOPE.fullmatch(text)
    if match is not None:
        payload, iv, tag, compressed = match.groups()
        return payload, iv, tag, compressed is not None, None
    if not text.startswith("{"):
        return None
    try:
        message = json.loads(text)
        headers = message["h"]
        parts = (message["p"], headers["iv"], headers["at"], headers.get("c") is True, headers.get("e"))
    except (ValueError, KeyError, TypeError):
        return None
    return parts if all(isinstance(part, str) for part in parts[:3]) else None


def is_envelope(text) -> bool:
    """True when a stored value is an encryption envelope (else it is clear text)."""
    return isinstance(text, str) and _envelope_parts(text) is not None


class Keyring:
    """The derived keys and their cipher objects, made once; encrypts and decrypts envelopes."""

    def __init__(self, config: keys.EncryptionConfig):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # here: `import powernode` stays light

        salt = config.key_derivation_salt
        self._primary = self._deterministic = None
        if salt and config.primary_key:
            self._primary = AESGCM(derive_key(config.primary_key, salt))
        if salt and config.deterministic_key:
            self._hmac_key = derive_key(config.deterministic_key, salt)
            self._deterministic = AESGCM(self._hmac_key)

    def _cipher(self, deterministic, where, doing):
        cipher = self._deterministic if deterministic else self._primary
        if cipher is None:
            raise EncryptionNotConfigured(
                f"{_named(where)} is encrypted and no key to {doing} it is configured: set {', '.join(KEY_VARIABLES)} "
                "(or pass encryption=EncryptionConfig(...) to powernode.connect)")
        return cipher

    def encrypt(self, text: str, deterministic=False, where="an encrypted attribute", iv=None) -> str:
        """The envelope for `text`; `iv` only to reproduce a known envelope (tests)."""
        cipher = self._cipher(deterministic, where, "encrypt")
        data = text.encode()
        compressed = False
        if len(data) > COMPRESSION_THRESHOLD:
            deflated = zlib.compress(data)
            if len(deflated) < len(data):
                data, compressed = deflated, True
        if deterministic:
            iv = hmac.new(self._hmac_key, data, hashlib.sha256).digest()[:IV_BYTES]
        elif iv is None:
            iv = os.urandom(IV_BYTES)
        sealed = cipher.encrypt(iv, data, None)
        headers = f'"iv":"{_b64(iv)}","at":"{_b64(sealed[-TAG_BYTES:])}"' + (',"c":true' if compressed else "")
        return f'{{"p":"{_b64(sealed[:-TAG_BYTES])}","h":{{{headers}}}}}'

    def decrypt(self, stored: str, deterministic=False, where="an encrypted attribute") -> str:
        """The clear text of a stored value: an envelope opened, anything else as it is.

        `where` (a field, or text) names the attribute in errors. This runs once per value
        read, so the common envelope takes the shortest road.
        """
        match = _ENVELOPE.fullmatch(stored)
        if match is not None:
            payload, iv, tag, compressed = match.groups()
            encoding = None
        else:
            parts = _envelope_parts(stored)
            if parts is None:
                return stored  # support_unencrypted_data: clear text written before encryption
            payload, iv, tag, compressed, encoding = parts
        cipher = self._deterministic if deterministic else self._primary
        if cipher is None:
            self._cipher(deterministic, where, "decrypt")
        try:
            data = cipher.decrypt(_b64decode(iv), _b64decode(payload) + _b64decode(tag), None)
            if compressed:
                data = zlib.decompress(data)
            return data.decode(_codec(encoding)) if encoding else data.decode()
        except Exception as exc:
            from cryptography.exceptions import InvalidTag

            if not isinstance(exc, (InvalidTag, ValueError, zlib.error, LookupError)):
                raise
        raise DecryptionFailed(
            f"{_named(where)}: a stored value does not decrypt with the configured keys "
            f"({', '.join(KEY_VARIABLES)}); they must be the platform's")


def _named(where) -> str:
    """An attribute's name for a message: `User.email` for a field."""
    if isinstance(where, str):
        return where
    return f"{where.model._meta.rails_name or where.model.__name__}.{where.name}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _codec(encoded_name: str) -> str:
    """A Ruby encoding name from an `"e"` header (base64) as a Python codec."""
    name = base64.b64decode(encoded_name).decode()
    return "latin-1" if name in ("ASCII-8BIT", "BINARY") else codecs.lookup(name).name


_keyring: Optional[Keyring] = None
_keyring_generation = -1


def keyring() -> Keyring:
    """The keyring of the active configuration (`keys.py`), built when first needed after a change."""
    global _keyring, _keyring_generation
    if _keyring_generation != keys.generation():
        _keyring, _keyring_generation = Keyring(keys.active_config()), keys.generation()
    return _keyring
