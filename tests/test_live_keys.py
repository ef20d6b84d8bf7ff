"""Keys for real, through a pseudo-terminal: pause/resume, next, back, quit, Ctrl-C; the status line."""

from __future__ import annotations

import json
import shlex
import sys
import time

import pexpect
import pytest
from conftest import run_voicecoach
from live_support import child_env, exact_plan, logged, planned, read_log, spawn_play, write_tiny

from voicecoach.live.keys import status_text
from voicecoach.plan.timeline import Hold

pytestmark = pytest.mark.realtime  # played, recorded or signalled against the wall clock: run alone

SPEED = 15.0


def finish(child) -> None:
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in (child.before or "")


def steps_of(lines: list[dict], step: int) -> list[float]:
    return [d["scheduled_s"] for d in lines if d["step"] == step]


def last_history() -> dict:
    return json.loads(run_voicecoach("history", "--json").stdout)["sessions"][0]


def test_space_pauses_and_resumes_and_the_session_clock_leaves_the_pause_out(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)
    log = tmp_path / "log.jsonl"
    child = spawn_play(routine, log, speed=SPEED)
    child.expect("step 2/3")
    child.send(" ")
    paused_at = time.perf_counter()
    child.expect("paused")
    time.sleep(0.6)
    child.send(" ")
    pause_s = time.perf_counter() - paused_at
    finish(child)
    assert child.exitstatus == 0
    lines = read_log(log)
    assert logged(lines) == planned(timeline)  # nothing lost or repeated
    for d in lines:  # the session clock excludes the pause: everything is on its schedule
        assert abs(d["started_s"] - d["scheduled_s"]) <= 0.010, d
    pause = max(d["paused_s"] for d in lines)
    assert abs(pause - pause_s) < 0.15  # the device stood still as long as we paused it
    before = [d for d in lines if d["paused_s"] == 0]
    after = [d for d in lines if d["paused_s"] > 0]
    assert before and after and all(d["paused_s"] == pause for d in after)
    for d in lines:  # ... and in wall time, everything after it moved by exactly the pause
        assert abs(d["wall_s"] - d["paused_s"] - d["started_s"] / SPEED) <= 0.001, d


def test_n_skips_to_the_start_of_the_next_step(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)
    log = tmp_path / "log.jsonl"
    child = spawn_play(routine, log, speed=SPEED)
    child.expect("step 2/3")
    child.send("n")
    finish(child)
    assert child.exitstatus == 0
    lines = read_log(log)
    stretch = [e.start_s for e in timeline.events if e.step == 1]
    heard = steps_of(lines, 1)
    assert heard == sorted(stretch)[: len(heard)] and len(heard) < len(stretch) // 2
    first_after = next(d for d in lines if d["step"] == 2)
    assert first_after["scheduled_s"] == timeline.steps[2].start_s
    assert first_after["started_s"] < first_after["scheduled_s"] - 10  # the rest of the stretch was skipped
    assert steps_of(lines, 2) == sorted(e.start_s for e in timeline.events if e.step == 2)
    assert last_history()["completed"] is False  # it reached the end with half of it skipped


def test_b_goes_back_to_the_start_of_the_step(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)
    log = tmp_path / "log.jsonl"
    child = spawn_play(routine, log, speed=SPEED)
    child.expect("step 2/3")
    time.sleep(12.0 / SPEED)  # about 12 s into the stretch
    child.send("b")
    finish(child)
    assert child.exitstatus == 0
    lines = read_log(log)
    stretch = sorted(e.start_s for e in timeline.events if e.step == 1)
    heard = steps_of(lines, 1)
    again = [i for i, t in enumerate(heard) if t == timeline.steps[1].start_s]
    assert len(again) == 2  # the step's first event, twice
    first_time, second_time = heard[: again[1]], heard[again[1] :]
    assert 1 < len(first_time) < len(stretch) and first_time == stretch[: len(first_time)]
    assert second_time == stretch  # then the whole step again, in order
    restart = [d for d in lines if d["step"] == 1][again[1]]
    assert restart["started_s"] > restart["scheduled_s"] + 5  # later on the clock: it was replayed


def test_q_quits_and_the_session_is_kept_as_not_completed(tmp_path):
    routine = write_tiny(tmp_path)
    exact_plan(routine)
    child = spawn_play(routine, tmp_path / "log.jsonl", speed=SPEED)
    child.expect("step 2/3")
    child.send("q")
    finish(child)
    assert child.exitstatus == 0 and "stopped:" in child.before
    entry = last_history()
    assert entry["completed"] is False and 0 < entry["minutes_played"] < 0.9


def test_ctrl_c_stops_cleanly_and_restores_the_terminal(tmp_path):
    routine = write_tiny(tmp_path)
    exact_plan(routine)
    play = shlex.join(
        [
            sys.executable,
            "-m",
            "voicecoach",
            "play",
            str(routine),
            "--engine",
            "espeak",
            "--backend",
            "null",
            "--speed",
            str(SPEED),
        ]
    )
    child = pexpect.spawn(
        "bash",
        ["-c", f"{play}; echo EXIT=$?; stty -a"],
        env=child_env(),
        encoding="utf-8",
        timeout=60,
        dimensions=(24, 160),
    )
    child.expect("step 2/3")
    child.sendintr()
    child.expect(r"EXIT=(\d+)")
    assert child.match.group(1) == "130"
    assert "interrupted" in child.before and "Traceback" not in child.before
    child.expect(pexpect.EOF)
    settings = child.before.split()
    assert "icanon" in settings and "echo" in settings  # not -icanon / -echo: cooked mode again
    entry = last_history()
    assert entry["completed"] is False and entry["minutes_played"] > 0


def test_status_line_names_the_step_side_hold_and_progress():
    hold = Hold(step=1, side="left", rep=1, start_s=60.0, end_s=90.0)
    text = status_text(2, 10, "Figure Four", hold, 66.5, 892.0, exact_total=True, paused=False, waiting=False)
    assert text == "step 3/10 Figure Four · left side · hold 0:24 left · 1:06 / 14:52"
    text = status_text(0, 3, "Tiny", None, 5.0, 60.0, exact_total=False, paused=True, waiting=False)
    assert text == "step 1/3 Tiny · 0:05 / ~1:00 · paused (space resumes)"
