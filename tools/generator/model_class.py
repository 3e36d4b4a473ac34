"""One table as a model class: columns, then what the sections add, then `Behaviour` and `Meta`.

`ModelSource` gathers the parts of a class; the behaviour sections (`sections/`)
add field options, class-body declarations and `Behaviour` entries to it before
it is rendered.
"""
import keyword
import textwrap
from dataclasses import dataclass, field
from typing import Dict, List

from .columns import column_source, index_source
from .source import Imports, literal

MODEL = "powernode.model"


def class_name(rails_name):
    """`Ai::Agent` -> `Agent`, `Ai::CodeFactory::RiskContract` -> `CodeFactoryRiskContract`, `User` -> `User`."""
    parts = rails_name.split("::")
    return "".join(parts[1:]) if len(parts) > 1 else parts[0]


@dataclass
class ModelSource:
    """The parts of one generated class, filled by the writer and the behaviour sections."""
    table: dict                       # the schema catalog's table entry
    behaviour: dict                   # the behaviour catalog's model entry ({} if none)
    attributes: Dict[str, str]        # column -> attribute name
    references: Dict[str, dict]       # column -> {"target", "fk", "association"}
    imports: Imports = field(default_factory=Imports)
    field_options: Dict[str, List[str]] = field(default_factory=dict)  # column -> extra field kwargs
    body: List[str] = field(default_factory=list)                      # declarations after the columns
    behaviour_lines: List[str] = field(default_factory=list)           # inside `class Behaviour:`
    taken: set = field(default_factory=set)                            # attribute names in use

    @property
    def model(self):
        return self.table["model"]

    def option(self, column, source):
        self.field_options.setdefault(column, []).append(source)

    def claim(self, name):
        """Reserve an attribute name for a class-body declaration; False if a column or another has it."""
        if name in self.taken or keyword.iskeyword(name):
            return False
        self.taken.add(name)
        return True


class ModelWriter:
    """Renders one table as a model class."""

    def __init__(self, catalog, table, reserved):
        self.catalog = catalog
        self.t = table
        self.reserved = reserved
        self.references = {c["name"]: r for c, r in self._references()}
        self.backrefs = {}  # (table, column) -> backref name, set by the generator once all writers exist
        self.writers = {}   # table -> ModelWriter, likewise

    @property
    def class_name(self):
        return class_name(self.t["model"])

    def _references(self):
        """(column, reference info) for foreign keys and for unenforced `belongs_to` uuid columns."""
        t = self.t
        columns = {c["name"]: c for c in t["columns"]}
        belongs = [a for a in t.get("associations", []) if a["kind"] == "belongs_to" and not a.get("polymorphic")]
        by_column = {}
        for a in belongs:
            by_column.setdefault(a.get("foreign_key") or a["name"] + "_id", a)
        for fk in t["foreign_keys"]:
            target = self.catalog.by_table.get(fk["to_table"])
            if target is None:
                continue  # a foreign key to an extension table: kept as a plain uuid column
            yield columns[fk["column"]], {"target": target["model"], "fk": fk, "association": by_column.get(fk["column"])}
        enforced = {fk["column"] for fk in t["foreign_keys"]}
        for column_name, association in sorted(by_column.items()):
            column = columns.get(column_name)
            if column is None or column_name in enforced or column["sql_type"] != "uuid":
                continue
            target = self.catalog.association_class(t["model"], association, singular=False)
            if self.catalog.model_exists(target):
                yield column, {"target": target, "fk": None, "association": association}

    def attribute_names(self):
        """column -> attribute: the belongs_to name for references, the column name otherwise.

        A reference takes the platform's belongs_to name for its column, else the schema's, else
        the column without `_id`; a name the platform gives another association on the model is
        left to it, and the reference becomes `<column without _id>_record` (Payment.subscription_record).
        """
        plain = {c["name"] for c in self.t["columns"]} - set(self.references)
        platform = self.catalog.platform_belongs_to(self.t["model"])
        others = self.catalog.platform_names(self.t["model"])  # its has_many/has_one/... keep their names
        names = {}
        for column in sorted(self.references):
            association = self.references[column]["association"]
            candidates = [platform[column]] if column in platform else []
            candidates += [association["name"]] if association else []
            candidates += [column[:-3], column[:-3] + "_record"]
            for name in candidates:
                if (name not in plain and name not in names.values() and name not in self.reserved
                        and name not in others):
                    names[column] = name
                    break
            else:
                raise SystemExit(f"generate: no attribute name for {self.t['table']}.{column}")
        for column in plain:
            names[column] = column + "_" if column in self.reserved or keyword.iskeyword(column) else column
        return names

    def source(self):
        """A fresh `ModelSource` for this table, before the sections run."""
        names = self.attribute_names()
        parts = ModelSource(self.t, self.catalog.behaviour(self.t["model"]), names, self.references)
        parts.taken = set(names.values()) | set(self.reserved) | {self.backrefs[key] for key in self.incoming()}
        return parts

    def incoming(self):
        """The (table, column) keys of references that point at this table."""
        return [key for key in self.backrefs
                if self.writers[key[0]].references[key[1]]["target"] == self.t["model"]]

    def render(self, parts):
        t = self.t
        indexes = list(t["indexes"])
        lines = []
        for column in t["columns"]:
            name = column["name"]
            options = parts.field_options.get(name, [])
            if name in self.references:
                text = self.reference_source(column, indexes, parts.imports, options)
            else:
                text = column_source(column, parts.attributes[name], parts.imports, options)
            lines.append(f"    {parts.attributes[name]} = {text}")
        bases = []
        column_names = {c["name"] for c in t["columns"]}
        if "discarded_at" in column_names:
            bases.append("Discardable")
        if any(c["sql_type"].startswith("vector(") for c in t["columns"]):
            bases.append("VectorSearch")
        bases.append("PowernodeModel")
        parts.imports.add(MODEL, *bases)
        if parts.body:
            lines += [""] + parts.body
        if parts.behaviour_lines:
            lines += ["", "    class Behaviour:"] + [f"        {line}" if line else "" for line in parts.behaviour_lines]
        doc = f'    """{t["model"]} (table `{t["table"]}`)."""'
        meta = ["    class Meta:", f'        table_name = "{t["table"]}"', f'        rails_name = "{t["model"]}"']
        if t.get("designed"):
            doc = f'    """{t["model"]} (table `{t["table"]}`): designed here, the platform has no such table.\n\n'
            doc += "\n".join(f"    {line}" for line in textwrap.wrap(t["why"], 100)) + '\n    """'
            meta.append("        platform_table = False")
        if t.get("primary_key") is None:
            meta.append("        primary_key = False  # the platform created this join table with id: false")
            lines.insert(0, "    id = None")
        if indexes:
            parts.imports.add(MODEL, "Index")
            meta.append("        indexes = [")
            meta += [f"            {index_source(index)}," for index in indexes]
            meta.append("        ]")
        if t["checks"]:
            parts.imports.add(MODEL, "Check")
            meta.append("        checks = [")
            meta += [f"            Check({literal(c['name'])}, {literal(c['expression'])})," for c in t["checks"]]
            meta.append("        ]")
        return "\n".join([f"class {self.class_name}({', '.join(bases)}):", doc, "", *lines, "", *meta])

    def reference_source(self, column, indexes, imports, options):
        name = column["name"]
        info = self.references[name]
        imports.add("powernode.references", "Reference")
        kwargs = [f'"{info["target"]}"', f'column_name="{name}"']
        if column["null"]:
            kwargs.append("null=True")
        fk = info["fk"]
        if fk is None:
            kwargs.append("constraint=False")
        else:
            if fk["on_delete"]:
                kwargs.append(f'on_delete="{fk["on_delete"]}"')
            if fk["name"]:
                kwargs.append(f'constraint_name="{fk["name"]}"')
        own = next((i for i in indexes if i["columns"] == [name] and set(i) <= {"columns", "name", "unique"}), None)
        if own is None:
            kwargs.append("index=False")
        else:
            indexes.remove(own)
            if own["name"] != f"index_{self.t['table']}_on_{name}":
                kwargs.append(f'index="{own["name"]}"')
            if own.get("unique"):
                kwargs.append("unique=True")
        backref = self.backrefs.get((self.t["table"], name))
        if backref:
            kwargs.append(f'backref="{backref}"')
        kwargs += options
        if column.get("comment"):
            kwargs.append(f"help_text={literal(column['comment'])}")
        return f"Reference({', '.join(kwargs)})"
