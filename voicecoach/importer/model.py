"""What the importer finds in an article: frozen dataclasses, each value with the sentence it came from."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def middle(low: float, high: float) -> float:
    """The middle of a range (the value a routine uses), halves rounded up."""
    return (low + high) / 2


def middle_count(low: int, high: int) -> int:
    """The middle of a whole-number range, halves rounded up (5-10 breaths -> 8)."""
    return int(math.floor((low + high) / 2 + 0.5))


@dataclass(frozen=True)
class Hold:
    """A hold as the article gives it: seconds or breaths, a range (low == high for one value)."""

    low: float
    high: float
    unit: str  # "s" or "breaths"
    quote: str
    qualifier: str = ""  # "about", "up to", "at least" when the article said so

    @property
    def value(self) -> float:
        """The value the routine uses: the middle of the range (whole breaths)."""
        if self.unit == "breaths":
            return float(middle_count(int(self.low), int(self.high)))
        return middle(self.low, self.high)

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def to_json(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "used": self.value,
            "qualifier": self.qualifier or None,
            "from": self.quote,
        }


@dataclass(frozen=True)
class Count:
    """A whole number the article gives (reps, rounds, breaths of a pattern), maybe as a range."""

    low: int
    high: int
    quote: str
    sets: int = 1  # "2 sets of 10 reps": sets=2, low=high=10

    @property
    def value(self) -> int:
        return middle_count(self.low, self.high)

    def to_json(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "sets": self.sets, "used": self.value, "from": self.quote}


@dataclass(frozen=True)
class Sides:
    """Both sides, and the side the article starts with."""

    first: str  # "right" or "left"
    quote: str

    @property
    def yaml_value(self) -> str:
        return "both" if self.first == "right" else "[left, right]"

    def to_json(self) -> dict[str, Any]:
        return {"value": "both", "first": self.first, "from": self.quote}


@dataclass(frozen=True)
class Quoted:
    """A text with the sentence it came from (a breathing pattern, a prop, a caution)."""

    text: str
    quote: str

    def to_json(self) -> dict[str, Any]:
        return {"value": self.text, "from": self.quote}


@dataclass(frozen=True)
class FoundStep:
    """One stretch (or flow, or breathing exercise) as found in the article."""

    name: str
    heading: str  # the line of the article that names it
    kind: str = "stretch"  # stretch, flow or breathe
    setup: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    tips: tuple[str, ...] = ()
    cautions: tuple[Quoted, ...] = ()
    release: str = ""
    inhale: str = ""
    exhale: str = ""
    hold: Hold | None = None
    sides: Sides | None = None
    reps: Count | None = None
    cycles: Count | None = None
    breath: Quoted | None = None
    props: tuple[Quoted, ...] = ()
    checks: tuple[str, ...] = field(default=())  # what could not be read, said plainly

    def to_json(self) -> dict[str, Any]:
        def opt(value: Any) -> Any:
            return value.to_json() if value is not None else None

        return {
            "name": self.name,
            "kind": self.kind,
            "from": self.heading,
            "hold": opt(self.hold),
            "sides": opt(self.sides),
            "reps": opt(self.reps),
            "cycles": opt(self.cycles),
            "breath": opt(self.breath),
            "setup": list(self.setup),
            "cues": list(self.cues),
            "tips": list(self.tips),
            "cautions": [c.to_json() for c in self.cautions],
            "release": self.release or None,
            "inhale": self.inhale or None,
            "exhale": self.exhale or None,
            "props": [p.to_json() for p in self.props],
            "checks": list(self.checks),
        }


@dataclass(frozen=True)
class Found:
    """Everything found in one article, and the routine text written from it."""

    article: str  # the name shown in messages (the path, or "-")
    title: str
    source: str
    form: str  # html, html+howto, md, txt
    steps: tuple[FoundStep, ...]
    warnings: tuple[str, ...]
    yaml_text: str = ""
    props: tuple[Quoted, ...] = ()  # named outside the steps ("You'll need a strap")
    routine_steps: int = (
        0  # the steps of the routine written, as `validate` counts them (its talk and rest too)
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "title": self.title,
            "source": self.source,
            "form": self.form,
            "props": [p.to_json() for p in self.props],
            "steps": [s.to_json() for s in self.steps],
            "warnings": list(self.warnings),
        }
