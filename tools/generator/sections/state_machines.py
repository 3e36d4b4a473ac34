"""`state_machine = StateMachine(...)` in `Behaviour` for each model with an AASM machine.

Reads the catalog's `aasm` entry: the column, the states, the initial state, the
events and their transitions (grouped as AASM writes them: `Transition(["a", "b"],
"c")`), and the callbacks, which are the platform's Ruby code and become
`PlatformCode("file.rb:line")` declarations, listed in `docs/state-machines.md`.
An event method takes the event's name, and `may_<name>` beside it, unless a
column, an association or the model API has one of them: then both get `_event`
appended (`method=`). Configuration this package does not mirror stops the
generator rather than being ignored.
"""
from ..source import literal
from .choices import check_lists

DOCUMENT = "docs/state-machines.md"
CALLBACK_KINDS = ("before", "after", "after_commit", "after_transaction", "before_transaction", "before_success",
                  "success", "error", "ensure")
GUARD_KINDS = ("guard", "guards", "if", "unless")
# AASM settings and the value this package mirrors; another value stops the generator
MIRRORED_CONFIG = {"no_direct_assignment": False, "requires_lock": False, "timestamps": False, "enum": None,
                   "namespace": False}
PASSED_CONFIG = ("whiny_transitions", "skip_validation_on_save")
DEFAULTS = {"whiny_transitions": True, "skip_validation_on_save": False}

_machines = {}  # model -> what the document says about its machine


def contribute(parts, writer):
    machines = parts.behaviour.get("aasm") or {}
    if not machines:
        return
    if set(machines) != {"default"}:
        raise SystemExit(f"generate: {parts.model} has named AASM machines {sorted(machines)}; only the default "
                         "machine is mirrored")
    machine = machines["default"]
    where = f"{parts.model} state machine"
    for key, value in machine["config"].items():
        if key in MIRRORED_CONFIG and value != MIRRORED_CONFIG[key]:
            raise SystemExit(f"generate: {where}: {key}: {value!r} is not mirrored (only {MIRRORED_CONFIG[key]!r})")
    for state in machine["states"]:
        if set(state["options"]) - {"initial"}:
            raise SystemExit(f"generate: {where}: state {state['name']} has options {sorted(state['options'])}")
    events, renamed = [], {}
    for event in machine["events"]:
        method = event["name"]
        if not (parts.claim(method) and parts.claim("may_" + method)):
            method = event["name"] + "_event"
            if not (parts.claim(method) and parts.claim("may_" + method)):
                raise SystemExit(f"generate: {where}: no free method name for event {event['name']}")
            renamed[event["name"]] = method
        events.append(_event_source(event, method, where))
    parts.claim("aasm")
    config = "".join(f", {key}={machine['config'][key]!r}" for key in PASSED_CONFIG
                     if machine["config"].get(key, DEFAULTS[key]) != DEFAULTS[key])
    states = [state["name"] for state in machine["states"]]
    parts.imports.add("powernode.behaviour.state_machines", "StateMachine", "Event", "Transition",
                      *(["PlatformCode"] if any("PlatformCode" in e for e in events) else []))
    parts.behaviour_lines += [
        "state_machine = StateMachine(",
        f"    {literal(machine['column'])}, initial={literal(machine['initial_state'])}{config},",
        f"    states=[{', '.join(literal(s) for s in states)}],",
        "    events=[",
        *(line for event in events for line in _wrapped(event)),
        "    ],",
        ")",
    ]
    column = machine["column"]
    refused = []
    check = check_lists(parts.table).get(column)
    if check:
        refused = [(state, check[1]) for state in states if state not in check[0]]
    _machines[parts.model] = {"machine": machine, "renamed": renamed, "refused": refused,
                              "attribute": parts.attributes[column]}


def _event_source(event, method, where):
    for key in event["options"]:
        if key in GUARD_KINDS:
            raise SystemExit(f"generate: {where}: event {event['name']} has a guard; guards are not mirrored yet")
        if key not in CALLBACK_KINDS:
            raise SystemExit(f"generate: {where}: event {event['name']}: unknown option {key}")
    arguments = [literal(event["name"])] + [_transition_source(group, where) for group in _grouped(event)]
    if method != event["name"]:
        arguments.append(f"method={literal(method)}")
    arguments += _callbacks_source(event["options"])
    return f"Event({', '.join(arguments)})"


def _wrapped(event_source):
    """An `Event(...)` line of the Behaviour block, its callbacks on a line of their own when it is long."""
    indent = " " * 8
    if len(indent) + len(event_source) + 17 <= 110 or ", after=" not in event_source and ", before=" not in event_source:
        return [f"{indent}{event_source},"]
    cut = min(i for i in (event_source.find(", before="), event_source.find(", after=")) if i >= 0)
    opened = []  # positions of the parentheses still open at the cut: align under the innermost
    for position, char in enumerate(event_source[:cut]):
        if char == "(":
            opened.append(position)
        elif char == ")":
            opened.pop()
    hanging = " " * (opened[-1] + 1)
    return [f"{indent}{event_source[:cut + 1]}", f"{indent}{hanging}{event_source[cut + 2:]},"]


def _grouped(event):
    """Transitions as AASM declares them: consecutive ones to the same state, without options, share one."""
    groups = []
    for transition in event["transitions"]:
        options = {k: v for k, v in transition.items() if k not in ("from", "to")}
        last = groups[-1] if groups else None
        if last and not options and not last["options"] and last["to"] == transition["to"]:
            last["from"].append(transition["from"])
        else:
            groups.append({"from": [transition["from"]], "to": transition["to"], "options": options})
    return groups


def _transition_source(group, where):
    for key in group["options"]:
        if key in GUARD_KINDS:
            raise SystemExit(f"generate: {where}: a transition has a guard; guards are not mirrored yet")
        if key not in CALLBACK_KINDS:
            raise SystemExit(f"generate: {where}: a transition has the unknown option {key}")
    sources = group["from"]
    origin = literal(sources[0]) if len(sources) == 1 else "[" + ", ".join(literal(s) for s in sources) + "]"
    return f"Transition({', '.join([origin, literal(group['to']), *_callbacks_source(group['options'])])})"


def _callbacks_source(options):
    return [f"{kind}=[{', '.join(_platform_code(c) for c in options[kind])}]"
            for kind in CALLBACK_KINDS if kind in options]


def _platform_code(callback):
    if isinstance(callback, str):
        return f"PlatformCode(method={literal(callback)})"
    if isinstance(callback, dict) and "proc" in callback:
        return f"PlatformCode({literal(callback['proc'])})"
    if isinstance(callback, dict) and "method" in callback:
        return f"PlatformCode(method={literal(callback['method'])})"
    raise SystemExit(f"generate: a state machine callback of an unknown form: {callback!r}")


def _callbacks(machine):
    """(event, transition or None, kind, where) for every callback of a machine."""
    for event in machine["events"]:
        for kind in CALLBACK_KINDS:
            for callback in event["options"].get(kind, []):
                yield event["name"], None, kind, _described(callback)
        for transition in event["transitions"]:
            for kind in CALLBACK_KINDS:
                for callback in transition.get(kind, []):
                    yield event["name"], f"{transition['from']} -> {transition['to']}", kind, _described(callback)


def _described(callback):
    if isinstance(callback, str):
        return f"method `{callback}`"
    return callback.get("proc") or f"method `{callback['method']}`"


def documents():
    events = sum(len(m["machine"]["events"]) for m in _machines.values())
    transitions = sum(len(e["transitions"]) for m in _machines.values() for e in m["machine"]["events"])
    callbacks = [(model, *c) for model, m in sorted(_machines.items()) for c in _callbacks(m["machine"])]
    lines = [
        "# State machines",
        "",
        f"Generated by `tools/generate.py` from `reference/powernode-behaviour.json` (`{DOCUMENT}`): do not edit.",
        "",
        f"The platform has {len(_machines)} AASM machines with {events} events and {transitions} transitions, all "
        "mirrored (`powernode/behaviour/state_machines.py`):",
        "`record.<event>()` moves the column and saves, `record.<event>(persist=False)` moves it in memory,",
        "`record.may_<event>()` asks, and an event from a state it does not leave raises",
        "`powernode.InvalidTransition`. No transition has a guard (the generator stops at one rather than",
        "guess it). The callbacks listed last are the platform's Ruby code: declared where they run, not run",
        "here. A Python program that fires these events does what the state machine does, not what those",
        "callbacks do after it.",
        "",
    ]
    for model, info in sorted(_machines.items()):
        machine = info["machine"]
        lines += [f"## {model}", "",
                  f"Column `{machine['column']}`; initial state `{machine['initial_state']}`; states "
                  + ", ".join(f"`{s['name']}`" for s in machine["states"]) + ".", "",
                  "| event | method | from | to |", "|---|---|---|---|"]
        for event in machine["events"]:
            method = info["renamed"].get(event["name"], event["name"])
            for transition in event["transitions"]:
                lines.append(f"| {event['name']} | `{method}()` | {transition['from']} | {transition['to']} |")
        lines.append("")
        for state, check in info["refused"]:
            lines += [f"The table's check `{check}` does not allow the state `{state}`: the database refuses "
                      "every event into it, as it refuses the platform's.", ""]
    lines += ["## Callbacks that are platform code", "",
              f"{len(callbacks)} callbacks; none is run by this package.", "",
              "| model | event | transition | kind | where |", "|---|---|---|---|---|"]
    for model, event, transition, kind, where in callbacks:
        lines.append(f"| {model} | {event} | {transition or '(every)'} | {kind} | `{where}` |")
    renamed = [(model, event, method) for model, info in sorted(_machines.items())
               for event, method in info["renamed"].items()]
    lines += ["", "## Event method names", "",
              "Every event method has its event's name except where a column, an association or the model API",
              "already has it; then the method and its `may_` get `_event` appended:", ""]
    lines += [f"- {model}: `{event}` is `{method}()`" for model, event, method in renamed] or ["- none"]
    return [(DOCUMENT, "\n".join(lines) + "\n")]
