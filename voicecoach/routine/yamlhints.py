"""The common YAML mistakes in plain words: when the parser stops, what a person most likely
typed wrong near that line (a key out of line with its step, `-stretch:` without a space, `hold:30s`
without a space), instead of the parser's "expected <block end>, but found '?'"."""

from __future__ import annotations

import re

#: A key at the start of a line, after any list dashes: indent, dashes, key, what follows the colon.
_KEY_LINE = re.compile(r"^( *)((?:- +)*)([A-Za-z_][\w-]*):( |$)")
_DASH_GLUED = re.compile(r"^( *)-([A-Za-z_][\w-]*):")
_COLON_GLUED = re.compile(r"^( *)((?:- +)*)([A-Za-z_][\w-]*):([^\s:/].*)$")
_DASH_ITEM = re.compile(r"^( *)- ")
LOOK_BACK_LINES = 3  # the mistake is on the line the parser stopped at or a few lines above

Mistake = tuple[int, int, str]  # 0-based line and column, and the message


def common_mistake(text: str, error_line: int) -> Mistake | None:
    """The likely mistake behind a syntax error the parser found on `error_line` (0-based)."""
    lines = text.splitlines()
    content = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    before = [i for i in content if i <= error_line][-(LOOK_BACK_LINES + 1) :]
    for i in reversed(before):
        found = glued(lines[i], i)
        if found is not None:
            return found
    if before and before[-1] == error_line:
        previous = [i for i in content if i < error_line]
        if previous:
            return _out_of_line(lines, previous, error_line)
    return None


def glued(line: str, index: int) -> Mistake | None:
    """`-stretch:` (no space after the dash) or `hold:30s` (no space after the colon) on a line."""
    dash = _DASH_GLUED.match(line)
    if dash:
        indent, key = dash.groups()
        return index, len(indent), dash_glued(key)
    colon = _COLON_GLUED.match(line)
    if colon:
        indent, dashes, key, value = colon.groups()
        return index, len(indent) + len(dashes) + len(key), colon_glued(key, value)
    return None


def dash_glued(key: str) -> str:
    """The message for `-KEY:`, a list item without the space after its dash."""
    return f"'-{key}:' needs a space after the dash: write '- {key}:' (a list item is '- ' and then the step)"


def colon_glued(key: str, value: str) -> str:
    """The message for `KEY:VALUE`, a key without the space after its colon."""
    return (
        f"'{key}:{_cut(value)}' needs a space after the colon: write '{key}: {_cut(value)}' "
        "(YAML reads a key only when ': ' follows it)"
    )


def _out_of_line(lines: list[str], previous: list[int], index: int) -> Mistake | None:
    """A key or a list item indented differently from the line above it that it belongs with."""
    line, above = lines[index], lines[previous[-1]]
    key, above_key = _KEY_LINE.match(line), _KEY_LINE.match(above)
    if key and above_key and not key.group(2):
        indent, key_col = len(key.group(1)), len(above_key.group(1)) + len(above_key.group(2))
        if len(above_key.group(1)) <= indent < key_col and above_key.group(2):
            name, owner = key.group(3), above_key.group(3)
            return (
                index,
                indent,
                f"'{name}:' is indented {_spaces(indent)}, but the other keys of its step are "
                f"indented {key_col}: line it up under '{owner}:' above ({_spaces(key_col)})",
            )
    item = _DASH_ITEM.match(line)
    if item:
        siblings = [len(m.group(1)) for i in previous if (m := _DASH_ITEM.match(lines[i]))]
        indent = len(item.group(1))
        if siblings and indent not in siblings and abs(siblings[-1] - indent) <= 2:
            return (
                index,
                indent,
                f"this '- ' is indented {_spaces(indent)}, but the items above it are indented "
                f"{siblings[-1]}: line the dashes of a list up, one under another",
            )
    return None


def _spaces(n: int) -> str:
    return f"{n} space{'' if n == 1 else 's'}"


def _cut(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
