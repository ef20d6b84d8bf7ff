"""Routines by name: your own (the routines folder in the config folder) first, then the built-ins;
a bare name never means a file or folder in the current directory; a path is a path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_voicecoach

from voicecoach import app
from voicecoach.cli import main
from voicecoach.errors import UsageError
from voicecoach.paths import routines_dir
from voicecoach.routine.builtin import builtin_path, named_routines, resolve_routine

TINY = "title: {title}\nsummary: Mine.\ntags: [mine]\nsteps:\n  - talk: Hello from {title}.\n  - rest: 2s\n"


def _mine(name: str, title: str, folder: Path | None = None) -> Path:
    folder = folder or routines_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(TINY.format(title=title), encoding="utf-8")
    return path


def test_list_shows_your_routines_marked_as_yours():
    _mine("evening-hips", "Evening Hips")
    rows = json.loads(CliRunner().invoke(main, ["list", "--json"]).output)
    assert rows[0]["name"] == "evening-hips" and rows[0]["yours"] is True
    assert {r["name"] for r in rows if not r["yours"]} >= {"desk-reset", "reclining-hip-release"}
    text = CliRunner().invoke(main, ["list"]).output.splitlines()
    assert text[0].startswith("evening-hips") and text[0].endswith("(yours)")
    assert not [line for line in text[1:] if "(yours)" in line]


def test_your_routine_plans_shows_and_exports_by_name(tmp_path, monkeypatch):
    _mine("evening-hips", "Evening Hips")
    monkeypatch.chdir(tmp_path)
    plan = CliRunner().invoke(main, ["plan", "evening-hips", "--estimate", "--json"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.output)["title"] == "Evening Hips"
    show = CliRunner().invoke(main, ["show", "evening-hips", "--json"])
    assert json.loads(show.output)["summary"] == "Mine."
    export = CliRunner().invoke(main, ["export", "evening-hips", "--engine", "espeak"])
    assert export.exit_code == 0, export.output
    assert (tmp_path / "evening-hips.mp3").stat().st_size > 1000


def test_your_routine_plays_by_name(tmp_path):
    _mine("evening-hips", "Evening Hips")
    proc = run_voicecoach(
        "play", "evening-hips", "--backend", "null", "--speed", "20", "--engine", "espeak", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "completed" in proc.stderr


def test_yours_come_before_the_builtin_of_the_same_name():
    mine = _mine("desk-reset", "My Desk Reset")
    assert resolve_routine("desk-reset") == mine
    assert app.load("desk-reset").title == "My Desk Reset"
    found = [r for r in named_routines() if r.name == "desk-reset"]
    assert len(found) == 1 and found[0].yours


def test_the_config_variable_moves_your_routines(tmp_path):
    other = tmp_path / "elsewhere"
    _mine("far-away", "Far Away", other / "routines")
    proc = run_voicecoach(
        "plan", "far-away", "--estimate", "--json", env={"VOICECOACH_CONFIG_DIR": str(other)}
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["title"] == "Far Away"
    assert run_voicecoach("plan", "far-away", "--estimate").returncode == 2  # not in the usual folder


def test_a_folder_here_does_not_shadow_a_builtin(tmp_path, monkeypatch):
    """Bug 2: after `export desk-reset --split` wrote ./desk-reset/, `export desk-reset` and `play
    desk-reset` said "desk-reset is a folder with no routine files"."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "desk-reset").mkdir()
    (tmp_path / "desk-reset" / "01 - Seated Figure Four.mp3").write_bytes(b"ID3")
    assert app.expand_routines(["desk-reset"]) == ["desk-reset"]
    assert resolve_routine("desk-reset") == builtin_path("desk-reset")
    plan = CliRunner().invoke(main, ["plan", "desk-reset", "--estimate", "--json"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.output)["title"] == "Desk Reset"
    with pytest.raises(UsageError, match="folder"):
        app.expand_routines(["./desk-reset"])  # written as a path, it is the folder


def test_an_unknown_name_lists_yours_and_the_builtins_and_points_at_a_file_here(tmp_path, monkeypatch):
    _mine("evening-hips", "Evening Hips")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hips").write_text(TINY.format(title="Hips"), encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", "hips", "--estimate"])
    assert result.exit_code == 2
    message = result.output
    assert "no routine called 'hips'" in message and "yours: evening-hips" in message
    assert "desk-reset" in message and "write ./hips" in message
    assert "Traceback" not in message
    assert CliRunner().invoke(main, ["plan", "./hips", "--estimate"]).exit_code == 0


def test_serve_offers_your_routines_by_name_with_the_builtins():
    _mine("evening-hips", "Evening Hips")
    toolkit = app.serve_toolkit(app.SessionOptions())
    names = toolkit.default_routines()
    assert names[0] == "evening-hips" and "desk-reset" in names
    assert toolkit.load("evening-hips").title == "Evening Hips"
    assert toolkit.source("evening-hips") == routines_dir() / "evening-hips.yaml"


def test_validate_takes_a_name_as_every_command_does(tmp_path, monkeypatch):
    """`export desk-reset --split; validate desk-reset` said "this is a folder", and `new evening-hips;
    validate evening-hips` "cannot read the file": validate read a bare name as a file here."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "desk-reset").mkdir()  # what `export desk-reset --split` leaves
    mine = _mine("evening-hips", "Evening Hips")
    result = CliRunner().invoke(main, ["validate", "desk-reset", "evening-hips", "Evening-Hips"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("desk-reset: ok, ")
    assert result.stdout.splitlines()[1].startswith("evening-hips: ok, 2 steps")
    mine.write_text("title: x\nsteps:\n  - rest: 1 30s\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "evening-hips"])
    assert result.exit_code == 2 and result.stderr.startswith(f"{mine}:3:11: rest: '1 30s' is not a duration")


def test_validate_still_checks_paths_and_says_what_a_name_is_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "desk-reset").mkdir()
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "./desk-reset", "nope", "notes.txt"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    folder, unknown, notes = result.stderr.splitlines()
    assert folder.startswith("./desk-reset:1:1: this is a folder, not a routine file (give a .yaml file")
    assert unknown.startswith("nope:1:1: no routine called 'nope'")
    assert notes.startswith("notes.txt:1:1: routine: expected keys and values")
