"""The values a column may hold, where the platform restricts it to a list: the field's `choices`.

    status = StringField(50, choices=Choices("draft", "open", "paid", "void", "uncollectible"))

    Invoice.status.choices.values        # ("draft", "open", "paid", "void", "uncollectible")
    "paid" in Invoice.status.choices     # True

`Choices` is peewee's `choices` (pairs of value and label, here the value twice),
so `playhouse.pydantic_utils` turns the field into a `Literal` of those values.
The generator writes it where an inclusion validation, a check constraint or a
state machine restricts the column; where they disagree, the values all of
them accept (`docs/allowed-values.md` lists the disagreements). Choices declare;
they do not validate (validations and checks do).
"""

__all__ = ["Choices"]


class Choices(tuple):
    """A column's allowed values, as peewee's (value, label) pairs."""

    def __new__(cls, *values):
        return super().__new__(cls, ((value, value) for value in values))

    def __getnewargs__(self):  # copies and pickles rebuild from the values
        return self.values

    @property
    def values(self):
        return tuple(value for value, _ in self)

    def __contains__(self, value):
        return value in self.values

    def __repr__(self):
        return f"Choices({', '.join(repr(value) for value in self.values)})"
