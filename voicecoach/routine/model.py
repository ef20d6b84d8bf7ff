"""The routine model: frozen dataclasses, as loaded from a routine file."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.routine.durations import NAMED_PATTERNS, BreathPattern, HoldLength

#: A hold's length where the routine gives none (frozen, so one instance serves every default).
DEFAULT_HOLD = HoldLength(seconds=30.0)


@dataclass(frozen=True)
class Defaults:
    hold: HoldLength = DEFAULT_HOLD
    transition_s: float = 5.0
    rest_s: float = 5.0
    breath: BreathPattern = NAMED_PATTERNS["calm"]


@dataclass(frozen=True)
class Talk:
    text: str
    line: int = 0
    kind: str = "talk"

    @property
    def title(self) -> str:
        words = self.text.split()
        return " ".join(words[:6]) + (" ..." if len(words) > 6 else "")


@dataclass(frozen=True)
class Stretch:
    name: str
    setup: tuple[str, ...] = ()
    hold: HoldLength | None = None  # None: the routine's default
    sides: tuple[str, ...] = ()  # () means no sides
    reps: int = 1
    cues: tuple[str, ...] = ()
    tips: tuple[str, ...] = ()
    release: str | None = None
    line: int = 0
    kind: str = "stretch"

    @property
    def title(self) -> str:
        return self.name


@dataclass(frozen=True)
class Flow:
    name: str
    setup: tuple[str, ...] = ()
    inhale: str | None = None
    exhale: str | None = None
    cycles: int = 6
    breath: BreathPattern | None = None
    line: int = 0
    kind: str = "flow"

    @property
    def title(self) -> str:
        return self.name


@dataclass(frozen=True)
class Breathe:
    pattern: BreathPattern
    cycles: int = 4
    line: int = 0
    kind: str = "breathe"

    @property
    def title(self) -> str:
        return f"Breathing {self.pattern}"


@dataclass(frozen=True)
class Rest:
    duration_s: float
    line: int = 0
    kind: str = "rest"

    @property
    def title(self) -> str:
        return "Rest"


@dataclass(frozen=True)
class Chime:
    cue: str
    line: int = 0
    kind: str = "chime"

    @property
    def title(self) -> str:
        return self.cue.capitalize()


Step = Talk | Stretch | Flow | Breathe | Rest | Chime


@dataclass(frozen=True)
class Routine:
    title: str
    steps: tuple[Step, ...]
    defaults: Defaults = Defaults()
    summary: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()
    intro: tuple[str, ...] = ()  # a safety reminder spoken first; --no-intro skips it
    profile: str | None = None  # the profile it is made for; --profile wins
    format: int = 1
    path: str = "<routine>"
