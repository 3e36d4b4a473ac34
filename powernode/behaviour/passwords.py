"""`has_secure_password`: bcrypt digests the platform accepts, and its password rules.

    class User(PowernodeModel):
        class Behaviour:
            has_secure_password = SecurePassword("password")

    user.password = "correct horse battery staple"   # or user.set_password(...): digests at cost 12
    user.authenticate("correct horse battery staple")  # the user, or False

As Active Model does: assigning None clears the digest, assigning "" changes nothing,
anything else is digested with bcrypt (`$2a$`, the platform's cost 12; like bcrypt-ruby,
only the first 72 bytes count). The clear password stays on the instance only (never in
`__data__`, so never in `repr`, a query or an error), beside `password_confirmation` for
the platform's confirmation validator. Validators, with the platform's messages: a blank
digest is "can't be blank" on `password` (which is what stops a new user without one), a
password over 72 bytes "is too long".
"""
import bcrypt

from .validations import Validator

__all__ = ["SecurePassword", "MAX_PASSWORD_BYTES", "COST"]

MAX_PASSWORD_BYTES = 72
COST = 12  # BCrypt::Engine.cost, the platform's


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class SecurePassword:
    """The `has_secure_password` declaration for one attribute (`password` -> `password_digest`)."""

    def __init__(self, attribute="password", *, digest=None, cost=COST):
        self.attribute, self.digest, self.cost = attribute, digest or f"{attribute}_digest", cost

    def install(self, model, behaviour):
        attribute, digest, cost = self.attribute, self.digest, self.cost
        secrets = f"_{attribute}_clear"

        def read(record):
            return record.__dict__.get(secrets)

        def write(record, password):
            if password is None:
                record.__dict__[secrets] = None
                setattr(record, digest, None)
            elif password != "":
                record.__dict__[secrets] = password
                salt = bcrypt.gensalt(rounds=cost, prefix=b"2a")
                setattr(record, digest, bcrypt.hashpw(password.encode()[:MAX_PASSWORD_BYTES], salt).decode())

        def authenticate(record, password):
            """This record when `password` matches its digest, else False (as Rails' `authenticate`)."""
            stored = getattr(record, digest)
            if _blank(stored) or password is None:
                return False
            try:
                matches = bcrypt.checkpw(password.encode()[:MAX_PASSWORD_BYTES], stored.encode())
            except ValueError:  # not a bcrypt digest
                return False
            return record if matches else False

        confirmation = f"_{attribute}_confirmation"
        setattr(model, attribute, property(read, write, doc=f"The clear {attribute} assigned here (never stored)."))
        setattr(model, f"{attribute}_confirmation", property(
            lambda record: record.__dict__.get(confirmation),
            lambda record, value: record.__dict__.__setitem__(confirmation, value)))
        setattr(model, f"set_{attribute}", write)
        setattr(model, f"authenticate_{attribute}", authenticate)
        if attribute == "password":
            model.authenticate = authenticate
        DigestPresent(attribute, digest).install(model, behaviour)
        PasswordNotTooLong(attribute).install(model, behaviour)

    def __repr__(self):
        return f'SecurePassword("{self.attribute}")'


class DigestPresent(Validator):
    """No digest, no record: "can't be blank" on the password (Active Model's first rule)."""

    needs_record = True  # reads the digest column, not the attribute it reports on

    def __init__(self, attribute, digest):
        super().__init__(attribute)
        self.digest = digest

    def read(self, record, attribute):
        return getattr(record, self.digest)

    def check(self, value, record, attribute):
        return ["can't be blank"] if _blank(value) else None


class PasswordNotTooLong(Validator):
    """bcrypt reads 72 bytes: a longer password "is too long"."""

    needs_record = True  # the clear password lives on the instance only

    def check(self, value, record, attribute):
        if not _blank(value) and len(value.encode()) > MAX_PASSWORD_BYTES:
            return ["is too long"]
        return None
