"""A sound device that fails mid-session: a clean stop that says where, and the history keeps it."""

from __future__ import annotations

import pytest
from live_support import ManualClock, exact_plan, logged, planned, read_log, write_tiny

from voicecoach import app
from voicecoach.errors import DeviceError
from voicecoach.history import History

RATE = 48000


def test_a_device_lost_mid_session_stops_where_it_failed_and_is_kept_in_the_history(tmp_path, monkeypatch):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("VOICECOACH_NULL_FAIL_AFTER_S", "20")
    options = app.SessionOptions(engine="espeak")
    with pytest.raises(DeviceError) as failed:
        app.play(
            str(routine),
            options,
            backend_name="null",
            speed=20.0,
            log_path=str(log),
            keys=False,
            clock=ManualClock(),
        )
    message = str(failed.value)
    assert message.startswith("the null sound output failed: the device went away")
    step = next(s for s in timeline.steps if s.start_s <= 20.0 < s.end_s)
    assert f"at 0:20 of the session, in step {step.index + 1} ({step.title})" in message
    assert "voicecoach history" in message and "voicecoach export" in message
    # Everything before the failure was heard, on time; nothing after it.
    heard = read_log(log)
    assert logged(heard) == [p for p in planned(timeline) if round(p[0] * RATE) < 20 * RATE]
    for d in heard:
        assert abs(d["started_s"] - d["scheduled_s"]) <= 1 / RATE + 1e-6, d
    [last] = History().recent()
    assert last.completed is False and last.played_s == 20.0
