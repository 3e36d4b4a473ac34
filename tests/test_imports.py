"""The package's import graph has no cycle, late (function-level) imports included, and every module imports alone."""
import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "powernode"
HAND_WRITTEN = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "models.py" and "models" not in p.parts)


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path):
    """The powernode modules `path` imports, at the top or inside functions."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "powernode"}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if not target.startswith("powernode"):
                continue
            for alias in node.names:  # `from . import embedded` names a module, not an attribute
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _is_module(candidate) else target)
    return found - {module_name(path)}


def _is_module(name):
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_the_import_graph_has_no_cycle():
    graph = {module_name(path): imports_of(path) for path in HAND_WRITTEN}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")
    assert set(graph) <= set(order)


@pytest.mark.parametrize("module", [module_name(p) for p in HAND_WRITTEN if p.name != "__main__.py"])
def test_each_module_imports_alone_in_a_fresh_interpreter(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1:]
