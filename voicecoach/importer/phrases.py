"""Reading one sentence: holds, sides, repetitions, flows, breathing patterns, cautions and props.

Every reader takes the article's sentence as written and returns what it found with that sentence
as its quote. Number words become digits through text2num, not a table of our own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

from voicecoach.importer.model import Count, Hold, Quoted

COUNTED = "a count of"  # the qualifier of a hold given as a count ("hold for a count of 10")
NUM = r"\d+(?:\.\d+)?"
_SEC = r"(?:seconds?|secs?|s)"
_MIN = r"(?:minutes?|mins?|m)"
_UNIT = rf"(?:{_SEC}|{_MIN})"
_TO = r"\s*(?:-|to|or)\s*"
_QUAL = r"(?:(?P<q>up to|about|around|approximately|roughly|at least|at most|a good)\s+)?"
_BREATH_WORDS = r"(?:(?:deep|slow|full|long|calm|steady|big|easy|relaxed),?\s+)*breath(?:s|e cycles)?"

_DURATION = re.compile(
    rf"{_QUAL}(?:(?P<cm>{NUM})\s*{_MIN},?\s+(?:and\s+)?(?P<cs>{NUM})\s*{_SEC}"
    rf"|(?P<a>{NUM})\s*-?\s*(?P<ua>{_UNIT})?{_TO}(?P<b>{NUM})\s*-?\s*(?P<ub>{_UNIT})"
    rf"|(?P<c>{NUM})\s*-?\s*(?P<uc>{_UNIT}))\b"
)
_BREATHS = re.compile(rf"{_QUAL}(?P<a>\d+)(?:{_TO}(?P<b>\d+))?\s+{_BREATH_WORDS}\b")
_HALF_MINUTE = re.compile(rf"{_QUAL}half (?:a|1) minute\b")
_A_MINUTE = re.compile(rf"{_QUAL}(?:a|one|1) (?:full )?minute(?: and a half)?\b")
_AND_A_HALF = re.compile(rf"{_QUAL}(?P<n>\d+) and a half\s+(?P<u>{_UNIT})\b")  # "1 and a half minutes"
# "Hold for a count of 10": one second a count, the usual reading (the step says it read it so).
_COUNT_OF = re.compile(r"\b(?:a |the )?(?:slow )?count (?:of|to) (?P<n>\d+)\b")
# A count is a hold only when a hold verb governs it ("hold for a count of 10", "hold it and count to 10");
# a count to breathe or move by ("Breathe in for a count of 4", "Fold forward on a count of 8") is not.
_COUNT_HELD = re.compile(
    r"\b(?:hold|holding|stay|staying|remain|remaining)\b(?:\s+(?:it|this|the \w+|there|here))?"
    r"(?:\s+(?:for|while you|and|as you))?\s*(?:slowly\s+)?(?:count\s+)?$"
)
_BREATH_MOVE = re.compile(r"\b(?:breathe|inhale|exhale)\b|\bout for\b")

_HOLD_VERBS = re.compile(
    r"\b(hold|holding|held|stay|staying|remain|remaining|maintain|maintaining|"
    r"breathe|breathing|rest|resting|relax|relaxing|keep|sit|lie|take|for|do|rounds?)\b"
)

_LIMB = r"(?:side|leg|arm|foot|knee|hip|hand)s?\b"
_OTHER = rf"(?:the|your)\s+(?:other|opposite)\s+{_LIMB}"
_SIDES = re.compile(
    r"\b(?:each|per|every) (?:side|leg|arm|direction)\b|\bboth sides\b"
    r"|\b(?:switch(?:ing|es)?|swap(?:ping|s)?|chang(?:e|es|ing)|alternat(?:e|es|ing))\s+(?:to\s+)?(?:the\s+)?"
    r"(?:sides?|legs?|arms?|feet|(?:opposite|other) (?:side|leg|arm|foot|knee))\b"
    r"|\b(?:repeat|do the same|mirror)\b[^.]*\b(?:other|opposite) (?:side|leg|arm|foot)\b"
    r"|\bon the other side\b"
    # "then the other side"; a limb only when the stretch is done again: "Do the other side.",
    # "Now do the other leg." ("Hug your right knee in, then the other knee." is one move)
    r"|\b(?:then|now)\s+(?:on\s+|with\s+|for\s+)?(?:the|your)\s+(?:other|opposite)\s+sides?\b"
    rf"|\bdo\s+(?:it\s+|this\s+|the same\s+)?(?:on\s+|with\s+|for\s+)?{_OTHER}"
    # "Repeat with the left leg": the side named is the second one (not "change position and rest on
    # your right side", "Repeat the breath 5 times, keeping your weight on your right foot")
    r"|\b(?:repeat|do the same|mirror|switch|swap|change)"
    r"(?:\s+(?:it|this|sides|the (?:same|stretch|pose|move)))?"
    rf"\s+(?:with|on|using|for|to)\s+(?:the|your)\s+(?P<second>left|right)\s+{_LIMB}"
)
# A sentence that only names the next side ("Now the left leg.", "Other side."): read as both, with a check.
_SIDE_LEAD = re.compile(
    r"^(?:(?:then|now|next|and|when you are ready|when you're ready)\s*,?)?"
    rf"\s*(?:on\s+|with\s+|to\s+)?(?:the\s+|your\s+)?(?:other|opposite|"
    rf"(?P<second>left|right))\s+{_LIMB}\s*(?:next|too|now|as well)?\s*(?:[.!:,;]|$)"
)
_SETS = re.compile(
    rf"(?P<s>\d+)\s+sets?\s+of\s+(?P<a>\d+)(?:{_TO}(?P<b>\d+))?\s*(?:reps|repetitions|times)?\b"
)
# "Repeat 3 sets." with no count in each: a set of a held stretch is one hold.
_BARE_SETS = re.compile(rf"(?P<a>\d+)(?:{_TO}(?P<b>\d+))?\s*sets?\b(?!\s+of\b)")
_REPS = re.compile(rf"(?P<a>\d+)(?:{_TO}(?P<b>\d+))?\s*(?:times|reps|repetitions)\b")
_ROUNDS = re.compile(rf"(?P<a>\d+)(?:{_TO}(?P<b>\d+))?\s*(?:rounds|cycles|circles|rolls|rocks|repeats)\b")
_FLOW = re.compile(
    r"\b(?:move|moving|flow|flowing|alternate|alternating|rock|rocking|sway|swaying|rotate|"
    r"rotating|roll|rolling|circle|circling|swing|swinging)\b[^.]*\b(?:between|side to side|"
    r"back and forth|forward and back|with (?:your|each|the) breath|rounds|cycles)\b"
    r"|\bfrom side to side\b|\bside to side\b|\bon (?:a|an|the|each) (?:breath in|inhale|in-breath)\b"
)
_PATTERN = re.compile(
    rf"\b(?:breathe in|inhale|in)\b[^.;]*?\bfor (?P<i>{NUM})[^.;]*?"
    rf"(?:\bhold\b[^.;]*?\bfor (?P<h>{NUM})[^.;]*?)?"
    rf"\b(?:breathe out|exhale|out)\b[^.;]*?\bfor (?P<o>{NUM})"
    rf"(?:[^.;]*?\bhold\b[^.;]*?\bfor (?P<h2>{NUM}))?"
)
_NAMED_PATTERN = re.compile(rf"\b(?P<p>{NUM}(?:-{NUM}){{1,3}})\s+breath(?:ing)?\b|\bbox breathing\b")
_CAUTION = re.compile(
    r"\b(?:skip (?:this|it)|avoid (?:this|it)|caution|be careful|careful if|not recommended|"
    r"go (?:carefully|gently|easy) with|take (?:extra )?care|"
    r"(?:do not|don't) do (?:this|it)|stop (?:at once |immediately |right away )?if|"
    r"if you have (?:a |an |any )?(?:\w+ ){0,3}(?:pain|injury|injuries|problems?|condition|surgery)|"
    r"if you are pregnant|consult (?:a|your) (?:doctor|physio))"
)
_PROP = re.compile(
    r"\b(?:(?:yoga |sturdy |exercise |padded )?(?:strap|belt|towel|block|mat)|chair|wall|foam roller|"
    r"bolster|pillow|cushion|kettlebell|doorstop|(?:resistance |exercise )band|blanket|bench|stool|"
    r"tennis ball|heavy object)s?\b"
)
# Sentences that say what to have ready: every prop after the word counts ("You'll need a strap and a mat").
_NEED = re.compile(r"\b(?:need|needs|needed|you(?:'ll| will| may| might)? want|equipment|needn't)\b")
# Elsewhere a prop counts only as the object of these ("use a strap", "grab a cushion").
_USE = re.compile(r"\b(?:use|using|grab|bring)\s+")
_DET = (
    r"(?:(?:a|an|the|your|one|some|\d+|a pair of|sturdy|small|large|big|rolled|rolled-up|folded|firm|"
    r"soft|long|thick|heavy)\s+)*"
)
_DET_AT = re.compile(_DET)
# Between two props of one item: alternatives or examples ("a chair or a block", "such as a doorstop").
_ALTERNATIVE = re.compile(rf"\s*,?\s*(?P<w>or|and/or|such as|like|e\.g\.,?|for example,?)\s+{_DET}")
# Between two props of a list ("a strap and a yoga mat", "a mat, a strap").
_AND = re.compile(rf"\s*(?:,|,?\s*and|,?\s*plus|,?\s*as well as)\s+{_DET}")
_NOT_NEEDED = re.compile(r"\b(?:(?:don't|do not|doesn't|does not|won't|will not|no) need|needn't|without)\b")
# A prop that only says where to be ("lean against the wall", "sit on a chair") is not something to bring.
_WHERE = re.compile(
    rf"\b(?:against|on|onto|beside|near|next to|by|under|underneath|over|up|into|at|in front of|"
    rf"facing|behind|off|from|to|toward|towards)\s+{_DET}$"
)
_COUNT_BEFORE = re.compile(r"\b(\d+|a pair of)\s+(?:[a-z-]+\s+)?$")
# Values as blogs label them: "Reps: 2", "Hold: 30 seconds", "Sets: 3", "Duration: 1 minute".
_LABELS = {
    "reps": "reps",
    "repetitions": "reps",
    "sets": "reps",
    "rounds": "reps",
    "cycles": "reps",
    "hold": "hold",
    "hold time": "hold",
    "duration": "hold",
    "time": "hold",
    "sides": "sides",
    "side": "sides",
}
_LABEL = re.compile(rf"^\s*(?P<l>{'|'.join(sorted(_LABELS, key=len, reverse=True))})\s*:\s*(?P<v>.*)$", re.I)
_LABEL_INSIDE = re.compile(rf"\s+(?=(?:{'|'.join(w.capitalize() for w in _LABELS)})\s*:)")
_LEADING_COUNT = re.compile(rf"^(?P<a>\d+)(?:{_TO}(?P<b>\d+))?\b")
_COUNT_WORDS = re.compile(r"\b(?:times|reps|repetitions|sets?|rounds|cycles|each|per|on|of)\b|[^a-z0-9 ]")
_BOTH = re.compile(r"^(?:both|each|every|2|alternate|alternating|left and right|right and left)\b")
_JOIN_WORDS = re.compile(r"\s+(or|such as)\s+")


def normalise(sentence: str) -> str:
    """The sentence in lower case with plain dashes and quotes, and number words as digits."""
    text = sentence.replace("\u2013", "-").replace("\u2014", " - ").replace("\u2019", "'")
    text = text.replace("\u00a0", " ").lower()
    text = re.sub(r"\btwice\b", "2 times", re.sub(r"\bonce\b(?! you)", "1 time", text))
    text = re.sub(r"\bsecond\b", "sec", text)  # text2num reads "second" as the ordinal 2nd
    text = alpha2digit(text, "en", threshold=0)
    return re.sub(r"(\d)\s*-\s*(\d)", r"\1-\2", text)


def _seconds(number: str, unit: str | None) -> float:
    return float(number) * (60.0 if unit and unit.startswith("m") else 1.0)


def find_holds(sentence: str) -> list[Hold]:
    """Every hold length in a sentence, in order: durations and breath counts, ranges kept."""
    text = normalise(sentence)
    found: list[tuple[tuple[int, int], Hold]] = []

    def add(m: re.Match[str], low: float, high: float, unit: str) -> None:
        if not any(m.start() < end and start < m.end() for (start, end), _ in found):
            found.append(((m.start(), m.end()), Hold(low, high, unit, sentence, m.group("q") or "")))

    for m in _AND_A_HALF.finditer(text):
        value = _seconds(m.group("n"), m.group("u")) + _seconds("0.5", m.group("u"))
        add(m, value, value, "s")
    for m in _DURATION.finditer(text):
        if m.group("cm") is not None:
            value = _seconds(m.group("cm"), "m") + _seconds(m.group("cs"), "s")
            add(m, value, value, "s")
        elif m.group("c") is not None:
            value = _seconds(m.group("c"), m.group("uc"))
            add(m, value, value, "s")
        else:
            unit_b = m.group("ub")
            add(m, _seconds(m.group("a"), m.group("ua") or unit_b), _seconds(m.group("b"), unit_b), "s")
    for m in _BREATHS.finditer(text):
        add(m, int(m.group("a")), int(m.group("b") or m.group("a")), "breaths")
    for m in _COUNT_OF.finditer(text):
        if not _COUNT_HELD.search(text[: m.start()]) or _BREATH_MOVE.search(text):
            continue
        if not any(m.start() < end and start < m.end() for (start, end), _ in found):
            n = float(m.group("n"))
            found.append(((m.start(), m.end()), Hold(n, n, "s", sentence, COUNTED)))
    for m in _HALF_MINUTE.finditer(text):
        add(m, 30.0, 30.0, "s")
    for m in _A_MINUTE.finditer(text):
        value = 90.0 if m.group(0).endswith("half") else 60.0
        add(m, value, value, "s")
    return [hold for _, hold in sorted(found, key=lambda pair: pair[0]) if 0 < hold.high <= 4 * 3600]


def is_hold_sentence(sentence: str) -> bool:
    """Whether a sentence with a length in it is about holding (not 'within a week', 'daily')."""
    return bool(_HOLD_VERBS.search(normalise(sentence)))


def find_sides(sentence: str) -> bool:
    """Whether the sentence says the stretch is done on both sides."""
    return bool(_SIDES.search(normalise(sentence)))


@dataclass(frozen=True)
class SidesSaid:
    """How a sentence says 'both sides': the side it names as the second one, what else it says."""

    second: str  # "left" or "right" when it names the side to repeat with ("Repeat with the left leg")
    rest: str  # the sentence without the sides phrase ("Now do the other leg." -> "now .")
    terse: bool  # only names the next side ("Now the left leg."): read as both sides, to be checked


def sides_said(sentence: str) -> SidesSaid | None:
    """The sides phrase of a sentence that says the stretch is done on both sides, or None."""
    text = normalise(sentence).strip()
    m = _SIDES.search(text)
    terse = False
    if m is None:
        m = _SIDE_LEAD.match(text)
        terse = True
    if m is None:
        return None
    return SidesSaid(m.group("second") or "", text[: m.start()] + text[m.end() :], terse)


_LEAD = r"(?:(?:and|then|now|next|after that|afterwards?|when you are ready|when you're ready)\b[,\s]*)*"
_SIDE_INSTRUCTION = re.compile(
    rf"^{_LEAD}(?:switch|swap|chang|repeat|do\b|mirror|alternat|(?:on\s+)?(?:the\s+|your\s+)?"
    rf"(?:other|opposite|left|right)\s+{_LIMB})"
)
_ONLY_LEAD = re.compile(rf"^{_LEAD}$")


def other_side_instruction(clause: str) -> bool:
    """Whether a clause tells to do the other side ("then switch legs", "Repeat on the other side"),
    not one that only names sides ("Place your hands on each side of your chest")."""
    text = normalise(clause).strip(" .,;:!")
    return sides_said(text) is not None and bool(_SIDE_INSTRUCTION.match(text))


def only_lead(text: str) -> bool:
    """Whether what is left of a sentence is only its lead-in ("When you are ready", "Now")."""
    return bool(_ONLY_LEAD.match(normalise(text).strip(" .,;:!")))


def find_reps(sentence: str) -> Count | None:
    """Repetitions: 'repeat 3-5 times', '2 sets of 10 reps', '3 rounds of 30 seconds'."""
    text = normalise(sentence)
    m = _SETS.search(text)
    if m:
        low = int(m.group("a"))
        return Count(low, int(m.group("b") or low), sentence, sets=int(m.group("s")))
    m = _REPS.search(text) or _rounds_of_hold(text) or _BARE_SETS.search(text)
    if m:
        low = int(m.group("a"))
        return Count(low, int(m.group("b") or low), sentence)
    return None


def bare_sets(sentence: str) -> bool:
    """Whether the sentence counts sets with no count in each ("Do 3 sets.")."""
    text = normalise(sentence)
    return bool(_BARE_SETS.search(text)) and not _SETS.search(text) and not _REPS.search(text)


def rounds_of_hold(sentence: str) -> bool:
    """Whether the sentence counts rounds of a length ("Do 3 rounds of 30 seconds.")."""
    return _rounds_of_hold(normalise(sentence)) is not None


def _rounds_of_hold(text: str) -> re.Match[str] | None:
    m = _ROUNDS.search(text)
    return m if m and re.match(rf"\s*of\s+(?:about\s+)?{NUM}", text[m.end() :]) else None


def find_rounds(sentence: str) -> Count | None:
    """Rounds of a flow: 'for 8 rounds', '6 cycles', '10 times'."""
    text = normalise(sentence)
    m = _ROUNDS.search(text) or _REPS.search(text)
    if not m:
        return None
    low = int(m.group("a"))
    return Count(low, int(m.group("b") or low), sentence)


def is_flow(sentence: str) -> bool:
    """Whether the sentence describes moving with the breath rather than holding still."""
    return bool(_FLOW.search(normalise(sentence)))


def find_pattern(sentence: str) -> Quoted | None:
    """A breathing pattern: 'in for 4, out for 6' -> 4-6; 'hold for 7' between -> 4-7-8; '4-7-8 breathing'."""
    text = normalise(sentence)
    m = _PATTERN.search(text)
    if m:
        parts = [m.group("i"), m.group("h"), m.group("o"), m.group("h2")]
        if parts[3] and not parts[1]:
            parts[1] = "0"
        return Quoted("-".join(p for p in parts if p is not None), sentence)
    m = _NAMED_PATTERN.search(text)
    if m:
        return Quoted(m.group("p") or "box", sentence)
    return None


def is_caution(sentence: str) -> bool:
    """Whether the sentence warns who should skip or take care ('skip this if you have knee pain')."""
    return bool(_CAUTION.search(normalise(sentence)))


def find_props(sentence: str) -> list[str]:
    """The props a sentence says to have, each with its alternatives ('chair or block').

    Only a sentence that says what you need ("You'll need a strap and a yoga mat") or a prop that is
    the object of "use", "using", "grab" or "bring" counts; a prop that only says where to stand,
    sit or lean ("lean against the wall") does not. Alternatives and examples stay one prop:
    "a chair or a sturdy block" -> 'chair or sturdy block'; "a heavy object, such as a doorstop"
    -> 'heavy object such as doorstop'. Asides in brackets are left out.
    """
    text = re.sub(r"\([^)]*\)", " ", normalise(sentence))
    matches = list(_PROP.finditer(text))
    needed = (i for i, m in enumerate(matches) if _needed_at(text, m.start()))
    firsts = {i for i in needed if not _WHERE.search(text[: matches[i].start()])}
    objects = set()
    for verb in _USE.finditer(text):
        det = _DET_AT.match(text, verb.end())
        objects.add(det.end() if det else verb.end())
    used = [i for i, m in enumerate(matches) if m.start() in objects]
    for i in range(len(matches) - 1):  # "grab two yoga blocks and a cushion": the list goes on
        between = (text, matches[i].end(), matches[i + 1].start())
        if i in used and (_AND.fullmatch(*between) or _ALTERNATIVE.fullmatch(*between)):
            used.append(i + 1)  # an alternative joins the prop before it below
    found: list[str] = []
    taken: set[int] = set()
    for first in sorted(firsts | set(used)):
        if first in taken:
            continue
        parts = [_counted(text, matches[first])]
        n = first
        while n + 1 < len(matches):
            join = _ALTERNATIVE.fullmatch(text, matches[n].end(), matches[n + 1].start())
            if join is None:
                break
            word = "or" if join.group("w") in ("or", "and/or") else "such as"
            parts.append(f"{word} {_counted(text, matches[n + 1])}")
            n += 1
        taken.update(range(first, n + 1))
        found.append(" ".join(parts))
    return list(dict.fromkeys(found))


def _needed_at(text: str, at: int) -> bool:
    """Whether a prop at `at` follows a "need" that is not negated ("you'll need a mat" but not
    "you don't need a block", "without a strap"); a "need" after it ("use a strap if needed") is not its."""
    last_need = max((m.end() for m in _NEED.finditer(text, 0, at)), default=None)
    last_not = max((m.end() for m in _NOT_NEEDED.finditer(text, 0, at)), default=-1)
    return last_need is not None and last_not < last_need


def _counted(text: str, m: re.Match[str]) -> str:
    """A prop with the number the article gives it ('2 yoga blocks')."""
    count = _COUNT_BEFORE.search(text, 0, m.start())
    return f"{count.group(1)} {m.group(0)}" if count and m.group(0).endswith("s") else m.group(0)


def spoken_prop(value: str) -> str:
    """A prop as said aloud: 'chair or sturdy block' -> 'a chair or a sturdy block'."""
    words = _JOIN_WORDS.split(value)
    out = []
    for n, part in enumerate(words):
        if n % 2 or part[:1].isdigit() or part.startswith("a pair of"):
            out.append(part)  # a joining word, or a prop with its number
        elif part.endswith("s"):
            out.append(f"some {part}")
        else:
            out.append(("an " if part[0] in "aeiou" else "a ") + part)
    return " ".join(out)


def needs_props(sentence: str) -> bool:
    """Whether the sentence says what you need ("You'll need a strap", "Equipment: a mat")."""
    return bool(_NEED.search(normalise(sentence)))


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph ('e.g.' and decimals do not end one; "Hold: 30 s Reps: 2" is two)."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    parts = re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[\"'\u201c(]?[A-Z0-9])", text)
    if any(_LABEL.match(p) for p in parts):
        parts = [piece for p in parts for piece in _LABEL_INSIDE.split(p)]
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class Labelled:
    """A value the article gives under a label ("Reps: 3 on each side")."""

    kind: str  # reps, hold or sides
    value: str  # what follows the label, normalised
    count: Count | None  # the number it gives (reps), when it leads the value
    unread: bool  # something in it was not read: the step says so in a check


def labelled(sentence: str) -> Labelled | None:
    """A labelled value ("Reps: 2", "Hold: 30 seconds", "Sets: 3", "Duration: 1 minute"), or None."""
    m = _LABEL.match(sentence)
    if m is None:
        return None
    kind = _LABELS[m.group("l").lower()]
    value = normalise(m.group("v")).strip(" .")
    said = sides_said(value)
    rest = said.rest if said is not None else value
    count = None
    if kind == "reps":
        n = _LEADING_COUNT.match(rest)
        if n is not None:
            count = Count(int(n.group("a")), int(n.group("b") or n.group("a")), sentence)
            rest = rest[n.end() :]
        unread = count is None or bool(_COUNT_WORDS.sub(" ", rest).split())
    elif kind == "hold":
        unread = not find_holds(value)
    else:
        unread = said is None and not _BOTH.match(value)
    return Labelled(kind, value, count, unread)
