"""The estimate against the default voice: every built-in routine's estimated length within 3% of
its real one under every built-in profile; `list` and `show` mark estimates with ~ and give the
exact length once the speech is cached.

The real lengths come from tests/data/piper_lengths.json: every line of the built-ins as piper
spoke it (trimmed, as export plays it), measured by scripts/piper_lengths.py. Synthesising them
all here would take minutes; instead a sample of the table is spoken again by the installed
voice, so the table cannot drift from it unnoticed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_voicecoach

from voicecoach.cli import main
from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.model import BUILTIN_PROFILES
from voicecoach.routine.builtin import builtin_names, builtin_path
from voicecoach.routine.loader import load_routine
from voicecoach.speech.synth import Synthesizer

TABLE = json.loads((Path(__file__).parent / "data" / "piper_lengths.json").read_text(encoding="utf-8"))
REGENERATE = "a line is not in tests/data/piper_lengths.json: run scripts/piper_lengths.py"


class MeasuredLengths:
    """The real lengths, line by line, as the default voice spoke them."""

    def duration_s(self, text: str, rate: float) -> float:
        found = TABLE["seconds"].get(f"{rate:g}", {}).get(text)
        assert found is not None, f"{REGENERATE} ({text!r} at rate {rate:g})"
        return float(found)


@pytest.mark.parametrize("profile", list(BUILTIN_PROFILES))
@pytest.mark.parametrize("name", builtin_names())
def test_the_estimate_is_within_3_percent_of_the_real_length(name, profile):
    routine = load_routine(builtin_path(name))
    options = CompileOptions(profile=BUILTIN_PROFILES[profile])
    real = compile_routine(routine, options, MeasuredLengths()).duration_s
    estimate = compile_routine(routine, options, EstimatedDurations(), estimated=True).duration_s
    assert abs(estimate - real) <= 0.03 * real, (name, profile, estimate, real)


def test_the_table_is_the_installed_default_voice_speaking():
    synth = Synthesizer("piper")
    assert synth.identity == TABLE["identity"], "the voice changed: run scripts/piper_lengths.py"
    rows = [(rate, text, s) for rate, found in TABLE["seconds"].items() for text, s in found.items()]
    lines = sorted(rows, key=lambda row: row[2])
    sample = [lines[len(lines) * k // 5] for k in range(1, 5)] + [lines[-1]]  # a spread of lengths
    for rate, text, seconds in sample:
        spoken = synth.clip(text, float(rate)).duration_s
        assert abs(spoken - seconds) <= 0.08 * seconds + 0.05, (text, rate, spoken, seconds)


def test_list_marks_estimated_lengths_until_the_speech_is_made():
    rows = json.loads(CliRunner().invoke(main, ["list", "--json"]).output)
    assert rows and all(row["estimated"] is True for row in rows)
    text = CliRunner().invoke(main, ["list"]).output
    for row in rows:
        assert re.search(rf"^{re.escape(row['name'])}\s+~\d+:\d\d\s", text, re.M), text


def test_show_gives_the_exact_length_once_the_speech_is_cached(tmp_path):
    routine = tmp_path / "short.yaml"
    routine.write_text("title: Short\nsteps:\n  - talk: Sit tall and breathe.\n", encoding="utf-8")
    before = json.loads(CliRunner().invoke(main, ["show", str(routine), "--json"]).output)
    assert all(before["estimated"].values())
    assert "Length: guided ~" in CliRunner().invoke(main, ["show", str(routine)]).output
    planned = run_voicecoach("plan", str(routine), "--json")  # the default voice speaks the lines
    assert planned.returncode == 0, planned.stderr
    after = json.loads(CliRunner().invoke(main, ["show", str(routine), "--json"]).output)
    assert after["estimated"]["guided"] is False
    assert after["duration_s"]["guided"] == json.loads(planned.stdout)["duration_s"]  # exact
    assert after["estimated"]["bedtime"] is True  # its slower lines are not made yet
    shown = CliRunner().invoke(main, ["show", str(routine)]).output
    assert re.search(r"Length: guided \d+:\d\d, eyes-closed ~\d+:\d\d, bedtime ~\d+:\d\d", shown), shown
