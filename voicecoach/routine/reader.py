"""Reading values out of YAML nodes, with positions; problems are collected, not raised."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import TypeAlias, TypeVar

import yaml

from voicecoach.errors import Problem
from voicecoach.routine import yamlpos
from voicecoach.routine.durations import DurationError

T = TypeVar("T")
#: A mapping's keys, each with its key node and its value node.
Keys: TypeAlias = dict[str, tuple[yaml.Node, yaml.Node]]

MAX_TEXT_CHARS = 2_000
#: The longest value that is not a spoken text (a duration, a pattern, a cue, a side): far more than
#: any needs.
MAX_VALUE_CHARS = 200


def shown(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters for a message (a hostile file can hold a megabyte in one value)."""
    return text if len(text) <= limit else text[:limit] + "..."


class NodeReader:
    """Reads values out of YAML nodes, collecting problems instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, message))

    def visit(self, node: yaml.Node) -> bool:
        """Reject a node with an explicit YAML tag (the tag's problem is recorded)."""
        tag = yamlpos.tag_problem(self.path, node)
        if tag:
            self.problems.append(tag)
            return False
        return True

    def mapping(
        self, node: yaml.Node, where: str, allowed: tuple[str, ...], ignored: tuple[str, ...] = ()
    ) -> Keys:
        """Keys of a mapping node (unknown and duplicate keys reported), each with its key and value node."""
        if not self.visit(node):
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.problem(
                node,
                f"{where}: expected keys and values (such as 'title: ...') here, found {_describe(node)}",
            )
            return {}
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not self.visit(key_node):
                continue
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                self.problem(key_node, f"{where}: a key must be a plain word")
            elif key in out:
                self.problem(key_node, f"duplicate key '{shown(key)}': each key may appear once")
            elif key in ignored:
                continue
            elif key not in allowed:
                self.problem(key_node, f"unknown key '{shown(key)}'{_unknown_hint(key, where, allowed)}")
            else:
                out[key] = (key_node, value_node)
        return out

    def scalar(self, node: yaml.Node, key: str, max_chars: int = MAX_VALUE_CHARS) -> str | None:
        """A scalar's text; a problem when empty, not a scalar, or far longer than any such value."""
        if not self.visit(node):
            return None
        if yamlpos.is_null(node) or (isinstance(node, yaml.ScalarNode) and not node.value.strip()):
            self.problem(node, f"{key}: the value is empty: write a value after '{key}:'")
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{key}: expected a single value here, found {_describe(node)}")
            return None
        if len(node.value) > max_chars and max_chars < MAX_TEXT_CHARS:
            self.problem(
                node,
                f"{key}: {shown(node.value)!r} is {len(node.value):,} characters long, far "
                f"too long for a {key} value",
            )
            return None
        value: str = node.value  # a scalar node's value is its text
        return value

    def text(self, node: yaml.Node, key: str) -> str | None:
        value = self.scalar(node, key, MAX_TEXT_CHARS)
        if value is not None and len(value) > MAX_TEXT_CHARS:
            self.problem(
                node,
                f"{key}: the text is {len(value):,} characters; keep each line under "
                f"{MAX_TEXT_CHARS:,} (split it into several lines)",
            )
            return None
        return value.strip() if value is not None else None

    def texts(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        """A text or a list of texts."""
        if isinstance(node, yaml.SequenceNode):
            if not self.visit(node):
                return ()
            if not node.value:
                self.problem(node, f"{key}: the list is empty: write at least one line or remove '{key}'")
            return tuple(t for t in (self.text(item, key) for item in node.value) if t is not None)
        value = self.text(node, key)
        return (value,) if value is not None else ()

    def parsed(
        self, node: yaml.Node, key: str, parse: Callable[[str], T], max_chars: int = MAX_VALUE_CHARS
    ) -> T | None:
        """A scalar run through `parse`, whose DurationError becomes a problem."""
        value = self.scalar(node, key, max_chars)
        if value is None:
            return None
        try:
            return parse(value)
        except DurationError as exc:
            self.problem(node, f"{key}: {exc}")
            return None

    def whole(self, node: yaml.Node, key: str, low: int, high: int) -> int | None:
        def parse(value: str) -> int:
            if not re.fullmatch(r"\s*\d+\s*", value):
                raise DurationError(
                    f"{shown(value)!r} is not a whole number (write a number such as {low + 1})"
                )
            digits = value.strip().lstrip("0") or "0"
            number = int(digits) if len(digits) <= len(str(high)) else high + 1  # int() refuses 4,300+ digits
            if not low <= number <= high:
                raise DurationError(
                    f"{shown(digits)} is out of range: use a whole number from {low} to {high}"
                )
            return number

        return self.parsed(node, key, parse)


def _unknown_hint(key: str, where: str, allowed: tuple[str, ...]) -> str:
    if len(allowed) == 1 and where == allowed[0]:
        return f" (a {where} step has no other keys)"
    return did_you_mean(key, allowed)


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (expected one of: {', '.join(choices)})"


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "keys and values"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{shown(node.value)!r}"
