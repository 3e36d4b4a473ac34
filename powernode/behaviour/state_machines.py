"""AASM state machines: a column moved only by named events, as the platform's models do.

    class Invoice(PowernodeModel):
        class Behaviour:
            state_machine = StateMachine(
                "status", initial="draft",
                states=["draft", "open", "paid", "void", "uncollectible"],
                events=[
                    Event("finalize", Transition("draft", "open"),
                          after=[PlatformCode("server/app/models/invoice.rb:47")]),
                    Event("void", Transition(["draft", "open"], "void"), method="void"),
                ],
            )

    invoice.may_finalize()          # True from draft
    invoice.finalize()              # status -> "open", saved (validated) in a transaction
    invoice.finalize(persist=False) # status -> "open" in memory only
    invoice.aasm.fire("finalize")   # any event by its Rails name; .current_state, .permitted_events()

What each part does, beside AASM:
- `invoice.finalize()` is AASM's `finalize!`: it moves the column and saves the
  record (validations included), in a transaction (a savepoint inside another);
  `persist=False` is AASM's `finalize` (no bang): the column moves in memory.
  Where a save fails the column keeps its old value and the error propagates: a
  `ValidationError`, or the database's own refusal. (The platform's
  `whiny_persistence: false` returns false there; this package's saves raise.)
- From a state the event does not leave it raises `powernode.InvalidTransition`
  (`whiny_transitions: true`, every platform machine) and changes nothing.
- A record whose column is blank (None or "") is in the initial state: the
  column takes it before validation and before insert (AASM sets it when the
  record is built or loaded, `after_initialize`).
- Assigning a value that is none of the states is allowed (the platform's
  `no_direct_assignment: false`) but refused by validation: "is not included in the list".
- Callbacks and guards that are the platform's Ruby code are declared as
  `PlatformCode` (where they live) and not run: `docs/state-machines.md` lists them.

Event methods take the platform's event names; where a column, an association or
the model API has one, the generator appends `_event` (`method=`), and
`record.aasm.fire(name)` still reaches it by its Rails name.
"""
import inspect
from typing import Dict, List, Optional, Sequence, Union

from ..errors import DeclarationError, InvalidTransition
from .validations import Validator

__all__ = ["StateMachine", "Event", "Transition", "PlatformCode", "KnownState"]

BLANK = (None, "")


class PlatformCode:
    """A callback or guard that is the platform's own Ruby code: where it lives, never run here."""

    def __init__(self, source: Optional[str] = None, method: Optional[str] = None):
        if (source is None) == (method is None):
            raise DeclarationError("PlatformCode takes a source location or a method name")
        self.source, self.method = source, method

    def __repr__(self):
        return f"PlatformCode({self.source!r})" if self.source else f"PlatformCode(method={self.method!r})"

    def describe(self):
        return self.source or f"method `{self.method}`"


class Transition:
    """`transitions from: [:a, :b], to: :c`: the states a transition leaves, and the one it enters."""

    def __init__(self, sources: Union[str, Sequence[str]], to: str, **callbacks: List[PlatformCode]):
        self.sources = (sources,) if isinstance(sources, str) else tuple(sources)
        self.to = to
        self.callbacks = callbacks  # kind ("after", ...) -> platform code, declared only


class Event:
    """One AASM event: its transitions, tried in order, and its callbacks (declared only)."""

    def __init__(self, name: str, *transitions: Transition, method: Optional[str] = None,
                 **callbacks: List[PlatformCode]):
        self.name = name
        self.transitions = transitions
        self.method = method or name  # the record's method; `may_<method>` asks
        self.callbacks = callbacks

    def target(self, state) -> Optional[str]:
        """The state this event enters from `state`, or None when it does not leave `state`."""
        for transition in self.transitions:
            if state in transition.sources:
                return transition.to
        return None


class StateMachine:
    """A model's AASM machine (declared in its `Behaviour` as `state_machine`)."""

    def __init__(self, column: str, *, states: Sequence[str], initial: str, events: Sequence[Event],
                 whiny_transitions: bool = True, skip_validation_on_save: bool = False):
        self.column = column
        self.states = tuple(states)
        self.initial = initial
        self.events: Dict[str, Event] = {event.name: event for event in events}
        self.whiny_transitions = whiny_transitions
        self.skip_validation_on_save = skip_validation_on_save
        unknown = {initial} | {s for e in events for t in e.transitions for s in (*t.sources, t.to)}
        if not unknown <= set(self.states):
            raise DeclarationError(f"state machine on {column}: transitions name states it does not declare: "
                                   f"{sorted(unknown - set(self.states))}")

    # -- installing on the model -------------------------------------------------
    def install(self, model, behaviour):
        field = model._meta.columns.get(self.column)
        if field is None:
            raise DeclarationError(f"{model.__name__} has no column {self.column!r} for its state machine")
        self.attribute = field.name
        behaviour.hooks["before_validation"].append(self.ensure_initial_state)
        behaviour.hooks["before_create"].append(self.ensure_initial_state)
        KnownState(self).install(model, behaviour)
        for event in self.events.values():
            for name, method in ((event.method, _fire_method(self, event)),
                                 ("may_" + event.method, _may_method(self, event))):
                _claim(model, name, event)
                setattr(model, name, method)
        if inspect.getattr_static(model, "aasm", None) is None:
            model.aasm = MachineAccessor(self)

    def method_names(self):
        """Every method this machine puts on its model."""
        return [name for event in self.events.values() for name in (event.method, "may_" + event.method)]

    # -- what the methods do -----------------------------------------------------
    def current_state(self, record):
        value = getattr(record, self.attribute)
        return self.initial if value in BLANK else value

    def ensure_initial_state(self, record, context=None):
        if getattr(record, self.attribute) in BLANK:
            setattr(record, self.attribute, self.initial)

    def may_fire(self, record, event: Event) -> bool:
        return event.target(self.current_state(record)) is not None

    def fire(self, record, event: Event, persist=True) -> bool:
        """Move `record` by `event` (saving it unless persist=False); True when it moved.

        From a state the event does not leave: `InvalidTransition` (False where the
        machine is not whiny), and the record is unchanged.
        """
        state = self.current_state(record)
        target = event.target(state)
        if target is None:
            if not self.whiny_transitions:
                return False
            raise InvalidTransition(type(record)._meta.rails_name or type(record).__name__, event.name, state,
                                    known_state=state in self.states, check=f"may_{event.method}()")
        previous = getattr(record, self.attribute)
        setattr(record, self.attribute, target)
        if not persist:
            return True
        try:
            with record._meta.database.atomic():
                record.save(validate=not self.skip_validation_on_save)
        except BaseException:
            setattr(record, self.attribute, previous)
            raise
        return True


class KnownState(Validator):
    """Refuses a value that is none of the machine's states, with the platform's inclusion message."""

    message = "is not included in the list"

    def __init__(self, machine):
        super().__init__(machine.attribute, message=None)
        self.machine = machine

    def check(self, value, record, attribute):
        if value is None or value in self.machine.states:
            return None
        return [type(self).message]

    def validate(self, record, errors, context):
        found = {}
        super().validate(record, found, context)
        for attribute, texts in found.items():  # the platform's own inclusion validator may have said it
            messages = errors.setdefault(attribute, [])
            messages += [text for text in texts if text not in messages]


class MachineAccessor:
    """`record.aasm`: the machine seen from one record (Rails' `record.aasm`)."""

    def __init__(self, machine):
        self.machine = machine

    def __get__(self, instance, owner):
        return self.machine if instance is None else RecordMachine(self.machine, instance)


class RecordMachine:
    def __init__(self, machine, record):
        self.machine, self.record = machine, record

    @property
    def current_state(self):
        return self.machine.current_state(self.record)

    @property
    def states(self):
        return self.machine.states

    def permitted_events(self):
        """The Rails names of the events that may fire from the current state."""
        return [name for name, event in self.machine.events.items() if self.machine.may_fire(self.record, event)]

    def fire(self, event_name, persist=True):
        return self.machine.fire(self.record, self._event(event_name), persist)

    def may_fire(self, event_name):
        return self.machine.may_fire(self.record, self._event(event_name))

    def _event(self, name):
        event = self.machine.events.get(name)
        if event is None:
            raise KeyError(f"no event {name!r}; the machine's events: {', '.join(self.machine.events)}")
        return event


def _fire_method(machine, event):
    def fire(self, persist=True):
        return machine.fire(self, event, persist)

    fire.__name__ = event.method
    fire.__doc__ = (f"AASM event {event.name!r}: " + "; ".join(f"{', '.join(t.sources)} -> {t.to}"
                                                            for t in event.transitions)
                    + ". Saves unless persist=False; InvalidTransition from any other state.")
    return fire


def _may_method(machine, event):
    def may(self):
        return machine.may_fire(self, event)

    may.__name__ = "may_" + event.method
    may.__doc__ = f"Whether the {event.name!r} event may fire from the record's current state."
    return may


def _claim(model, name, event):
    existing = inspect.getattr_static(model, name, None)
    if existing is not None:
        raise DeclarationError(
            f"{model.__name__}.{name} is taken ({type(existing).__name__}) and the state machine's "
            f"{event.name!r} event needs it: declare Event({event.name!r}, ..., method=\"{event.method}_event\") "
            f"(docs/architecture.md)")
