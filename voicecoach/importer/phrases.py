"""Reading one sentence: holds, sides, repetitions, flows, breathing patterns, cautions and props.

Every reader takes the article's sentence as written and returns what it found with that sentence
as its quote. Number words become digits through text2num, not a table of our own.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from voicecoach.importer.model import Count, Hold, Quoted

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

_HOLD_VERBS = re.compile(
    r"\b(hold|holding|held|stay|staying|remain|remaining|maintain|maintaining|"
    r"breathe|breathing|rest|resting|relax|relaxing|keep|sit|lie|take|for|do|rounds?)\b"
)

_SIDES = re.compile(
    r"\b(?:each|per|every) (?:side|leg|arm|direction)\b|\bboth sides\b"
    r"|\b(?:switch(?:ing|es)?|swap(?:ping|s)?|chang(?:e|es|ing)|alternat(?:e|es|ing))\s+(?:to\s+)?(?:the\s+)?"
    r"(?:sides?|legs?|arms?|feet|(?:opposite|other) (?:side|leg|arm|foot|knee))\b"
    r"|\b(?:repeat|do the same|mirror)\b[^.]*\b(?:other|opposite) (?:side|leg|arm|foot)\b"
    r"|\bon the other side\b"
)
_SETS = re.compile(
    rf"(?P<s>\d+)\s+sets?\s+of\s+(?P<a>\d+)(?:{_TO}(?P<b>\d+))?\s*(?:reps|repetitions|times)?\b"
)
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
_PROPS = re.compile(
    r"\b(?:(?:yoga |sturdy )?(?:strap|belt|towel|block)s?|chair|wall|foam roller|bolster|pillow|cushion|"
    r"padded mat|kettlebell|doorstop|resistance band|blanket|bench|tennis ball|heavy object)\b"
)
_PROP_BEFORE = re.compile(
    r"\b(?:need:?|use|using|with|grab|hold|place|position|over|on|against|onto|under|beside|"
    r"such as|support of|or|and)\s+(?:(?:a|an|the|your|one|some|two|sturdy|small|rolled|"
    r"folded|firm)\s+){0,3}$"
)


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


def find_reps(sentence: str) -> Count | None:
    """Repetitions: 'repeat 3-5 times', '2 sets of 10 reps', '3 rounds of 30 seconds'."""
    text = normalise(sentence)
    m = _SETS.search(text)
    if m:
        low = int(m.group("a"))
        return Count(low, int(m.group("b") or low), sentence, sets=int(m.group("s")))
    m = _REPS.search(text) or _rounds_of_hold(text)
    if m:
        low = int(m.group("a"))
        return Count(low, int(m.group("b") or low), sentence)
    return None


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
    """The props a sentence names where it says to use them ('you'll need a strap')."""
    text = normalise(sentence)
    found = [m.group(0) for m in _PROPS.finditer(text) if _PROP_BEFORE.search(text[: m.start()])]
    return list(dict.fromkeys(found))


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph ('e.g.' and decimals do not end one)."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    parts = re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[\"'\u201c(]?[A-Z0-9])", text)
    return [p.strip() for p in parts if p.strip()]
