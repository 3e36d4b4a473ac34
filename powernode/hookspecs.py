"""The hooks a namespace plugin implements (pluggy, project name "powernode").

A plugin is any object with these hooks, registered through the entry-point
group `powernode` — the bundled namespaces register exactly that way. The
`powernode.namespace.Namespace` helper implements all four for the usual case.
"""
import pluggy

hookspec = pluggy.HookspecMarker("powernode")
hookimpl = pluggy.HookimplMarker("powernode")


@hookspec
def powernode_namespace():
    """Describe the namespace this plugin provides.

    Return a `powernode.namespace.NamespaceInfo`: its name (`"ai"`), Rails
    module (`"Ai"`, None for core), table prefix (`"ai_"`), the namespaces it
    depends on (core is implied), and optionally the Rails names of its models,
    so that lookups and declaration checks work before the models are imported.
    """


@hookspec(firstresult=True)
def powernode_models(namespace):
    """Return the model classes of `namespace` if this plugin provides it, else None.

    Called only when the namespace is selected, so model modules load lazily.
    """


@hookspec(firstresult=True)
def powernode_migrations(namespace):
    """Return the folder of `namespace`'s migration scripts (playhouse.migrations format), else None."""


@hookspec(firstresult=True)
def powernode_seeds(namespace):
    """Return the folder of `namespace`'s seed data files, else None."""
