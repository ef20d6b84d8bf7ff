"""Skipping with `n`: pressed through to the end, a session is not completed (history, streak, the
last line); skipping a short last step still completes it. Through a real pseudo-terminal."""

from __future__ import annotations

import json
import re

import pexpect
import pytest
from conftest import run_voicecoach
from live_support import TINY, exact_plan, spawn_play, write_tiny

from voicecoach.routine.durations import format_duration

pytestmark = pytest.mark.realtime  # played, recorded or signalled against the wall clock: run alone

SPEED = 15.0
#: The tiny routine with a short last step: skipping it leaves well over 80% heard.
SHORT_END = TINY.replace("title: Tiny", "title: Short End") + "  - talk: Well done.\n"


def ending_line(child) -> str:
    """Wait for the command to end (exit 0); the last line it printed (the status line's escapes left out)."""
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", child.before).replace("\r", "\n")
    return [line for line in out.splitlines() if line.strip()][-1].strip()


def history() -> dict:
    return json.loads(run_voicecoach("history", "--json").stdout)


def test_pressing_n_through_the_session_is_not_completed(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)
    child = spawn_play(routine, tmp_path / "log.jsonl", speed=SPEED)
    for step in (1, 2, 3):
        child.expect(f"step {step}/3")
        child.send("n")
    last = ending_line(child)
    total = format_duration(timeline.duration_s)
    assert re.fullmatch(rf"ended: \d+:\d\d of {re.escape(total)} played, 3 steps skipped", last), last
    found = history()
    assert found["sessions"][0]["completed"] is False
    assert found["sessions"][0]["minutes_played"] < timeline.duration_s / 60 / 2
    assert found["streak_days"] == 0  # a skipped-through session of under 5 minutes feeds no streak


def test_skipping_only_the_short_last_step_still_completes(tmp_path):
    routine = write_tiny(tmp_path, SHORT_END)
    timeline = exact_plan(routine)
    child = spawn_play(routine, tmp_path / "log.jsonl", speed=SPEED)
    child.expect("step 4/4")
    child.send("n")
    last = ending_line(child)
    total = format_duration(timeline.duration_s)
    assert re.fullmatch(rf"completed: \d+:\d\d of {re.escape(total)} played, 1 step skipped", last), last
    found = history()
    assert found["sessions"][0]["completed"] is True and found["streak_days"] == 1
