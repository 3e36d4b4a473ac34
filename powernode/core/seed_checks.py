"""The core namespace's checks of what `seed` wrote: the permission grants the platform's code relies on.

Registered as a plugin of its own (entry point `core_seed_checks`), beside the
generated `core` namespace plugin.
"""
from powernode.hookspecs import hookimpl

#: (role, permission): `super_admin` administers the platform; the worker's role holds the
#: permission the registry grants without defining it (docs/seeds.md, "The platform's quirks, kept")
CRITICAL_GRANTS = (("super_admin", "system.admin"), ("system_worker", "ai.workflow_executions.update"))


@hookimpl
def powernode_seed_checks(db, namespaces):
    from powernode.registry import registry

    role, permission, link = registry.get("Role"), registry.get("Permission"), registry.get("RolePermission")
    checks = []
    for role_name, permission_name in CRITICAL_GRANTS:
        if not role.select().where(role.name == role_name).exists():
            continue
        granted = (link.select().join(permission, on=(link.permission == permission.id))
                   .switch(link).join(role, on=(link.role == role.id))
                   .where(role.name == role_name, permission.name == permission_name).exists())
        checks.append((f"{role_name} has {permission_name}", granted))
    return checks
