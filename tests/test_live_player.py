"""The player: every planned event plays on time, the audio is export's mix, cold starts, sleep-after."""

from __future__ import annotations

import dataclasses
import itertools
import json
import queue
import threading
import time

import numpy as np
from conftest import run_voicecoach
from live_support import exact_plan, logged, planned, read_log, write_tiny

from voicecoach import app
from voicecoach.live.backends import NullBackend
from voicecoach.live.player import PAUSED_LINE, RESUME_CUE, Player, aside_sound, sleep_fade
from voicecoach.live.schedule import ClipSource, LiveSchedule
from voicecoach.mix.mixer import Mixer
from voicecoach.speech.synth import Synthesizer

SPEED = 20.0


def test_every_planned_event_plays_once_on_time_without_drift(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)  # fills the cache: a warm start
    log = tmp_path / "log.jsonl"
    began = time.perf_counter()
    result = run_voicecoach(
        "play",
        str(routine),
        "--engine",
        "espeak",
        "--backend",
        "null",
        "--speed",
        str(SPEED),
        "--log",
        str(log),
    )
    elapsed = time.perf_counter() - began
    assert result.returncode == 0, result.stderr
    assert "completed" in result.stderr and "Traceback" not in result.stderr
    assert timeline.duration_s / SPEED < elapsed < timeline.duration_s / SPEED + 10  # real time, times SPEED
    lines = read_log(log)
    assert logged(lines) == planned(timeline)
    assert [d["started_s"] for d in lines] == sorted(d["started_s"] for d in lines)
    for d in lines:  # within 10 ms of its schedule (in fact to the sample), the last one as the first
        assert abs(d["started_s"] - d["scheduled_s"]) <= 0.010, d
        assert abs(d["wall_s"] - d["started_s"] / SPEED) <= 0.010 / SPEED, d
    history = json.loads(run_voicecoach("history", "--json").stdout)
    assert history["streak_days"] == 1
    [entry] = history["sessions"]
    assert entry["completed"] is True and entry["title"] == "Tiny"
    assert abs(entry["minutes_played"] - timeline.duration_s / 60) < 0.02


def test_a_cold_cache_plays_every_event_and_logs_lateness_truthfully(tmp_path):
    routine = write_tiny(tmp_path)
    log = tmp_path / "log.jsonl"
    speed = 50.0  # faster than espeak can keep up with at first: some events may come late
    result = run_voicecoach(
        "play",
        str(routine),
        "--engine",
        "espeak",
        "--backend",
        "null",
        "--speed",
        str(speed),
        "--log",
        str(log),
    )
    assert result.returncode == 0, result.stderr
    lines = read_log(log)
    assert logged(lines) == planned(exact_plan(routine))
    lateness = [d["started_s"] - d["scheduled_s"] for d in lines]
    assert min(lateness) >= -0.0001
    assert all(b >= a - 0.0001 for a, b in itertools.pairwise(lateness))  # a wait delays all after it
    # The session clock is the device's: a wait for speech is silence heard, and it counts.
    [entry] = json.loads(run_voicecoach("history", "--json").stdout)["sessions"]
    assert abs(entry["minutes_played"] * 60 - (exact_plan(routine).duration_s + lateness[-1])) < 1.0


def live_run(routine_path, options, speed, sleep_after_s=None):
    routine = app.load(str(routine_path))
    schedule = LiveSchedule(routine, options, ClipSource(Synthesizer("espeak"))).start()
    backend = NullBackend(capture=True)
    result = Player(schedule, backend, speed=speed, sleep_after_s=sleep_after_s).run()
    return schedule, result, np.concatenate(backend.captured)


def export_mix(schedule: LiveSchedule) -> np.ndarray:
    timeline = schedule.final
    clips = {e.text: schedule.clips[e.text] for e in timeline.speech()}
    mixer = Mixer(timeline, clips, sample_rate=schedule.sample_rate, bed=schedule.bed)
    return np.concatenate(list(mixer.blocks())) * schedule.gain


def test_live_audio_is_the_export_mixers_bed_and_ducking_included(tmp_path):
    routine = write_tiny(tmp_path)
    exact_plan(routine, profile="bedtime")
    options = app.SessionOptions(engine="espeak", profile="bedtime").compile_options()
    options = dataclasses.replace(options, tail_s=4.0)  # a short bed-only tail keeps the test fast
    schedule, result, played = live_run(routine, options, speed=20.0)
    assert result.completed and schedule.bed is not None
    expected = export_mix(schedule)
    assert len(played) == len(expected) == schedule.total_samples()
    assert np.max(np.abs(played - expected)) < 1e-5
    assert np.sqrt(np.mean(np.square(played))) > 1e-3  # not silence


def test_sleep_after_fades_out_over_30_seconds_and_stops(tmp_path):
    routine = write_tiny(tmp_path)
    exact_plan(routine)
    options = app.SessionOptions(engine="espeak").compile_options()
    schedule, result, played = live_run(routine, options, speed=20.0, sleep_after_s=40.0)
    rate = schedule.sample_rate
    assert result.ended_by == "sleep" and not result.completed
    assert len(played) == 40 * rate and abs(result.played_s - 40.0) < 1e-6
    expected = export_mix(schedule)[: 40 * rate] * sleep_fade(0, 40 * rate, 40 * rate, rate)
    assert np.max(np.abs(played - expected)) < 1e-5
    assert np.all(played[: 10 * rate] == expected[: 10 * rate])  # untouched before the last 30 s
    assert np.max(np.abs(played[-rate // 10 :])) < 1e-3  # silent at the end


def test_bad_play_options_are_refused_with_one_line(tmp_path):
    routine = str(write_tiny(tmp_path))
    for args, message in [
        (["--speed", "0"], "--speed 0 is out of range"),
        (["--sleep-after", "soon"], "--sleep-after: 'soon' is not a duration"),
        (["--log", str(tmp_path / "no" / "log.jsonl")], "--log: cannot write"),
    ]:
        result = run_voicecoach("play", routine, "--engine", "espeak", "--backend", "null", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip() == f"error: {result.stderr.strip()[7:]}" and message in result.stderr


def test_pause_says_paused_then_a_soft_cue_marks_the_resume(tmp_path):
    routine_path = write_tiny(tmp_path)
    exact_plan(routine_path)
    routine = app.load(str(routine_path))
    options = app.SessionOptions(engine="espeak").compile_options()
    schedule = LiveSchedule(
        routine, options, ClipSource(Synthesizer("espeak")), extras=(PAUSED_LINE,)
    ).start()
    backend = NullBackend(capture=True)
    commands: queue.Queue[str] = queue.Queue()
    player = Player(schedule, backend, speed=20.0, commands=commands)
    paused_at: list[int] = []

    def press() -> None:
        while backend.frames_played() < 10 * schedule.sample_rate or PAUSED_LINE not in schedule.extras:
            time.sleep(0.005)
        commands.put("pause")
        while backend.paused_s() == 0:
            time.sleep(0.001)
        paused_at.append(backend.frames_played())  # the session clock has stopped here
        time.sleep(0.3)
        commands.put("pause")

    presser = threading.Thread(target=press)
    presser.start()
    result = player.run()
    presser.join()
    assert result.completed and abs(result.played_s - schedule.final.duration_s) < 1e-3
    voice = aside_sound(schedule, "speech", PAUSED_LINE)
    tick = aside_sound(schedule, "chime", RESUME_CUE)
    assert np.max(np.abs(voice)) > 0.05 and np.max(np.abs(tick)) > 0.01
    played, mix, k = np.concatenate(backend.captured), export_mix(schedule), paused_at[0]
    expected = np.concatenate([mix[:k], voice, tick, mix[k:]])  # the session stands still meanwhile
    assert len(played) == len(expected)
    assert np.max(np.abs(played - expected)) < 1e-5
