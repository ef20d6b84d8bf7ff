"""What the step compilers share: the options, the compile's context, and its progress for followers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from voicecoach.plan import phrases
from voicecoach.plan.builder import Builder, SpeechDurations
from voicecoach.plan.timeline import Event, Hold, StepSpan
from voicecoach.profiles.model import BUILTIN_PROFILES, Profile
from voicecoach.routine.durations import BreathPattern
from voicecoach.routine.model import Routine, Stretch


@dataclass(frozen=True)
class CompileState:
    """What the compiler has built so far; everything in it is final.

    The builder only appends events and never places one before its cursor, so nothing still to
    be built starts before `cursor_s`. Live play uses this to start before the compile is done.
    """

    cursor_s: float
    events: list[Event]
    steps: list[StepSpan]  # the steps already finished
    holds: list[Hold]
    step: int  # the step being built


@dataclass(frozen=True)
class CompileOptions:
    """Options that change the timeline. None means: as the profile says."""

    profile: Profile = field(default_factory=lambda: BUILTIN_PROFILES["guided"])
    rate: float | None = None
    hold_scale: float = 1.0
    breath: BreathPattern | None = None  # replaces every pattern of the routine
    cues: str | None = None  # voice, tones or both
    bed: str | None = None  # brown, pink, none, or an audio file's path
    tail_s: float | None = None
    intro: bool = True  # speak the routine's safety intro

    def resolved_profile(self) -> Profile:
        """The profile with the command line's overrides applied."""
        changes: dict[str, Any] = {
            k: v
            for k, v in (("rate", self.rate), ("cues", self.cues), ("tail_s", self.tail_s))
            if v is not None
        }
        return dataclasses.replace(self.profile, **changes)


class CompileContext(Builder):
    """The builder plus what the step compilers share: the routines, the options and where the
    compile is. `step` counts the steps of the whole session; `routine` is the one being built."""

    def __init__(
        self, routines: Sequence[Routine], options: CompileOptions, durations: SpeechDurations
    ) -> None:
        profile = options.resolved_profile()
        super().__init__(profile, profile.rate, durations)
        self.routines, self.options = tuple(routines), options
        self.routine = self.routines[0]
        #: Every step of the session in order, with the index of its routine.
        self.plan = [(n, step) for n, routine in enumerate(self.routines) for step in routine.steps]
        self.announced = 0
        self.last_stretch = max(
            (i for i, (_, s) in enumerate(self.plan) if isinstance(s, Stretch)), default=-1
        )

    def announce(self, name: str) -> None:
        self.say(phrases.announce(name, first=self.announced == 0), "announce")
        self.announced += 1

    def pattern(self, own: BreathPattern | None = None) -> BreathPattern:
        """The breathing pattern here, its exhale lengthened as the session goes on (bedtime)."""
        base = self.options.breath or own or self.routine.defaults.breath
        growth = self.profile.exhale_growth_s
        if not growth or len(self.plan) < 2:
            return base
        progress = self.step / (len(self.plan) - 1)
        exhale = min(20.0, base.exhale_s + round(growth * progress * 4) / 4)
        return dataclasses.replace(base, exhale_s=exhale, name="")

    def spoken(self) -> bool:
        return self.profile.cues != "tones"

    def tones(self) -> bool:
        return self.profile.cues != "voice"


class CompileFollower(Protocol):
    """Something that follows a compile while it runs (live play starts before the compile ends)."""

    def follow(self, state: Callable[[], CompileState]) -> None:
        """Called once, before the first step; `state()` then returns what is final so far."""
