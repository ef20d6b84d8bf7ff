"""The player: every planned event plays on time, the audio is export's mix, cold starts, sleep-after."""

from __future__ import annotations

import dataclasses
import io
import json
import queue
import threading
from collections.abc import Callable

import numpy as np
import pytest
from conftest import run_voicecoach
from live_support import ManualClock, exact_plan, logged, planned, read_log, wait_until, write_tiny

from voicecoach import app
from voicecoach.history import History
from voicecoach.live.backends import NullBackend
from voicecoach.live.player import PAUSED_LINE, RESUME_CUE, Player, PlayResult, aside_sound, sleep_fade
from voicecoach.live.schedule import ClipSource, LiveSchedule
from voicecoach.mix.mixer import Mixer
from voicecoach.speech.synth import Synthesizer

SPEED = 20.0
RATE = 48000
SAMPLE = 1 / RATE + 1e-6  # an event's start rounds to a sample; the log rounds to the microsecond


def test_every_planned_event_plays_once_exactly_on_time(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)  # fills the cache: a warm start
    log = tmp_path / "log.jsonl"
    clock = ManualClock()
    options = app.SessionOptions(engine="espeak")
    result = app.play(
        str(routine), options, backend_name="null", speed=SPEED, log_path=str(log), keys=False, clock=clock
    )
    assert result.completed and result.ended_by == "end"
    assert abs(result.played_s - timeline.duration_s) <= SAMPLE
    lines = read_log(log)
    assert logged(lines) == planned(timeline) and result.events_played == len(lines)
    assert [d["started_s"] for d in lines] == sorted(d["started_s"] for d in lines)
    for d in lines:  # to the sample on the session clock, and in wall time at SPEED: the last as the first
        assert abs(d["started_s"] - d["scheduled_s"]) <= SAMPLE, d
        assert abs(d["wall_s"] - d["started_s"] / SPEED) <= 2e-6 and d["paused_s"] == 0, d
    assert result.first_sound_s == pytest.approx(lines[0]["started_s"] / SPEED, abs=1e-9)
    assert clock.now() == pytest.approx(1000.0 + timeline.duration_s / SPEED, abs=0.01)
    [entry] = History().recent()
    assert entry.completed and entry.title == "Tiny"
    assert abs(entry.played_s - timeline.duration_s) <= SAMPLE


@dataclasses.dataclass
class Live:
    """A player on a null backend and a manual clock, with the session's schedule."""

    schedule: LiveSchedule
    backend: NullBackend
    clock: ManualClock
    player: Player

    def run(self) -> tuple[PlayResult, np.ndarray]:
        result = self.player.run()
        return result, np.concatenate(self.backend.captured)


def live(
    routine_path, options, speed=SPEED, sleep_after_s=None, extras=(), keys: KeyAt | None = None
) -> Live:
    routine = app.load(str(routine_path))
    schedule = LiveSchedule(routine, options, ClipSource(Synthesizer("espeak")), extras=extras).start()
    clock = ManualClock()
    backend = NullBackend(capture=True, clock=clock)
    commands = keys.commands if keys is not None else None
    player = Player(
        schedule, backend, speed=speed, sleep_after_s=sleep_after_s, log=keys, commands=commands, clock=clock
    )
    if keys is not None:
        keys.player = player
    return Live(schedule, backend, clock, player)


def live_run(
    routine_path, options, speed=SPEED, sleep_after_s=None
) -> tuple[LiveSchedule, PlayResult, np.ndarray]:
    session = live(routine_path, options, speed, sleep_after_s)
    result, played = session.run()
    return session.schedule, result, played


class KeyAt(io.StringIO):
    """The `--log` stream, which also presses a key the moment a chosen event plays (once `ready()`),
    as a listener would; the device and its clock wait there until the player has acted on the key."""

    def __init__(
        self,
        when: Callable[[dict], bool],
        command: str,
        done: Callable[[Player], bool],
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__()
        self.when, self.command, self.done, self.ready = when, command, done, ready
        self.commands: queue.Queue[str] = queue.Queue()
        self.player: Player | None = None
        self.pressed: dict | None = None
        self.acted = threading.Event()

    def write(self, text: str) -> int:
        line = json.loads(text)
        if self.pressed is None and self.when(line):
            wait_until(self.ready)
            self.pressed = line
            self.commands.put(self.command)
            wait_until(lambda: self.player is not None and self.done(self.player))
            self.acted.set()
        return super().write(text)

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.getvalue().splitlines()]


def flushed(player: Player) -> bool:
    """The jump is made: what was queued is gone (the backend no longer knows where it is)."""
    return player.backend.position() is None


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
    timeline = exact_plan(routine_path)
    options = app.SessionOptions(engine="espeak").compile_options()
    keys = KeyAt(lambda d: d["scheduled_s"] >= 10.0, "pause", lambda p: p.paused)
    session = live(routine_path, options, extras=(PAUSED_LINE,), keys=keys)
    schedule, backend, clock = session.schedule, session.backend, session.clock
    keys.ready = lambda: PAUSED_LINE in schedule.extras
    paused_at: list[int] = []

    def resume() -> None:
        assert keys.acted.wait(timeout=30.0)
        assert backend.aside_done(timeout=30.0)  # "Paused." has been said
        paused_at.append(backend.frames_played())  # the session clock has stopped here
        clock.sleep(0.3)
        keys.commands.put("pause")

    presser = threading.Thread(target=resume)
    presser.start()
    result, played = session.run()
    presser.join()
    assert result.completed and abs(result.played_s - timeline.duration_s) <= SAMPLE
    voice = aside_sound(schedule, "speech", PAUSED_LINE)
    tick = aside_sound(schedule, "chime", RESUME_CUE)
    assert np.max(np.abs(voice)) > 0.05 and np.max(np.abs(tick)) > 0.01
    mix, k = export_mix(schedule), paused_at[0]
    expected = np.concatenate([mix[:k], voice, tick, mix[k:]])  # the session stands still meanwhile
    assert len(played) == len(expected)
    assert np.max(np.abs(played - expected)) < 1e-5
    assert keys.pressed is not None
    pressed = int(round(keys.pressed["started_s"] * RATE))
    period = backend.period_s * RATE * SPEED
    assert pressed <= k <= pressed + period  # the period playing when pressed plays to its end
    lines = keys.lines()
    assert logged(lines) == planned(timeline)  # nothing lost or repeated
    pause = max(d["paused_s"] for d in lines)
    aside_s = (len(voice) + len(tick)) / (RATE * SPEED)  # both are heard within the pause
    assert 0.3 + aside_s - 2 * period / (RATE * SPEED) <= pause <= 0.3 + aside_s
    for d in lines:  # the session clock leaves the pause out; in wall time it moves all after it
        assert abs(d["started_s"] - d["scheduled_s"]) <= SAMPLE, d
        assert d["paused_s"] == (0.0 if d["started_s"] * RATE < k else pause), d
        assert abs(d["wall_s"] - d["paused_s"] - d["started_s"] / SPEED) <= 2e-6, d


def steps_of(lines: list[dict], step: int) -> list[float]:
    return [d["scheduled_s"] for d in lines if d["step"] == step]


def test_next_skips_to_the_start_of_the_next_step_at_once(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)
    options = app.SessionOptions(engine="espeak").compile_options()
    keys = KeyAt(lambda d: d["step"] == 1 and d["scheduled_s"] >= 11.0, "next", flushed)
    result, _ = live(routine, options, keys=keys).run()
    assert keys.pressed is not None and result.ended_by == "end" and result.steps_skipped == 1
    assert not result.completed  # most of the longest step was skipped: under 80% heard
    lines = keys.lines()
    stretch = sorted(e.start_s for e in timeline.events if e.step == 1)
    assert steps_of(lines, 1) == [t for t in stretch if t <= keys.pressed["scheduled_s"]]
    assert steps_of(lines, 2) == sorted(e.start_s for e in timeline.events if e.step == 2)
    after = lines[lines.index(keys.pressed) + 1 :]
    assert after[0]["scheduled_s"] == timeline.steps[2].start_s
    period_s = NullBackend.period_s * SPEED  # the null device's period, in session seconds
    assert keys.pressed["started_s"] < after[0]["started_s"] <= keys.pressed["started_s"] + period_s
    skipped = after[0]["scheduled_s"] - after[0]["started_s"]
    for d in after:  # from there on, exactly on the step's schedule less what was skipped
        assert abs(d["scheduled_s"] - d["started_s"] - skipped) <= SAMPLE, d
    for d in lines:
        assert abs(d["wall_s"] - d["started_s"] / SPEED) <= 2e-6, d
    assert abs(result.played_s - (timeline.duration_s - skipped)) <= SAMPLE


def test_back_goes_to_the_start_of_the_step_at_once_and_plays_it_again(tmp_path):
    routine = write_tiny(tmp_path)
    timeline = exact_plan(routine)
    options = app.SessionOptions(engine="espeak").compile_options()
    keys = KeyAt(lambda d: d["step"] == 1 and d["scheduled_s"] >= 17.0, "back", flushed)
    result, _ = live(routine, options, keys=keys).run()
    assert result.completed and keys.pressed is not None
    lines = keys.lines()
    stretch = sorted(e.start_s for e in timeline.events if e.step == 1)
    first_time = [t for t in stretch if t <= keys.pressed["scheduled_s"]]
    assert steps_of(lines, 1) == first_time + stretch  # up to the key, then the whole step again
    assert steps_of(lines, 2) == sorted(e.start_s for e in timeline.events if e.step == 2)
    after = lines[lines.index(keys.pressed) + 1 :]
    assert after[0]["scheduled_s"] == timeline.steps[1].start_s
    period_s = NullBackend.period_s * SPEED
    assert keys.pressed["started_s"] < after[0]["started_s"] <= keys.pressed["started_s"] + period_s
    replayed = after[0]["started_s"] - after[0]["scheduled_s"]
    for d in after:
        assert abs(d["started_s"] - d["scheduled_s"] - replayed) <= SAMPLE, d
    for d in lines:
        assert abs(d["wall_s"] - d["started_s"] / SPEED) <= 2e-6, d
    assert abs(result.played_s - (timeline.duration_s + replayed)) <= SAMPLE
