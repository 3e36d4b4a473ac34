"""Behaviour sections: each adds one kind of the platform's model behaviour to a generated class.

A section is a module with `contribute(parts, writer)`: `parts` is the class's
`ModelSource` (field options, class-body lines, `Behaviour` lines, imports),
`writer` its `ModelWriter` (the catalog, the references, the other writers).
They run in the order of `SECTIONS`, so that names claimed first keep them
(scopes last: a scope yields its name to every other declaration). A section
may also define `documents()`: (path, text) pairs for the reviewed lists it
keeps under `docs/`, written (and checked) with the generated code.
"""
from . import choices, scopes, state_machines, through

SECTIONS = [through, choices, state_machines, scopes]
