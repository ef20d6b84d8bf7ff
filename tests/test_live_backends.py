"""The audio backends: the null device's sample clock, underruns, pause, flush; choosing a backend."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import numpy as np
import pytest
from conftest import REPO, run_voicecoach
from live_support import ManualClock, wait_until, write_tiny

from voicecoach.errors import UsageError
from voicecoach.live.backends import Chunk, NullBackend, SimpleaudioBackend, get_backend
from voicecoach.live.backends.simpleaudio_out import _Segment

RATE = 48000
SPEED = 10.0
BLOCK = 4800  # 0.1 s of session, 10 ms of wall time at SPEED
FRAMES_PER_S = RATE * SPEED  # device frames per wall second


def open_null(
    capture: bool = False, then: Callable[[NullBackend, object], None] | None = None
) -> tuple[NullBackend, ManualClock, list[tuple]]:
    """A null backend on a manual clock, whose marks are kept as (payload, frame, device wall time,
    the clock when reported); `then(backend, payload)` runs as each mark plays."""
    clock = ManualClock()
    marks: list[tuple] = []
    backend = NullBackend(capture=capture, clock=clock)

    def on_mark(payload: object, frame: int, wall: float) -> None:
        marks.append((payload, frame, wall, clock.now()))
        if then is not None:
            then(backend, payload)

    backend.open(RATE, SPEED, on_mark=on_mark)
    return backend, clock, marks


def write_blocks(backend: NullBackend, first: int, count: int, value: float = 0.0) -> None:
    for i in range(first, first + count):
        chunk = Chunk(np.full(BLOCK, value, dtype=np.float32), i * BLOCK, [(123, i)])
        assert backend.write(chunk, timeout=5.0)


def period_frames(backend: NullBackend) -> int:
    return int(round(backend.period_s * FRAMES_PER_S))


def test_marks_play_at_their_frame_in_real_time_without_drift():
    backend, _, marks = open_null(capture=True)
    write_blocks(backend, 0, 60, value=0.25)
    assert backend.drain(timeout=10.0)
    backend.close()
    assert [m[0] for m in marks] == list(range(60))
    assert [m[1] for m in marks] == [i * BLOCK + 123 for i in range(60)]
    assert backend.t0 == 1000.0  # the first frame played as it was written
    for _, frame, wall, reported in marks:  # the device clock: frame f plays at t0 + f / rate ...
        assert abs(wall - backend.t0 - frame / FRAMES_PER_S) < 1e-9
        assert abs(reported - wall) < 1e-9  # ... and is reported as it plays, the 60th as the first
    played = np.concatenate(backend.captured)
    assert len(played) == 60 * BLOCK and np.all(played == np.float32(0.25))
    assert backend.frames_played() == 60 * BLOCK


def caught_up(backend: NullBackend, clock: ManualClock) -> bool:
    """Whether the device has played (audio or underrun silence) up to the clock's now."""
    assert backend.t0 is not None
    return backend.t0 + backend.frames_played() / FRAMES_PER_S + backend.paused_s() > clock.now()


def test_audio_that_arrives_late_plays_late_on_the_session_clock():
    backend, clock, marks = open_null()
    write_blocks(backend, 0, 5)
    wait_until(lambda: backend.frames_queued() == 0)  # all played: the queue has run dry
    clock.sleep(0.2512)  # and stays dry: the card plays silence and its clock runs on
    wait_until(lambda: caught_up(backend, clock))
    arrived = clock.now()
    write_blocks(backend, 5, 5)
    assert backend.drain(timeout=10.0)
    backend.close()
    assert backend.t0 is not None
    late_frames = marks[5][1] - (5 * BLOCK + 123)
    gap_frames = (arrived - backend.t0 - 5 * BLOCK / FRAMES_PER_S) * FRAMES_PER_S
    assert gap_frames <= late_frames < gap_frames + period_frames(backend)  # at the next period
    assert [m[1] - marks[5][1] for m in marks[5:]] == [i * BLOCK for i in range(5)]  # on time after it
    for _, frame, wall, reported in marks:  # the silence counts on the session clock
        assert abs(wall - backend.t0 - frame / FRAMES_PER_S) < 1e-9 and reported == wall


def test_pause_stops_the_clock_and_resume_continues_without_losing_a_frame():
    pressed = threading.Event()

    def pause_at_10(backend: NullBackend, payload: object) -> None:
        if payload == 10:
            backend.pause()
            pressed.set()

    backend, clock, marks = open_null(then=pause_at_10)
    write_blocks(backend, 0, 25)
    assert pressed.wait(timeout=10.0)
    clock.sleep(0.3)
    frozen = backend.frames_played()
    press_frame = 10 * BLOCK + 123
    assert press_frame < frozen <= press_frame + period_frames(backend)  # the period playing ends
    clock.sleep(0.2)
    assert backend.frames_played() == frozen  # the session clock stands still while paused
    resumed_at = clock.now()
    backend.resume()
    assert backend.drain(timeout=10.0)
    backend.close()
    assert backend.t0 is not None
    assert [m[1] for m in marks] == [i * BLOCK + 123 for i in range(25)]
    paused_s = backend.paused_s()  # from where the clock stopped to the resume
    assert abs(paused_s - (resumed_at - backend.t0 - frozen / FRAMES_PER_S)) < 1e-9
    assert 0.5 - period_frames(backend) / FRAMES_PER_S <= paused_s < 0.5
    after = [(frame, wall, reported) for _, frame, wall, reported in marks if frame > frozen]
    assert len(after) == 14
    for frame, wall, reported in after:  # later audio is later in wall time by exactly the paused time
        assert abs(wall - backend.t0 - frame / FRAMES_PER_S - paused_s) < 1e-9
        assert abs(reported - wall) < 1e-9


def test_flush_drops_what_is_queued_and_the_next_chunk_plays_at_once():
    written, flushed = threading.Event(), threading.Event()

    def flush_at_10(backend: NullBackend, payload: object) -> None:
        if payload == 10:
            assert written.wait(timeout=10.0)  # all 25 blocks queued or played
            backend.flush()
            flushed.set()

    backend, _, marks = open_null(then=flush_at_10)
    write_blocks(backend, 0, 25)
    written.set()
    assert flushed.wait(timeout=10.0)
    wait_until(lambda: backend.frames_queued() == 0)  # the period in flight has played out
    at = backend.frames_played()
    assert backend.write(Chunk(np.zeros(BLOCK, dtype=np.float32), 10**6, [(0, "after")]), timeout=1.0)
    assert backend.drain(timeout=5.0)
    backend.close()
    assert [m[0] for m in marks] == [*range(11), "after"]  # what had played, then the new chunk
    assert 10 * BLOCK + 123 < at <= 10 * BLOCK + 123 + period_frames(backend)
    assert backend.t0 is not None
    _, frame, wall, _ = marks[-1]
    assert frame == at and abs(wall - backend.t0 - at / FRAMES_PER_S) < 1e-9  # at once: no gap
    assert backend.position() == 10**6 + BLOCK


def test_backends_are_chosen_by_name_and_unknown_names_are_refused():
    assert isinstance(get_backend("null"), NullBackend)
    with pytest.raises(UsageError, match="unknown audio backend 'loud'"):
        get_backend("loud")


@pytest.mark.parametrize(
    ("alsa_config", "what"),
    [
        ("", "no sound device found"),  # ALSA with no configuration at all
        ("pcm.!default { type hw card 7 }\nctl.!default { type hw card 7 }\n", "no sound device found"),
        ("pcm.!default { type pulse }\nctl.!default { type pulse }\n", "the sound server refused"),
    ],
)
def test_without_a_sound_output_play_says_what_is_wrong_and_the_ways_on(tmp_path, alsa_config, what):
    config = tmp_path / "asound.conf"
    config.write_text(alsa_config, encoding="utf-8")
    env = {"ALSA_CONFIG_PATH": str(config), "PULSE_SERVER": f"unix:{tmp_path / 'no-server'}"}
    result = run_voicecoach("play", str(write_tiny(tmp_path)), "--engine", "espeak", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"error: no sound output here: {what}")
    assert "`voicecoach export ROUTINE`" in lines[0] and "`--backend null`" in lines[0]
    assert "install" not in lines[0]  # both outputs are installed: no package would help


def test_without_the_live_extra_play_names_the_package_to_install(tmp_path):
    for module in ("sounddevice", "simpleaudio"):  # as if the `live` extra were not installed
        (tmp_path / f"{module}.py").write_text("raise ImportError('not installed')\n", encoding="utf-8")
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"}
    result = run_voicecoach("play", str(write_tiny(tmp_path)), "--engine", "espeak", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("error: no sound output here: no live sound output is installed")
    assert "install it with pip install 'voicecoach[live]';" in lines[0]
    assert "`voicecoach export ROUTINE`" in lines[0] and "`--backend null`" in lines[0]


def test_backend_list_says_which_outputs_work_here():
    result = run_voicecoach("play", "--backend", "list")
    assert result.returncode == 0, result.stderr
    heads = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    names = [line.split(":")[0].split(" ")[0] for line in heads]
    assert names == ["sounddevice", "simpleaudio", "null"]
    assert "null: plays into nothing" in result.stdout and result.stdout.rstrip().endswith("works here")


def test_simpleaudio_segments_can_be_shortened_to_hear_the_seams(monkeypatch):
    monkeypatch.setenv("VOICECOACH_SIMPLEAUDIO_SEGMENT_S", "9")
    backend = SimpleaudioBackend()
    assert (backend.segment_s, backend.roll_after_s) == (9.0, 6.0)
    for wrong in ("nine", "1", "1e6"):
        monkeypatch.setenv("VOICECOACH_SIMPLEAUDIO_SEGMENT_S", wrong)
        with pytest.raises(UsageError, match=f"VOICECOACH_SIMPLEAUDIO_SEGMENT_S={wrong}: give the seconds"):
            SimpleaudioBackend()
    monkeypatch.delenv("VOICECOACH_SIMPLEAUDIO_SEGMENT_S")
    assert (SimpleaudioBackend().segment_s, SimpleaudioBackend().roll_after_s) == (1200.0, 1080.0)


def anonymous_memory_mb() -> float:
    """What this process holds in anonymous memory (Linux), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("RssAnon:"))
    return int(line.split()[1]) / 1024


def test_a_simpleaudio_segment_costs_what_is_written_and_gives_back_what_has_played():
    # 20 minutes at 48 kHz are 110 MB of int16: held whole, a long session would sit on all of it.
    before = anonymous_memory_mb()
    segment = _Segment.of(SimpleaudioBackend.segment_s, RATE, t0=100.0)
    assert len(segment.memory) == 1200 * RATE and not segment.memory.any()
    assert anonymous_memory_mb() - before < 4
    segment.memory[: 60 * RATE] = 1000  # a minute written: 5.5 MB
    segment.written = 60 * RATE
    assert 5 < anonymous_memory_mb() - before < 9
    segment.release_played(now=100.0 + 30.0, rate=RATE)  # the card is 30 s in: 25 s given back
    assert 2 < anonymous_memory_mb() - before < 5.5
    assert (
        segment.memory[25 * RATE - 4096 :].min() == 0 and segment.memory[30 * RATE : 60 * RATE].min() == 1000
    )
    segment.release_played(now=100.0 + 70.0, rate=RATE)  # all of it played
    assert anonymous_memory_mb() - before < 1.5
