"""The package's own exceptions: every failure a user can cause has one."""


class PowernodeError(Exception):
    """Base class of every error the package raises on purpose."""


class ConfigurationError(PowernodeError):
    """A database URL, namespace selection or environment setting is wrong."""


class UnknownNamespace(ConfigurationError):
    """A namespace was asked for that no installed plugin provides."""


class DatabaseUnavailable(PowernodeError):
    """The server cannot be reached, or the database does not exist."""


class MissingExtension(PowernodeError):
    """A namespace needs a PostgreSQL extension the server does not have."""


class MigrationFailed(PowernodeError):
    """A migration raised; its transaction was rolled back."""


class DestructiveMigration(MigrationFailed):
    """An upgrade migration would destroy data the user did not agree to lose (`--allow-destructive`)."""


class DeclarationError(PowernodeError):
    """A model declaration breaks the package's conventions."""


class InvalidValue(PowernodeError, ValueError):
    """A value that cannot go into its column (a malformed UUID, a vector of the wrong size)."""


class EncryptionNotConfigured(ConfigurationError):
    """An encrypted value must be read or written, and the keys it needs are not configured."""


class DecryptionFailed(PowernodeError):
    """A stored encrypted value that the configured keys cannot open (wrong key, or damaged)."""


class ValidationError(PowernodeError):
    """A record the platform's validations refuse; `errors` maps attributes to the platform's messages.

    Raised before any SQL. The message names the model and the failing attributes
    with their messages, never the values.
    """

    def __init__(self, record, errors):
        self.record = record
        self.errors = errors
        name = getattr(getattr(record, "_meta", None), "rails_name", None) or type(record).__name__
        summary = "; ".join(f"{attribute} {message}" if attribute != "base" else message
                            for attribute, messages in errors.items() for message in messages)
        super().__init__(f"{name} is invalid: {summary}")


class InvalidTransition(PowernodeError):
    """A state machine event fired from a state it does not leave (AASM's `InvalidTransition`).

    `model`, `event` and `state` name what was refused; the record is unchanged.
    A value that is none of the machine's states is not echoed (it is row data).
    """

    def __init__(self, model, event, state, known_state=True, check=None):
        self.model, self.event, self.state = model, event, state if known_state else None
        shown = f"state {state!r}" if known_state else "a value that is none of its states"
        check = check or f"may_{event}()"
        super().__init__(f"{model} cannot {event} from {shown}; ask {check} before firing it")
