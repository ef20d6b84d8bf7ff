"""The compiler: routine + options + speech durations -> Timeline. Pure: no files, clocks or audio."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from voicecoach.errors import UsageError
from voicecoach.plan import phrases
from voicecoach.plan.builder import GAP_S, SpeechDurations, snap
from voicecoach.plan.context import CompileContext, CompileFollower, CompileOptions, CompileState
from voicecoach.plan.stretch import compile_stretch
from voicecoach.plan.timeline import StepSpan, Timeline
from voicecoach.routine.durations import MAX_DURATION_S
from voicecoach.routine.model import Breathe, Chime, Flow, Rest, Routine, Stretch, Talk

GUIDED_BREATH_CYCLES = 2  # breathing cycles with spoken guidance; later ones are breath sounds only

__all__ = [
    "CompileFollower",
    "CompileOptions",
    "CompileState",
    "SpeechDurations",
    "compile_routine",
    "compile_session",
    "snap",
]


def compile_routine(
    routine: Routine,
    options: CompileOptions,
    durations: SpeechDurations,
    estimated: bool = False,
    follower: CompileFollower | None = None,
) -> Timeline:
    """The timeline of `routine`: every spoken line, cue and breath with its time.

    `follower`, if given, can look at what is final so far whenever `durations` is asked for a line.
    """
    return compile_session((routine,), options, durations, estimated, follower)


def compile_session(
    routines: Sequence[Routine],
    options: CompileOptions,
    durations: SpeechDurations,
    estimated: bool = False,
    follower: CompileFollower | None = None,
) -> Timeline:
    """The timeline of one session made of `routines` in order: one opening, each routine's steps
    (numbered through the whole session) with a short spoken bridge between two routines, one
    closing. One routine is the usual session."""
    if not routines:
        raise ValueError("a session needs at least one routine")
    s = CompileContext(routines, options, durations)
    spans: list[StepSpan] = []
    if follower is not None:
        follower.follow(lambda: CompileState(s.t, list(s.events), list(spans), list(s.holds), s.step))
    last = len(s.plan) - 1
    for index, (part, step) in enumerate(s.plan):
        s.step, start = index, s.t
        if index == 0:
            _opening(s)
        elif s.plan[index - 1][0] != part:
            _bridge(s, s.routines[part])
        _COMPILERS[step.kind](s, step)
        if index == last:
            _closing(s)
        else:
            s.wait(s.routine.defaults.rest_s)
        spans.append(StepSpan(index, step.kind, step.title, start, s.t))
    if s.t > MAX_DURATION_S:
        raise UsageError(
            f"the session would last {s.t / 3600:.1f} hours; a session may be at most "
            "4 hours (lower --hold-scale or shorten the routine)"
        )
    return Timeline(
        title=" + ".join(r.title for r in routines),
        duration_s=s.t,
        steps=tuple(spans),
        holds=tuple(s.holds),
        events=tuple(sorted(s.events, key=lambda e: (e.start_s, e.kind))),
        profile=s.profile.name,
        estimated=estimated,
        loudness_lufs=s.profile.loudness_lufs,
        bed=options.bed or s.profile.bed,
        tail_s=s.profile.tail_s,
        meta=_meta(routines),
    )


def _meta(routines: Sequence[Routine]) -> dict[str, Any]:
    """The session's summary, source and tags: each routine's, joined."""
    return {
        "summary": " ".join(r.summary for r in routines if r.summary),
        "source": "; ".join(dict.fromkeys(r.source for r in routines if r.source)),
        "tags": list(dict.fromkeys(t for r in routines for t in r.tags)),
    }


def _opening(s: CompileContext) -> None:
    s.say(phrases.opening(phrases.spoken_list([r.title for r in s.routines])), "opening")
    _intro(s)


def _intro(s: CompileContext) -> None:
    """The routine's safety reminder, unless an earlier routine of the session said the same."""
    if s.options.intro:
        said = {e.text for e in s.events if e.role == "intro"}
        for line in s.routine.intro:
            if line not in said:
                s.say(line, "intro")


def _bridge(s: CompileContext, routine: Routine) -> None:
    """Between two routines of a session: say which one ends and which begins."""
    done = s.routine.title
    s.routine, s.announced = routine, 0
    s.say(phrases.bridge(done, routine.title), "bridge")
    _intro(s)


def _closing(s: CompileContext) -> None:
    s.say(phrases.closing(s.profile.name), "closing")
    s.t = snap(s.cue(s.t, s.profile.closing_cue, "closing") + 0.5)
    if s.profile.tail_s:
        s.wait(s.profile.tail_s)  # the bed alone, fading to silence


def _talk(s: CompileContext, step: Talk) -> None:
    s.say(step.text, "talk")


def _rest(s: CompileContext, step: Rest) -> None:
    end = snap(s.t + step.duration_s)
    said = s.say_within(s.t, phrases.REST, end - GAP_S, "rest")
    coming = _next_title(s)
    if s.profile.announce_next and coming:  # after the last exercise, the closing speaks for itself
        at = snap((said or s.t) + GAP_S)
        s.say_within(at, phrases.next_up(coming), end - GAP_S, "next")
    s.t = end


def _next_title(s: CompileContext) -> str | None:
    for _, step in s.plan[s.step + 1 :]:
        if isinstance(step, (Stretch, Flow, Breathe)):
            return step.title
    return None


def _chime(s: CompileContext, step: Chime) -> None:
    s.t = snap(s.cue(s.t, step.cue))


def _breathe(s: CompileContext, step: Breathe) -> None:
    pattern = s.pattern(step.pattern) if not s.options.breath else s.pattern()
    s.say(phrases.breathe_intro(pattern), "announce")
    for cycle in range(step.cycles):
        for phase, seconds in pattern.phases():
            if cycle < GUIDED_BREATH_CYCLES and s.spoken():
                s.say_within(s.t, phrases.BREATH_WORDS[phase], s.t + seconds - 0.1, "breath")
            s.breath_at(s.t, phase, seconds)
            s.wait(seconds)


def _flow(s: CompileContext, step: Flow) -> None:
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


_COMPILERS: dict[str, Callable[[CompileContext, Any], None]] = {
    "talk": _talk,
    "rest": _rest,
    "chime": _chime,
    "breathe": _breathe,
    "flow": _flow,
    "stretch": compile_stretch,
}
