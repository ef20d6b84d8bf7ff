"""The command line: help for every command, README mentions, exit codes, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, ROUTINES, run_voicecoach

from voicecoach.cli import main

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_a_readme_mention(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert main.commands[name].help and main.commands[name].help.strip()
    assert f"voicecoach {name}" in (REPO / "README.md").read_text(), (
        f"README never mentions `voicecoach {name}`"
    )


def test_top_level_help_lists_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_python_dash_m_runs_the_same_command():
    proc = run_voicecoach("--version")
    assert proc.returncode == 0 and "voicecoach" in proc.stdout


def test_list_json_shape():
    result = CliRunner().invoke(main, ["list", "--json"])
    rows = json.loads(result.output)
    names = [row["name"] for row in rows]
    assert "reclining-hip-release" in names
    for row in rows:
        assert set(row) >= {"name", "title", "duration_s", "tags"}
        assert row["duration_s"] > 0


def test_plan_json_follows_the_contract():
    proc = run_voicecoach("plan", "reclining-hip-release", "--json", "--estimate")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["estimated"] is True and data["title"] == "Reclining Hip Release"
    assert {"index", "kind", "title", "start_s", "end_s"} <= set(data["steps"][0])
    assert [h["duration_s"] for h in data["holds"]] == [45.0, 45.0]
    assert [h["side"] for h in data["holds"]] == ["right", "left"]
    for event in data["events"]:
        assert event["kind"] in ("speech", "chime", "breath") and isinstance(event["step"], int)


def test_plan_with_espeak_measures_real_speech():
    result = CliRunner().invoke(
        main, ["plan", str(ROUTINES / "good" / "spec-example.yaml"), "--json", "--engine", "espeak"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["estimated"] is False
    first = data["events"][0]
    assert 1.0 < first["end_s"] - first["start_s"] < 6.0


def test_plan_table_is_readable():
    result = CliRunner().invoke(main, ["plan", "reclining-hip-release", "--estimate"])
    assert result.exit_code == 0
    assert "── 2. stretch: Reclining Hip Release" in result.output
    assert "▶ hold right 45 s" in result.output and "Total:" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["plan", "no-such-routine", "--estimate"],
            "no routine called 'no-such-routine'",
        ),
        (
            ["plan", "reclining-hip-release", "--estimate", "--hold-scale", "0"],
            "--hold-scale 0 is out of range",
        ),
        (["plan", "reclining-hip-release", "--estimate", "--breath", "4-40"], "between 1 and 20"),
        (["plan", "reclining-hip-release", "--engine", "nope"], "unknown engine 'nope'"),
    ],
)
def test_bad_usage_is_one_clear_line_and_exit_2(args, message):
    proc = run_voicecoach(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_validate_reports_good_and_bad_files(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nsteps:\n  - stretch: A\n    hodl: 30s\n")
    proc = run_voicecoach("validate", str(ROUTINES / "good" / "spec-example.yaml"), str(bad))
    assert proc.returncode == 2
    assert f"{bad}:4:5: unknown key 'hodl' (did you mean 'hold'?)" in proc.stderr
    assert "spec-example.yaml: ok" in proc.stdout
