"""`voicecoach show` and `voicecoach new`."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import run_voicecoach

from voicecoach.cli import main
from voicecoach.paths import routines_dir


def test_show_describes_a_builtin_with_lengths_per_profile():
    result = CliRunner().invoke(main, ["show", "reclining-hip-release", "--json"])
    assert result.exit_code == 0
    info = json.loads(result.output)
    assert set(info["duration_s"]) >= {"guided", "eyes-closed", "bedtime"}
    assert info["duration_s"]["bedtime"] > info["duration_s"]["guided"]
    assert "Pilates Pila" in info["source"]
    assert [h["duration_s"] for h in info["holds"]] == [45.0, 45.0]
    text = CliRunner().invoke(main, ["show", "reclining-hip-release"]).output
    assert "Source: Pilates Pila" in text and "Length: guided" in text and "(right 45 s, left 45 s)" in text


def test_new_copies_a_builtin_into_your_routines_and_refuses_to_overwrite(tmp_path):
    proc = run_voicecoach("new", "desk-reset", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    copy = routines_dir() / "desk-reset.yaml"
    assert "title: Desk Reset" in copy.read_text()
    assert not (tmp_path / "desk-reset.yaml").exists()  # a bare name goes to your routines folder
    assert "voicecoach plan desk-reset" in proc.stdout
    assert run_voicecoach("validate", str(copy)).returncode == 0
    again = run_voicecoach("new", "desk-reset", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_new_with_a_path_writes_the_path(tmp_path):
    proc = run_voicecoach("new", "hips.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "title: Hips" in (tmp_path / "hips.yaml").read_text()
    assert not routines_dir().exists()


def test_new_template_validates(tmp_path):
    out = tmp_path / "mine.yaml"
    result = CliRunner().invoke(main, ["new", "evening-hips", "-o", str(out)])
    assert result.exit_code == 0
    assert "title: Evening Hips" in out.read_text()
    assert run_voicecoach("validate", str(out)).returncode == 0


def test_new_prints_commands_that_work_as_pasted(tmp_path, monkeypatch):
    """`new "my hips"` suggested `voicecoach plan my hips` (two routines); `new Bar` suggested `bar`'s
    command as `Bar` while `list` shows `bar`; `validate` was given the full path."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "my hips"])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("then `voicecoach validate 'my hips'` and `voicecoach plan 'my hips'`\n")
    result = CliRunner().invoke(main, ["new", "Bar"])
    assert result.stdout.endswith("then `voicecoach validate bar` and `voicecoach plan bar`\n")
    listed = [row["name"] for row in json.loads(CliRunner().invoke(main, ["list", "--json"]).output)]
    assert "bar" in listed and "my hips" in listed
    result = CliRunner().invoke(main, ["new", "x", "-o", "two words.yaml"])
    assert result.stdout.endswith("`voicecoach plan 'two words.yaml'`\n")
    for handle in ("my hips", "bar", "two words.yaml"):
        assert CliRunner().invoke(main, ["plan", handle, "--estimate"]).exit_code == 0
        assert CliRunner().invoke(main, ["validate", handle]).exit_code == 0
