"""Lookups that miss: peewee's `DoesNotExist`, without the values the query was given.

Peewee's message ends with `Params: [...]`: the digest, token or key that was looked up. A
model's `get()`, `get_by_id()`, `get_or_none()` and a foreign key's lazy load all end in
`QuietGet.get`, which names the model and the statement (its placeholders, not the values).
"""
__all__ = ["QuietGet"]


class QuietGet:
    """A select mixin whose `get()` raises `DoesNotExist` with no parameter values attached."""

    def get(self, database=None):
        try:
            return super().get(database)
        except self.model.DoesNotExist:
            pass
        # raised outside the handler: peewee's exception, with its Params, is not chained to this one
        statement = self.paginate(1, 1).sql()[0]
        raise self.model.DoesNotExist(f"no {self.model.__name__} matches the query: {statement}")
