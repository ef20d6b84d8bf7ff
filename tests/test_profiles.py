"""Profiles: the rules of eyes-closed and bedtime, user profiles, and command-line overrides."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.errors import RoutineError, UsageError
from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.store import config_dir, get_profile
from voicecoach.routine.loader import parse_routine

ROUTINE = """
title: Evening
defaults: {hold: 45s, rest: 5s, breath: 4-6}
steps:
  - breathe: 4-6
    cycles: 3
  - stretch: Figure Four
    setup:
      - Lie on your back.
      - "Cross your {side} ankle over the other knee."
    sides: both
    cues: [Soften your jaw., Breathe into the hip.]
  - rest: 20s
  - stretch: Knee to Chest
    hold: 6 breaths
  - rest: 15s
  - flow: Cat-Cow
    inhale: Lift your chest.
    exhale: Round your back.
    cycles: 3
  - breathe: 4-6
    cycles: 3
"""


def compiled(profile: str, **options):
    return compile_routine(
        parse_routine(ROUTINE), CompileOptions(profile=get_profile(profile), **options), EstimatedDurations()
    )


def test_bedtime_has_no_countdown_words_and_bowl_cues():
    timeline = compiled("bedtime")
    words = " ".join(e.text.lower() for e in timeline.speech())
    for number in ("three, two, one", "five, four"):
        assert number not in words
    hold_cues = {e.cue for e in timeline.events if e.role in ("hold-start", "hold-end")}
    assert hold_cues == {"bowl"}


def test_bedtime_exhale_lengthens_through_the_session():
    timeline = compiled("bedtime")
    exhales = [e for e in timeline.events if e.kind == "breath" and e.phase == "exhale" and e.role == ""]
    first, last = exhales[0].duration_s, exhales[-1].duration_s
    assert first == 6.0 and last == 8.0
    assert all(a.duration_s <= b.duration_s for a, b in itertools.pairwise(exhales))


def test_bedtime_breath_tones_in_holds_and_wind_down_tail():
    timeline = compiled("bedtime")
    tones = [e for e in timeline.events if e.role == "hold-breath"]
    assert tones
    for tone in tones:
        assert any(h.start_s <= tone.start_s and tone.end_s <= h.end_s for h in timeline.holds), tone
    assert {h.step for h in timeline.holds} == {e.step for e in tones}
    assert timeline.tail_s == 180 and timeline.bed == "brown" and timeline.loudness_lufs == -20
    last_sound = max(e.end_s for e in timeline.events)
    assert timeline.duration_s - last_sound >= 180


def test_bedtime_speaks_slower():
    guided, bedtime = compiled("guided"), compiled("bedtime")
    line = "Soften your jaw."
    length = {t.profile: next(e.duration_s for e in t.speech() if e.text == line) for t in (guided, bedtime)}
    assert length["bedtime"] > length["guided"] * 1.05  # piper at 0.85 speaks about 8% longer


def test_guided_has_no_breath_tones_in_holds():
    assert not [e for e in compiled("guided").events if e.role == "hold-breath"]


def test_eyes_closed_next_up_in_every_rest_and_names_sides():
    timeline = compiled("eyes-closed")
    rests = [i for i, s in enumerate(parse_routine(ROUTINE).steps) if s.kind == "rest"]
    for index in rests:
        said = [e.text for e in timeline.speech() if e.step == index]
        assert any(t.startswith("Next up: ") for t in said), said
    texts = [e.text for e in timeline.speech()]
    assert "Next up: Knee to Chest." in texts and "Next up: Cat-Cow." in texts
    assert (
        "Your right side. Hold for 45 seconds." in texts and "Your left side. Hold for 45 seconds." in texts
    )
    assert "That was the last stretch." in texts and texts[-1].startswith("Session complete.")


def test_eyes_closed_halfway_cue_in_long_holds_and_five_count():
    timeline = compiled("eyes-closed")
    for hold in timeline.holds:
        inside = [e for e in timeline.speech() if hold.start_s <= e.start_s < hold.end_s]
        halfway = [e for e in inside if e.text == "Halfway."]
        assert len(halfway) == (1 if hold.duration_s >= 40 else 0)
        if halfway:
            middle = (halfway[0].start_s + halfway[0].end_s) / 2
            assert abs(middle - (hold.start_s + hold.end_s) / 2) < 0.01
        assert inside[-1].text == "Five, four, three, two, one." and inside[-1].end_s <= hold.end_s


def test_cue_styles():
    tones = compiled("guided", cues="tones")
    assert not [e for e in tones.speech() if e.role in ("countdown", "breath")]
    assert len([e for e in tones.events if e.role == "hold-start"]) == len(tones.holds)
    voice = compiled("guided", cues="voice")
    assert not [e for e in voice.events if e.role in ("hold-start", "hold-end")]
    assert all(any(e.start_s == h.start_s and e.role == "hold" for e in voice.speech()) for h in voice.holds)


def test_user_profile_file_adds_and_overrides(tmp_path):
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yaml").write_text(
        "profiles:\n  evening:\n    base: bedtime\n    rate: 0.8\n    bed: pink\n"
        "  guided:\n    countdown_from: 5\n"
    )
    evening = get_profile("evening")
    assert (evening.rate, evening.bed, evening.hold_cue, evening.loudness_lufs) == (
        0.8,
        "pink",
        "bowl",
        -20.0,
    )
    assert get_profile("guided").countdown_from == 5
    result = CliRunner().invoke(main, ["profiles", "--json"])
    assert json.loads(result.output)["evening"]["rate"] == 0.8


def test_user_profile_typo_is_located():
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "profiles.yaml"
    path.write_text("profiles:\n  evening:\n    base: bedtime\n    raet: 0.8\n    bed: purple\n")
    with pytest.raises(RoutineError) as info:
        get_profile("evening")
    assert [str(p) for p in info.value.problems] == [
        f"{path}:4:5: unknown key 'raet' (did you mean 'rate'?)",
        f"{path}:5:10: bed: 'purple' is not one of brown, pink, none",
    ]
    result = CliRunner().invoke(main, ["plan", "reclining-hip-release", "--estimate", "--profile", "evening"])
    assert result.exit_code == 2 and f"{path}:4:5: unknown key 'raet'" in result.output


def test_unknown_profile_is_a_usage_error():
    with pytest.raises(UsageError, match="choose one of guided, eyes-closed, bedtime"):
        get_profile("sleepy")


def test_command_line_overrides_the_profile():
    timeline = compiled("bedtime", rate=1.0)
    assert timeline.speech()[0].duration_s == compiled("guided").speech()[0].duration_s
