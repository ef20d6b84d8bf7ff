"""Durations (`45s`, `1m30s`, `30 secs`, `1:30`, `6 breaths`) and breathing patterns (`4-7-8`, `box`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DURATION_S = 4 * 3600.0
MIN_PHASE_S, MAX_PHASE_S = 1.0, 20.0

_UNITS = {
    "": 1.0,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
}
_NUMBER = r"(\d+(?:\.\d+)?|\.\d+)"
_PART = re.compile(r"\s*([\d.]+)\s*([a-z]+\.?|)\s*")  # `sec.`: an abbreviation's dot
#: `1:30` (minutes and seconds) or `1:02:30` (hours, minutes and seconds), as on a clock.
_CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")
_BREATHS = re.compile(rf"^\s*{_NUMBER}\s*(breath|breaths)\s*$")

DURATION_HINT = "try 45s, 1m30s or 2 minutes"
HOLD_HINT = "try 45s, 1m30s or 6 breaths"


def _quoted(text: str) -> str:
    """A value as quoted in a message, cut short if it is long."""
    text = str(text)
    return repr(text if len(text) <= 40 else text[:40] + "...")


class DurationError(ValueError):
    """The text is not a duration; the message says what would be right."""


@dataclass(frozen=True)
class BreathPattern:
    """Seconds of each phase: in, hold after in, out, hold after out (holds may be 0)."""

    inhale_s: float
    hold_in_s: float
    exhale_s: float
    hold_out_s: float = 0.0
    name: str = ""

    @property
    def cycle_s(self) -> float:
        return self.inhale_s + self.hold_in_s + self.exhale_s + self.hold_out_s

    def phases(self) -> list[tuple[str, float]]:
        """The non-empty phases of one cycle, in order."""
        all_phases = [
            ("inhale", self.inhale_s),
            ("hold", self.hold_in_s),
            ("exhale", self.exhale_s),
            ("hold-out", self.hold_out_s),
        ]
        return [(p, s) for p, s in all_phases if s > 0]

    def __str__(self) -> str:
        parts = [self.inhale_s, self.hold_in_s, self.exhale_s, self.hold_out_s]
        if self.hold_out_s == 0:
            parts = parts[:3] if self.hold_in_s else [self.inhale_s, self.exhale_s]
        return "-".join(f"{p:g}" for p in parts)


NAMED_PATTERNS: dict[str, BreathPattern] = {
    "calm": BreathPattern(4, 0, 6, 0, "calm"),
    "relax": BreathPattern(4, 7, 8, 0, "relax"),
    "box": BreathPattern(4, 4, 4, 4, "box"),
    "coherent": BreathPattern(5.5, 0, 5.5, 0, "coherent"),
}


@dataclass(frozen=True)
class HoldLength:
    """A hold given in seconds or in breaths (resolved against a breathing pattern later)."""

    seconds: float | None = None
    breaths: int | None = None

    def resolve_s(self, pattern: BreathPattern) -> float:
        if self.breaths is not None:
            return self.breaths * pattern.cycle_s
        assert self.seconds is not None
        return self.seconds


def parse_duration(text: str, hint: str = DURATION_HINT) -> float:
    """Seconds in a duration as people write them: `45`, `45 sec`, `30 secs`, `30 sec.`, `1m30s`,
    `90 seconds`, `2 mins`, `1.5 minutes`, `1:30`."""
    raw = str(text).strip().lower()
    if raw.startswith("-"):
        raise DurationError(f"{_quoted(text)} is negative: a duration must be more than 0 ({hint})")
    clock = _CLOCK.match(raw)
    if clock:
        first, second, third = (int(g) if g else None for g in clock.groups())
        assert first is not None and second is not None
        total_s = first * 60 + second if third is None else first * 3600 + second * 60 + third
        return _check_range(text, float(total_s))
    parts = _parts(text, raw, hint)
    if not parts:
        raise DurationError(f"an empty value is not a duration ({hint})")
    _check_parts(text, parts)
    return _check_range(text, sum(float(number) * _UNITS[unit] for number, unit in parts))


def _parts(text: str, raw: str, hint: str) -> list[tuple[str, str]]:
    """The (number, unit) parts of `1m 30s`; a number as written, so `1.5.2` is seen whole."""
    pos, parts = 0, []
    while pos < len(raw):
        m = _PART.match(raw, pos)
        if not m or m.end() == pos:
            raise DurationError(f"{_quoted(text)} is not a duration ({hint})")
        number, unit = m.group(1), m.group(2).removesuffix(".")
        if not re.fullmatch(_NUMBER, number):
            raise DurationError(
                f"{_quoted(text)} is not a duration: {number!r} is not a number "
                f"(write a number with one decimal point at most and digits after it, "
                f"such as 90 or 1.5; {hint})"
            )
        if unit not in _UNITS:
            raise DurationError(f"{_quoted(text)} is not a duration ({hint})")
        parts.append((number, unit))
        pos = m.end()
    return parts


_UNIT_WORDS = {1.0: ("seconds", "s"), 60.0: ("minutes", "m"), 3600.0: ("hours", "h")}


def _check_parts(text: str, parts: list[tuple[str, str]]) -> None:
    """Refuse typos that would otherwise be summed: `1 30s`, `20 30 seconds` (a number without
    its unit beside others), `30s 30s`, `1m 1m` (a unit given twice)."""
    if len(parts) < 2:
        return
    total_s = sum(float(number) * _UNITS[unit] for number, unit in parts)
    for number, unit in parts:
        if unit == "":
            raise DurationError(
                f"{_quoted(text)} is not a duration: {number} has no unit (give each number its "
                f"unit, such as 1m 30s, or write one number, such as 90s)"
            )
    seen: set[float] = set()
    for _number, unit in parts:
        scale = _UNITS[unit]
        if scale in seen:
            word = _UNIT_WORDS[scale][0]
            smallest = min(_UNITS[u] for _n, u in parts)
            total = f"{total_s / smallest:g}{_UNIT_WORDS[smallest][1]}"
            raise DurationError(
                f"{_quoted(text)} is not a duration: {word} are given twice (give each unit once, "
                f"such as 1m 30s; for their sum, write {total})"
            )
        seen.add(scale)


def _check_range(text: str, seconds: float) -> float:
    if seconds <= 0:
        raise DurationError(f"{_quoted(text)} is zero: a duration must be more than 0")
    if seconds > MAX_DURATION_S:
        raise DurationError(f"{_quoted(text)} is longer than 4 hours, the most a duration may be")
    return seconds


def parse_hold(text: str) -> HoldLength:
    """A hold: a duration, or `N breaths`."""
    m = _BREATHS.match(str(text).strip().lower())
    if m:
        value = float(m.group(1))
        if value != int(value) or value < 1:
            raise DurationError(
                f"{_quoted(text)}: the number of breaths must be a whole number of at least 1"
            )
        return HoldLength(breaths=int(value))
    return HoldLength(seconds=parse_duration(text, HOLD_HINT))


def parse_breath(text: str) -> BreathPattern:
    """A breathing pattern: `4-6`, `4-7-8`, `4-4-4-4`, or a name (calm, relax, box, coherent)."""
    raw = str(text).strip().lower()
    if raw in NAMED_PATTERNS:
        return NAMED_PATTERNS[raw]
    hint = (
        "use IN-OUT, IN-HOLD-OUT or IN-HOLD-OUT-HOLD in seconds such as 4-6 or 4-7-8, "
        "or one of " + ", ".join(NAMED_PATTERNS)
    )
    parts = raw.split("-")
    if len(parts) not in (2, 3, 4) or not all(re.fullmatch(_NUMBER, p.strip()) for p in parts):
        raise DurationError(f"{_quoted(text)} is not a breathing pattern ({hint})")
    values = [float(p) for p in parts]
    for v in values:
        if not MIN_PHASE_S <= v <= MAX_PHASE_S:
            raise DurationError(f"{_quoted(text)}: each phase must be between 1 and 20 seconds, not {v:g}")
    if len(values) == 2:
        return BreathPattern(values[0], 0.0, values[1], 0.0, raw)
    if len(values) == 3:
        return BreathPattern(values[0], values[1], values[2], 0.0, raw)
    return BreathPattern(values[0], values[1], values[2], values[3], raw)


def format_duration(seconds: float) -> str:
    """`1:05` style, or `1:02:05` past an hour."""
    total = int(round(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
