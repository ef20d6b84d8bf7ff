"""The compiler: routine + options + speech durations -> Timeline. Pure: no files, clocks or audio."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voicecoach.errors import UsageError
from voicecoach.plan import phrases
from voicecoach.plan.builder import GAP_S, Builder, SpeechDurations, snap
from voicecoach.plan.stretch import compile_stretch
from voicecoach.plan.timeline import Event, Hold, StepSpan, Timeline
from voicecoach.profiles.model import BUILTIN_PROFILES, Profile
from voicecoach.routine.durations import MAX_DURATION_S, BreathPattern
from voicecoach.routine.model import Breathe, Chime, Flow, Rest, Routine, Stretch, Talk

GUIDED_BREATH_CYCLES = 2  # breathing cycles with spoken guidance; later ones are breath sounds only

__all__ = ["CompileOptions", "CompileState", "SpeechDurations", "compile_routine", "snap"]


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


class _Compile(Builder):
    """The builder plus what the step compilers share: the routine, options and progress."""

    def __init__(self, routine: Routine, options: CompileOptions, durations: SpeechDurations) -> None:
        profile = options.resolved_profile()
        super().__init__(profile, profile.rate, durations)
        self.routine, self.options = routine, options
        self.announced = 0
        self.last_stretch = max(
            (i for i, s in enumerate(routine.steps) if isinstance(s, Stretch)), default=-1
        )

    def announce(self, name: str) -> None:
        self.say(phrases.announce(name, first=self.announced == 0), "announce")
        self.announced += 1

    def pattern(self, own: BreathPattern | None = None) -> BreathPattern:
        """The breathing pattern here, its exhale lengthened as the session goes on (bedtime)."""
        base = self.options.breath or own or self.routine.defaults.breath
        growth = self.profile.exhale_growth_s
        if not growth or len(self.routine.steps) < 2:
            return base
        progress = self.step / (len(self.routine.steps) - 1)
        exhale = min(20.0, base.exhale_s + round(growth * progress * 4) / 4)
        return dataclasses.replace(base, exhale_s=exhale, name="")

    def spoken(self) -> bool:
        return self.profile.cues != "tones"

    def tones(self) -> bool:
        return self.profile.cues != "voice"


def compile_routine(
    routine: Routine, options: CompileOptions, durations: SpeechDurations, estimated: bool = False
) -> Timeline:
    """The timeline of `routine`: every spoken line, cue and breath with its time."""
    s = _Compile(routine, options, durations)
    spans: list[StepSpan] = []
    watch: Callable[[Callable[[], CompileState]], None] | None = getattr(durations, "watch", None)
    if watch is not None:  # a duration source may look at the compile's progress when it asks
        watch(lambda: CompileState(s.t, list(s.events), list(spans), list(s.holds), s.step))
    last = len(routine.steps) - 1
    for index, step in enumerate(routine.steps):
        s.step, start = index, s.t
        if index == 0:
            _opening(s)
        _COMPILERS[step.kind](s, step)
        if index == last:
            _closing(s)
        else:
            s.wait(routine.defaults.rest_s)
        spans.append(StepSpan(index, step.kind, step.title, start, s.t))
    if s.t > MAX_DURATION_S:
        raise UsageError(
            f"the session would last {s.t / 3600:.1f} hours; a session may be at most "
            "4 hours (lower --hold-scale or shorten the routine)"
        )
    return Timeline(
        title=routine.title,
        duration_s=s.t,
        steps=tuple(spans),
        holds=tuple(s.holds),
        events=tuple(sorted(s.events, key=lambda e: (e.start_s, e.kind))),
        profile=s.profile.name,
        estimated=estimated,
        loudness_lufs=s.profile.loudness_lufs,
        bed=options.bed or s.profile.bed,
        tail_s=s.profile.tail_s,
        meta={"summary": routine.summary, "source": routine.source, "tags": list(routine.tags)},
    )


def _opening(s: _Compile) -> None:
    s.say(phrases.opening(s.routine.title), "opening")
    if s.options.intro:
        for line in s.routine.intro:
            s.say(line, "intro")


def _closing(s: _Compile) -> None:
    s.say(phrases.closing(s.profile.name), "closing")
    s.t = snap(s.cue(s.t, s.profile.closing_cue, "closing") + 0.5)
    if s.profile.tail_s:
        s.wait(s.profile.tail_s)  # the bed alone, fading to silence


def _talk(s: _Compile, step: Talk) -> None:
    s.say(step.text, "talk")


def _rest(s: _Compile, step: Rest) -> None:
    end = snap(s.t + step.duration_s)
    said = s.say_within(s.t, phrases.REST, end - GAP_S, "rest")
    if s.profile.announce_next:
        at = snap((said or s.t) + GAP_S)
        s.say_within(at, phrases.next_up(_next_title(s)), end - GAP_S, "next")
    s.t = end


def _next_title(s: _Compile) -> str | None:
    for step in s.routine.steps[s.step + 1 :]:
        if isinstance(step, (Stretch, Flow, Breathe)):
            return step.title
    return None


def _chime(s: _Compile, step: Chime) -> None:
    s.t = snap(s.cue(s.t, step.cue))


def _breathe(s: _Compile, step: Breathe) -> None:
    pattern = s.pattern(step.pattern) if not s.options.breath else s.pattern()
    s.say(phrases.breathe_intro(pattern), "announce")
    for cycle in range(step.cycles):
        for phase, seconds in pattern.phases():
            if cycle < GUIDED_BREATH_CYCLES and s.spoken():
                s.say_within(s.t, phrases.BREATH_WORDS[phase], s.t + seconds - 0.1, "breath")
            s.breath_at(s.t, phase, seconds)
            s.wait(seconds)


def _flow(s: _Compile, step: Flow) -> None:
    pattern = s.pattern(step.breath)
    s.announce(step.name)
    for line in step.setup:
        s.say(line, "setup")
    moves = {"inhale": step.inhale, "exhale": step.exhale}
    phase_s = dict(pattern.phases())
    for phase, move in moves.items():
        # A movement too long to say within its breath is explained before the flow starts.
        if move and s.length(phrases.with_breath(phase, move)) > phase_s[phase] - 0.1:
            s.say(phrases.as_you(phase, move), "setup")
    s.wait(s.routine.defaults.transition_s)
    for cycle in range(step.cycles):
        for phase, seconds in pattern.phases():
            latest = s.t + seconds - 0.1
            move = moves.get(phase)
            said = None
            if move and cycle < GUIDED_BREATH_CYCLES:
                said = s.say_within(s.t, phrases.with_breath(phase, move), latest, "flow")
            if said is None and s.spoken() and (phase in moves or cycle < GUIDED_BREATH_CYCLES):
                s.say_within(s.t, phrases.BREATH_WORDS[phase], latest, "flow")
            s.breath_at(s.t, phase, seconds)
            s.wait(seconds)


_COMPILERS: dict[str, Callable[[_Compile, Any], None]] = {
    "talk": _talk,
    "rest": _rest,
    "chime": _chime,
    "breathe": _breathe,
    "flow": _flow,
    "stretch": compile_stretch,
}
