"""A real bedtime export, through the command: quiet, the bed under the holds, a smooth fade to silence."""

from __future__ import annotations

import json

import numpy as np
import pytest
from audio_helpers import RATE, decode, ebur128
from click.testing import CliRunner

from voicecoach.cli import main

ROUTINE = """title: Night Test
defaults: {transition: 2s, rest: 2s}
steps:
  - stretch: Knee to Chest
    setup: Draw one knee in.
    hold: 20s
    cues: Let the breath slow.
  - breathe: 4-6
    cycles: 2
"""
TAIL_S = 20.0


@pytest.fixture(scope="module")
def bedtime(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bedtime")
    routine = folder / "night.yaml"
    routine.write_text(ROUTINE)
    args = [str(routine), "--profile", "bedtime", "--engine", "espeak", "--tail", f"{TAIL_S:g}s"]
    out = folder / "night.mp3"
    result = CliRunner().invoke(main, ["export", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads(CliRunner().invoke(main, ["plan", *args, "--json"]).stdout)
    return out, plan


@pytest.fixture(scope="module")
def without_bed(bedtime, tmp_path_factory):
    out, _ = bedtime
    quiet = tmp_path_factory.mktemp("nobed") / "night.mp3"
    args = [
        str(out.parent / "night.yaml"),
        "--profile",
        "bedtime",
        "--engine",
        "espeak",
        "--tail",
        f"{TAIL_S:g}s",
    ]
    result = CliRunner().invoke(main, ["export", *args, "--bed", "none", "-o", str(quiet)])
    assert result.exit_code == 0, result.output
    return quiet


def test_bedtime_export_measures_minus_20_lufs(bedtime):
    out, plan = bedtime
    integrated, true_peak = ebur128(out)
    assert integrated == pytest.approx(-20.0, abs=1.0)
    assert true_peak <= -1.0
    assert plan["loudness_lufs"] == -20.0 and plan["bed"] == "brown"


def test_the_bed_sounds_under_the_holds(bedtime, without_bed):
    out, plan = bedtime
    with_bed, no_bed = decode(out), decode(without_bed)
    for hold in plan["holds"]:
        # the hold's quietest half-second: with the bed it is filled, without it near silent
        span = slice(int(hold["start_s"] * RATE), int(hold["end_s"] * RATE))
        quietest_with = _quietest_db(with_bed[span])
        quietest_without = _quietest_db(no_bed[span])
        assert quietest_with > -60, quietest_with
        assert quietest_with > quietest_without + 10, (quietest_with, quietest_without)


def _quietest_db(x: np.ndarray) -> float:
    half = RATE // 2
    blocks = x[: len(x) // half * half].reshape(-1, half)
    return float(20 * np.log10(np.sqrt(np.mean(blocks**2, axis=1)).min() + 1e-12))


def test_ends_in_silence_after_a_smooth_fade(bedtime):
    out, plan = bedtime
    audio = decode(out)
    assert len(audio) / RATE == pytest.approx(plan["duration_s"], abs=0.05)
    tail = audio[-int(TAIL_S * RATE) :]
    seconds = tail[: len(tail) // RATE * RATE].reshape(-1, RATE)
    levels = 20 * np.log10(np.sqrt(np.mean(seconds**2, axis=1)) + 1e-12)
    assert levels[-1] < -70, "the last second is silence"
    assert levels[0] > levels[-1] + 30, "the bed is still heard as the tail begins"
    # no jumps: each second at most a little louder than the one before (the fade only goes down)
    assert np.all(np.diff(levels) < 1.5), levels
    assert np.max(np.abs(audio[-RATE // 10 :])) < 1e-3
