"""How a model's `Behaviour` declaration becomes what its instances do.

    class Invoice(PowernodeModel):
        class Behaviour:
            validations = [Presence("number"), Inclusion("status", ["draft", "open"])]
            state_machine = StateMachine("status", ...)

Every value in `Behaviour` (or every item of a list value) is a declaration: an
object with `install(model, behaviour)`, called once when the class is built. A
declaration installs what it needs: validators (`behaviour.validators`), hooks
run at a point of the save lifecycle (`behaviour.hooks["before_validation"]`, ...),
methods on the model class. The model's lifecycle (`PowernodeModel.save`) then
runs them in Active Record's order (`after_initialize` when a new instance is
built, before the caller's values are assigned):

    before_validation -> validators -> before_save -> before_create | before_update
    -> INSERT | UPDATE -> after_save
"""
from typing import Callable, Dict, List

__all__ = ["ModelBehaviour", "HOOKS"]

HOOKS = ("after_initialize", "before_validation", "before_save", "before_create", "before_update", "after_save", "before_destroy")


class ModelBehaviour:
    """What one model does beyond its columns: its validators and lifecycle hooks (`Model._meta.behaviour`)."""

    def __init__(self):
        self.validators: List = []  # objects with validate(record, errors, context)
        self.hooks: Dict[str, List[Callable]] = {name: [] for name in HOOKS}  # hook(record, context)
        self.declarations: Dict[str, object] = {}  # name -> what `Behaviour` declared under it
        self.create_defaults: List = []  # the defaults set before an insert (defaults.py), for bulk loads

    @classmethod
    def of(cls, model, declared, inherited=None):
        """Collect `declared` (a model's `Behaviour` class, or None), after what its base classes declared."""
        behaviour = cls()
        if inherited is not None:
            behaviour.validators = list(inherited.validators)
            behaviour.hooks = {name: list(hooks) for name, hooks in inherited.hooks.items()}
            behaviour.declarations = dict(inherited.declarations)
            behaviour.create_defaults = list(inherited.create_defaults)
        for name, value in vars(declared or object).items():
            if name.startswith("_"):
                continue
            behaviour.declarations[name] = value
            for item in value if isinstance(value, (list, tuple)) else [value]:
                item.install(model, behaviour)
        return behaviour

    def run(self, hook, record, context):
        for function in self.hooks[hook]:
            function(record, context)

    def errors(self, record, context) -> Dict[str, List[str]]:
        """Run the validators: attribute -> messages, {} when the record is valid."""
        errors: Dict[str, List[str]] = {}
        for validator in self.validators:
            validator.validate(record, errors, context)
        return errors
