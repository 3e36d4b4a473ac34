"""Where each class goes: one models module per namespace, or a package of area modules for large ones.

Namespaces the seed document divides into areas (`ai`, `devops`, `supply_chain`)
get a `models/` package with one module per area and an `__init__` that imports
every class; the others get one `models.py`. Every module opens with a table of
contents (Rails name -> class).

A table the seed document does not list goes to the area its name says
(`EXTRA_AREAS` in tools/catalog/namespaces.py), else to the area of the nearest
listed table it references (its parent's area), else of the nearest that
references it, else to `other`.
"""
import re
from collections import deque

from tools.catalog.namespaces import EXTRA_AREAS, NAMESPACES

from .source import Imports, literal


def area_module(area):
    """`Trust & Safety` -> `trust_and_safety`."""
    return re.sub(r"[^a-z0-9]+", "_", area.lower().replace("&", "and")).strip("_")


def assign_areas(catalog, namespace, writers):
    """Rails name -> area module name, for a namespace the seed document divides into areas."""
    canonical = {alias["name"]: alias["target"] for alias in catalog.aliases}
    order, area_of = [], {}
    for area, names in catalog.areas[namespace]:
        module = area_module(area)
        order.append(module)
        for name in names:
            area_of.setdefault(canonical.get(name, name), module)
    models = {w.t["model"] for w in writers}
    for area, prefixes in EXTRA_AREAS.get(namespace, {}).items():
        order.append(area_module(area))
        for model in models - set(area_of):
            if model.startswith(tuple(prefixes)):
                area_of[model] = area_module(area)
    parents = {w.t["model"]: sorted({r["target"] for r in w.references.values()} & models) for w in writers}
    children = {model: [] for model in models}
    for child, targets in parents.items():
        for parent in targets:
            children[parent].append(child)
    assigned = {}
    for model in sorted(models):
        assigned[model] = (area_of.get(model) or _nearest(model, parents, area_of, order)
                           or _nearest(model, children, area_of, order) or "other")
    return assigned


def _nearest(start, edges, area_of, order):
    """The area of the closest model reachable along `edges` (ties: the seed document's area order)."""
    seen, frontier = {start}, deque([start])
    while frontier:
        found = []
        for _ in range(len(frontier)):
            for neighbour in edges[frontier.popleft()]:
                if neighbour in area_of:
                    found.append(area_of[neighbour])
                elif neighbour not in seen:
                    seen.add(neighbour)
                    frontier.append(neighbour)
        if found:
            return min(found, key=order.index)
    return None


def contents(writers, width=None):
    """The table-of-contents lines: Rails name, then class name."""
    width = width or max(len(w.t["model"]) for w in writers)
    return [f"    {w.t['model']:<{width}}  {w.class_name}" for w in sorted(writers, key=lambda w: w.t["model"])]


def models_module(title, writers, rendered, header):
    """The text of a module holding `writers`' classes (`rendered`: writer -> (class source, imports))."""
    imports = Imports()
    for writer in writers:
        imports.update(rendered[writer][1])
    count = f"{len(writers)} model{'' if len(writers) == 1 else 's'}"
    doc = [f'"""{title}: {count}.', "", *contents(writers), '"""']
    classes = "\n\n\n".join(rendered[w][0] for w in writers)
    return "\n".join(doc) + "\n" + header + imports.lines() + "\n\n\n" + classes + "\n"


def package_init(namespace, areas, header):
    """`models/__init__.py` of an area package: every class, imported from its area module."""
    info = NAMESPACES[namespace]
    lines = [f'"""{info["title"]}: the models, by area.', ""]
    for module, writers in areas.items():
        lines.append(f"    {module}.py")
        lines += ["    " + line for line in contents(writers)]
    lines += ['"""', header.rstrip("\n")]
    names = []
    for module, writers in areas.items():
        classes = sorted(w.class_name for w in writers)
        names += classes
        line = f"from .{module} import {', '.join(classes)}"
        if len(line) > 100:
            line = f"from .{module} import (\n" + "".join(f"    {name},\n" for name in classes) + ")"
        lines.append(line)
    lines += ["", "__all__ = [", *[f'    "{name}",' for name in sorted(names)], "]"]
    return "\n".join(lines) + "\n"


def plugin_module(namespace, info, model_names, aliases, package, header):
    """The namespace's `__init__.py`: its `Namespace` plugin object."""
    alias_lines = "".join(f"        {literal(a['name'])}: {literal(a['target'])},\n" for a in aliases)
    return (f'"""{info["title"]}: the `{namespace}` namespace plugin."""\n'
            + header
            + "from importlib.resources import files\n\n"
            + "from powernode.namespace import Namespace\n\n"
            + "plugin = Namespace(\n"
            + f'    "{namespace}",\n'
            + f"    rails_module={literal(info['rails_module']) if info['rails_module'] else None},\n"
            + f'    table_prefix="{info["prefix"]}",\n'
            + ("    optional=True,\n" if info.get("optional") else "")
            + f'    models="{package}.models",\n'
            + f'    migrations=files("powernode_migrations") / "{namespace}",\n'
            + f'    seeds=files("powernode_seeds") / "{namespace}",\n'
            + "    model_names=(\n"
            + "".join(f"        {literal(n)},\n" for n in sorted(model_names))
            + "    ),\n"
            + ("    aliases={\n" + alias_lines + "    },\n" if aliases else "")
            + ")\n")
