"""`Through` for each has_many :through whose join model is one of this model's back-references."""
from tools.inflect import singularize


def contribute(parts, writer):
    incoming = {writer.backrefs[key]: key for key in writer.incoming()}
    for association in writer.t.get("associations", []):
        through = association.get("through")
        name = association["name"]
        if not through or through not in incoming or name in parts.attributes.values():
            continue
        join = writer.writers[incoming[through][0]]
        far = association.get("source") or singularize(name)
        if far in join.attribute_names().values() and far + "_id" in join.references and parts.claim(name):
            parts.imports.add("powernode.model", "Through")
            parts.body.append(f'    {name} = Through("{through}", "{far}")')
