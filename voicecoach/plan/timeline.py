"""The compiled session: every event with its time, the steps and the holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["speech", "chime", "breath"]


@dataclass(frozen=True)
class Event:
    """Something heard: a spoken line, a cue sound or a breath phase."""

    start_s: float
    end_s: float
    kind: EventKind
    step: int
    text: str | None = None  # speech
    cue: str | None = None  # chime
    phase: str | None = None  # breath: inhale, hold, exhale, hold-out
    role: str = ""  # what the line is for: announce, setup, cue, countdown, release, ...

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start_s": self.start_s,
            "end_s": self.end_s,
            "kind": self.kind,
            "step": self.step,
        }
        if self.text is not None:
            d["text"] = self.text
        if self.cue is not None:
            d["cue"] = self.cue
        if self.phase is not None:
            d["phase"] = self.phase
        if self.role:
            d["role"] = self.role
        return d


@dataclass(frozen=True)
class StepSpan:
    """Where one routine step sits in the session."""

    index: int
    kind: str
    title: str
    start_s: float
    end_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "kind": self.kind,
            "title": self.title,
            "start_s": self.start_s,
            "end_s": self.end_s,
        }


@dataclass(frozen=True)
class Hold:
    """One timed hold: a side and rep of a stretch."""

    step: int
    side: str | None
    rep: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "side": self.side,
            "rep": self.rep,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "duration_s": self.duration_s,
        }


@dataclass(frozen=True)
class Timeline:
    """A whole compiled session. Times are seconds from the start."""

    title: str
    duration_s: float
    steps: tuple[StepSpan, ...]
    holds: tuple[Hold, ...]
    events: tuple[Event, ...]
    profile: str = "guided"
    estimated: bool = False
    loudness_lufs: float = -16.0  # the exported track's target loudness
    bed: str = "none"  # background bed: brown, pink, none, or an audio file's path
    tail_s: float = 0.0  # the bed alone after the last sound, fading out
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def speech(self) -> list[Event]:
        """The spoken events, in order."""
        return [e for e in self.events if e.kind == "speech"]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "duration_s": self.duration_s,
            "profile": self.profile,
            "estimated": self.estimated,
            "loudness_lufs": self.loudness_lufs,
            "bed": self.bed,
            "tail_s": self.tail_s,
            "steps": [s.to_json() for s in self.steps],
            "holds": [h.to_json() for h in self.holds],
            "events": [e.to_json() for e in self.events],
        }
