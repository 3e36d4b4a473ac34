"""The platform's associations, declared on the model that declares them, in its declaration order.

    # associations, in the platform's declaration order
    users = HasMany("User", foreign_key="account_id", dependent="destroy")
    ai_messages = HasMany("Ai::Message", through="ai_conversations", source="messages")
    devops_resource_quota = HasOne("Devops::ResourceQuota", foreign_key="account_id", dependent="destroy")

A plain `belongs_to` is the `Reference` of its key column (named after it by `model_class`); the
rest become declarations from `powernode.behaviour.associations`. One the tables cannot carry (a
class the platform does not define, a key column the table lacks, a :through whose steps are not
navigable) is a comment line saying why, so the list still reads as the platform's. The same
decisions, with their counts, are in docs/associations.md.
"""
from tools.inflect import demodulize, singularize, underscore

from ..source import literal

RUNTIME = "powernode.behaviour.associations"


def contribute(parts, writer):
    plan = Plan.of(writer)
    lines = []
    for association in writer.catalog.associations(writer.t["model"]):
        line = plan.line(writer.t["model"], association)
        if line is None:
            continue
        if not line.startswith("#") and not parts.claim(association["name"]):
            raise SystemExit(f"generate: {writer.t['model']}.{association['name']} is taken by a column or attribute")
        lines.append(line)
        if line.startswith("#"):
            continue
        parts.imports.add(RUNTIME, line.split(" = ", 1)[1].split("(", 1)[0])
    if lines:
        parts.body += ["    # associations, in the platform's declaration order"] + [f"    {line}" for line in lines]


class Plan:
    """What each platform association becomes, for every generated model (built once per run)."""

    _cache = {}

    @classmethod
    def of(cls, writer):
        key = id(writer.catalog)
        if key not in cls._cache:
            cls._cache.clear()
            cls._cache[key] = cls(writer.catalog, writer.writers)
        return cls._cache[key]

    def __init__(self, catalog, writers_by_table):
        self.catalog = catalog
        # a name made here for an extension's table is no class the platform's associations can name
        self.writers = {w.t["model"]: w for w in writers_by_table.values() if not w.t.get("derived_model")}
        self._navigable = {}

    # -- what one association becomes ---------------------------------------------
    def line(self, model, a):
        """A declaration line, a `# not navigable` comment, or None (a belongs_to that is a column)."""
        writer = self.writers[model]
        if a["macro"] == "belongs_to":
            if a.get("polymorphic"):
                return self._polymorphic(writer, a)
            if a["resolved_foreign_key"] in writer.references:
                return None  # the Reference column is this belongs_to
            return self._belongs_to(writer, a)
        if a["macro"] == "has_and_belongs_to_many":
            return self._habtm(writer, a)
        if a.get("through"):
            return self._through(writer, a)
        return self._has(writer, a)

    def _belongs_to(self, writer, a):
        target, key = a["resolved_class"], a["resolved_foreign_key"]
        missing = self._missing_class(target) or self._missing_column(writer.t, key)
        primary_key = _symbol(a.get("primary_key")) or "id"
        if not missing and primary_key not in _columns(self.writers[target].t):
            missing = f"{target} has no column {primary_key}"
        if missing:
            return _comment(a, missing)
        options = [literal(target), f"foreign_key={literal(key)}"]
        if primary_key != "id":
            options.append(f"primary_key={literal(primary_key)}")
        return f"{a['name']} = BelongsTo({', '.join(options)})"

    def _polymorphic(self, writer, a):
        key, kind = a["resolved_foreign_key"], a["name"] + "_type"
        missing = self._missing_column(writer.t, key) or self._missing_column(writer.t, kind)
        if missing:
            return _comment(a, missing)
        return (f"{a['name']} = BelongsTo(polymorphic=True, foreign_key={literal(key)}, "
                f"foreign_type={literal(kind)})")

    def _has(self, writer, a):
        target, key = a["resolved_class"], a.get("resolved_foreign_key")
        options = [literal(target)]
        table = None
        if target not in self.writers:
            behaviour = self.catalog.behaviour(target)
            table = behaviour.get("table") if behaviour.get("table_exists") else None
            if table not in self.catalog.platform_tables:
                return _comment(a, f"the platform defines no class {target}" if not behaviour
                                else f"{target} has no table")
            options.append(f"table={literal(table)}")
            columns = _columns(self.catalog.platform_tables[table])
        else:
            columns = _columns(self.writers[target].t)
            reference = self.writers[target].references.get(key)
            if reference and reference["target"] != writer.t["model"]:
                return _comment(a, f"{key} is a foreign key to {reference['target']}, not to {writer.t['model']}")
        if a.get("as"):
            options.append(f"as_={literal(a['as'])}")
        needed = [key] + ([a["as"] + "_type"] if a.get("as") else [])
        absent = [column for column in needed if column not in columns]
        if absent:
            return _comment(a, f"{target}'s table has no column {absent[0]}")
        options.append(f"foreign_key={literal(key)}")
        primary_key = _symbol(a.get("primary_key"))
        if primary_key and primary_key != "id":
            options.append(f"primary_key={literal(primary_key)}")
        if a.get("dependent"):
            options.append(f"dependent={literal(a['dependent']['symbol'])}")
        note = ""
        if a.get("scope"):
            options.append("platform_scope=True")
            note = "  # unfiltered: the platform's scope block is not in the catalog"
        kind = "HasOne" if a["macro"] == "has_one" else "HasMany"
        return f"{a['name']} = {kind}({', '.join(options)}){note}"

    def _through(self, writer, a):
        model = writer.t["model"]
        middle = self.navigable(model).get(a["through"])
        if middle is None:
            return _comment(a, f"its :through association {a['through']} is not navigable")
        names = [a["source"]] if a.get("source") else [singularize(a["name"]), a["name"]]
        source = next((name for name in names if name in self.navigable(middle)), None)
        if source is None:
            return _comment(a, f"{middle} has no navigable {' or '.join(names)}")
        kind = "HasOne" if a["macro"] == "has_one" else "HasMany"
        return (f"{a['name']} = {kind}({literal(a['resolved_class'])}, through={literal(a['through'])}, "
                f"source={literal(source)})")

    def _habtm(self, writer, a):
        target, join = a["resolved_class"], a["join_table"]
        missing = self._missing_class(target)
        if missing:
            return _comment(a, missing)
        far_key = underscore(demodulize(target)) + "_id"
        table = self.catalog.platform_tables.get(join)
        absent = [c for c in (a["resolved_foreign_key"], far_key) if table is None or c not in _columns(table)]
        if absent:
            return _comment(a, f"the join table {join} has no column {absent[0]}")
        return (f"{a['name']} = HasAndBelongsToMany({literal(target)}, join_table={literal(join)}, "
                f"foreign_key={literal(a['resolved_foreign_key'])}, association_foreign_key={literal(far_key)})")

    # -- which names navigate, per model (for :through chains) -------------------
    def navigable(self, model):
        """name -> target Rails name, for every association `model` can navigate (References included)."""
        if model in self._navigable:
            return self._navigable[model]
        writer = self.writers.get(model)
        self._navigable[model] = found = {}  # an unfinished entry ends a cycle of throughs
        if writer is None:
            return found
        names = writer.attribute_names()
        for column, info in writer.references.items():
            found[names[column]] = info["target"]
        declared = [a for a in self.catalog.associations(model) if not a.get("polymorphic") and a["name"] not in found]
        for a in [a for a in declared if not a.get("through")] + [a for a in declared if a.get("through")]:
            line = self.line(model, a)
            if line is not None and not line.startswith("#") and "table=" not in line:
                found[a["name"]] = a["resolved_class"]
        return found

    def _missing_class(self, name):
        if name in self.writers:
            return None
        if self.catalog.behaviour(name):
            return f"{name} has no table"
        return f"the platform defines no class {name}"

    @staticmethod
    def _missing_column(table, column):
        return None if column in _columns(table) else f"the table has no column {column}"


def _columns(table):
    return {c["name"] for c in table["columns"]}


def _symbol(value):
    return value["symbol"] if isinstance(value, dict) else value


def _comment(a, why):
    """`# not navigable: has_many :name, through: :x (Target, dependent: :destroy): why`."""
    through = f", through: :{a['through']}" if a.get("through") else ""
    dependent = f", dependent: :{a['dependent']['symbol']}" if a.get("dependent") else ""
    target = a.get("resolved_class") or "polymorphic"
    return f"# not navigable: {a['macro']} :{a['name']}{through} ({target}{dependent}): {why}"
