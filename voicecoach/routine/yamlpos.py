"""Safe YAML composition with positions: the node graph, never constructed objects.

Errors from the YAML layer are turned into `Problem`s with 1-based line and column.
"""

from __future__ import annotations

import os
import re

import yaml

from voicecoach.errors import Problem
from voicecoach.fsutil import special_kind
from voicecoach.routine import yamlhints

MAX_FILE_BYTES = 1_000_000
MAX_EXPANDED_NODES = 50_000
MAX_DEPTH = 100

_STD = "tag:yaml.org,2002:"
# Plain YAML types, including those PyYAML resolves on its own (a date, `=`, `<<`): values are
# always read as text, never constructed, so only other tags (python/..., !custom) are refused.
ALLOWED_TAGS = {
    _STD + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "value", "merge")
}


def read_source(
    path: str | os.PathLike[str],
    shown: str,
    what: str = "routine",
    fix: str = "give the path of a routine's .yaml file",
) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a routine (or profiles) file, read only if it is a regular file of at most
    MAX_FILE_BYTES: a device (/dev/zero), a named pipe or a folder is refused without reading it."""
    try:
        info = os.stat(path)
        kind = special_kind(info.st_mode)
        if kind:
            return None, [Problem(shown, 1, 1, f"this is {kind}, not a {what} file: {fix}")]
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        with os.fdopen(os.open(path, flags), "rb") as fh:
            kind = special_kind(os.fstat(fh.fileno()).st_mode)  # replaced since the stat above
            if kind:
                return None, [Problem(shown, 1, 1, f"this is {kind}, not a {what} file: {fix}")]
            audio = audio_kind(fh.read(12))
            if audio:
                message = f"this is not a {what} file (it is audio: {audio}): {fix}"
                return None, [Problem(shown, 1, 1, message)]
            if info.st_size > MAX_FILE_BYTES:
                return None, [_too_big(shown, info.st_size, what)]
            fh.seek(0)
            return fh.read(MAX_FILE_BYTES + 1), []
    except OSError as exc:
        return None, [Problem(shown, 1, 1, f"cannot read the file: {exc.strerror or exc}")]


def audio_kind(head: bytes) -> str | None:
    """What kind of audio file starts with `head` (its first 12 bytes), or None: a routine is text,
    and an exported session given in its place deserves a better answer than a size limit."""
    mpeg_layer_3 = len(head) > 2 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2 and head[2] < 0xF0
    if head.startswith(b"ID3") or mpeg_layer_3:  # a frame header's sync bits, layer III (not FF FE)
        return "an MP3 file"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "a WAV file"
    if head.startswith(b"OggS"):
        return "an Ogg file"
    if head.startswith(b"fLaC"):
        return "a FLAC file"
    if head[4:8] == b"ftyp":
        return "an MP4/M4A file"
    return None


def _too_big(path: str, size: int, what: str = "routine") -> Problem:
    return Problem(
        path,
        1,
        1,
        f"the file is {size:,} bytes; a {what} file may be at most {MAX_FILE_BYTES:,} "
        f"bytes (split it into several {what} files)",
    )


def decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """Text of a routine file, or the problem that stops it being read."""
    if len(data) > MAX_FILE_BYTES:
        return None, [_too_big(path, len(data))]
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # a BOM is no character of line 1
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position_of(body, exc.start)
        return None, [
            Problem(
                path,
                line,
                col,
                f"byte 0x{body[exc.start]:02x} is not UTF-8 text: save the routine as UTF-8 text",
            )
        ]
    if "\x00" in text:
        line, col = _position_of(text, text.index("\x00"))
        return None, [
            Problem(
                path,
                line,
                col,
                "the file holds binary data (a NUL byte), not YAML text: "
                "a routine is a plain UTF-8 text file",
            )
        ]
    return text, []


_LINE_BREAK = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")


def _position_of(data: bytes | str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, any YAML line break) of `offset`."""
    prefix = data[:offset].decode("utf-8", "replace") if isinstance(data, bytes) else data[:offset]
    lines = _LINE_BREAK.split(prefix)
    return len(lines), len(lines[-1]) + 1


def compose(path: str, text: str) -> tuple[yaml.Node | None, list[Problem]]:
    """The YAML node tree of `text` (safe: nothing is constructed), or the syntax problem."""
    try:
        shape = _shape_problem(text)
        if shape is not None:
            line, column, message = shape
            return None, [Problem(path, line + 1, column + 1, message)]
        root = _compose_fast(text)
    except yaml.MarkedYAMLError as exc:
        mark = _error_mark(exc)
        mistake = yamlhints.common_mistake(text, exc.problem_mark.line if exc.problem_mark else 0)
        if mistake is not None:
            return None, [Problem(path, mistake[0] + 1, mistake[1] + 1, mistake[2])]
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(path, line, col, _syntax_message(exc))]
    except yaml.reader.ReaderError as exc:
        line, col = _position_of(text, exc.position)
        return None, [
            Problem(
                path,
                line,
                col,
                f"character {exc.character!r} is not allowed in YAML text: "
                "remove it (a routine is plain text)",
            )
        ]
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error above carries a mark
        return None, [Problem(path, 1, 1, f"not valid YAML: {exc}")]
    loop = _alias_loop(root)
    if loop is not None:
        mark = loop.start_mark
        return None, [
            Problem(
                path,
                mark.line + 1,
                mark.column + 1,
                "an alias inside the anchor defined here repeats that anchor, so it would "
                "never end: write the steps out instead of repeating an anchor (&name / *name)",
            )
        ]
    bomb = _alias_bomb(root)
    if bomb is not None:
        mark = bomb.start_mark
        return None, [
            Problem(
                path,
                mark.line + 1,
                mark.column + 1,
                f"aliases repeat the anchor defined here until the routine would expand "
                f"beyond {MAX_EXPANDED_NODES:,} values: write the steps out instead of "
                "repeating an anchor (&name / *name)",
            )
        ]
    return root, []


def _alias_loop(root: yaml.Node | None) -> yaml.Node | None:
    """An anchored node that contains an alias of itself (`a: &x [*x]`), which PyYAML composes as a cycle."""
    if root is None:
        return None
    state: dict[int, bool] = {}  # id -> True while its children are being walked, False when done
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            state[id(node)] = False
            continue
        seen = state.get(id(node))
        if seen:  # still open: everything walked meanwhile lies inside it
            return node
        if seen is None:
            state[id(node)] = True
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return None


def _alias_bomb(root: yaml.Node | None) -> yaml.Node | None:
    """The most repeated anchored node when aliases would expand the document past the bound."""
    if root is None:
        return None
    sizes: dict[int, int] = {}
    refs: dict[int, int] = {}
    nodes: dict[int, yaml.Node] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            sizes[key] = min(MAX_EXPANDED_NODES + 1, 1 + sum(sizes[id(c)] for c in _children(node)))
            continue
        refs[key] = refs.get(key, 0) + 1
        if refs[key] > 1:
            continue
        nodes[key] = node
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    if sizes[id(root)] <= MAX_EXPANDED_NODES:
        return None
    shared = [k for k, n in refs.items() if n > 1]
    return nodes[max(shared, key=lambda k: sizes[k])] if shared else root


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _error_mark(exc: yaml.MarkedYAMLError) -> yaml.Mark | None:
    """Where to point: the opening of an unclosed quote or bracket, else where the parser stopped."""
    if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
        return exc.context_mark
    return exc.problem_mark or exc.context_mark


def _shape_problem(text: str) -> tuple[int, int, str] | None:
    """Where the document nests past MAX_DEPTH (composing that deep would exhaust Python's stack) or
    holds more than MAX_EXPANDED_NODES values (composing them all would be slow): found from the
    parser's events, before anything is composed. The line and column count from 0."""
    loaders = [getattr(yaml, "CSafeLoader", None), yaml.SafeLoader]
    for loader in (found for found in loaders if found is not None):
        depth = nodes = 0
        try:
            for event in yaml.parse(text, Loader=loader):
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        return _at(
                            event,
                            f"lists or keys are nested more than {MAX_DEPTH} levels deep "
                            "here: a routine needs only a few levels",
                        )
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
                if isinstance(event, yaml.NodeEvent):
                    nodes += 1
                    if nodes > MAX_EXPANDED_NODES:
                        return _at(
                            event,
                            f"the file holds more than {MAX_EXPANDED_NODES:,} values "
                            "(texts, lists and keys) by here: a routine needs far fewer "
                            "(split it into several routines)",
                        )
            return None
        except yaml.YAMLError:
            if loader is yaml.SafeLoader:
                raise
    return None


def _at(event: yaml.Event, message: str) -> tuple[int, int, str]:
    """Where a parser event starts (0-based line and column; the top when the parser gave no mark)."""
    mark = event.start_mark
    return (mark.line, mark.column, message) if mark is not None else (0, 0, message)


def _compose_fast(text: str) -> yaml.Node | None:
    """libyaml when present (fast); on an error, PyYAML again for its clearer messages."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = (exc.problem or str(exc)).strip()
    if "'\\t'" in problem or "\t" in problem:
        return "a tab character is not allowed here: YAML indents with spaces, never tabs"
    if "expected a single document" in (exc.context or "") + problem:
        return "more than one YAML document: a routine is a single document (remove the '---' line)"
    if "mapping values are not allowed" in problem:
        return (
            "unexpected ':' here: check the indentation of this line, "
            "or put quotes around a text that contains ': '"
        )
    if "'{'" in problem or "'['" in problem:
        return (
            "unexpected '{' or '[' inside a list or text: put quotes around a text that contains "
            "{side} or brackets, or write the list one '- ' item per line"
        )
    context = f" {exc.context}" if exc.context else ""
    return f"not valid YAML:{context} {problem} (check indentation and quotes)".replace("  ", " ")


def tag_problem(path: str, node: yaml.Node) -> Problem | None:
    """A problem when a node carries an explicit tag other than plain YAML types."""
    if node.tag in ALLOWED_TAGS:
        return None
    mark = node.start_mark
    return Problem(
        path,
        mark.line + 1,
        mark.column + 1,
        f"YAML tags are not allowed ({node.tag.replace(_STD, '!!')}): write plain text, numbers and lists",
    )


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _STD + "null"
