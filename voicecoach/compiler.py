"""The compiler: routine + options + speech durations -> Timeline. Pure: no files, clocks or audio.

Times are kept on a grid of 1/1024 s, so that every difference of two times (a hold's length above
all) is exact in floating point: a 45-second hold is 45.0 seconds, not 45.000000000001.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

from voicecoach import phrases
from voicecoach.cues import CUE_DURATIONS_S
from voicecoach.errors import UsageError
from voicecoach.profiles import BUILTIN_PROFILES, Profile
from voicecoach.routine.durations import MAX_DURATION_S, BreathPattern
from voicecoach.routine.model import Breathe, Chime, Flow, Rest, Routine, Stretch, Talk
from voicecoach.timeline import Event, Hold, StepSpan, Timeline

GRID = 1024
GAP_S = 0.5  # silence between two spoken lines
GUIDED_BREATH_CYCLES = 2  # breathing cycles with spoken guidance; later ones are breath sounds only
COUNTDOWN_MARGIN_S = 0.25  # the countdown ends this long before the hold's end


class SpeechDurations(Protocol):
    """Where the compiler learns how long a line takes to say."""

    def duration_s(self, text: str, rate: float) -> float: ...


@dataclass(frozen=True)
class CompileOptions:
    profile: Profile = field(default_factory=lambda: BUILTIN_PROFILES["guided"])
    rate: float | None = None  # None: the profile's rate
    hold_scale: float = 1.0
    breath: BreathPattern | None = None  # overrides every pattern of the routine

    @property
    def speech_rate(self) -> float:
        return self.rate if self.rate is not None else self.profile.rate


def snap(seconds: float) -> float:
    return round(seconds * GRID) / GRID


def snap_up(seconds: float) -> float:
    return math.ceil(seconds * GRID - 1e-9) / GRID


class _Session:
    """Builds the event list with a moving cursor `t`."""

    def __init__(self, options: CompileOptions, durations: SpeechDurations):
        self.options = options
        self.profile = options.profile
        self._durations = durations
        self._cache: dict[str, float] = {}
        self.t = 0.0
        self.step = 0
        self.events: list[Event] = []
        self.holds: list[Hold] = []
        self._announced = 0

    def announce(self, name: str) -> None:
        self.say(phrases.announce(name, first=self._announced == 0), "announce")
        self._announced += 1

    def length(self, text: str) -> float:
        if text not in self._cache:
            self._cache[text] = snap_up(max(0.05, self._durations.duration_s(text, self.options.speech_rate)))
        return self._cache[text]

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

    def cue(self, start_s: float, cue: str) -> float:
        end = start_s + CUE_DURATIONS_S[cue]
        self.events.append(Event(start_s, end, "chime", self.step, cue=cue))
        return end

    def wait(self, seconds: float) -> None:
        self.t = snap(self.t + seconds)

    def breath(self, phase: str, seconds: float) -> None:
        self.events.append(Event(self.t, self.t + seconds, "breath", self.step, phase=phase))


def compile_routine(routine: Routine, options: CompileOptions, durations: SpeechDurations,
                    estimated: bool = False) -> Timeline:
    """The timeline of `routine`: every spoken line, cue and breath with its time."""
    s = _Session(options, durations)
    spans: list[StepSpan] = []
    last = len(routine.steps) - 1
    for index, step in enumerate(routine.steps):
        s.step, start = index, s.t
        if index == 0:
            s.say(phrases.opening(routine.title), "opening")
        _COMPILERS[step.kind](s, step, routine, index)
        if index == last:
            _closing(s)
        else:
            s.wait(routine.defaults.rest_s)
        spans.append(StepSpan(index, step.kind, step.title, start, s.t))
    duration = s.t
    if duration > MAX_DURATION_S:
        raise UsageError(f"the session would last {duration / 3600:.1f} hours; a session may be at most "
                         "4 hours (lower --hold-scale or shorten the routine)")
    return Timeline(title=routine.title, duration_s=duration, steps=tuple(spans), holds=tuple(s.holds),
                    events=tuple(sorted(s.events, key=lambda e: (e.start_s, e.kind))),
                    profile=options.profile.name, estimated=estimated,
                    meta={"summary": routine.summary, "source": routine.source, "tags": list(routine.tags)})


def _closing(s: _Session) -> None:
    s.say(phrases.CLOSING, "closing")
    s.t = snap(s.cue(s.t, s.profile.closing_cue) + 0.5)


def _talk(s: _Session, step: Talk, routine: Routine, index: int) -> None:
    s.say(step.text, "talk")


def _rest(s: _Session, step: Rest, routine: Routine, index: int) -> None:
    end = snap(s.t + step.duration_s)
    s.say_within(s.t, phrases.REST, end - GAP_S, "rest")
    s.t = end


def _chime(s: _Session, step: Chime, routine: Routine, index: int) -> None:
    s.t = snap(s.cue(s.t, step.cue))


def _pattern(s: _Session, own: BreathPattern | None, routine: Routine) -> BreathPattern:
    return s.options.breath or own or routine.defaults.breath


def _breathe(s: _Session, step: Breathe, routine: Routine, index: int) -> None:
    pattern = s.options.breath or step.pattern
    s.say(phrases.breathe_intro(pattern), "announce")
    for cycle in range(step.cycles):
        for phase, seconds in pattern.phases():
            if cycle < GUIDED_BREATH_CYCLES:
                s.say_within(s.t, phrases.BREATH_WORDS[phase], s.t + seconds - 0.1, "breath")
            s.breath(phase, seconds)
            s.wait(seconds)


def _flow(s: _Session, step: Flow, routine: Routine, index: int) -> None:
    pattern = _pattern(s, step.breath, routine)
    s.announce(step.name)
    for line in step.setup:
        s.say(line, "setup")
    moves = {"inhale": step.inhale, "exhale": step.exhale}
    phase_s = dict(pattern.phases())
    for phase, move in moves.items():
        # A movement too long to say within its breath is explained before the flow starts.
        if move and s.length(phrases.with_breath(phase, move)) > phase_s[phase] - 0.1:
            s.say(phrases.as_you(phase, move), "setup")
    s.wait(routine.defaults.transition_s)
    for cycle in range(step.cycles):
        for phase, seconds in pattern.phases():
            latest = s.t + seconds - 0.1
            move = moves.get(phase)
            said = None
            if move and cycle < GUIDED_BREATH_CYCLES:
                said = s.say_within(s.t, phrases.with_breath(phase, move), latest, "flow")
            if said is None and (phase in moves or cycle < GUIDED_BREATH_CYCLES):
                s.say_within(s.t, phrases.BREATH_WORDS[phase], latest, "flow")
            s.breath(phase, seconds)
            s.wait(seconds)


def _stretch(s: _Session, step: Stretch, routine: Routine, index: int) -> None:
    pattern = _pattern(s, None, routine)
    length = step.hold or routine.defaults.hold
    hold_s = snap(max(1.0, length.resolve_s(pattern) * s.options.hold_scale))
    breaths = None if length.breaths is None else max(1, round(length.breaths * s.options.hold_scale))
    s.announce(step.name)
    for n, side in enumerate(step.sides or (None,)):
        if n == 0:
            for line in step.setup + step.tips:
                s.say(phrases.fill_side(line, side), "setup")
        else:
            s.say(phrases.switch(side), "switch")
            for line in step.setup:
                if "{side}" in line:
                    s.say(phrases.fill_side(line, side), "setup")
        for rep in range(1, step.reps + 1):
            if rep > 1:
                s.wait(routine.defaults.rest_s)
                s.say(phrases.again(side), "again")
            s.wait(routine.defaults.transition_s)
            _hold(s, step, side, rep, hold_s, phrases.hold_for(hold_s, breaths))
            if step.release:
                s.say(phrases.fill_side(step.release, side), "release")


def _hold(s: _Session, step: Stretch, side: str | None, rep: int, hold_s: float, intro: str) -> None:
    """One timed hold: a cue at each end, spoken cues spread inside, a countdown before the end."""
    start, end = s.t, s.t + hold_s
    s.cue(start, s.profile.hold_cue)
    intro_end = s.say_within(start + GAP_S, intro, end - GAP_S, "hold")
    window_start = snap((intro_end or start) + GAP_S)
    window_end = end - GAP_S
    if s.profile.countdown:
        count_start = snap(end - COUNTDOWN_MARGIN_S - s.length(phrases.COUNTDOWN))
        if count_start >= window_start:
            s.speech_at(count_start, phrases.COUNTDOWN, "countdown")
            window_end = count_start - GAP_S
    _spread(s, [phrases.fill_side(c, side) for c in step.cues], window_start, window_end)
    s.cue(end, s.profile.hold_cue)
    s.holds.append(Hold(s.step, side, rep, start, end))
    s.t = snap(end + CUE_DURATIONS_S[s.profile.hold_cue] / 2)


def _spread(s: _Session, lines: list[str], start_s: float, end_s: float) -> None:
    """Place lines evenly over [start_s, end_s]; a line that does not fit is left out."""
    if not lines or end_s <= start_s:
        return
    slot = (end_s - start_s) / len(lines)
    free_from = start_s
    for i, line in enumerate(lines):
        at = snap(max(free_from, start_s + slot * i + (slot - s.length(line)) / 2))
        spoken_end = s.say_within(at, line, end_s, "cue")
        if spoken_end is not None:
            free_from = snap(spoken_end + GAP_S)


_COMPILERS = {"talk": _talk, "rest": _rest, "chime": _chime, "breathe": _breathe, "flow": _flow,
              "stretch": _stretch}
