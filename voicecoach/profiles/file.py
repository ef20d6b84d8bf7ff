"""The user's profiles.yaml: read like a routine, with FILE:LINE:COL problems."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from voicecoach.errors import RoutineError
from voicecoach.profiles.model import BEDS, CUE_STYLES, Profile
from voicecoach.routine import yamlpos
from voicecoach.routine.cues import CUE_NAMES
from voicecoach.routine.durations import DurationError, parse_duration
from voicecoach.routine.reader import MAX_TEXT_CHARS, MAX_VALUE_CHARS, NodeReader

_FIELDS = {f.name: f for f in dataclasses.fields(Profile) if f.name != "name"}
KEYS = ("base", *tuple(_FIELDS))


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise DurationError(
                f"{text!r} is not a number (write a number from {low:g} to {high:g})"
            ) from None
        if not low <= value <= high:
            raise DurationError(f"{value:g} is out of range: use a number from {low:g} to {high:g}")
        return value

    return parse


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise DurationError(f"{text!r} is not one of {', '.join(choices)}")
        return text

    return parse


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    raise DurationError(f"{text!r} is not true or false")


_PARSERS: dict[str, Callable[[str], Any]] = {
    "rate": _number(0.3, 3.0),
    "loudness_lufs": _number(-40, -6),
    "countdown_from": _number(1, 10),
    "exhale_growth_s": _number(0, 10),
    "hold_cue": _choice(CUE_NAMES),
    "closing_cue": _choice(CUE_NAMES),
    "cues": _choice(CUE_STYLES),
    "bed": _choice(BEDS),
    "tail_s": parse_duration,
    "description": str,
}


def load_profile_file(path: Path, builtin: dict[str, Profile]) -> dict[str, Profile]:
    """The profiles of a profiles.yaml; RoutineError with every problem and its position."""
    shown = str(path)
    data, problems = yamlpos.read_source(
        path, shown, "profiles", "make it a plain YAML text file, or remove it"
    )
    text, root = None, None
    if data is not None:
        text, problems = yamlpos.decode(shown, data)
    if text is not None:
        root, problems = yamlpos.compose(shown, text)
    if problems:
        raise RoutineError(problems)
    reader = NodeReader(shown)
    top = reader.mapping(root, "profiles file", ("profiles",)) if root is not None else {}
    found: dict[str, Profile] = {}
    if "profiles" in top:
        names = _names(reader, top["profiles"][1])
        for name, node in names:
            profile = _read_profile(reader, name, node, {**builtin, **found})
            if profile is not None:
                found[name] = profile
    if reader.problems:
        raise RoutineError(sorted(set(reader.problems), key=lambda p: (p.line, p.col)))
    return found


def _names(reader: NodeReader, node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, "profiles: expected profile names, each with its settings")
        return []
    return [(k.value, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def _read_profile(
    reader: NodeReader, name: str, node: yaml.Node, known: dict[str, Profile]
) -> Profile | None:
    keys = reader.mapping(node, name, KEYS)
    base = known.get(name) or known["guided"]
    if "base" in keys:
        base_name = reader.scalar(keys["base"][1], "base")
        if base_name not in known:
            reader.problem(
                keys["base"][1], f"base: unknown profile {base_name!r} (expected one of: {', '.join(known)})"
            )
            return None
        base = known[base_name]
    changes: dict[str, Any] = {}  # each value parsed for its field
    for key, (_, value_node) in keys.items():
        if key == "base":
            continue
        parse = _PARSERS.get(key) or (_flag if _FIELDS[key].type in ("bool", bool) else str)
        value = reader.parsed(
            value_node, key, parse, MAX_TEXT_CHARS if key == "description" else MAX_VALUE_CHARS
        )
        if value is not None:
            changes[key] = int(value) if key == "countdown_from" else value
    return dataclasses.replace(base, name=name, **changes)
