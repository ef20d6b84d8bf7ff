"""Reading the `steps:` list: one kind per step, its keys, sides and `{side}` text."""

from __future__ import annotations

import re

import yaml

from voicecoach.errors import Problem
from voicecoach.routine import yamlhints
from voicecoach.routine.cues import CUE_NAMES
from voicecoach.routine.durations import (
    MAX_DURATION_S,
    BreathPattern,
    HoldLength,
    parse_breath,
    parse_duration,
    parse_hold,
)
from voicecoach.routine.model import Breathe, Chime, Defaults, Flow, Rest, Step, Stretch, Talk
from voicecoach.routine.reader import Keys, NodeReader, did_you_mean, shown

MAX_STEPS = 500

#: Each step kind and the other keys it may have.
STEP_KEYS: dict[str, tuple[str, ...]] = {
    "talk": (),
    "stretch": ("setup", "hold", "sides", "reps", "cues", "tips", "release"),
    "flow": ("setup", "inhale", "exhale", "cycles", "breath"),
    "breathe": ("cycles",),
    "rest": (),
    "chime": (),
}
_ALL_KEYS = tuple(dict.fromkeys(k for keys in STEP_KEYS.values() for k in keys))
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SIDES = {"none": (), "both": ("right", "left"), "left": ("left",), "right": ("right",)}


def read_steps(r: NodeReader, node: yaml.Node, defaults: Defaults) -> tuple[Step, ...]:
    """Every step of the list; problems go to the reader."""
    if not r.visit(node):
        return ()
    if not isinstance(node, yaml.SequenceNode):
        first = node.value[0][0] if isinstance(node, yaml.MappingNode) and node.value else None
        if isinstance(first, yaml.ScalarNode) and first.value.startswith("-") and first.value[1:2].isalpha():
            r.problem(first, yamlhints.dash_glued(first.value[1:]))
        else:
            r.problem(node, "steps: expected a list of steps, each line starting with '- '")
        return ()
    if not node.value:
        r.problem(node, "steps: the list is empty: add at least one step, such as '- talk: Hello'")
        return ()
    if len(node.value) > MAX_STEPS:
        r.problem(
            node.value[MAX_STEPS], f"steps: more than {MAX_STEPS} steps: split the routine into several"
        )
        return ()
    read = [(item, _read_step(r, item, defaults)) for item in node.value]
    steps = [(item, step) for item, step in read if step is not None]
    _check_total(r, steps, defaults)
    return tuple(step for _, step in steps)


def _read_step(r: NodeReader, node: yaml.Node, defaults: Defaults) -> Step | None:
    if not r.visit(node):
        return None
    plain = isinstance(node, yaml.ScalarNode) and not node.style
    glued = yamlhints.glued(node.value, node.start_mark.line) if plain else None
    if glued is not None:  # `- stretch:Pigeon`, which YAML reads as one text
        line, col, message = glued
        r.problems.append(Problem(r.path, line + 1, node.start_mark.column + col + 1, message))
        return None
    if not isinstance(node, yaml.MappingNode) or not node.value:
        r.problem(
            node,
            "a step must start with its kind, such as 'stretch: Pigeon' or 'rest: 10s' "
            f"(kinds: {', '.join(STEP_KEYS)})",
        )
        return None
    first_key = node.value[0][0]
    kind = first_key.value if isinstance(first_key, yaml.ScalarNode) else ""
    if kind not in STEP_KEYS:
        hint = did_you_mean(kind, list(STEP_KEYS))
        if kind in _ALL_KEYS:
            hint = f": the first key names the step's kind (one of {', '.join(STEP_KEYS)})"
        r.problem(first_key, f"unknown step kind '{shown(kind)}'{hint}")
        return None
    allowed = (kind,) + STEP_KEYS[kind]
    for key_node, _ in node.value[1:]:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None  # `? [a, b]` is a key too
        if key in STEP_KEYS and key != kind:
            r.problem(
                key_node,
                f"a step has exactly one kind: '{kind}' and '{key}' are both kinds "
                f"(start a new step with '- {key}: ...')",
            )
    keys = r.mapping(node, kind, allowed, ignored=tuple(k for k in STEP_KEYS if k != kind))
    if kind not in keys:  # its key was refused (a YAML tag on it): the problem is recorded
        return None
    line = first_key.start_mark.line + 1
    return _READERS[kind](r, keys, line, defaults)


def _read_talk(r: NodeReader, keys: Keys, line: int, defaults: Defaults) -> Step | None:
    node = keys["talk"][1]
    text = r.text(node, "talk")
    _check_placeholders(r, node, False)
    return Talk(text, line) if text else None


def _read_stretch(r: NodeReader, keys: Keys, line: int, defaults: Defaults) -> Step | None:
    name = r.text(keys["stretch"][1], "stretch")
    sides = _read_sides(r, keys["sides"][1]) if "sides" in keys else ()
    hold = read_hold(r, keys["hold"][1], defaults.breath) if "hold" in keys else None
    reps = r.whole(keys["reps"][1], "reps", 1, 100) if "reps" in keys else 1
    texts = {k: r.texts(keys[k][1], k) for k in ("setup", "cues", "tips") if k in keys}
    release = r.text(keys["release"][1], "release") if "release" in keys else None
    for k in ("stretch", "setup", "cues", "tips", "release"):
        if k in keys:
            _check_placeholders(r, keys[k][1], sides is None or bool(sides))
    if name is None or sides is None or reps is None:
        return None
    return Stretch(
        name=name,
        setup=texts.get("setup", ()),
        hold=hold,
        sides=sides,
        reps=reps,
        cues=texts.get("cues", ()),
        tips=texts.get("tips", ()),
        release=release,
        line=line,
    )


def read_hold(r: NodeReader, node: yaml.Node, pattern: BreathPattern) -> HoldLength | None:
    """A hold, checked to last at most 4 hours with the routine's breathing pattern."""
    hold = r.parsed(node, "hold", parse_hold)
    if hold is not None and hold.resolve_s(pattern) > MAX_DURATION_S:
        hours = hold.resolve_s(pattern) / 3600
        r.problem(
            node,
            f"hold: {node.value!r} lasts {hours:,.1f} hours at the breathing pattern {pattern}; "
            "a hold may be at most 4 hours",
        )
        return None
    return hold


def _read_flow(r: NodeReader, keys: Keys, line: int, defaults: Defaults) -> Step | None:
    name = r.text(keys["flow"][1], "flow")
    setup = r.texts(keys["setup"][1], "setup") if "setup" in keys else ()
    inhale = r.text(keys["inhale"][1], "inhale") if "inhale" in keys else None
    exhale = r.text(keys["exhale"][1], "exhale") if "exhale" in keys else None
    cycles = r.whole(keys["cycles"][1], "cycles", 1, 1000) if "cycles" in keys else 6
    breath = r.parsed(keys["breath"][1], "breath", parse_breath) if "breath" in keys else None
    for k in ("flow", "setup", "inhale", "exhale"):
        if k in keys:
            _check_placeholders(r, keys[k][1], False)
    if name is None or cycles is None:
        return None
    return Flow(name=name, setup=setup, inhale=inhale, exhale=exhale, cycles=cycles, breath=breath, line=line)


def _read_breathe(r: NodeReader, keys: Keys, line: int, defaults: Defaults) -> Step | None:
    pattern = r.parsed(keys["breathe"][1], "breathe", parse_breath)
    cycles = r.whole(keys["cycles"][1], "cycles", 1, 1000) if "cycles" in keys else 4
    if pattern is None or cycles is None:
        return None
    return Breathe(pattern=pattern, cycles=cycles, line=line)


def _read_rest(r: NodeReader, keys: Keys, line: int, defaults: Defaults) -> Step | None:
    seconds = r.parsed(keys["rest"][1], "rest", parse_duration)
    return Rest(seconds, line) if seconds is not None else None


def _read_chime(r: NodeReader, keys: Keys, line: int, defaults: Defaults) -> Step | None:
    node = keys["chime"][1]
    cue = r.scalar(node, "chime")
    if cue is None:
        return None
    if cue.strip().lower() not in CUE_NAMES:
        r.problem(node, f"chime: unknown cue '{cue}'{did_you_mean(cue.strip(), list(CUE_NAMES))}")
        return None
    return Chime(cue.strip().lower(), line)


_READERS = {
    "talk": _read_talk,
    "stretch": _read_stretch,
    "flow": _read_flow,
    "breathe": _read_breathe,
    "rest": _read_rest,
    "chime": _read_chime,
}


def _read_sides(r: NodeReader, node: yaml.Node) -> tuple[str, ...] | None:
    hint = "use none, both, left, right, or a list such as [left, right]"
    if isinstance(node, yaml.SequenceNode):
        r.visit(node)
        scalars = [r.scalar(item, "sides") for item in node.value]
        words = [w for w in scalars if w is not None]
        if not scalars or len(words) != len(scalars):
            if not scalars:
                r.problem(node, f"sides: the list is empty ({hint})")
            return None
        for item, word in zip(node.value, words, strict=True):
            if word.strip().lower() not in ("left", "right"):
                r.problem(item, f"sides: '{word}' is not a side ({hint})")
                return None
        sides = tuple(w.strip().lower() for w in words)
        if len(set(sides)) != len(sides):
            r.problem(node, f"sides: each side may be named once ({hint}; use reps to repeat)")
            return None
        return sides
    named = r.scalar(node, "sides")
    if named is None:
        return None
    if named.strip().lower() not in _SIDES:
        r.problem(node, f"sides: '{named}' is not a side ({hint})")
        return None
    return _SIDES[named.strip().lower()]


def _texts_of(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.SequenceNode):
        return [n for n in node.value if isinstance(n, yaml.ScalarNode)]
    return [node] if isinstance(node, yaml.ScalarNode) else []


def _check_placeholders(r: NodeReader, node: yaml.Node, has_sides: bool) -> None:
    for text_node in _texts_of(node):
        for name in _PLACEHOLDER.findall(text_node.value):
            if name != "side":
                r.problem(text_node, f"unknown placeholder '{{{name}}}': the only one is {{side}}")
            elif not has_sides:
                r.problem(
                    text_node,
                    "{side} is used but the step has no sides: add 'sides: both' "
                    "(or left/right), or write the side out",
                )


def _check_total(r: NodeReader, steps: list[tuple[yaml.Node, Step]], defaults: Defaults) -> None:
    """A routine's timed parts alone (holds, rests, breaths) may not pass 4 hours."""
    total = 0.0
    for item, step in steps:
        total += _fixed_s(step, defaults)
        if total > MAX_DURATION_S:
            r.problem(
                item,
                f"the routine passes 4 hours at this step (its holds, breaths and rests "
                f"alone add up to {total / 3600:.1f} hours): a routine may be at most 4 hours",
            )
            return


def _fixed_s(step: Step, defaults: Defaults) -> float:
    if isinstance(step, Stretch):
        hold = (step.hold or defaults.hold).resolve_s(defaults.breath)
        return (hold + defaults.transition_s) * max(1, len(step.sides)) * step.reps + defaults.rest_s
    if isinstance(step, Flow):
        return (step.breath or defaults.breath).cycle_s * step.cycles
    if isinstance(step, Breathe):
        return step.pattern.cycle_s * step.cycles
    if isinstance(step, Rest):
        return step.duration_s
    return 0.0
