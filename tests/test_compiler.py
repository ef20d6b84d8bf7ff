"""The compiler: the format contract's guarantees and the guided profile's behaviour."""

from __future__ import annotations

import pytest
from timeline_checks import assert_guarantees

from voicecoach.errors import UsageError
from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.store import get_profile
from voicecoach.routine.durations import parse_breath
from voicecoach.routine.loader import parse_routine

EXAMPLE = """
title: Test
defaults: {hold: 30s, transition: 5s, rest: 5s, breath: 4-6}
steps:
  - talk: Lie down.
  - stretch: Figure Four
    setup:
      - Cross your {side} ankle over the other knee.
      - Pull the thigh in.
    hold: 45s
    sides: both
    reps: 2
    cues: [Keep breathing., Soften your shoulders.]
    release: Let the {side} leg down.
  - breathe: 4-7-8
    cycles: 3
  - flow: Cat-Cow
    inhale: Drop your belly.
    exhale: Round your back.
    cycles: 4
  - stretch: Child's Pose
    hold: 6 breaths
  - rest: 10s
  - chime: bell
"""


def compile_text(text: str, **options) -> object:
    return compile_routine(parse_routine(text), CompileOptions(**options), EstimatedDurations())


def test_holds_exact_per_side_and_rep():
    timeline = compile_text(EXAMPLE)
    figure_four = [h for h in timeline.holds if h.step == 1]
    assert [(h.side, h.rep) for h in figure_four] == [("right", 1), ("right", 2), ("left", 1), ("left", 2)]
    assert all(h.end_s - h.start_s == 45.0 for h in figure_four)
    child = [h for h in timeline.holds if h.step == 4]
    assert child[0].duration_s == 60.0  # six breaths of 4-6
    assert_guarantees(timeline)


def test_hold_scale_and_breath_override():
    timeline = compile_text(EXAMPLE, hold_scale=1.5, breath=parse_breath("box"))
    assert {h.duration_s for h in timeline.holds if h.step == 1} == {67.5}
    assert [h.duration_s for h in timeline.holds if h.step == 4] == [6 * 16 * 1.5]
    phases = [e.phase for e in timeline.events if e.kind == "breath" and e.step == 2]
    assert phases[:4] == ["inhale", "hold", "exhale", "hold-out"]


def test_each_hold_has_cues_at_both_ends_and_speech_inside():
    timeline = compile_text(EXAMPLE)
    for hold in timeline.holds:
        chimes = {e.start_s for e in timeline.events if e.kind == "chime"}
        assert hold.start_s in chimes and hold.end_s in chimes
    first = timeline.holds[0]
    inside = [e for e in timeline.speech() if first.start_s <= e.start_s and e.end_s <= first.end_s]
    assert [e.role for e in inside] == ["hold", "cue", "cue", "countdown"]
    assert inside[-1].text == "Three, two, one."
    assert inside[-1].end_s <= first.end_s


def test_side_switch_and_side_substitution():
    texts = [e.text for e in compile_text(EXAMPLE).speech()]
    assert "Cross your right ankle over the other knee." in texts
    assert "Cross your left ankle over the other knee." in texts
    assert texts.index("Switch to your left side.") > texts.index("Let the right leg down.")
    assert not any("{side}" in t for t in texts)


def test_setup_ends_before_hold_and_release_after():
    timeline = compile_text(EXAMPLE)
    hold = timeline.holds[0]
    before = [e for e in timeline.speech() if e.start_s < hold.start_s]
    release = [e for e in timeline.speech() if e.role == "release" and e.step == hold.step]
    assert before[-1].role == "setup"
    assert before[-1].end_s <= hold.start_s - 5.0  # the transition: quiet get-ready time
    assert min(e.start_s for e in release) >= hold.end_s


def test_breathe_guides_first_cycles_then_only_breath_sounds():
    timeline = compile_text(EXAMPLE)
    breath = [e for e in timeline.events if e.step == 2 and e.kind == "breath"]
    assert len(breath) == 3 * 3
    spoken = [e for e in timeline.speech() if e.step == 2 and e.role == "breath"]
    assert [e.text for e in spoken] == ["Breathe in.", "Hold.", "Breathe out."] * 2
    last_cycle_start = breath[6].start_s
    assert not [e for e in timeline.speech() if e.step == 2 and e.start_s >= last_cycle_start]


def test_flow_speaks_movements_in_time_with_breath():
    timeline = compile_text(EXAMPLE)
    flow = [e for e in timeline.events if e.step == 3]
    inhales = [e for e in flow if e.kind == "breath" and e.phase == "inhale"]
    said = {e.start_s: e.text for e in flow if e.kind == "speech" and e.role == "flow"}
    assert said[inhales[0].start_s] == "Breathe in, drop your belly."
    assert said[inhales[-1].start_s] == "Breathe in."


def test_deterministic():
    assert compile_text(EXAMPLE) == compile_text(EXAMPLE)
    assert compile_text(EXAMPLE).to_json() == compile_text(EXAMPLE).to_json()


def test_opening_and_closing_lines():
    speech = compile_text(EXAMPLE).speech()
    assert speech[0].role == "opening" and speech[-1].role == "closing"


@pytest.mark.parametrize("profile", ["guided", "eyes-closed", "bedtime"])
def test_every_profile_compiles(profile):
    timeline = compile_text(EXAMPLE, profile=get_profile(profile))
    assert timeline.profile == profile
    assert_guarantees(timeline)


def test_bedtime_has_no_countdown():
    timeline = compile_text(EXAMPLE, profile=get_profile("bedtime"))
    assert not [e for e in timeline.speech() if e.role == "countdown"]


def test_short_hold_drops_cues_but_keeps_exact_length():
    timeline = compile_text(
        "title: t\nsteps:\n  - stretch: Quick\n    hold: 2s\n    cues: [A long cue that cannot fit.]\n"
    )
    assert timeline.holds[0].duration_s == 2.0
    assert [e.role for e in timeline.speech()] == ["opening", "announce", "closing"]
    assert_guarantees(timeline)


def test_session_over_four_hours_is_refused():
    with pytest.raises(UsageError, match="4 hours"):
        compile_text("title: t\nsteps:\n  - stretch: Long\n    hold: 3h\n", hold_scale=2.0)
