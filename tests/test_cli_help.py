"""Help that shows the way: `voicecoach` alone prints the help; play and export come first, with
examples; every command's help has an example."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import run_voicecoach

from voicecoach.cli import main


def test_voicecoach_alone_prints_the_help_and_exits_0():
    proc = run_voicecoach()
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout and "Commands:" in proc.stdout
    assert proc.stderr == ""


def test_the_top_help_names_play_and_export_first_with_three_examples():
    text = CliRunner().invoke(main, ["--help"]).output
    commands = [line.split()[0] for line in text.split("Commands:")[1].splitlines() if line.strip()]
    assert commands[:2] == ["play", "export"]
    examples = text.split("Examples:")[1].split("Options:")[0]
    lines = [line.strip() for line in examples.splitlines() if line.strip().startswith("voicecoach ")]
    assert len(lines) == 3
    assert lines[0].startswith("voicecoach play ") and lines[1].startswith("voicecoach export ")
    assert "..." not in text.split("Commands:")[1]  # no summary cut short


@pytest.mark.parametrize("command", sorted(main.commands))
def test_each_command_has_an_example(command: str):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    body = result.output.split("Options:")[0]
    assert "Example" in body and f"voicecoach {command}" in body.split("Example")[1], result.output
