"""The audio backends: the null device's sample clock, underruns, pause, flush; choosing a backend."""

from __future__ import annotations

import time

import numpy as np
import pytest
from conftest import run_voicecoach
from live_support import write_tiny

from voicecoach.errors import UsageError
from voicecoach.live.backends import Chunk, NullBackend, get_backend

RATE = 48000
SPEED = 10.0
BLOCK = 4800  # 0.1 s of session, 10 ms of wall time at SPEED


def open_null(capture: bool = False) -> tuple[NullBackend, list[tuple]]:
    """A null backend whose marks are kept as (payload, frame, device wall time, when reported)."""
    marks: list[tuple] = []
    backend = NullBackend(capture=capture)
    backend.open(
        RATE,
        SPEED,
        on_mark=lambda payload, frame, wall: marks.append((payload, frame, wall, time.perf_counter())),
    )
    return backend, marks


def write_blocks(backend: NullBackend, first: int, count: int, value: float = 0.0) -> None:
    for i in range(first, first + count):
        chunk = Chunk(np.full(BLOCK, value, dtype=np.float32), i * BLOCK, [(123, i)])
        assert backend.write(chunk, timeout=5.0)


def test_marks_play_at_their_frame_in_real_time_without_drift():
    backend, marks = open_null(capture=True)
    write_blocks(backend, 0, 60, value=0.25)
    assert backend.drain(timeout=10.0)
    backend.close()
    assert [m[0] for m in marks] == list(range(60))
    assert [m[1] for m in marks] == [i * BLOCK + 123 for i in range(60)]
    for _, frame, wall, _ in marks:  # the device clock: frame f plays at t0 + f / rate
        assert abs(wall - backend.t0 - frame / (RATE * SPEED)) < 1e-6
    delays_ms = [(reported - wall) * 1000 for _, _, wall, reported in marks]
    assert min(delays_ms) >= 0 and max(delays_ms) < 25.0, delays_ms  # reported as it plays
    assert abs(delays_ms[-1] - delays_ms[0]) < 10.0  # no drift over 60 blocks
    played = np.concatenate(backend.captured)
    assert len(played) == 60 * BLOCK and np.all(played == np.float32(0.25))
    assert backend.frames_played() == 60 * BLOCK


def test_audio_that_arrives_late_plays_late_on_the_session_clock():
    backend, marks = open_null()
    write_blocks(backend, 0, 5)
    time.sleep(0.25)  # the queue runs dry: the card plays silence and its clock runs on
    write_blocks(backend, 5, 5)
    assert backend.drain(timeout=10.0)
    backend.close()
    late_frames = marks[5][1] - (5 * BLOCK + 123)
    gap_frames = (0.25 - 5 * BLOCK / (RATE * SPEED)) * RATE * SPEED
    assert late_frames > 0.8 * gap_frames
    assert late_frames < gap_frames + 0.05 * RATE * SPEED
    assert [m[1] - marks[5][1] for m in marks[5:]] == [i * BLOCK for i in range(5)]  # on time after it


def test_pause_stops_the_clock_and_resume_continues_without_losing_a_frame():
    backend, marks = open_null()
    write_blocks(backend, 0, 25)
    time.sleep(0.08)
    backend.pause()
    time.sleep(0.1)
    frozen = backend.frames_played()
    time.sleep(0.2)
    assert backend.frames_played() == frozen  # the session clock stands still while paused
    backend.resume()
    assert backend.drain(timeout=10.0)
    backend.close()
    assert [m[1] for m in marks] == [i * BLOCK + 123 for i in range(25)]
    assert 0.25 < backend.paused_s() < 0.4
    after = [(frame, wall, reported) for _, frame, wall, reported in marks if frame > frozen]
    assert after, "some marks must play after the pause"
    for frame, wall, reported in after:  # later audio is later in wall time by exactly the paused time
        assert abs(wall - backend.t0 - frame / (RATE * SPEED) - backend.paused_s()) < 1e-6
        assert 0 <= reported - wall < 0.025


def test_flush_drops_what_is_queued_and_the_next_chunk_plays_at_once():
    backend, marks = open_null()
    write_blocks(backend, 0, 25)
    time.sleep(0.05)
    backend.flush()
    heard = len(marks)
    assert backend.write(Chunk(np.zeros(BLOCK, dtype=np.float32), 10**6, [(0, "after")]), timeout=1.0)
    assert backend.drain(timeout=5.0)
    backend.close()
    played = [m[0] for m in marks]
    assert played[-1] == "after"
    kept = played[:-1]  # what had played, plus at most the one period already in flight
    assert kept == list(range(len(kept))) and len(kept) <= heard + 1 < 25
    assert backend.position() == 10**6 + BLOCK


def test_backends_are_chosen_by_name_and_unknown_names_are_refused():
    assert isinstance(get_backend("null"), NullBackend)
    with pytest.raises(UsageError, match="unknown audio backend 'loud'"):
        get_backend("loud")


def test_without_a_sound_device_play_says_what_to_do(tmp_path):
    empty = tmp_path / "asound.conf"
    empty.write_text("", encoding="utf-8")  # ALSA with no configuration has no device at all
    result = run_voicecoach(
        "play", str(write_tiny(tmp_path)), "--engine", "espeak", env={"ALSA_CONFIG_PATH": str(empty)}
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "no sound output works here" in lines[0]
    assert "voicecoach export" in lines[0] and "pip install 'voicecoach[live]'" in lines[0]
