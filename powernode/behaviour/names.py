"""The platform's names stay reachable: nothing set on a model after it was built may hide a scope or an event.

The generator gives every scope and state-machine event a free attribute
(`docs/architecture.md`: a scope yields with `_scope`, an event with `_event`),
and an event that finds its name taken when the class is built raises then.
Back-references (and any association installed on a target model) arrive later,
when the models they come from register; `check_unshadowed` runs then, for the
registering model and every model its references point at, and raises a
`DeclarationError` naming the attribute instead of letting it hide silently.
"""
import inspect

from ..errors import DeclarationError
from .scopes import scopes_of

__all__ = ["check_unshadowed", "declared_names"]


def declared_names(model):
    """attribute -> (what, the object that must be there) for the model's scopes and event methods."""
    names = {scope.attribute: (f"scope {scope.name!r}", scope) for scope in scopes_of(model).values()}
    machine = model._meta.behaviour.declarations.get("state_machine")
    if machine is not None:
        for event in machine.events.values():
            for name in (event.method, "may_" + event.method):
                names[name] = (f"state machine event {event.name!r}", None)
    return names


def check_unshadowed(model):
    """Raise if a scope or an event method of `model`, or of a model it references, was replaced."""
    targets = {model}
    for field in model._meta.sorted_fields:
        target = getattr(field, "_target_model", None)
        if target is not None:
            targets.add(target)
    for target in targets:
        for attribute, (what, expected) in declared_names(target).items():
            found = inspect.getattr_static(target, attribute, None)
            replaced = found is not expected if expected is not None else not inspect.isfunction(found)
            if replaced:
                raise DeclarationError(
                    f"{target.__name__}.{attribute} is the platform's {what}, but a later declaration "
                    f"({type(found).__name__}) took that attribute: give that one another name")
