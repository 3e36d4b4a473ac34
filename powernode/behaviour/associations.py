"""The platform's associations by their Rails names: has_many, has_one, :through, belongs_to, habtm.

    class Account(PowernodeModel):
        users = HasMany("User", foreign_key="account_id", dependent="destroy")
        ai_messages = HasMany("Ai::Message", through="ai_conversations", source="messages")

    class FileManagement::Object(PowernodeModel):
        attachable = BelongsTo(polymorphic=True, foreign_key="attachable_id", foreign_type="attachable_type")

    acme.users                                  # a query of User rows: add .where(), read inside tenant()
    acme.users.where(User.status == "active")
    agent.trust_score                           # has_one: the row, or None
    file.attachable                             # the row its stored Rails class name and id point at

A declaration names its target by Rails name; the model is looked up through the registry when
first used, so namespaces never import each other and load order does not matter. Reading an
association whose target's namespace this connection did not select, or that names a class no
installed namespace defines, raises one line saying so. Every read runs a query; nothing is
cached on the instance.

A `Reference` column is the belongs_to of its key (`user.account`); `association_named()` gives
either kind by name. What `dependent:` does when a row is destroyed is in `dependents.py`.
"""
import peewee

from ..errors import ConfigurationError, DeclarationError
from ..references import Reference, check_target_name

__all__ = ["Association", "HasMany", "HasOne", "BelongsTo", "HasAndBelongsToMany", "AnyOf",
           "association_named", "declared_associations", "DEPENDENT_OPTIONS"]

DEPENDENT_OPTIONS = ("destroy", "delete_all", "nullify", "restrict_with_error")


class AnyOf(peewee.SQL):
    """`= ANY(%s::uuid[])`: a list of ids as one parameter, however long the list."""

    def __init__(self, ids, field):
        super().__init__("ANY(%s::uuid[])", [[field.db_value(value) for value in ids]])


def matching(column, values):
    """`column` equal to one value, or in a list of ids (`AnyOf`), or in a subquery."""
    if isinstance(values, AnyOf):
        return peewee.Expression(column, peewee.OP.EQ, values)
    if isinstance(values, peewee.Node):
        return column.in_(values)
    if isinstance(values, (list, tuple, set, frozenset)):
        return column.in_(list(values))
    return column == values


class Association:
    """One association a model declares: a descriptor named after the platform's association.

    Subclasses say how target rows are found for a set of owner key values (`condition`), which
    owner column holds those values (`owner_key`), and what reading the attribute returns.
    """

    macro = ""
    collection = True
    derived = False  # True for a back-reference the platform does not declare (`Reference(backref=)`)

    def __init__(self, target=None, *, dependent=None, table=None, platform_scope=False):
        if target is not None:
            check_target_name(target)
        if dependent is not None and dependent not in DEPENDENT_OPTIONS:
            raise DeclarationError(f"dependent must be one of {', '.join(DEPENDENT_OPTIONS)}, not {dependent!r}")
        self.target = target
        self.dependent = dependent
        self.table = table                    # the platform's table, where this package has no model for it
        self.platform_scope = platform_scope  # the platform narrows it with a block the catalog cannot show
        self.model = None
        self.name = None
        self._target_model = None

    def __set_name__(self, owner, name):
        self.model, self.name = owner, name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return self.read(instance)

    def __set__(self, instance, value):
        raise AttributeError(f"{self.label} is read-only: set the key on the row that holds it")

    def __repr__(self):
        return f"<{type(self).__name__} {self.label} -> {self.target}>"

    @property
    def label(self):
        return f"{getattr(self.model, '__name__', '?')}.{self.name}"

    # -- the target model, looked up on first use ---------------------------------
    @property
    def target_model(self):
        """The target's model class (unbound if its namespace is not selected)."""
        if self._target_model is None:
            if self.table is not None:
                raise ConfigurationError(
                    f"{self.label} reads {self.target} (table {self.table}), which this package has no model for; "
                    "query that table directly")
            model = _registry().get(self.target)
            if model is None:
                raise DeclarationError(f"{self.label} names {self.target}, which no installed namespace defines")
            self._target_model = model
        return self._target_model

    def bound_target(self):
        """The target model, refusing in one line when this connection did not select its namespace."""
        model = self.target_model
        if model._meta.database is None or model._meta.database is not self.model._meta.database:
            namespace = getattr(model._meta, "namespace", "?")
            raise ConfigurationError(
                f"{self.label} reads {self.target}, whose namespace ({namespace}) this connection did not select: "
                "add it to connect(namespaces=...)")
        return model

    # -- what subclasses define -------------------------------------------------
    @property
    def owner_key(self) -> str:
        """The owner's column whose values select the target rows."""
        raise NotImplementedError

    def condition(self, values):
        """A condition on the target's rows for owner key `values` (a value, `AnyOf` ids, or a subquery)."""
        raise NotImplementedError

    def read(self, instance):
        raise NotImplementedError

    # -- shared helpers ---------------------------------------------------------
    def owner_value(self, instance):
        return instance.__data__.get(self.model._meta.columns[self.owner_key].name)

    def query(self, instance):
        """The target rows of one owner, as a query (the tenant boundary applies)."""
        target = self.bound_target()
        return target.select().where(self.condition(self.owner_value(instance)))


def column(model, name):
    """`model`'s field for column `name`, or a one-line error naming both."""
    field = model._meta.columns.get(name)
    if field is None:
        raise DeclarationError(f"{model._meta.rails_name or model.__name__} has no column {name!r}")
    return field


class HasMany(Association):
    """`has_many`: the target rows whose `foreign_key` holds this row's `primary_key` (a query).

    as_: the polymorphic side (`as: :attachable`): also `<as_>_type` = this model's Rails name.
    through/source: `has_many :through`: the rows `source` reaches from the rows `through` reaches
    (`source` defaults to this name, singular or plural; generated declarations always give it).
    platform_scope=True: the platform narrows the association with a block the behaviour catalog
    cannot show; here it reads every row by the key (and `dependent:` acts on all of them).
    """

    macro = "has_many"

    def __init__(self, target, *, foreign_key=None, primary_key="id", as_=None, foreign_type=None,
                 through=None, source=None, dependent=None, table=None, platform_scope=False):
        super().__init__(target, dependent=dependent, table=table, platform_scope=platform_scope)
        if through is None and foreign_key is None and as_ is None:
            raise DeclarationError(f"{type(self).__name__}({target!r}) needs foreign_key= (or as_=, or through=)")
        self.foreign_key = foreign_key or (f"{as_}_id" if as_ else None)
        self.primary_key = primary_key
        self.as_ = as_
        self.foreign_type = foreign_type or (f"{as_}_type" if as_ else None)
        self.through = through
        self.source = source

    @classmethod
    def of_reference(cls, field, name):
        """The back-reference a `Reference(..., backref=name)` puts on its target: this class too."""
        association = cls(field.model._meta.rails_name or None, foreign_key=field.column_name)
        association._target_model = field.model
        association.model, association.name = field.rel_model, name
        association.derived = True
        return association

    @property
    def owner_key(self):
        return self.through_association().owner_key if self.through else self.primary_key

    def condition(self, values):
        if self.through:
            return self._through_condition(values)
        target = self.target_model
        found = matching(column(target, self.foreign_key), values)
        if self.as_:
            found &= column(target, self.foreign_type) == self.model._meta.rails_name
        return found

    def read(self, instance):
        return self.query(instance)

    # -- :through ---------------------------------------------------------------
    def through_association(self):
        return association_named(self.model, self.through, for_=self)

    def source_association(self):
        """On the through model: `source`, else the singular or plural of this name (as Rails looks it up)."""
        middle = self.through_association().target_model
        names = [self.source] if self.source else [self.name.removesuffix("s"), self.name]
        for name in names:
            found = association_named(middle, name, for_=self, required=False)
            if found is not None:
                return found
        raise DeclarationError(f"{self.label}: {middle.__name__} has no association {' or '.join(names)}")

    def _through_condition(self, values):
        through, source = self.through_association(), self.source_association()
        middle = through.target_model
        middle_rows = peewee.ModelSelect(middle, [column(middle, source.owner_key)]).where(through.condition(values))
        return source.condition(middle_rows)


class HasOne(HasMany):
    """`has_one`: the one target row (or None); with `through=`, the row reached through another."""

    macro = "has_one"
    collection = False

    def read(self, instance):
        if self.owner_value(instance) is None:
            return None
        return self.query(instance).get_or_none()


class BelongsTo(Association):
    """`belongs_to` where a `Reference` column cannot stand for it.

    primary_key: the target's column the key holds, when it is not `id`
    (`belongs_to :source_node, primary_key: :node_id`).
    polymorphic=True: the target's Rails class name is stored in `foreign_type`
    (`record.attachable` looks that name up in the registry); assigning a row sets both columns.
    """

    macro = "belongs_to"
    collection = False

    def __init__(self, target=None, *, foreign_key, primary_key="id", polymorphic=False, foreign_type=None):
        if polymorphic == (target is not None):
            raise DeclarationError("BelongsTo takes a target, or polymorphic=True and no target")
        super().__init__(target)
        self.foreign_key, self.primary_key = foreign_key, primary_key
        self.polymorphic = polymorphic
        self.foreign_type = foreign_type or (foreign_key[:-3] + "_type" if polymorphic else None)

    @property
    def owner_key(self):
        return self.foreign_key

    def condition(self, values):
        if self.polymorphic:
            raise DeclarationError(f"{self.label} is polymorphic: it names a different model per row, "
                                   "so it cannot be the middle of a :through")
        return matching(column(self.target_model, self.primary_key), values)

    def read(self, instance):
        value = self.owner_value(instance)
        if value is None:
            return None
        if not self.polymorphic:
            return self.bound_target().select().where(self.condition(value)).get_or_none()
        type_name = instance.__data__.get(column(self.model, self.foreign_type).name)
        if type_name is None:
            return None
        target = self._stored_class(type_name)
        return target.select().where(target._meta.primary_key == value).get_or_none()

    def _stored_class(self, type_name):
        registry = _registry()
        target = registry.get(registry.namespaces.canonical(type_name))
        if target is None:
            raise DeclarationError(f"{self.label}: the row names {type_name!r}, which no installed namespace defines")
        if target._meta.database is None or target._meta.database is not self.model._meta.database:
            raise ConfigurationError(
                f"{self.label}: the row names {type_name}, whose namespace ({target._meta.namespace}) this "
                "connection did not select: add it to connect(namespaces=...)")
        return target

    def __set__(self, instance, value):
        if not self.polymorphic:
            return super().__set__(instance, value)
        key = column(self.model, self.foreign_key).name
        kind = column(self.model, self.foreign_type).name
        if value is None:
            setattr(instance, key, None)
            setattr(instance, kind, None)
        elif isinstance(value, peewee.Model) and getattr(value._meta, "rails_name", None):
            setattr(instance, key, value.get_id())
            setattr(instance, kind, value._meta.rails_name)
        else:
            raise AttributeError(f"{self.label} takes a model row or None")


class HasAndBelongsToMany(Association):
    """`has_and_belongs_to_many`: target rows linked through a join table of two keys (a query)."""

    macro = "has_and_belongs_to_many"

    def __init__(self, target, *, join_table, foreign_key, association_foreign_key):
        super().__init__(target)
        self.join_table, self.foreign_key = join_table, foreign_key
        self.association_foreign_key = association_foreign_key
        self.join = peewee.Table(join_table)

    @property
    def owner_key(self):
        return "id"

    def condition(self, values):
        links = self.join.select(peewee.Column(self.join, self.association_foreign_key)).where(
            matching(peewee.Column(self.join, self.foreign_key), values))
        return self.target_model._meta.primary_key.in_(links)

    def read(self, instance):
        database = self.bound_target()._meta.database
        found = database.execute_sql("SELECT to_regclass(%s) IS NOT NULL", (self.join_table,)).fetchone()[0]
        if not found:
            raise ConfigurationError(
                f"{self.label} reads the join table {self.join_table}, which this database does not have "
                "(the platform's database does; see docs/associations.md)")
        return self.query(instance)


class ReferenceBelongsTo(Association):
    """A `Reference` column seen as the belongs_to it stands for (for :through chains)."""

    macro = "belongs_to"
    collection = False

    def __init__(self, field):
        super().__init__(field.target)
        self.field = field
        self.model, self.name = field.model, field.name

    @property
    def target_model(self):
        return self.field.rel_model

    @property
    def owner_key(self):
        return self.field.column_name

    def condition(self, values):
        return matching(self.target_model._meta.primary_key, values)

    def read(self, instance):
        return getattr(instance, self.name)


def _registry():
    """The process-wide model registry (`powernode.registry` sets it on `Reference`: no import cycle)."""
    return Reference.default_resolver


Reference.back_reference = staticmethod(HasMany.of_reference)  # what `Reference(..., backref=)` puts on its target


def association_named(model, name, for_=None, required=True):
    """`model`'s association `name`: a declaration, or a `Reference` column as its belongs_to."""
    found = getattr(model, name, None)
    if isinstance(found, Association):
        return found
    if isinstance(found, Reference):
        return ReferenceBelongsTo(found)
    if not required:
        return None
    where = f"{for_.label}: " if for_ is not None else ""
    raise DeclarationError(f"{where}{model.__name__} has no association {name!r}")


def declared_associations(model):
    """The associations `model`'s class body declares, in declaration order (cached)."""
    cached = model.__dict__.get("_declared_associations")
    if cached is None:
        cached = []
        for klass in reversed(model.__mro__):
            for value in vars(klass).values():
                if isinstance(value, Association) and value.model is klass and not value.derived:
                    cached = [a for a in cached if a.name != value.name] + [value]
        model._declared_associations = cached
    return cached

