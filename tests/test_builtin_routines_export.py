"""Every built-in routine exports: a real MP3 through the command, as long as its plan, one chapter a step."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.routine.builtin import builtin_names


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_routine_exports(name, tmp_path):
    out = tmp_path / f"{name}.mp3"
    result = CliRunner().invoke(main, ["export", name, "--engine", "espeak", "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads(CliRunner().invoke(main, ["plan", name, "--engine", "espeak", "--json"]).stdout)
    probe = json.loads(
        subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_chapters",
                "-show_entries",
                "stream=duration_ts,sample_rate",
                "-of",
                "json",
                str(out),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    # decoded length: ffmpeg's own decode of the whole file
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(out), "-f", "s16le", "-ac", "1", "-ar", "48000", "-"],
        capture_output=True,
        check=True,
    ).stdout
    assert len(decoded) / 2 / 48000 == pytest.approx(plan["duration_s"], abs=0.05)
    assert [c["tags"]["title"] for c in probe["chapters"]] == [s["title"] for s in plan["steps"]]
