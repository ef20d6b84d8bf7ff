"""Property tests: the format guarantees hold on generated routines and speech lengths."""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timeline_checks import assert_guarantees

from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.profiles.model import BUILTIN_PROFILES
from voicecoach.routine.loader import parse_routine


class HashedDurations:
    """Speech lengths from 0.2 to 9 s that vary wildly with the text, as different voices do."""

    def __init__(self, salt: int):
        self.salt = salt

    def duration_s(self, text: str, rate: float) -> float:
        digest = hashlib.sha256(f"{self.salt}:{text}".encode()).digest()
        return (0.2 + digest[0] / 255 * 8.8) / rate


words = st.text(alphabet="abcdefghij ", min_size=1, max_size=30).map(lambda t: "Say " + t.strip() + ".")
seconds = st.integers(min_value=1, max_value=120)
pattern = st.sampled_from(["4-6", "4-7-8", "box", "coherent", "1-1", "2.5-3-4-1"])


@st.composite
def step_yaml(draw) -> str:
    kind = draw(st.sampled_from(["talk", "stretch", "flow", "breathe", "rest", "chime"]))
    if kind == "talk":
        return f"  - talk: {draw(words)}\n"
    if kind == "rest":
        return f"  - rest: {draw(seconds)}s\n"
    if kind == "chime":
        return f"  - chime: {draw(st.sampled_from(['bell', 'chime', 'bowl', 'tick']))}\n"
    if kind == "breathe":
        return f"  - breathe: {draw(pattern)}\n    cycles: {draw(st.integers(1, 5))}\n"
    if kind == "flow":
        return (
            f"  - flow: {draw(words)}\n    inhale: {draw(words)}\n    exhale: {draw(words)}\n"
            f"    cycles: {draw(st.integers(1, 5))}\n    breath: {draw(pattern)}\n"
        )
    sides = draw(st.sampled_from(["none", "both", "left", "right", "[left, right]"]))
    hold = draw(st.one_of(seconds.map(lambda s: f"{s}s"), st.integers(1, 8).map(lambda b: f"{b} breaths")))
    cues = draw(st.lists(words, max_size=4))
    text = (
        f"  - stretch: {draw(words)}\n    hold: {hold}\n    sides: {sides}\n"
        f"    reps: {draw(st.integers(1, 3))}\n"
    )
    if cues:
        text += "    cues:\n" + "".join(f"      - {c}\n" for c in cues)
    if draw(st.booleans()):
        text += f"    release: {draw(words)}\n"
    return text


@st.composite
def routine_yaml(draw) -> str:
    steps = draw(st.lists(step_yaml(), min_size=1, max_size=6))
    head = (
        f"title: Generated\ndefaults:\n  transition: {draw(st.integers(1, 10))}s\n"
        f"  rest: {draw(st.integers(1, 10))}s\n  breath: {draw(pattern)}\nsteps:\n"
    )
    return head + "".join(steps)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=routine_yaml(),
    salt=st.integers(0, 1000),
    profile=st.sampled_from(list(BUILTIN_PROFILES)),
    rate=st.sampled_from([None, 0.7, 1.0, 1.6]),
    hold_scale=st.sampled_from([0.5, 1.0, 1.37, 2.0]),
)
def test_guarantees_hold_for_generated_routines(text, salt, profile, rate, hold_scale):
    routine = parse_routine(text)
    options = CompileOptions(profile=BUILTIN_PROFILES[profile], rate=rate, hold_scale=hold_scale)
    timeline = compile_routine(routine, options, HashedDurations(salt))
    assert_guarantees(timeline)
    # exact holds: each equals the routine's hold times the scale, on the compiler's grid
    for hold in timeline.holds:
        step = routine.steps[hold.step]
        length = step.hold or routine.defaults.hold
        expected = max(1.0, length.resolve_s(routine.defaults.breath) * hold_scale)
        if length.breaths is not None and BUILTIN_PROFILES[profile].exhale_growth_s:
            assert hold.duration_s >= expected - 1 / 2048  # the exhale lengthens through a bedtime session
        else:
            assert abs(hold.duration_s - expected) <= 1 / 2048
        assert hold.end_s - hold.start_s == hold.duration_s
    sides = {}
    for hold in timeline.holds:
        sides.setdefault(hold.step, set()).add(hold.duration_s)
    assert all(len(lengths) == 1 for lengths in sides.values()), "every side and rep is as long as the first"
    assert compile_routine(routine, options, HashedDurations(salt)) == timeline
