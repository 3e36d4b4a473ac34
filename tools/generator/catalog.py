"""The generator's input: the platform's schema, its model behaviour and the seed document's names.

`Catalog` indexes the tables the ways the generator looks them up; `behaviour(model)`
is the platform model's entry in `reference/powernode-behaviour.json` (or an empty one
for a table designed here).
"""
import json
from pathlib import Path

from tools.catalog.namespaces import MODULE_PREFIXES
from tools.inflect import camelize, singularize

ROOT = Path(__file__).resolve().parent.parent.parent
REFERENCE = ROOT / "reference"
SCHEMA = REFERENCE / "powernode-schema.json"
BEHAVIOUR = REFERENCE / "powernode-behaviour.json"
SEED_MODELS = REFERENCE / "seed-models.json"
SEED_NAMES = ROOT / "tools" / "catalog" / "seed_names.json"


class Catalog:
    """The tables to generate (the platform's core and extension tables, and the designed ones), indexed."""

    def __init__(self, schema_path=SCHEMA, behaviour_path=BEHAVIOUR):
        reference = json.loads(Path(schema_path).read_text())
        self.version = reference["schema_version"]
        tables = [t if t["model"] else dict(t, model=extension_model_name(t["table"]), derived_model=True)
                  for t in reference["tables"]]
        seed = json.loads(SEED_NAMES.read_text())
        tables += [dict(t, designed=True) for t in seed["tables"]]
        self.aliases = seed["aliases"]
        self.tables = sorted(tables, key=lambda t: t["table"])
        self.platform_tables = {t["table"]: t for t in reference["tables"]}  # extension tables too
        self.by_table = {t["table"]: t for t in self.tables}
        self.by_model = {t["model"]: t for t in self.tables}
        behaviour = json.loads(Path(behaviour_path).read_text()) if behaviour_path else {"models": {}}
        self._behaviour = behaviour["models"]
        self.areas = _areas(json.loads(SEED_MODELS.read_text()))

    def model_exists(self, name):
        return name in self.by_model

    def behaviour(self, model):
        """The platform model's behaviour entry; {} for a designed table or one the catalog lacks."""
        return self._behaviour.get(model, {})

    def associations(self, model):
        """The platform model's associations, in its declaration order ([] for a table designed here)."""
        return sorted(self.behaviour(model).get("associations") or [], key=lambda a: a["declared_index"])

    def platform_belongs_to(self, model):
        """key column -> name of the platform's (non-polymorphic) belongs_to on it."""
        return {a["resolved_foreign_key"]: a["name"] for a in self.associations(model)
                if a["macro"] == "belongs_to" and not a.get("polymorphic")}

    def platform_names(self, model):
        """The names of the platform's associations on `model` other than its plain belongs_to."""
        return {a["name"] for a in self.associations(model)
                if a["macro"] != "belongs_to" or a.get("polymorphic")}

    def association_class(self, owner_model, association, singular):
        """The Rails class an association names, resolved as Rails does from the owner's module."""
        if association.get("class_name"):
            return association["class_name"].lstrip(":")
        base = camelize(singularize(association["name"]) if singular else association["name"])
        parts = owner_model.split("::")[:-1]
        while parts:
            candidate = "::".join(parts + [base])
            if self.model_exists(candidate):
                return candidate
            parts.pop()
        return base


def extension_model_name(table):
    """A Rails name for a table the platform's export names no model for (its optional extensions')."""
    for prefix, module in sorted(MODULE_PREFIXES.items(), key=lambda item: -len(item[0])):
        if table.startswith(prefix):
            return f"{module}::{camelize(singularize(table[len(prefix):]))}"
    return camelize(singularize(table))


def _areas(seed_models):
    """namespace -> [(area, [Rails names])] as the seed document groups them, for namespaces with several."""
    areas = {}
    for namespace, info in seed_models["namespaces"].items():
        groups = [(area, [entry["model"] for entry in entries]) for area, entries in info["areas"].items()]
        if len(groups) > 1:
            areas[namespace] = groups
    return areas
