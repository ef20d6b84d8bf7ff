"""An article's text (Markdown, or plain text) as a flat list of blocks: headings, list items, paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicecoach.importer.phrases import labelled

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(?:([-*+\u2022\u25cf\u25aa\u2013])|(\d{1,3})[.)])\s+(.*)$")
_STEP_WORD = re.compile(
    r"^(?:step|stretch|exercise|move|pose|no\.?)\s*(\d{1,3})\s*[:.)\-\u2013\u2014]\s*", re.I
)
_LEAD_NUMBER = re.compile(r"^#?(\d{1,3})\s*[.):\-\u2013\u2014]\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(.+?)\1")
_NAMED = re.compile(r"^(?:\*\*([^*]{2,60})\*\*|__([^_]{2,60})__)\s*[:.\u2013\u2014-]?\s*(.*)$")
_SKIP = re.compile(
    r"^(?:read more|related|see also|advertisement|sponsored|share this|leave a reply|"
    r"previous post|next post)\b",
    re.I,
)


@dataclass(frozen=True)
class Block:
    """One line-level piece of the article, in order."""

    kind: str  # heading, item, para
    text: str  # without its marker (and, for headings, without its number)
    raw: str  # the line as the article has it, for quoting
    level: int = 0  # heading level (1-6), or list depth (0 = top)
    ordered: bool = False  # a numbered list item, or a numbered heading
    number: int | None = None


def plain(text: str) -> str:
    """Text without Markdown emphasis, inline code or link syntax."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = _EMPHASIS.sub(r"\2", text).replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def strip_number(text: str) -> tuple[str, int | None]:
    """'1. Pigeon Stretch', 'Step 2: Cat-Cow', '#3 - Frog' -> the name and its number."""
    for pattern in (_STEP_WORD, _LEAD_NUMBER):
        m = pattern.match(text)
        if m:
            return text[m.end() :].strip(), int(m.group(1))
    return text, None


def parse_blocks(text: str, form: str) -> list[Block]:
    """Blocks of Markdown (`md`, also trafilatura's output) or plain text (`txt`)."""
    blocks: list[Block] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        block = _block(line, form, lines[i - 1] if i else "")
        if block is not None and not _SKIP.match(block.text):
            blocks.extend(_split_named_item(block))
    return blocks


def _split_named_item(block: Block) -> list[Block]:
    """'- **Child's Pose**: sit back on your heels...' -> the item 'Child's Pose' and a paragraph."""
    if block.kind != "item":
        return [block]
    if labelled(block.text) is not None:  # "- **Reps:** 2" is a value of the stretch above, not a name
        return [Block("para", block.text, block.raw)]
    content = _ITEM.match(block.raw)
    m = _NAMED.match(content.group(4).strip()) if content else None
    if not m or not m.group(3).strip():
        return [block]
    name = plain(m.group(1) or m.group(2))
    return [
        Block("item", name, block.raw, block.level, block.ordered, block.number),
        Block("para", plain(m.group(3)), block.raw),
    ]


def _block(line: str, form: str, before: str) -> Block | None:
    if not line.strip() or set(line.strip()) <= set("-*_=|: "):
        return None
    raw = line.strip()
    m = _HEADING.match(raw)
    if m:
        name, number = strip_number(plain(m.group(2)))
        return Block("heading", name, raw, len(m.group(1)), number is not None, number)
    m = _ITEM.match(line.expandtabs(4))
    if m:
        content = m.group(4).strip()
        inner = _HEADING.match(content)
        if inner:
            content = inner.group(2)
        number = int(m.group(3)) if m.group(3) else None
        return Block("item", plain(content), raw, len(m.group(1)) // 2, number is not None, number)
    text = plain(raw)
    if form == "txt" and _looks_like_title(text) and not before.strip():
        name, number = strip_number(text)
        return Block("heading", name, raw, 2, number is not None, number)
    return Block("para", text, raw)


def _looks_like_title(text: str) -> bool:
    """A plain-text line standing alone as a heading: short, capitalised, no closing full stop."""
    words = text.split()
    return (
        0 < len(words) <= 9
        and text[0].isupper()
        and not text.endswith((".", "!", "?", ",", ";"))
        and len(text) <= 80
    )
