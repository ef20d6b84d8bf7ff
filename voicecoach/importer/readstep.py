"""Reading one stretch's text: what a coach would say, and the hold, sides, reps, flow and breathing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from voicecoach.importer.findsteps import Section
from voicecoach.importer.model import Count, FoundStep, Hold, Quoted, Sides
from voicecoach.importer.phrases import (
    COUNTED,
    Labelled,
    bare_sets,
    find_holds,
    find_pattern,
    find_props,
    find_reps,
    find_rounds,
    is_caution,
    is_flow,
    is_hold_sentence,
    labelled,
    normalise,
    only_lead,
    other_side_instruction,
    rounds_of_hold,
    sides_said,
    split_sentences,
)

DEFAULT_HOLD_S = 30
DEFAULT_FLOW_ROUNDS = 6
DEFAULT_BREATHE_CYCLES = 4
FLOW_BREATH_S = 10.0  # one 4-6 breath, the routine's default pattern
MAX_TEXT = 400

_DESCRIBES = re.compile(
    r"^(?:this|these|that|those|it|it's|its|they|there|here are|with the|by |unlike|whether|studies|"
    r"research|many|most|some people|a recent|doing this|regularly|often|"
    r"(?:good|great|ideal|perfect) for|(?:the|an?) (?:\w+ ){0,4}(?:stretch|pose|"
    r"exercise|video|muscles?|move|way)\b)",
    re.I,
)
_BENEFIT = re.compile(
    r"\b(?:helps?|targets?|improves?|relieves?|provides?|promotes?|alleviates?|reduces?|"
    r"eases|benefits?|strengthens|lengthens|opens up|relieving|relieve)\b",
    re.I,
)
_HOLD_START = re.compile(
    r"^(?:then |and |now |gently |simply )?(?:hold|stay|remain|maintain|breathe|rest|relax|"
    r"take|keep (?:this|the|that) (?:position|pose|stretch)|continue)\b",
    re.I,
)
_HOLD_CLAUSE = re.compile(
    r"(?:,\s*|\s+and\s+|\s+then\s+|;\s*)(?:then\s+)?(?:hold|holding|stay|staying|"
    r"remain|remaining|maintain|maintaining|breathing)\b.*$",
    re.I,
)
_ONLY_SIDES = re.compile(
    r"^(?:then |now )?(?:switch|swap|change|repeat|do the same|mirror)\b[^.]{0,60}[.!]?$", re.I
)
_ONLY_REPS = re.compile(
    r"^(?:then |now )?(?:repeat|do)\b[^.]{0,40}\b(?:times|reps|repetitions|rounds|sets)\b", re.I
)
_RELEASE = re.compile(
    r"^(?:afterwards?|after that|then release|release|slowly release|gently release|"
    r"to release|come out|lower)\b",
    re.I,
)
_INHALE = re.compile(r"^(?:as you |on (?:an|the|each) )?(?:inhale|breathe in)\w*\s*[,:]?\s*", re.I)
_EXHALE = re.compile(r"^(?:as you |on (?:an|the|each) )?(?:exhale|breathe out)\w*\s*[,:]?\s*", re.I)
_LEAD_IN = re.compile(
    r"^(?:here['\u2019]s how(?: you do it| to do it)?|how to do it|how to|to do it|to do this|"
    r"instructions?|method|directions?)\s*:\s*",
    re.I,
)
_SIDE_WORDS = re.compile(
    r"\b(?:your|the|to the|on the) (left|right)\b|\b(left|right) (?:side|leg|arm|foot|knee|hip|"
    r"hand|elbow|shoulder|ankle|thigh|heel|glute)s?\b",
    re.I,
)
_FLOW_NAMES = re.compile(r"\bcat[- ]cow\b|\bcat and cow\b", re.I)


@dataclass
class _Reading:
    """What has been read of one stretch so far (mutable while reading, frozen into a FoundStep)."""

    setup: list[str] = field(default_factory=list)
    cues: list[str] = field(default_factory=list)
    tips: list[str] = field(default_factory=list)
    release: list[str] = field(default_factory=list)
    cautions: list[Quoted] = field(default_factory=list)
    props: list[Quoted] = field(default_factory=list)
    inhale: str = ""
    exhale: str = ""
    hold: Hold | None = None
    sides: Sides | None = None
    reps: Count | None = None
    rounds: Count | None = None
    breath: Quoted | None = None
    flow: bool = False
    counted: Count | None = None  # the first count of rounds in any sentence ("Do 5 rounds.")
    second: str = ""  # the side the article repeats with, when it names it ("Repeat with the left leg")
    side_checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # labelled values not (all) read


def tidy(sentence: str) -> str:
    """A sentence as it will be spoken: no lead-in, a capital first letter, a full stop, no braces."""
    text = _LEAD_IN.sub("", sentence.strip()).replace("{", "(").replace("}", ")")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!?":
        text = text.rstrip(",;:") + "."
    return text[:MAX_TEXT]


def _sentences(section: Section) -> list[str]:
    out = []
    for block in section.body:
        out.extend(split_sentences(block.text))
    return out


_SUMMARY = re.compile(r"\b(?:a|per|each) (?:day|week)\b|\bdaily\b|\btotal\b|\bweekly\b")
MAX_LABEL_HOLD_S = 300  # a labelled time longer than this is the routine's, not one stretch's


def _labels(r: _Reading, section: Section) -> tuple[list[Labelled | None], set[int]]:
    """The label of each sentence, or None where it is prose: a value not read inside a paragraph
    ("Time: let yourself sink deeper.") is spoken, and a trailing block of labels that reads like the
    routine's summary ("Time: 5 minutes", "Reps: 3 times a day") is not the stretch's: neither read
    nor spoken, checked (the indices of those are returned too)."""
    labels: list[Labelled | None] = []
    texts: list[str] = []
    blocks: list[list[int]] = []
    for block in section.body:
        start = len(labels)
        for k, sentence in enumerate(split_sentences(block.text)):
            texts.append(sentence)
            label = labelled(sentence)
            if label is not None and k > 0 and label.unread and label.count is None:
                label = None
            labels.append(label)
        blocks.append(list(range(start, len(labels))))
    run: list[int] = []
    for indices in reversed(blocks):
        if not indices or any(labels[n] is None for n in indices):
            break
        run = indices + run
    prose_before = len(run) < len(labels)
    summary = {n for n in run if prose_before and _summary_like(labels[n])}
    summary |= {n for n, label in enumerate(labels) if _summary_like(label, long_only=True)}
    if summary & set(run):
        summary |= set(run)
    for n in sorted(summary):
        if labels[n] is not None:
            r.notes.append(f"not read, it reads like the routine's summary: {_said(texts[n])}")
            labels[n] = None
    return labels, summary


def _summary_like(label: Labelled | None, long_only: bool = False) -> bool:
    if label is None:
        return False
    holds = find_holds(label.value) if label.kind == "hold" else []
    if any(hold.unit == "s" and hold.high > MAX_LABEL_HOLD_S for hold in holds):
        return True
    return not long_only and bool(_SUMMARY.search(label.value))


def read_step(section: Section) -> FoundStep:
    """Everything about one stretch that its text says."""
    sentences = _sentences(section)
    r = _Reading(flow=bool(_FLOW_NAMES.search(section.name)))
    labels, summary = _labels(r, section)
    held_at = _find_hold(r, sentences, labels)
    for n, sentence in enumerate(sentences):
        if n in summary:
            continue
        at = held_at is not None and n > held_at
        _read_sentence(r, sentence, labels[n], after_hold=at, is_hold=n == held_at)
    return _finish(section, r)


def _find_hold(r: _Reading, sentences: list[str], labels: list[Labelled | None]) -> int | None:
    """The first sentence that holds for a time (or a number of breaths); its first length is the hold."""
    counted = None
    for n, sentence in enumerate(sentences):
        holds = find_holds(sentence)
        label = labels[n]
        if holds and (is_hold_sentence(sentence) or (label is not None and label.kind == "hold")):
            timed = [hold for hold in holds if hold.qualifier != COUNTED]
            if timed:
                r.hold = timed[0]
                return n
            counted = counted or (n, holds[0])
    if counted is None:  # a count is the hold only when no sentence of the step holds for a time
        return None
    r.hold = counted[1]
    return counted[0]


def _read_sentence(
    r: _Reading, sentence: str, label: Labelled | None, after_hold: bool, is_hold: bool
) -> None:
    said = sides_said(sentence)
    if said is not None and (after_hold or not said.terse):
        if said.terse and r.sides is None:
            r.side_checks.append(f"read as the other side (sides: both): {_said(sentence)}")
        if r.sides is None:
            r.sides = Sides("right", sentence)
            r.second = said.second
    r.props.extend(Quoted(p, sentence) for p in find_props(sentence) if p not in {q.text for q in r.props})
    if label is not None:  # a value under a label is read, never spoken ("Reps: 2.")
        _read_label(r, label, sentence)
        return
    r.reps = r.reps or find_reps(sentence)
    pattern = find_pattern(sentence)
    r.breath = r.breath or pattern
    r.flow = r.flow or is_flow(sentence)
    if is_flow(sentence) or _FLOW_NAMES.search(sentence) or pattern:
        r.rounds = r.rounds or find_rounds(sentence)
    r.counted = r.counted or find_rounds(sentence)
    if is_caution(sentence):
        r.cautions.append(Quoted(tidy(sentence), sentence))
        return
    spoken = _spoken_part(sentence, is_hold, after_hold)
    if not spoken or pattern:
        return
    if _INHALE.match(spoken) and not r.inhale:
        r.inhale = tidy(_INHALE.sub("", spoken))
    elif _EXHALE.match(spoken) and not r.exhale:
        r.exhale = tidy(_EXHALE.sub("", spoken))
    elif spoken.lower().startswith("if "):
        r.tips.append(spoken)
    elif after_hold:
        (r.release if _RELEASE.match(spoken) else r.cues).append(spoken)
    else:
        r.setup.append(spoken)


def _read_label(r: _Reading, label: Labelled, sentence: str) -> None:
    """ "Reps: 3 on each side" -> reps and sides; "Hold: 30 seconds" was read as the hold already."""
    if label.kind == "reps" and label.count is not None:
        r.reps = r.reps or label.count
        r.counted = r.counted or label.count
    elif label.kind == "sides" and not label.unread and r.sides is None:
        r.sides = Sides("right", sentence)
    if label.unread and label.count is not None:
        r.notes.append(f"read as {label.count.value}, the rest not read: {_said(sentence)}")
    elif label.unread:
        r.notes.append(f"could not read: {_said(sentence)}")


def _spoken_part(sentence: str, is_hold: bool, after_hold: bool = False) -> str:
    """What of a sentence a coach says aloud: not the hold (voicecoach says it), sides or benefits."""
    text = _LEAD_IN.sub("", sentence.strip())
    if _DESCRIBES.match(text) or (_BENEFIT.search(text) and not is_hold):
        return ""
    if (_ONLY_SIDES.match(text) and sides_said(text) is None) or _ONLY_REPS.match(text):
        return ""
    if is_hold or (find_holds(text) and is_hold_sentence(text)):
        if _HOLD_START.match(text):
            return ""
        text = _HOLD_CLAUSE.sub("", text)
        if len(text.split()) < 3 or find_holds(text):
            return ""
    return tidy(_without_sides(text, after_hold))


def _without_sides(text: str, after_hold: bool) -> str:
    """A sentence without its clauses that say 'the other side' (voicecoach does the sides itself):
    'Repeat on the other side, keeping your hips square.' -> 'Keeping your hips square'."""
    clauses = re.split(r"\s*[,;:]\s+|\s+-\s+", text)
    kept = []
    for clause in clauses:
        said = sides_said(clause)
        if not other_side_instruction(clause) or (said is not None and said.terse and not after_hold):
            kept.append(clause)
    if len(kept) == len(clauses):
        return text
    kept = [clause for clause in kept if not only_lead(clause)]  # "Then, the other side, ..." -> "..."
    rest = ", ".join(kept).strip(" ,.")
    return rest if len(rest.split()) >= 3 and not only_lead(rest) else ""


def _finish(section: Section, r: _Reading) -> FoundStep:
    if r.sides is None and re.search(r"\((?:each|per) (?:side|leg)\)", section.head.raw, re.I):
        r.sides = Sides("right", section.head.raw)
    kind = "stretch"
    if r.breath is not None and re.search(r"\bbreath", section.name, re.I):
        kind = "breathe"
    elif r.flow or (r.hold is None and r.reps is not None and (r.reps.sets > 1 or r.sides is None)):
        # Sets of repetitions with nothing held ("Lift your hips. Do 2 sets of 10 reps.") are moved;
        # a stretch done on each side with no hold said is still a stretch held the default time.
        kind = "flow"
    if kind == "flow" and r.rounds is None and r.reps is not None and r.hold is not None:
        _rounds_of_moving(r, r.reps, r.hold)
    if kind != "stretch" and r.rounds is None and r.reps is not None:
        r.rounds, r.reps = r.reps, None
    if kind == "breathe" and r.rounds is None:
        r.rounds = r.counted  # the rounds of a breathing exercise in a sentence of their own
    if r.sides is not None:
        named = _SIDE_WORDS.search(" ".join(r.setup))
        first = (named.group(1) or named.group(2)).lower() if named else ""
        if first and first == r.second:
            r.side_checks.append(
                f"the article starts with the {first} side and repeats with the {r.second}: "
                f"check which side comes first ({_said(r.sides.quote)})"
            )
        elif not first and r.second:
            first = "left" if r.second == "right" else "right"
        if first == "left":
            r.sides = Sides("left", r.sides.quote)
    return FoundStep(
        name=section.name,
        heading=section.head.raw,
        kind=kind,
        setup=tuple(r.setup),
        cues=tuple(r.cues),
        tips=tuple(r.tips),
        cautions=tuple(r.cautions),
        release=" ".join(r.release)[:MAX_TEXT],
        inhale=r.inhale,
        exhale=r.exhale,
        hold=r.hold,
        sides=r.sides,
        reps=r.reps,
        cycles=r.rounds,
        breath=r.breath,
        props=tuple(r.props),
        checks=tuple(_checks(kind, r)),
    )


def _rounds_of_moving(r: _Reading, reps: Count, hold: Hold) -> None:
    """'Do 3 rounds of 30 seconds' in a flow: 90 s of moving, 9 rounds of one 10 s breath (not 3 rounds)."""
    if hold.quote != reps.quote or not rounds_of_hold(reps.quote):
        return
    times = reps.value * reps.sets
    if hold.unit == "s":
        total = times * hold.value
        n = max(1, min(100, round(total / FLOW_BREATH_S)))
        what = f"{total:g} s of moving, {n} rounds at one {FLOW_BREATH_S:g} s breath a round"
    else:
        n = max(1, min(100, int(times * hold.value)))
        what = f"{n} rounds of one breath"
    r.rounds, r.reps = Count(n, n, reps.quote), None
    r.notes.append(
        f"a flow is not held: {times} rounds of {_length(hold)} read as {what} ({_said(reps.quote)})"
    )


def _length(hold: Hold) -> str:
    if hold.unit == "breaths":
        return f"{hold.value:g} breaths"
    return f"{hold.value:g} s"


def _checks(kind: str, r: _Reading) -> list[str]:
    """What could not be read and was filled in, said plainly (each becomes a warning and a # check:)."""
    checks = []
    if kind == "stretch" and r.hold is None:
        checks.append(f"no hold time found, used the default {DEFAULT_HOLD_S} s")
    if r.hold is not None and r.hold.qualifier == COUNTED:
        n = f"{r.hold.low:g}"
        checks.append(f'"a count of {n}" read as {n} s, one second a count: {_said(r.hold.quote)}')
    if kind == "flow" and r.rounds is None and r.hold is None:
        checks.append(f"no number of rounds found, used {DEFAULT_FLOW_ROUNDS}")
    if kind == "breathe" and r.rounds is None:
        checks.append(f"no number of rounds found, used {DEFAULT_BREATHE_CYCLES}")
    if r.sides is not None and _SIDE_WORDS.search(" ".join(r.setup + r.cues)):
        checks.append(
            "the text names a left or right side; on the second side it is spoken as written "
            "(write {side} where it should follow the side)"
        )
    checks += r.side_checks + r.notes
    counted = r.reps if kind == "stretch" else r.rounds
    if counted is not None and counted.sets > 1:
        what = "holds" if kind == "stretch" else "rounds"
        checks.append(f"{counted.sets} sets of {counted.value} read as {counted.sets * counted.value} {what}")
    if kind == "flow" and r.rounds is not None and bare_sets(r.rounds.quote):
        checks.append(f"{r.rounds.value} sets with no count in each read as {r.rounds.value} rounds")
    if kind != "stretch" and r.sides is not None:
        checks.append(
            "the article does this on each side, but a flow has no sides: it is done once here "
            "(copy the step for the other side)"
        )
    return checks


def _said(sentence: str) -> str:
    """The article's sentence in quotes, on one line and cut short, for a check."""
    text = " ".join(sentence.split())
    return '"' + (text if len(text) <= 120 else text[:117] + "...") + '"'


def flow_rounds(step: FoundStep) -> tuple[int, str]:
    """A flow's rounds and where the number came from: its count, or its time at one 10 s breath a round."""
    if step.cycles is not None:
        sets = step.cycles.sets
        return min(100, step.cycles.value * sets), step.cycles.quote
    if step.hold is not None and step.hold.unit == "s":
        return max(1, min(100, round(step.hold.value / FLOW_BREATH_S))), step.hold.quote
    if step.hold is not None:
        return max(1, min(100, int(step.hold.value))), step.hold.quote
    return DEFAULT_FLOW_ROUNDS, ""


def normalised_name(name: str) -> str:
    """A name for comparing: lower case, plain apostrophes and dashes, no punctuation."""
    text = normalise(name).replace("-", " ")
    return re.sub(r"[^a-z0-9 ]+", "", text).strip()
