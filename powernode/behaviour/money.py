"""money-rails' `monetize :subtotal_cents`: an integer cents column read and written as `Money`.

    class Invoice(PowernodeModel):
        class Behaviour:
            monetize = [Monetize("subtotal", cents="subtotal_cents"), ...]

    invoice.subtotal                      # Money(amount=Decimal('12.50'), currency='USD')
    invoice.subtotal = Decimal("19.99")   # subtotal_cents = 1999

The currency is found as money-rails finds it: a `<name>_currency` column when the model
has one, else `Money.default_currency`, which the platform sets to USD. (A model's other
columns, such as `invoices.currency`, are not consulted by the platform's money
attributes, so they are not here either.) Amounts are rounded half up to the currency's
subunit, the platform's `Money.rounding_mode`. Assigning Money in another currency than
the attribute's is refused, as money-rails refuses to change a read-only currency.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import InvalidValue

__all__ = ["Money", "Monetize", "DEFAULT_CURRENCY"]

DEFAULT_CURRENCY = "USD"  # the platform's Money.default_currency
# ISO 4217 minor units where they are not 2
_DECIMALS = {"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
             "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
             "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3}


@dataclass(frozen=True)
class Money:
    """An amount in a currency; `amount` is a `Decimal` with the currency's decimals."""
    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self):
        currency = str(self.currency).upper()
        if len(currency) != 3 or not currency.isalpha():
            raise InvalidValue(f"{self.currency!r} is not an ISO 4217 currency code")
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "amount", _rounded(_decimal(self.amount), currency))

    @classmethod
    def from_cents(cls, cents: int, currency=DEFAULT_CURRENCY) -> "Money":
        return cls(Decimal(cents).scaleb(-_decimals(currency.upper())), currency)

    @property
    def cents(self) -> int:
        """The amount in the currency's subunit (what the `_cents` column holds)."""
        return int(self.amount.scaleb(_decimals(self.currency)))

    def __str__(self):
        return f"{self.amount} {self.currency}"


def _decimals(currency: str) -> int:
    return _DECIMALS.get(currency, 2)


def _decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise InvalidValue("a money amount must be a number, not a bool")
    try:
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValue(f"a money amount must be a number, not {type(value).__name__}") from None


def _rounded(amount: Decimal, currency: str) -> Decimal:
    if not amount.is_finite():
        raise InvalidValue("a money amount must be finite")
    return amount.quantize(Decimal(1).scaleb(-_decimals(currency)), rounding=ROUND_HALF_UP)


class Monetize:
    """`monetize :<cents>`: `name` reads the `cents` column as `Money` and writes it back."""

    def __init__(self, name, *, cents=None):
        self.name, self.cents = name, cents or f"{name}_cents"

    def install(self, model, behaviour):
        name, cents = self.name, self.cents
        currency_column = f"{name}_currency" if f"{name}_currency" in model._meta.fields else None

        def currency_of(record):
            return (currency_column and getattr(record, currency_column)) or DEFAULT_CURRENCY

        def read(record):
            value = getattr(record, cents)
            return None if value is None else Money.from_cents(value, currency_of(record))

        def write(record, value):
            if value is None:
                setattr(record, cents, None)
                return
            currency = currency_of(record).upper()
            if isinstance(value, Money):
                if value.currency != currency and currency_column is None:
                    raise InvalidValue(f"{model.__name__}.{name} is in {currency}: it cannot hold {value.currency}")
                if currency_column is not None:
                    setattr(record, currency_column, value.currency)
            else:
                value = Money(value, currency)
            setattr(record, cents, value.cents)

        setattr(model, name, property(read, write, doc=f"`{cents}` as Money."))

    def __repr__(self):
        return f'Monetize("{self.name}", cents="{self.cents}")'
