"""The timeline builder the compiler drives: a cursor, the events so far, and speech lengths.

Times are kept on a grid of 1/1024 s, so that every difference of two times (a hold's length above
all) is exact in floating point: a 45-second hold is 45.0 seconds, not 45.000000000001.
"""

from __future__ import annotations

import math
from typing import Protocol

from voicecoach.plan.timeline import Event, Hold
from voicecoach.profiles.model import Profile
from voicecoach.routine.cues import CUE_DURATIONS_S

GRID = 1024
GAP_S = 0.5  # silence between two spoken lines


class SpeechDurations(Protocol):
    """Where the compiler learns how long a line takes to say."""

    def duration_s(self, text: str, rate: float) -> float: ...


def snap(seconds: float) -> float:
    return round(seconds * GRID) / GRID


def snap_up(seconds: float) -> float:
    return math.ceil(seconds * GRID - 1e-9) / GRID


class Builder:
    """Builds the event list with a moving cursor `t` (seconds from the start)."""

    def __init__(self, profile: Profile, rate: float, durations: SpeechDurations) -> None:
        self.profile = profile
        self.rate = rate
        self._durations = durations
        self._lengths: dict[str, float] = {}
        self.t = 0.0
        self.step = 0
        self.events: list[Event] = []
        self.holds: list[Hold] = []

    def length(self, text: str) -> float:
        """How long `text` takes to say, rounded up to the grid."""
        if text not in self._lengths:
            self._lengths[text] = snap_up(max(0.05, self._durations.duration_s(text, self.rate)))
        return self._lengths[text]

    def speech_at(self, start_s: float, text: str, role: str) -> float:
        end = start_s + self.length(text)
        self.events.append(Event(start_s, end, "speech", self.step, text=text, role=role))
        return end

    def say(self, text: str, role: str) -> None:
        """Speak at the cursor, then leave a short gap."""
        self.t = snap(self.speech_at(self.t, text, role) + GAP_S)

    def say_within(self, start_s: float, text: str, latest_end_s: float, role: str) -> float | None:
        """Speak at `start_s` only if the line ends by `latest_end_s`; its end, or None."""
        if start_s + self.length(text) > latest_end_s:
            return None
        return self.speech_at(start_s, text, role)

    def cue(self, start_s: float, cue: str, role: str = "") -> float:
        end = start_s + CUE_DURATIONS_S[cue]
        self.events.append(Event(start_s, end, "chime", self.step, cue=cue, role=role))
        return end

    def wait(self, seconds: float) -> None:
        self.t = snap(self.t + seconds)

    def breath_at(self, start_s: float, phase: str, seconds: float, role: str = "") -> None:
        self.events.append(Event(start_s, start_s + seconds, "breath", self.step, phase=phase, role=role))

    def spread(self, lines: list[str], start_s: float, end_s: float, role: str = "cue") -> None:
        """Place lines evenly over [start_s, end_s]; a line that does not fit is left out."""
        if not lines or end_s <= start_s:
            return
        slot = (end_s - start_s) / len(lines)
        free_from = start_s
        for i, line in enumerate(lines):
            at = snap(max(free_from, start_s + slot * i + (slot - self.length(line)) / 2))
            spoken_end = self.say_within(at, line, end_s, role)
            if spoken_end is not None:
                free_from = snap(spoken_end + GAP_S)
