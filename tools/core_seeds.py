"""Write the core namespace's permission and role seeds from the platform's registry.

    python tools/core_seeds.py    # reads reference/permissions.json

Writes seeds/core/01_permissions.json, 02_roles.json and 03_role_permissions.json;
plans and admin settings (04_, 05_) are written by hand.
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "reference" / "permissions.json"
OUT = ROOT / "seeds" / "core"


def main():
    registry = json.loads(REGISTRY.read_text())
    permissions = []
    for name, info in registry["permissions"].items():
        resource, _, action = name.rpartition(".")
        permissions.append({"name": name, "description": info["description"], "category": info["tier"],
                            "resource": resource, "action": action})
    roles, links = [], []
    for name, info in registry["roles"].items():
        roles.append({"name": name, "display_name": info["display_name"], "description": info["description"],
                      "role_type": info["role_type"], "is_system": info.get("is_system", False),
                      "immutable": info.get("immutable", False)})
        for permission in info["permissions"]:
            links.append({"role_id": {"$ref": "Role", "name": name},
                          "permission_id": {"$ref": "Permission", "name": permission}})
    write("01_permissions.json", {"model": "Permission", "key": ["name"], "rows": permissions})
    write("02_roles.json", {"model": "Role", "key": ["name"], "rows": roles})
    write("03_role_permissions.json", {
        "model": "RolePermission", "key": ["role_id", "permission_id"],
        "exact": "role_id",            # a seeded role has exactly these permissions
        "skip_unresolved": True,       # the registry's roles name a permission it lacks: report, don't invent
        "rows": links})


def write(name, document):
    path = OUT / name
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)} ({len(document['rows'])} rows)")


if __name__ == "__main__":
    main()
