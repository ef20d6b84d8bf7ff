"""One file from several routines: `export A B -o FILE` writes one session (one opening, a spoken
bridge, a chapter for every step of every routine, one closing) as long as its plan says."""

from __future__ import annotations

import json
import subprocess

from audio_helpers import decode
from click.testing import CliRunner

from voicecoach.cli import main

RATE = 22050  # the export's sample rate, decoded at it (no resampling in the check)


def _chapters(path) -> list[str]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [c["tags"]["title"] for c in json.loads(out)["chapters"]]


def _plan(*args: str) -> dict:
    result = CliRunner().invoke(main, ["plan", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_two_builtins_into_one_file(tmp_path, monkeypatch):
    """Bug 1: `export desk-reset reclining-hip-release -o evening.mp3` made a folder named evening.mp3."""
    monkeypatch.chdir(tmp_path)
    args = ["desk-reset", "reclining-hip-release", "--engine", "espeak"]
    result = CliRunner().invoke(main, ["export", *args, "-o", "evening.mp3"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "evening.mp3"
    assert out.is_file() and list(tmp_path.iterdir()) == [out]
    plan = _plan(*args)
    assert plan["title"] == "Desk Reset + Reclining Hip Release"
    decoded_s = len(decode(out, RATE)) / RATE
    assert abs(decoded_s - plan["duration_s"]) < 0.05, (decoded_s, plan["duration_s"])
    desk = _plan("desk-reset", "--engine", "espeak", "--estimate")
    hip = _plan("reclining-hip-release", "--engine", "espeak", "--estimate")
    titles = [s["title"] for s in desk["steps"] + hip["steps"]]
    assert _chapters(out) == titles == [s["title"] for s in plan["steps"]]
    said = [(e["role"], e["text"]) for e in plan["events"] if e["kind"] == "speech"]
    roles = [role for role, _ in said]
    assert roles.count("opening") == 1 and roles.count("closing") == 1 and roles.count("bridge") == 1
    assert said[0][1] == "Welcome. This session is Desk Reset and Reclining Hip Release."
    bridge = next(text for role, text in said if role == "bridge")
    assert "Desk Reset" in bridge and "Reclining Hip Release" in bridge
    first_hip = plan["steps"][len(desk["steps"])]
    bridge_at = next(e["start_s"] for e in plan["events"] if e.get("role") == "bridge")
    assert first_hip["start_s"] <= bridge_at < first_hip["end_s"]  # it opens the second routine's chapter


def test_several_routines_without_o_or_into_a_folder_stay_one_file_each(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(f"title: {name}\nsteps:\n  - talk: Hi.\n  - rest: 1s\n")
    result = CliRunner().invoke(main, ["export", "a.yaml", "b.yaml", "--engine", "espeak"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.mp3").is_file() and (tmp_path / "b.mp3").is_file()
    result = CliRunner().invoke(main, ["export", "a.yaml", "b.yaml", "-o", "out/", "--engine", "espeak"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.mp3", "b.mp3"]


def test_split_into_a_file_name_is_refused_before_any_work(tmp_path, monkeypatch):
    """Bug 1: `export desk-reset --split -o one.mp3` made a folder named one.mp3."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["export", "desk-reset", "--split", "-o", "one.mp3"])
    assert result.exit_code == 2
    assert "--split writes a folder" in result.output and "-o one/" in result.output
    assert not (tmp_path / "one.mp3").exists() and list(tmp_path.iterdir()) == []
