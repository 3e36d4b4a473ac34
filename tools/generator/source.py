"""Small helpers for writing Python source: literals, import blocks."""
import json


def literal(value):
    """Python source for a value, strings in double quotes like the rest of the generated code."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


class Imports:
    """The names a generated module imports, by module, rendered sorted and wrapped."""

    def __init__(self):
        self._names = {}

    def add(self, module, *names):
        self._names.setdefault(module, set()).update(names)

    def update(self, other):
        for module, names in other._names.items():
            self.add(module, *names)

    def lines(self):
        stdlib = sorted(m for m in self._names if "." not in m and not m.startswith("powernode"))
        ours = sorted(m for m in self._names if m not in stdlib)
        blocks = [[import_line(m, sorted(self._names[m])) for m in group] for group in (stdlib, ours) if group]
        return "\n\n".join("\n".join(block) for block in blocks)


def import_line(module, names):
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= 100:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")"
