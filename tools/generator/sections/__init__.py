"""Behaviour sections: each adds one kind of the platform's model behaviour to a generated class.

A section is a module with `contribute(parts, writer)`: `parts` is the class's
`ModelSource` (field options, class-body lines, `Behaviour` lines, imports),
`writer` its `ModelWriter` (the catalog, the references, the other writers).
They run in the order of `SECTIONS`, so that names claimed first keep them
(scopes last: a scope yields its name to every other declaration). A section
may also define `documents()`: (path, text) pairs for the reviewed lists it
keeps under `docs/`, written (and checked) with the generated code.
"""
from . import associations, choices, defaults, scopes, state_machines, validations, values

# associations first (they keep the platform's names), validations before the state machine's own
SECTIONS = [associations, values, validations, defaults, choices, state_machines, scopes]
