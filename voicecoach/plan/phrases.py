"""Everything the coach says in its own words (the routine supplies the rest)."""

from __future__ import annotations

from voicecoach.routine.durations import BreathPattern

REST = "Rest."
HALFWAY = "Halfway."
LAST_STRETCH = "That was the last stretch."
_CLOSINGS = {
    "eyes-closed": "Session complete. Take a moment, then slowly open your eyes.",
    "bedtime": "That is the end of the session. Stay here as long as you like, and let sleep come.",
}
CLOSING = "That is the end of the session. Take a moment before you get up."
BREATH_WORDS = {"inhale": "Breathe in.", "hold": "Hold.", "exhale": "Breathe out.", "hold-out": "Hold."}
_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


def opening(title: str) -> str:
    return f"Welcome. This session is {title.rstrip('.')}."


def spoken_list(titles: list[str]) -> str:
    """`A`, `A and B`, `A, B and C`: the titles of a session's routines, as said."""
    names = [t.rstrip(".") for t in titles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def bridge(done: str, coming: str) -> str:
    """Between two routines of one session."""
    return f"That was {done.rstrip('.')}. Now: {coming.rstrip('.')}."


def announce(name: str, first: bool) -> str:
    return f"{'First' if first else 'Next'}: {name.rstrip('.')}."


def spoken_number(n: float) -> str:
    """Small whole numbers as words (they sound calmer), others as digits."""
    if float(n).is_integer() and 0 <= n <= 20:
        return _NUMBER_WORDS[int(n)]
    return f"{n:g}"


def seconds_phrase(seconds: float) -> str:
    whole = int(round(seconds))
    minutes, rest = divmod(whole, 60)
    if minutes and rest:
        return f"{_unit(minutes, 'minute')} and {_unit(rest, 'second')}"
    if minutes:
        return _unit(minutes, "minute")
    return _unit(max(1, rest), "second")


def _unit(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def hold_for(seconds: float, breaths: int | None, side: str | None = None) -> str:
    how_long = (
        f"{spoken_number(breaths)} slow {'breath' if breaths == 1 else 'breaths'}"
        if breaths is not None
        else seconds_phrase(seconds)
    )
    if side:
        return f"Your {side} side. Hold for {how_long}."
    return f"Hold for {how_long}."


def countdown(start: int) -> str:
    """`Three, two, one.` counting down from `start`."""
    words = [spoken_number(n) for n in range(start, 0, -1)]
    return ", ".join(words).capitalize() + "."


def closing(profile: str) -> str:
    return _CLOSINGS.get(profile, CLOSING)


def next_up(title: str) -> str:
    return f"Next up: {title.rstrip('.')}."


def switch(side: str) -> str:
    return f"Switch to your {side} side."


def again(side: str | None) -> str:
    return f"Once more, {side} side." if side else "Once more."


def breathe_intro(pattern: BreathPattern) -> str:
    parts = [f"in for {spoken_number(pattern.inhale_s)}"]
    if pattern.hold_in_s:
        parts.append(f"hold for {spoken_number(pattern.hold_in_s)}")
    parts.append(f"out for {spoken_number(pattern.exhale_s)}")
    if pattern.hold_out_s:
        parts.append(f"hold for {spoken_number(pattern.hold_out_s)}")
    return "Let's breathe together: " + ", ".join(parts) + "."


def with_breath(phase: str, movement: str) -> str:
    word = "Breathe in" if phase == "inhale" else "Breathe out"
    return f"{word}, {movement[0].lower()}{movement[1:]}" if movement else f"{word}."


def fill_side(text: str, side: str | None) -> str:
    return text.replace("{side}", side) if side else text


def as_you(phase: str, movement: str) -> str:
    word = "breathe in" if phase == "inhale" else "breathe out"
    return f"As you {word}, {movement[0].lower()}{movement[1:]}"
