"""`voicecoach export` as a person runs it: a real subprocess, a real routine, espeak speech."""

from __future__ import annotations

import json

import pytest
from audio_helpers import RATE, decode, ebur128
from conftest import run_voicecoach

ROUTINE = """format: 1
title: Tiny Test
summary: A tiny routine for export tests.
defaults:
  rest: 1s
steps:
  - talk: Sit comfortably.
  - chime: tick
  - breathe: 2-2
    cycles: 1
"""
OPTIONS = ("--engine", "espeak", "--no-intro")


@pytest.fixture()
def routine(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(ROUTINE, encoding="utf-8")
    return path


def test_export_writes_a_tagged_mp3_as_long_as_the_plan(routine, tmp_path):
    plan = run_voicecoach("plan", str(routine), "--json", *OPTIONS)
    assert plan.returncode == 0, plan.stderr
    duration_s = json.loads(plan.stdout)["duration_s"]
    done = run_voicecoach("export", str(routine), *OPTIONS, "--srt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "tiny.mp3"  # named after the routine, in the current folder
    assert str(out.name) in done.stdout and (tmp_path / "tiny.srt").is_file()
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    assert abs(len(decode(out)) / RATE - duration_s) < 0.05
    integrated, true_peak = ebur128(out)
    assert integrated == pytest.approx(-16.0, abs=1.0) and true_peak <= -1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-o", "session.aiff"), "unknown format"),
        (("-o", "missing/session.mp3"), "does not exist"),
        (("--bed", "no-such-rain.ogg"), "no such file"),
    ],
)
def test_bad_requests_fail_fast_with_one_line_and_exit_2(routine, tmp_path, args, message):
    done = run_voicecoach("export", str(routine), *OPTIONS, *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert not list(tmp_path.glob("*.mp3"))


def test_split_writes_files_and_a_playlist(routine, tmp_path):
    done = run_voicecoach("export", str(routine), *OPTIONS, "--split", "-o", "parts", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert names == ["01 - Sit comfortably.mp3", "02 - Tick.mp3", "03 - Breathing 2-2.mp3", "parts.m3u8"]
