"""A sound device that fails mid-session: a clean stop that says where, and the history keeps it."""

from __future__ import annotations

import json

from conftest import run_voicecoach
from live_support import exact_plan, read_log, write_tiny


def test_a_device_lost_mid_session_stops_cleanly_and_is_kept_in_the_history(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)  # warm cache: the failure, not synthesis, decides the timing
    log = tmp_path / "log.jsonl"
    proc = run_voicecoach(
        "play",
        str(routine),
        "--engine",
        "espeak",
        "--backend",
        "null",
        "--speed",
        "20",
        "--log",
        str(log),
        env={"VOICECOACH_NULL_FAIL_AFTER_S": "20"},
    )
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
    history = json.loads(run_voicecoach("history", "--json").stdout)
    last = history["sessions"][0]
    assert last["completed"] is False
    assert 15.0 / 60 <= last["minutes_played"] <= 22.0 / 60
