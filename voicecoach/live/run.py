"""`voicecoach play`: from a routine argument to a session heard, logged and kept in the history."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from voicecoach.errors import DeviceError, UsageError, VoicecoachError
from voicecoach.history import History, SessionRecord
from voicecoach.live.backends import get_backend
from voicecoach.live.clock import Clock, MonotonicClock
from voicecoach.live.keys import KeyReader, StatusLine
from voicecoach.live.player import PAUSED_LINE, Player, PlayResult
from voicecoach.live.schedule import LiveSchedule
from voicecoach.live.synth_client import SynthWorker, WorkerClipSource
from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.routine.durations import format_duration
from voicecoach.routine.model import Routine
from voicecoach.speech.synth import Synthesizer

MIN_SPEED, MAX_SPEED = 0.1, 100.0


def play_session(
    routine: Routine,
    options: CompileOptions,
    *,
    name: str,
    engine: str | None = None,
    voice: str | None = None,
    backend_name: str | None = None,
    speed: float = 1.0,
    log_path: str | None = None,
    sleep_after_s: float | None = None,
    keys: bool = True,
    status: bool | None = None,
    record: bool = True,
    clock: Clock | None = None,
) -> PlayResult:
    """Play a routine live (see `voicecoach.live.schedule` and `player`); the session goes in the
    history under `name` (the routine as the user named it).

    `clock` keeps the session's time (the real clock unless given: tests pass a manual one).
    """
    clock = clock if clock is not None else MonotonicClock()
    clock_start = clock.now()
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise UsageError(
            f"--speed {speed:g} is out of range: use {MIN_SPEED:g} to {MAX_SPEED:g} (1 = real time)"
        )
    how = _HowToPlay(backend_name, speed, log_path, sleep_after_s, keys, status, record, clock)
    worker = SynthWorker(engine, voice)
    worker.start()  # its start-up overlaps ours; new lines are synthesised there, not in this process
    try:
        return _play(routine, options, name, Synthesizer(engine, voice), worker, clock_start, how)
    finally:
        worker.close()


@dataclass(frozen=True)
class _HowToPlay:
    """How `play_session` was asked to play, handed on whole."""

    backend_name: str | None
    speed: float
    log_path: str | None
    sleep_after_s: float | None
    keys: bool
    status: bool | None
    record: bool
    clock: Clock


def _play(
    routine: Routine,
    compile_options: CompileOptions,
    name: str,
    synth: Synthesizer,
    worker: SynthWorker,
    clock_start: float,
    how: _HowToPlay,
) -> PlayResult:
    backend = get_backend(how.backend_name, clock=how.clock)
    estimate = compile_routine(routine, compile_options, EstimatedDurations(), estimated=True).duration_s
    log = _open_log(how.log_path)
    schedule = LiveSchedule(
        routine, compile_options, WorkerClipSource(synth, worker), extras=(PAUSED_LINE,)
    ).start()
    started_at = datetime.now().astimezone()
    player: Player | None = None
    result: PlayResult | None = None
    try:
        with KeyReader(enabled=how.keys) as reader:
            player = Player(
                schedule,
                backend,
                speed=how.speed,
                log=log,
                sleep_after_s=how.sleep_after_s,
                commands=reader.commands,
                status=StatusLine(enabled=how.status),
                clock_start=clock_start,
                estimated_total_s=estimate,
                clock=how.clock,
            )
            result = player.run()
        return result
    except DeviceError as exc:
        raise DeviceError(
            f"{exc}; stopped {_where(schedule, player)}. The part played is in your "
            "history (`voicecoach history`); `voicecoach export` makes a file to play "
            "elsewhere"
        ) from None
    finally:
        schedule.stop()
        if log is not None:
            log.close()
        if how.record:
            _record_played(name, schedule, started_at, player, result)


def _record_played(
    name: str, schedule: LiveSchedule, started_at: datetime, player: Player | None, result: PlayResult | None
) -> None:
    """Keep the session in the history when any of it played (however it ended)."""
    played_s = result.played_s if result else (player.played_s() if player else 0.0)
    if played_s > 0:
        _record(
            name,
            schedule.routine.title,
            schedule.profile.name,
            started_at,
            played_s,
            bool(result and result.completed),
        )


def _where(schedule: LiveSchedule, player: Player | None) -> str:
    """`at 1:20 of the session, in step 3 (Figure Four)`: where a failed session got to."""
    played_s = player.played_s() if player else 0.0
    index, _, _ = schedule.step_at(played_s)
    title = schedule.routine.steps[index].title if 0 <= index < len(schedule.routine.steps) else ""
    return f"at {format_duration(played_s)} of the session, in step {index + 1} ({title})"


def _open_log(path: str | None) -> TextIO | None:
    if path is None:
        return None
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--log: cannot write {path}: {exc.strerror}") from None


def _record(
    routine: str, title: str, profile: str, started_at: datetime, played_s: float, completed: bool
) -> None:
    try:
        History().record(SessionRecord(routine, title, profile, started_at, played_s, completed))
    except VoicecoachError as exc:  # the session itself went fine: say so, do not fail
        print(f"warning: {exc}", file=sys.stderr)
