"""The base model: UUIDv7 key, Rails timestamps, declared indexes and checks, soft delete.

A model declares its table in `Meta`:

    class User(PowernodeModel):
        account = Reference("Account", column_name="account_id")
        email = StringField()
        class Meta:
            table_name = "users"
            rails_name = "User"
            indexes = [Index("index_users_on_email", ["email"], unique=True)]
            checks = [Check("valid_user_status", "status::text = ANY (...)")]
"""
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Union

import peewee

from .async_api import AsyncMethods, bridged
from .behaviour.declaration import ModelBehaviour
from .behaviour.dependents import destroy_rows
from .behaviour.scopes import named_scope
from .errors import ValidationError
from .fast_rows import FastSelect
from .fields import PrimaryKeyField, VectorField, check_dimensions, utcnow
from .lookups import by_key, is_key_lookup
from .references import Reference
from .replicas import read_routed
from .tenancy import TENANT_COLUMN, current_tenant

__all__ = ["PowernodeModel", "Discardable", "VectorSearch", "Index", "Check"]


@dataclass(frozen=True)
class Index:
    """An index as the platform declares it: columns (or one SQL expression), and options."""
    name: str
    columns: Union[Sequence[str], str]
    unique: bool = False
    where: Optional[str] = None
    using: Optional[str] = None
    opclass: Optional[str] = None
    order: Optional[dict] = None

    @property
    def expression(self) -> bool:
        return isinstance(self.columns, str)

    def model_index(self, model):
        """This index as peewee's `ModelIndex`, which renders the CREATE INDEX."""
        if self.expression:
            parts = [peewee.SQL(self.columns)]
        else:
            parts = [peewee.SQL(self._column_sql(column)) for column in self.columns]
        return peewee.ModelIndex(
            model, parts, unique=self.unique, safe=False, name=self.name,
            using=self.using, where=peewee.SQL(self.where) if self.where else None)

    def _column_sql(self, column):
        sql = f'"{column}"'
        if self.opclass:
            sql += f" {self.opclass}"
        direction = (self.order or {}).get(column)
        if direction:
            sql += f" {direction.upper()}"
        return sql


@dataclass(frozen=True)
class Check:
    """A named CHECK constraint; `expression` as PostgreSQL prints it."""
    name: str
    expression: str

    def constraint(self):
        return peewee.SQL(f'CONSTRAINT "{self.name}" CHECK ({self.expression})')

    def allowed_values(self):
        """(column, [values]) for an enum check such as `status::text = ANY (ARRAY['a', 'b'])`, else None."""
        match = _ENUM_CHECK.match(self.expression)
        if match is None:
            return None
        return match.group(1), re.findall(r"'([^']*)'", self.expression)


_ENUM_CHECK = re.compile(r"^\(?\(?(\w+)\)?::text = ANY \(")


class PowernodeMetadata(peewee.Metadata):
    """peewee's model metadata, leaving a `Reference` out of the join bookkeeping until its target is known."""

    def add_ref(self, field):
        if isinstance(field, Reference) and not field.is_resolved:
            return  # Reference.resolve() adds it
        super().add_ref(field)

    def remove_ref(self, field):
        if field in self.refs:
            super().remove_ref(field)


class _PowernodeModelBase(peewee.ModelBase):
    """Turns `Meta.indexes`/`Meta.checks` declarations into peewee's, after peewee builds the class."""

    def __new__(mcs, name, bases, attrs, **kwargs):
        meta = attrs.get("Meta")
        specs = list(getattr(meta, "indexes", ()) or ())
        checks = list(getattr(meta, "checks", ()) or ())
        if meta is not None:
            # peewee would read Index specs as (columns, unique) tuples: hand it none.
            meta.indexes = ()
        cls = super().__new__(mcs, name, bases, attrs, **kwargs)
        if "__repr__" not in attrs:  # peewee gives every model class its own; keep ours
            cls.__repr__ = _model_repr
        for field in cls._meta.sorted_fields:
            if isinstance(field, Reference) and field.index_option:
                specs.append(_reference_index(cls, field))
        cls._meta.index_specs = tuple(specs)
        cls._meta.check_specs = tuple(checks)
        cls._meta.indexes = [spec.model_index(cls) for spec in specs]
        cls._meta.constraints = [check.constraint() for check in checks]
        inherited = next((b._meta.behaviour for b in bases if hasattr(getattr(b, "_meta", None), "behaviour")), None)
        cls._meta.behaviour = ModelBehaviour.of(cls, attrs.get("Behaviour"), inherited)
        return cls


def _scoped(model, query):
    """Inside `tenant()`, a query on an account-scoped model sees that account's rows only."""
    account = current_tenant()
    field = model._meta.columns.get(TENANT_COLUMN)
    if account is None or field is None:
        return query
    return query.where(field == account)


def _by_key(model, value):
    account = current_tenant()
    field = model._meta.columns.get(TENANT_COLUMN)
    if field is None:
        account = None
    return by_key(model, value, field, account)


def _model_repr(self):
    return f"<{self._meta.rails_name or type(self).__name__} {self.__data__.get('id')}>"


def _reference_index(model, field):
    name = field.index_option
    if name is True:
        name = f"index_{model._meta.table_name}_on_{field.column_name}"
    return Index(name, [field.column_name], unique=field.unique_index)


class PowernodeModel(AsyncMethods, peewee.Model, metaclass=_PowernodeModelBase):
    """Base of every Powernode model. `Meta.rails_name` is its name in `powernode.models`.

    `Meta.platform_table = False` marks a table the platform's database does not have
    (one designed here for a name in the platform's seed document). A nested
    `Behaviour` class declares what the platform's model does beyond its columns
    (powernode/behaviour/declaration.py).
    """

    id = PrimaryKeyField()
    _new_record = False  # rows built from query results skip __init__: they are stored ones

    def __init__(self, *args, **kwargs):
        self._new_record = not kwargs.get("__no_default__")
        if not self._new_record:
            super().__init__(*args, **kwargs)
            return
        # as Active Record builds a record: column and `attribute` defaults, then the caller's values
        super().__init__(*args)
        self._meta.behaviour.run("after_initialize", self, "initialize")
        for name, value in kwargs.items():
            setattr(self, name, value)

    @property
    def is_new_record(self) -> bool:
        """True until the row is inserted (Rails' `new_record?`)."""
        return self._new_record

    class Meta:
        legacy_table_names = False
        model_metadata_class = PowernodeMetadata

    @classmethod
    def select(cls, *fields):
        """peewee's select (instances built on the fast path), scoped to the account inside `tenant()`."""
        query = FastSelect(cls, fields or cls._meta.sorted_fields, is_default=not fields)
        return _scoped(cls, query)

    @classmethod
    def get(cls, *query, **filters):
        """peewee's get; by primary key (`get(Model.id == pk)`, a belongs_to read) without rebuilding its SQL."""
        if is_key_lookup(cls, query, filters):
            found = _by_key(cls, query[0].rhs)
            if found is not None:
                return found
        return super().get(*query, **filters)

    @classmethod
    def get_by_id(cls, pk):
        found = _by_key(cls, pk)
        return super().get_by_id(pk) if found is None else found

    @classmethod
    def delete(cls):
        return _scoped(cls, super().delete())

    @classmethod
    def scope(cls, name, query=None):
        """The platform's scope `name` (its Rails name, even where the attribute has `_scope` appended)."""
        return named_scope(cls, name, query)

    def validate(self, context=None):
        """The platform's validations: attribute -> messages, {} when valid.

        context: "create" for a new row and "update" for a stored one unless given;
        runs the `before_validation` hooks first, as Rails' `valid?` does.
        """
        context = context or ("create" if self._new_record else "update")
        behaviour = self._meta.behaviour
        behaviour.run("before_validation", self, context)
        return behaviour.errors(self, context)

    def save(self, force_insert=False, only=None, validate=True):
        """Validate, then INSERT a new row or UPDATE a stored one, in Active Record's order.

        validate=False skips the validation step (and its hooks), as the platform's
        `save(validate: false)` does. Raises `ValidationError` before anything is written
        (validators that ask the database read in the same transaction).
        """
        creating = force_insert or self._new_record
        context = "create" if creating else "update"
        behaviour = self._meta.behaviour
        with self._meta.database.atomic():  # uniqueness is read in the transaction that writes
            if validate:
                errors = self.validate(context)
                if errors:
                    raise ValidationError(self, errors)
            behaviour.run("before_save", self, context)
            behaviour.run("before_create" if creating else "before_update", self, context)
            fields = self._meta.fields
            now = utcnow()
            if "created_at" in fields and self.created_at is None:
                self.created_at = now
            if "updated_at" in fields:
                self.updated_at = now
            rows = super().save(force_insert=creating, only=only)
            self._new_record = False
            behaviour.run("after_save", self, context)
        return rows

    def destroy(self):
        """Delete this row as the platform's `destroy` does, in one transaction; returns 1 (0 if it was gone).

        Its associations' `dependent:` options first, in declaration order, set-based
        (powernode/behaviour/dependents.py); a `restrict_with_error` that finds rows raises
        `ValidationError` and changes nothing. `delete_instance()` keeps peewee's meaning:
        one DELETE, the database's ON DELETE only.
        """
        return destroy_rows(type(self), records=[self])

    @classmethod
    def destroy_all(cls, query=None):
        """`destroy()` every row of `query` (default: every row; the tenant boundary applies), set-based.

        One transaction for all of them: a refusal rolls every row back (the platform's
        `destroy_all` destroys row by row and skips the ones that refuse).
        """
        return destroy_rows(cls, query=cls.select() if query is None else query)

    @classmethod
    def update(cls, __data=None, **update):
        """Peewee's bulk UPDATE, touching `updated_at` unless the caller sets it."""
        if "updated_at" in cls._meta.fields:
            data = dict(__data or {}, **update)
            names = {key if isinstance(key, str) else key.name for key in data}
            if "updated_at" not in names:
                data["updated_at"] = utcnow()
            return _scoped(cls, super().update(data))
        return _scoped(cls, super().update(__data, **update))


class Discardable:
    """Soft delete, as the Discard gem does it, for models with `discarded_at`."""

    @property
    def is_discarded(self) -> bool:
        return self.discarded_at is not None

    def discard(self) -> bool:
        """Mark discarded (once); True when it changed anything."""
        if self.is_discarded:
            return False
        self.discarded_at = utcnow()
        self.save()
        return True

    def undiscard(self) -> bool:
        if not self.is_discarded:
            return False
        self.discarded_at = None
        self.save()
        return True

    @classmethod
    def kept(cls):
        return cls.select().where(cls.discarded_at.is_null())

    @classmethod
    def discarded(cls):
        return cls.select().where(cls.discarded_at.is_null(False))



EF_SEARCH_MAX = 1000  # pgvector refuses a larger hnsw.ef_search; iterative scans still find k beyond it


class VectorSearch:
    """Nearest-neighbour search for models with a pgvector column, served by its HNSW index."""

    @classmethod
    def nearest(cls, vector, k=10, field=None, ef_search=None):
        """The `k` rows closest to `vector` by cosine distance, nearest first, each with `.distance`.

        ef_search: how many candidates the HNSW index keeps while searching (pgvector's
        `hnsw.ef_search`, set for this query's transaction, at most 1000); the default, 40 per
        result wanted, reached recall@10 above 0.95 on random 1536-d vectors (benchmarks/run.py).
        """
        if field is None:
            field = next(f for f in cls._meta.sorted_fields if isinstance(f, VectorField))
        check_dimensions(field, vector)
        distance = field.cosine_distance(vector)
        query = NearestSelect(cls, [*cls._meta.sorted_fields, distance.alias("distance")])
        query.ef_search = min(EF_SEARCH_MAX, ef_search or max(40, 40 * k))
        return _scoped(cls, query).order_by(distance).limit(k)

    @classmethod
    async def anearest(cls, vector, k=10, field=None, ef_search=None):
        """`nearest()` from asyncio: the list of rows, nearest first, each with `.distance`."""
        query = cls.nearest(vector, k=k, field=field, ef_search=ef_search)
        return await bridged(cls, list, query)


class NearestSelect(FastSelect):
    """A select that tunes pgvector's HNSW search for itself, in its own transaction."""

    ef_search = 40

    def _execute(self, database):
        # with read replicas, a standby may run the whole search, tuning transaction included
        return read_routed(database, self, self._search)

    def _search(self, database):
        with database.atomic():
            database.execute_sql("SELECT set_config('hnsw.ef_search', %s, true)", (str(self.ef_search),))
            if _pgvector_version(database) >= (0, 8):
                # a filtered search (one tenant's rows) keeps scanning until it has k of them
                database.execute_sql("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)")
            return super()._execute(database)


def _pgvector_version(database):
    version = getattr(database, "_pgvector_version", None)
    if version is None:
        row = database.execute_sql("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
        version = tuple(int(part) for part in row[0].split(".")[:2]) if row else (0, 0)
        database._pgvector_version = version
    return version

