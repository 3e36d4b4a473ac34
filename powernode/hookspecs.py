"""The hooks a powernode plugin implements (pluggy, project name "powernode").

A plugin is any object or module with some of these hooks, registered through the
entry-point group `powernode`; the bundled namespaces register exactly that way.
`powernode.Namespace` is the usual plugin: it provides one namespace.
"""
import pluggy

hookspec = pluggy.HookspecMarker("powernode")
hookimpl = pluggy.HookimplMarker("powernode")


@hookspec
def powernode_namespaces():
    """Return the namespaces this plugin provides: a list of `powernode.Namespace` objects.

    A namespace carries its metadata (name, Rails module, table prefix, the
    namespaces it depends on, its Rails model names and aliases) and knows where
    its models, migrations and seeds are.
    """


@hookspec
def powernode_seed_checks(db, namespaces):
    """Return `(description, passed)` pairs checking what `seed` wrote in the selected `namespaces`.

    Run after every seed, inside no transaction; a check that fails makes `seed`
    exit non-zero. `namespaces` is the selection (names, dependency order).
    """
