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


class DeclarationError(PowernodeError):
    """A model declaration breaks the package's conventions."""


class InvalidValue(PowernodeError, ValueError):
    """A value that cannot go into its column (a malformed UUID, a vector of the wrong size)."""
