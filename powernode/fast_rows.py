"""A faster road from rows to model instances, for the common `Model.select()`.

Peewee builds each instance through `Model.__init__` and runs every column's
`python_value`. For a plain select of one model's own columns this wrapper
fetches all rows at once (they are client-side already), fills `__data__`
straight from each row and converts only the columns whose
driver value is not already the Python value (psycopg2 returns datetimes,
Decimals, parsed JSON, lists and, with `register_uuid`, UUIDs itself). Anything
else (joins, aliases, expressions) keeps peewee's own wrapper.
"""
import gc

import peewee
from playhouse import postgres_ext

from .lookups import QuietGet

__all__ = ["FastSelect"]

# Fields whose python_value would hand back what psycopg2 already returned.
_NATIVE = (peewee.UUIDField, peewee.IntegerField, peewee.BooleanField, peewee.CharField, peewee.TextField,
           peewee.DateTimeField, peewee.DateField, peewee.DoubleField, peewee.DecimalField,
           postgres_ext.JSONField, postgres_ext.ArrayField)


def _native(field):
    if isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    return isinstance(field, _NATIVE) and not getattr(field, "convert_values", False)


class _InstanceWrapper(peewee.ModelObjectCursorWrapper):
    def initialize(self):
        super().initialize()
        names = self.unique_columns
        self._convert = [(names[i], i, self.converters[i]) for i in self.convert if not _native(self.fields[i])]

    def __iter__(self):
        # psycopg2 already holds every row client-side: take them in one fetchall, not a fetchone each
        if not self.populated:
            collecting = gc.isenabled()
            gc.disable()  # building many rows makes no cycles: a collection would only rescan them
            try:
                rows = self.cursor.fetchall()
                if rows and not self.initialized:
                    self.initialize()
                    self.initialized = True
                self.row_cache.extend(map(self.process_row, rows))
            finally:
                if collecting:
                    gc.enable()
            self.count = len(self.row_cache)
            self.populated = True
            self.cursor.close()
        return iter(self.row_cache)

    def process_row(self, row):
        data = dict(zip(self.unique_columns, row))
        for name, index, convert in self._convert:
            data[name] = convert(row[index])
        instance = object.__new__(self.constructor)
        instance.__data__ = data
        instance._dirty = set()
        instance.__rel__ = {}
        return instance


class FastSelect(QuietGet, peewee.ModelSelect):
    def __aiter__(self):
        # `async for row in query` on the database of connect_async(): peewee's streaming iterate()
        database = self._database
        if not hasattr(database, "iterate"):
            raise TypeError("`async for` over a query needs `await powernode.connect_async()`; "
                            "use `for` with connect()")
        return database.iterate(self).__aiter__()

    def _get_model_cursor_wrapper(self, cursor):
        plain = (len(self._from_list) == 1 and not self._joins
                 and all(isinstance(node, peewee.Field) and node.model is self.model for node in self._returning))
        if plain:
            return _InstanceWrapper(cursor, self.model, self._returning, self.model)
        return super()._get_model_cursor_wrapper(cursor)
