"""The platform's AASM machines, generated over the catalog: every event from every state, on real rows."""
import json
import re
from pathlib import Path

import peewee
import pytest

import powernode
from factory import make, unique_columns
from powernode import DeclarationError, InvalidTransition, PowernodeModel, ValidationError
from powernode.behaviour.state_machines import Event, KnownState, StateMachine, Transition
from powernode.fields import StringField

ROOT = Path(__file__).resolve().parent.parent
BEHAVIOUR = json.loads((ROOT / "reference" / "powernode-behaviour.json").read_text())
SCHEMA = {t["table"]: t for t in json.loads((ROOT / "reference" / "powernode-schema.json").read_text())["tables"]}
MACHINES = {model: entry["aasm"]["default"] for model, entry in BEHAVIOUR["models"].items() if entry.get("aasm")}


def states_the_database_allows(rails_name, column):
    """The values the table's enum check allows in `column`, or None when no check restricts it."""
    table = SCHEMA[BEHAVIOUR["models"][rails_name]["table"]]
    for check in table["checks"]:
        if re.match(rf"^\(?{column}\)?::text = ANY", check["expression"]):
            return re.findall(r"'([^']*)'", check["expression"])
    return None


def record_in(model, column, state, storable):
    """A stored row whose state is `state`: written so where the database holds it, else held in memory."""
    record = make_sibling(model)
    if storable:
        model.update({column: state}).where(model.id == record.id).execute()
        return model.get_by_id(record.id)
    setattr(record, column, state)  # a state the table's check refuses: only ever in memory
    return record


def make_sibling(model):
    """A row of `model` sharing the parents of the first one made in this database (fewer rows, no clashes
    on a parent's unique columns), except through references a unique index or validator holds."""
    first = model.select().order_by(model.created_at).first()
    if first is None:
        return make(model)
    unique = unique_columns(model)
    parents = {f.name: getattr(first, f.column_name) for f in model._meta.refs
               if not f.null and f.column_name not in unique}
    return make(model, **parents)


def stored_state(model, record, column):
    return model.select(getattr(model, column)).where(model.id == record.id).scalar()


def test_the_catalog_has_the_machines_the_issue_names():
    assert len(MACHINES) == 8
    assert sum(len(m["events"]) for m in MACHINES.values()) == 34


@pytest.mark.parametrize("rails_name", sorted(MACHINES))
def test_every_event_from_every_state(core_rows, rails_name):
    model, machine = powernode.models[rails_name], MACHINES[rails_name]
    column = machine["column"]
    allowed = states_the_database_allows(rails_name, column)
    fired = refused = 0
    for event in machine["events"]:
        targets = {}
        for transition in event["transitions"]:
            targets.setdefault(transition["from"], transition["to"])
        for state in (s["name"] for s in machine["states"]):
            storable = allowed is None or state in allowed
            record = record_in(model, column, state, storable)
            before = stored_state(model, record, column)
            may = getattr(record, "may_" + event["name"])()
            assert may == (state in targets), (event["name"], state)
            if state not in targets:
                with pytest.raises(InvalidTransition) as raised:
                    getattr(record, event["name"])()
                message = str(raised.value)
                assert event["name"] in message and repr(state) in message and "\n" not in message
                assert (raised.value.event, raised.value.state) == (event["name"], state)
                refused += 1
            elif allowed is not None and targets[state] not in allowed:
                # the platform's own check refuses this state (docs/state-machines.md): so does the database here
                with pytest.raises(peewee.IntegrityError):
                    getattr(record, event["name"])()
                fired += 1
            else:
                assert getattr(record, event["name"])() is True
                assert getattr(record, column) == targets[state]
                assert stored_state(model, record, column) == targets[state]
                fired += 1
                continue
            assert getattr(record, column) == state  # unchanged in memory
            assert stored_state(model, record, column) == before  # and in the database
    transitions = {(e["name"], t["from"]) for e in machine["events"] for t in e["transitions"]}
    assert fired == len(transitions)
    assert refused == len(machine["events"]) * len(machine["states"]) - len(transitions)


@pytest.mark.parametrize("rails_name", sorted(MACHINES))
def test_persist_false_moves_the_state_in_memory_only(core_rows, rails_name):
    model, machine = powernode.models[rails_name], MACHINES[rails_name]
    column = machine["column"]
    allowed = states_the_database_allows(rails_name, column)
    for event in machine["events"]:
        source, target = event["transitions"][0]["from"], event["transitions"][0]["to"]
        record = record_in(model, column, source, allowed is None or source in allowed)
        before = stored_state(model, record, column)
        assert getattr(record, event["name"])(persist=False) is True
        assert getattr(record, column) == target
        assert stored_state(model, record, column) == before


@pytest.mark.parametrize("rails_name", sorted(MACHINES))
def test_a_new_record_starts_in_the_initial_state(core_rows, rails_name):
    model, machine = powernode.models[rails_name], MACHINES[rails_name]
    column = machine["column"]
    record = make(model, **{column: None})
    assert getattr(record, column) == machine["initial_state"]
    assert stored_state(model, record, column) == machine["initial_state"]
    unsaved = model(**{column: ""})
    assert unsaved.aasm.current_state == machine["initial_state"]
    model._meta.behaviour.run("before_create", unsaved, "create")  # what save(validate=False) runs
    assert getattr(unsaved, column) == machine["initial_state"]


@pytest.mark.parametrize("rails_name", sorted(MACHINES))
def test_a_value_that_is_no_state_is_refused_by_validation(core_rows, rails_name):
    model, machine = powernode.models[rails_name], MACHINES[rails_name]
    column = machine["column"]
    record = make_sibling(model)
    stored = stored_state(model, record, column)
    setattr(record, column, "no_such_state")
    assert KnownState.message in record.validate()[column]
    assert record.validate()[column].count(KnownState.message) == 1
    with pytest.raises(ValidationError):
        record.save()
    assert stored_state(model, record, column) == stored
    event = machine["events"][0]["name"]
    with pytest.raises(InvalidTransition) as raised:
        getattr(record, event)()
    assert "no_such_state" not in str(raised.value)  # a value that is no state is row data: never echoed


def test_a_failed_save_leaves_the_state_where_it_was(core_rows):
    Invoice = powernode.models["Invoice"]
    invoice = make(Invoice)
    invoice.currency = "XXX"  # the platform's inclusion validation refuses it (once the validations apply)
    invoice.invoice_number = None  # and the column is NOT NULL: the insert or validation fails either way
    with pytest.raises((ValidationError, peewee.IntegrityError)):
        invoice.finalize()
    assert invoice.status == "draft"
    assert stored_state(Invoice, invoice, "status") == "draft"


def test_events_are_reached_by_their_rails_names_and_the_void_scope_yields(core_rows):
    Invoice = powernode.models["Invoice"]
    invoice = make(Invoice)
    assert invoice.aasm.permitted_events() == ["finalize", "void"]
    assert invoice.aasm.may_fire("void")
    assert invoice.void() is True  # the event keeps its name; the platform's `void` scope is `void_scope`
    assert [i.id for i in Invoice.scope("void")] == [invoice.id] == [i.id for i in Invoice.void_scope()]
    with pytest.raises(KeyError):
        invoice.aasm.fire("no_such_event")


def test_an_event_named_like_a_column_is_refused_when_the_class_is_built():
    with pytest.raises(DeclarationError, match="_event"):
        class Clash(PowernodeModel):
            status = StringField()
            archive = StringField(null=True)

            class Behaviour:
                state_machine = StateMachine("status", initial="a", states=["a", "b"],
                                             events=[Event("archive", Transition("a", "b"))])

            class Meta:
                table_name = "clashes"
                rails_name = "Clash"


def test_the_document_lists_every_transition_and_callback_of_the_catalog():
    document = (ROOT / "docs" / "state-machines.md").read_text()
    for model, machine in MACHINES.items():
        assert f"## {model}\n" in document
        for event in machine["events"]:
            for transition in event["transitions"]:
                assert f"| {event['name']} | `{event['name']}()` | {transition['from']} | {transition['to']} |" \
                    in document
    procs = [c["proc"] for m in MACHINES.values() for e in m["events"]
             for holder in (e["options"], *e["transitions"]) for kind in ("before", "after")
             for c in holder.get(kind, [])]
    assert procs and all(f"`{proc}`" in document for proc in procs)
    assert f"{len(procs)} callbacks" in document
