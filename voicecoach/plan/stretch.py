"""Stretch steps: setup, sides and reps, and each timed hold with its cues and countdown."""

from __future__ import annotations

from voicecoach.plan import phrases
from voicecoach.plan.builder import GAP_S, snap
from voicecoach.plan.context import CompileContext
from voicecoach.plan.timeline import Hold
from voicecoach.routine.cues import CUE_DURATIONS_S
from voicecoach.routine.model import Stretch

COUNTDOWN_MARGIN_S = 0.25  # the countdown ends this long before the hold's end
HALFWAY_MIN_S = 40.0  # holds at least this long get a halfway cue (when the profile asks)


def compile_stretch(s: CompileContext, step: Stretch) -> None:
    """Announce, set up each side, hold each side and rep, release."""
    pattern = s.pattern()
    length = step.hold or s.routine.defaults.hold
    hold_s = snap(max(1.0, length.resolve_s(pattern) * s.options.hold_scale))
    breaths = None if length.breaths is None else max(1, round(length.breaths * s.options.hold_scale))
    s.announce(step.name)
    for n, side in enumerate(step.sides or (None,)):
        _setup(s, step, side, first=n == 0)
        for rep in range(1, step.reps + 1):
            if rep > 1:
                s.wait(s.routine.defaults.rest_s)
                s.say(phrases.again(side), "again")
            s.wait(s.routine.defaults.transition_s)
            named = side if s.profile.name_sides else None
            intro: str | None = phrases.hold_for(hold_s, breaths, named)
            if named and intro:  # eyes closed: the side is named before the hold's chime, not after
                s.say(intro, "hold")
                intro = None
            _hold(s, step, side, rep, hold_s, intro)
            if step.release:
                s.say(phrases.fill_side(step.release, side), "release")
    if s.profile.last_stretch_line and s.step == s.last_stretch:
        s.say(phrases.LAST_STRETCH, "last")


def _setup(s: CompileContext, step: Stretch, side: str | None, first: bool) -> None:
    """The setup (and tips) before the first side; before another side, what changes with the side."""
    if first or side is None:  # only the first side can be without a name
        lines = step.setup + step.tips
    else:
        s.say(phrases.switch(side), "switch")
        lines = tuple(line for line in step.setup if "{side}" in line)
    for line in lines:
        s.say(phrases.fill_side(line, side), "setup")


def _hold(
    s: CompileContext, step: Stretch, side: str | None, rep: int, hold_s: float, intro: str | None
) -> None:
    """One timed hold: a cue at each end, `intro` (if not said before it) and spoken cues spread
    inside, a countdown before the end."""
    start, end = s.t, s.t + hold_s
    if s.tones():
        s.cue(start, s.profile.hold_cue, "hold-start")
    intro_start = start + (GAP_S if s.tones() else 0.0)
    intro_end = s.say_within(intro_start, intro, end - GAP_S, "hold") if intro else None
    window_start = snap((intro_end or start) + GAP_S)
    window_end = _countdown(s, window_start, end)
    lines = [phrases.fill_side(c, side) for c in step.cues]
    if s.profile.halfway_cue and hold_s >= HALFWAY_MIN_S:
        mid_start = snap(start + hold_s / 2 - s.length(phrases.HALFWAY) / 2)
        if s.say_within(mid_start, phrases.HALFWAY, window_end, "halfway") and mid_start >= window_start:
            half = (len(lines) + 1) // 2
            s.spread(lines[:half], window_start, mid_start - GAP_S)
            s.spread(lines[half:], snap(mid_start + s.length(phrases.HALFWAY) + GAP_S), window_end)
            lines = []
    s.spread(lines, window_start, window_end)
    if s.profile.breath_tones_in_holds:
        _breath_tones(s, start, end)
    if s.tones():
        s.cue(end, s.profile.hold_cue, "hold-end")
    s.holds.append(Hold(s.step, side, rep, start, end))
    s.t = snap(end + (CUE_DURATIONS_S[s.profile.hold_cue] / 2 if s.tones() else GAP_S))


def _countdown(s: CompileContext, window_start: float, end: float) -> float:
    """Place the spoken count that ends the hold; where other speech in the hold must end."""
    if not s.profile.countdown or not s.spoken():
        return end - GAP_S
    words = phrases.countdown(s.profile.countdown_from)
    count_start = snap(end - COUNTDOWN_MARGIN_S - s.length(words))
    if count_start < window_start:
        return end - GAP_S
    s.speech_at(count_start, words, "countdown")
    return count_start - GAP_S


def _breath_tones(s: CompileContext, start: float, end: float) -> None:
    """Soft breath tones through the hold, following the breathing pattern, whole cycles only."""
    pattern = s.pattern()
    t = start
    while t + pattern.cycle_s <= end:
        for phase, seconds in pattern.phases():
            if phase in ("inhale", "exhale"):
                s.breath_at(t, phase, seconds, "hold-breath")
            t += seconds
