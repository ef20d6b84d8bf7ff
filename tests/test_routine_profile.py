"""`profile: NAME` in a routine: its default profile (the command line's --profile wins)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.paths import config_dir

NIGHT = "title: Night\nprofile: {profile}\nsteps:\n  - talk: Good night.\n  - rest: 2s\n"


def _plan(*args: str) -> dict:
    result = CliRunner().invoke(main, ["plan", *args, "--estimate", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_bedtime_wind_down_is_planned_with_the_bedtime_profile_unless_told_otherwise():
    assert _plan("bedtime-wind-down")["profile"] == "bedtime"
    assert _plan("bedtime-wind-down", "--profile", "guided")["profile"] == "guided"
    assert _plan("desk-reset")["profile"] == "guided"
    show = json.loads(CliRunner().invoke(main, ["show", "bedtime-wind-down", "--json"]).output)
    assert show["profile"] == "bedtime"


def test_a_routine_file_names_its_profile(tmp_path):
    path = tmp_path / "night.yaml"
    path.write_text(NIGHT.format(profile="eyes-closed"), encoding="utf-8")
    assert _plan(str(path))["profile"] == "eyes-closed"
    assert _plan(str(path), "--profile", "bedtime")["profile"] == "bedtime"


def test_a_joined_session_takes_the_first_profile_a_routine_names(tmp_path):
    path = tmp_path / "night.yaml"
    path.write_text(NIGHT.format(profile="bedtime"), encoding="utf-8")
    assert _plan("reclining-hip-release", str(path))["profile"] == "bedtime"


def test_an_unknown_profile_is_located_and_the_known_ones_named(tmp_path):
    path = tmp_path / "night.yaml"
    path.write_text(NIGHT.format(profile="bedtme"), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"{path}:2:10: profile: unknown profile 'bedtme' (did you mean 'bedtime'?)" in result.output
    assert "guided, eyes-closed, bedtime" in result.output
    planned = CliRunner().invoke(main, ["plan", str(path), "--estimate"])
    assert planned.exit_code == 2 and f"{path}:2:10: profile: unknown profile" in planned.output


def test_your_own_profile_may_be_named(tmp_path):
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "profiles.yaml").write_text("profiles:\n  evening:\n    base: bedtime\n    rate: 0.8\n")
    path = tmp_path / "night.yaml"
    path.write_text(NIGHT.format(profile="evening"), encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 0
    assert _plan(str(path))["profile"] == "evening"
