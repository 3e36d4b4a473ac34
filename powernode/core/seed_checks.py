"""The core namespace's checks of what `seed` wrote: the platform's critical permission grants.

Registered as a plugin of its own (entry point `core_seed_checks`), beside the
generated `core` namespace plugin.
"""
from powernode.hookspecs import hookimpl


@hookimpl
def powernode_seed_checks(db, namespaces):
    from powernode.registry import registry

    role, permission, link = registry.get("Role"), registry.get("Permission"), registry.get("RolePermission")
    if not role.select().where(role.name == "super_admin").exists():
        return []
    granted = (link.select().join(permission, on=(link.permission == permission.id))
               .switch(link).join(role, on=(link.role == role.id))
               .where(role.name == "super_admin", permission.name == "system.admin").exists())
    return [("super_admin has system.admin", granted)]
