"""Finding the routine in an article: which headings or list items are the stretches, in order.

Candidates are runs of headings (or of list items) of the same rank whose text reads like a name.
Each run is scored by how much its entries look like stretches (a hold time, a stretch word in
the name, body positions in the text); the best run wins. An article with no such run but one
named stretch and a hold in its prose (a news piece about "the one stretch") gives that one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicecoach.importer.blocks import Block, strip_number
from voicecoach.importer.phrases import (
    find_holds,
    find_pattern,
    find_reps,
    is_flow,
    is_hold_sentence,
    labelled,
    split_sentences,
)

_STRETCH_WORDS = re.compile(
    r"\b(stretch|stretches|pose|lunge|twist|fold|bend|rotations?|tilts?|raises?|circles?|squat|bridge|"
    r"cat|cow|pigeon|butterfly|frog|child'?s|cobra|sphinx|knees?|hips?|hamstrings?|quads?|calf|calves|"
    r"neck|shoulders?|chest|glutes?|piriformis|psoas|flexors?|spine|spinal|rolls?|reach|opener|"
    r"breathing|breath|release|dog|baby|wall|figure)\b",
    re.I,
)
_POSITIONS = re.compile(
    r"\b(lie|lying|sit|sitting|kneel|kneeling|stand|standing|knees?|hips?|legs?|arms?|"
    r"feet|foot|back|shoulders?|hands?|floor|spine)\b",
    re.I,
)
_NOT_STRETCHES = re.compile(
    r"\b(guidelines?|tips?|safety|safely|benefits?|faq|questions?|why|related|"
    r"mistakes?|references?|sources?|comments?|contents)\b",
    re.I,
)
_CALLED = re.compile(
    r"\b(?:called|known (?:\w+ ){0,3}as|named)\s+(?:the\s+)?((?:[A-Z][\w'\u2019-]*\s?){1,5})"
)
_SIDES_NOTE = re.compile(r"\s*\((?:each|per|both|every) (?:side|leg|arm)s?\)$", re.I)
_MAX_NAME_WORDS, _MAX_NAME_CHARS = 8, 60


@dataclass(frozen=True)
class Section:
    """One stretch as found: the block that names it and the blocks of its text."""

    name: str
    head: Block
    body: tuple[Block, ...]


def name_like(block: Block) -> bool:
    """Whether a heading or list item reads like a name ('Knee to Chest'), not a sentence."""
    text = block.text.rstrip(":").strip()
    return (
        0 < len(text.split()) <= _MAX_NAME_WORDS
        and len(text) <= _MAX_NAME_CHARS
        and not text.endswith((".", "!", "?", ","))
        and not text[:1].islower()
    )


def _rank(block: Block) -> tuple[str, int, bool]:
    return (block.kind, block.level, block.ordered)


def _ends_run(block: Block, rank: tuple[str, int, bool]) -> bool:
    """A heading that closes a run: any heading for items, a heading as high or higher for headings."""
    if block.kind != "heading":
        return False
    return rank[0] == "item" or block.level <= rank[1]


def candidate_runs(blocks: list[Block]) -> list[list[int]]:
    """Indices of name-like headings or items that sit at the same rank in one stretch of the article."""
    runs: dict[tuple[str, int, bool], list[list[int]]] = {}
    for i, block in enumerate(blocks):
        if block.kind == "para":
            continue
        for rank, groups in runs.items():
            if rank != _rank(block) and _ends_run(block, rank) and groups[-1]:
                groups.append([])
        if name_like(block):
            runs.setdefault(_rank(block), [[]])[-1].append(i)
    return [run for groups in runs.values() for run in groups if run]


def sections_of(blocks: list[Block], run: list[int]) -> list[Section]:
    """Each entry of a run with the blocks that follow it, up to the next entry or the run's end."""
    rank = _rank(blocks[run[0]])
    sections = []
    for n, start in enumerate(run):
        stop = run[n + 1] if n + 1 < len(run) else len(blocks)
        end = start + 1
        while end < stop and not _ends_run(blocks[end], rank):
            end += 1
        head = blocks[start]
        body = list(blocks[start + 1 : end])
        while n + 1 == len(run) and body and _is_sign_off(body[-1]):
            body.pop()
        name, _ = strip_number(head.text.rstrip(":").strip())
        name = _SIDES_NOTE.sub("", name.rstrip(":").strip())
        sections.append(Section(name, head, tuple(body)))
    return sections


def _is_sign_off(block: Block) -> bool:
    """A closing line after the last stretch ('Run well, see you next week'): no body part, no hold."""
    return (
        block.kind == "para"
        and not _POSITIONS.search(block.text)
        and not find_holds(block.text)
        and not is_flow(block.text)
        and not find_pattern(block.text)
        and not find_reps(block.text)
        and labelled(block.text) is None
    )


def _score(blocks: list[Block], run: list[int]) -> float:
    """How much a run looks like a list of stretches."""
    score = 0.0
    for section in sections_of(blocks, run):
        body = " ".join(b.text for b in section.body)
        held = any(find_holds(s) and is_hold_sentence(s) for s in split_sentences(body))
        score += 2.0 * held + bool(_STRETCH_WORDS.search(section.name)) + bool(_POSITIONS.search(body))
        score += 0.5 * any(is_flow(s) for s in split_sentences(body))
    heading = _heading_before(blocks, run[0])
    if heading and _NOT_STRETCHES.search(heading):
        score *= 0.3
    return score


def _heading_before(blocks: list[Block], index: int) -> str:
    head = blocks[index]
    for block in reversed(blocks[:index]):
        if block.kind == "heading" and (head.kind == "item" or block.level < head.level):
            return block.text
    return ""


def find_sections(blocks: list[Block]) -> list[Section]:
    """The stretches of the article, in order; [] when it has none."""
    runs = [
        run
        for run in candidate_runs(blocks)
        if (len(run) > 1 or blocks[run[0]].ordered) and _score(blocks, run) >= 3.0
    ]
    if runs:
        best = max(runs, key=lambda run: (_score(blocks, run), len(run)))
        return sections_of(blocks, best)
    return _one_stretch_in_prose(blocks)


def _one_stretch_in_prose(blocks: list[Block]) -> list[Section]:
    """'It's called the Reclining Hip Release ... Hold this for 45 seconds': one stretch, from prose."""
    name, named_at = "", -1
    for i, block in enumerate(blocks):
        m = _CALLED.search(block.text) if block.kind == "para" else None
        if m and _STRETCH_WORDS.search(m.group(1)):
            name, named_at = m.group(1).strip(), i
            break
    if not name:
        return []
    for i in range(named_at, min(named_at + 4, len(blocks))):
        sentences = split_sentences(blocks[i].text)
        if any(find_holds(s) and is_hold_sentence(s) for s in sentences):
            said = next(s for s in split_sentences(blocks[named_at].text) if name in s)
            head = Block("para", said, said)
            return [Section(name, head, (blocks[i],))]
    return []
