"""Behaviour sections: each adds one kind of the platform's model behaviour to a generated class.

A section is a module with `contribute(parts, writer)`: `parts` is the class's
`ModelSource` (field options, class-body lines, `Behaviour` lines, imports),
`writer` its `ModelWriter` (the catalog, the references, the other writers).
They run in the order of `SECTIONS`, so that names claimed first keep them.
"""
from . import associations, defaults, validations, values

SECTIONS = [associations, values, validations, defaults]
