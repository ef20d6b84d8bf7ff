"""Real-time smoke tests: `voicecoach play --backend null` as a listener runs it, on the wall clock.

The exact timing is tested on a manual clock (test_live_player, test_live_backends, test_live_faults);
these few check that the real command keeps real time, that a cold cache's waits are logged truthfully,
and that a lost device ends the command with one line. Their tolerances are loose, and under xdist they
run while no other test runs (the `realtime` mark, tests/conftest.py).
"""

from __future__ import annotations

import itertools
import json
import time

import pytest
from conftest import run_voicecoach
from live_support import exact_plan, logged, planned, read_log, write_tiny

pytestmark = pytest.mark.realtime  # played, recorded or signalled against the wall clock: run alone

SPEED = 20.0


def play(routine, log, *extra: str, speed: float = SPEED, env: dict[str, str] | None = None):
    args = ["play", str(routine), "--engine", "espeak", "--backend", "null", "--speed", str(speed)]
    return run_voicecoach(*args, "--log", str(log), *extra, env=env)


def test_play_keeps_real_time_and_logs_every_planned_event(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)  # fills the cache: a warm start
    log = tmp_path / "log.jsonl"
    began = time.perf_counter()
    result = play(routine, log)
    elapsed = time.perf_counter() - began
    assert result.returncode == 0, result.stderr
    assert "completed" in result.stderr and "Traceback" not in result.stderr
    assert timeline.duration_s / SPEED < elapsed < timeline.duration_s / SPEED + 10  # real time, times SPEED
    lines = read_log(log)
    assert logged(lines) == planned(timeline)
    assert [d["started_s"] for d in lines] == sorted(d["started_s"] for d in lines)
    for d in lines:  # late only if the machine starved the player (an underrun counts on the clock)
        assert -0.0001 <= d["started_s"] - d["scheduled_s"] <= 1.0, d
        assert abs(d["wall_s"] - d["started_s"] / SPEED) <= 0.010 / SPEED, d
    history = json.loads(run_voicecoach("history", "--json").stdout)
    assert history["streak_days"] == 1
    [entry] = history["sessions"]
    assert entry["completed"] is True and entry["title"] == "Tiny"
    assert abs(entry["minutes_played"] - timeline.duration_s / 60) < 0.02


def test_a_cold_cache_plays_every_event_and_logs_lateness_truthfully(tmp_path):
    routine = write_tiny(tmp_path)
    log = tmp_path / "log.jsonl"
    result = play(routine, log, speed=50.0)  # faster than espeak can keep up with at first: some may be late
    assert result.returncode == 0, result.stderr
    lines = read_log(log)
    assert logged(lines) == planned(exact_plan(routine))
    lateness = [d["started_s"] - d["scheduled_s"] for d in lines]
    assert min(lateness) >= -0.0001
    assert all(b >= a - 0.0001 for a, b in itertools.pairwise(lateness))  # a wait delays all after it
    # The session clock is the device's: a wait for speech is silence heard, and it counts.
    [entry] = json.loads(run_voicecoach("history", "--json").stdout)["sessions"]
    assert abs(entry["minutes_played"] * 60 - (exact_plan(routine).duration_s + lateness[-1])) < 1.0


def test_a_device_lost_mid_session_ends_the_command_with_one_line(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)  # warm cache: the failure, not synthesis, decides the timing
    log = tmp_path / "log.jsonl"
    proc = play(routine, log, env={"VOICECOACH_NULL_FAIL_AFTER_S": "20"})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    message = lines[0]
    assert message.startswith("error: the null sound output failed: the device went away")
    step = next(s for s in timeline.steps if s.start_s <= 20.0 < s.end_s)
    assert f"in step {step.index + 1} ({step.title})" in message
    assert "at 0:2" in message and "voicecoach history" in message and "voicecoach export" in message
    heard = read_log(log)
    assert heard and max(d["scheduled_s"] for d in heard) <= 21.0
    last = json.loads(run_voicecoach("history", "--json").stdout)["sessions"][0]
    assert last["completed"] is False
    assert 15.0 / 60 <= last["minutes_played"] <= 22.0 / 60
