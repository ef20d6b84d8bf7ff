"""Eyes-closed sessions: the side is named before its hold begins, and no rest announces the end."""

from __future__ import annotations

import pytest

from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.store import get_profile
from voicecoach.routine.builtin import builtin_names, builtin_path
from voicecoach.routine.loader import load_routine, parse_routine

ROUTINE = """
title: Sides
defaults: {hold: 45s, rest: 10s}
steps:
  - stretch: Figure Four
    setup: "Cross your {side} ankle over the other knee."
    sides: both
    reps: 2
  - rest: 15s
  - talk: Well done.
"""


def compiled(text_or_name: str, profile: str = "eyes-closed", **options):
    routine = (
        load_routine(builtin_path(text_or_name))
        if text_or_name in builtin_names()
        else parse_routine(text_or_name)
    )
    return compile_routine(
        routine, CompileOptions(profile=get_profile(profile), **options), EstimatedDurations(), estimated=True
    )


@pytest.mark.parametrize("source", [ROUTINE, "reclining-hip-release", "lower-back-hip-relief"])
def test_the_side_is_named_before_the_holds_start_chime(source):
    timeline = compiled(source)
    sided = [h for h in timeline.holds if h.side]
    assert sided
    for hold in sided:
        chime = next(e for e in timeline.events if e.role == "hold-start" and e.start_s == hold.start_s)
        named = [e for e in timeline.speech() if e.text.startswith(f"Your {hold.side} side.")]
        before = [e for e in named if e.end_s <= chime.start_s and chime.start_s - e.end_s <= 1.0]
        assert before, (hold, [(e.start_s, e.text) for e in named])
        inside = [e for e in timeline.speech() if hold.start_s <= e.start_s < hold.end_s]
        assert not [e for e in inside if e.text.startswith("Your ")]  # not said again in the hold


def test_guided_still_says_hold_for_after_the_chime():
    timeline = compiled(ROUTINE, "guided")
    for hold in timeline.holds:
        first = next(e for e in timeline.speech() if e.start_s >= hold.start_s)
        assert first.text == "Hold for 45 seconds." and first.start_s < hold.start_s + 1.0


@pytest.mark.parametrize("source", [ROUTINE, *builtin_names()])
def test_no_rest_announces_the_end_of_the_session(source):
    timeline = compiled(source)
    said = [e.text for e in timeline.speech()]
    assert not [t for t in said if t.startswith("Next up: the end")]
    assert not [t for t in said if "Next up" in t and "end of the session" in t]


def test_rests_before_an_exercise_still_say_what_comes_next():
    text = ROUTINE.replace("  - talk: Well done.\n", "  - stretch: Knee Hug\n    hold: 20s\n")
    said = [e.text for e in compiled(text).speech()]
    assert "Next up: Knee Hug." in said
