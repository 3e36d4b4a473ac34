"""The keys for the platform's encrypted values: from the environment, or given to `powernode.connect`.

    powernode.connect(url, encryption=EncryptionConfig(primary_key=..., deterministic_key=...,
                                                       key_derivation_salt=..., secret_key_base=...))

Without `encryption=`, the keys are read from the platform's variables when first needed:
`ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY`, `ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY`,
`ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT` (Active Record Encryption,
`encryption.py`), `SECRET_KEY_BASE` and `ENCRYPTION_KEY_<NAMESPACE>_<KEY_ID>` /
`AI_ENCRYPTION_KEY_<KEY_ID>` (credential payloads, `credentials.py`). `configure(None)`
forgets what was read, so that a changed environment is read again.
"""
import os
from dataclasses import dataclass, field
from typing import Mapping, Optional

__all__ = ["EncryptionConfig", "configure", "active_config", "generation", "KEY_VARIABLES"]

PRIMARY_KEY = "ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY"
DETERMINISTIC_KEY = "ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY"
KEY_DERIVATION_SALT = "ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT"
KEY_VARIABLES = (PRIMARY_KEY, DETERMINISTIC_KEY, KEY_DERIVATION_SALT)


@dataclass(frozen=True)
class EncryptionConfig:
    """The keys for the platform's encrypted values; `repr()` never shows them.

    primary_key, deterministic_key, key_derivation_salt: Active Record Encryption's.
    secret_key_base, credential_keys, credential_key_ids: for
    `Security::CredentialEncryptionService` payloads. `credential_keys` maps a namespace
    (None for the global keys) to {key id: base64 key}, as the platform's Rails
    credentials `encryption.<namespace>.keys` do; `credential_key_ids` maps a namespace
    (or None) to the key id new payloads use ("default" otherwise). `environ` holds the
    `*ENCRYPTION_KEY_*` variables when the configuration comes from the environment.
    """
    primary_key: Optional[str] = field(default=None, repr=False)
    deterministic_key: Optional[str] = field(default=None, repr=False)
    key_derivation_salt: Optional[str] = field(default=None, repr=False)
    secret_key_base: Optional[str] = field(default=None, repr=False)
    credential_keys: Mapping = field(default_factory=dict, repr=False)
    credential_key_ids: Mapping = field(default_factory=dict)
    environ: Mapping = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_environment(cls, environ=None):
        """The keys the environment gives, under the platform's variable names."""
        environ = os.environ if environ is None else environ
        return cls(primary_key=environ.get(PRIMARY_KEY) or None,
                   deterministic_key=environ.get(DETERMINISTIC_KEY) or None,
                   key_derivation_salt=environ.get(KEY_DERIVATION_SALT) or None,
                   secret_key_base=environ.get("SECRET_KEY_BASE") or None,
                   environ={name: value for name, value in environ.items() if "ENCRYPTION_KEY_" in name and value})


_explicit: Optional[EncryptionConfig] = None
_active: Optional[EncryptionConfig] = None
_generation = 0  # bumped by configure(): the key caches built from an older configuration are dropped


def configure(config: Optional[EncryptionConfig]):
    """Use `config` from now on; None goes back to the environment, read again when next needed."""
    global _explicit, _active, _generation
    _explicit, _active = config, None
    _generation += 1


def active_config() -> EncryptionConfig:
    global _active
    if _active is None:
        _active = _explicit if _explicit is not None else EncryptionConfig.from_environment()
    return _active


def generation() -> int:
    return _generation
