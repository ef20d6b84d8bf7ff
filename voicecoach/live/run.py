"""`voicecoach play`: from a routine argument to a session heard, logged and kept in the history."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from voicecoach.errors import DeviceError, UsageError, VoicecoachError
from voicecoach.live.backends import get_backend
from voicecoach.live.clock import Clock, MonotonicClock
from voicecoach.live.keys import KeyReader, StatusLine
from voicecoach.live.player import PAUSED_LINE, Player, PlayResult
from voicecoach.live.schedule import LiveSchedule
from voicecoach.live.synth_client import SynthWorker, WorkerClipSource
from voicecoach.routine.durations import format_duration

if TYPE_CHECKING:
    from voicecoach.app import SessionOptions

MIN_SPEED, MAX_SPEED = 0.1, 100.0


def parse_sleep_after(text: str | None) -> float | None:
    """Seconds in `--sleep-after` (`20m`, `1h`, `90s`), or None."""
    if text is None:
        return None
    from voicecoach.routine.durations import DurationError, parse_duration

    try:
        return parse_duration(text)
    except DurationError as exc:
        raise UsageError(f"--sleep-after: {exc}") from None


def play_session(
    routine_arg: str,
    options: SessionOptions,
    *,
    backend_name: str | None = None,
    speed: float = 1.0,
    log_path: str | None = None,
    sleep_after_s: float | None = None,
    keys: bool = True,
    status: bool | None = None,
    record: bool = True,
    clock: Clock | None = None,
) -> PlayResult:
    """Play a routine live (see `voicecoach.live.schedule` and `player`); the session goes in the history.

    `clock` keeps the session's time (the real clock unless given: tests pass a manual one).
    """
    clock = clock if clock is not None else MonotonicClock()
    clock_start = clock.now()
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise UsageError(
            f"--speed {speed:g} is out of range: use {MIN_SPEED:g} to {MAX_SPEED:g} (1 = real time)"
        )
    worker = SynthWorker(options.engine, options.voice)
    worker.start()  # its start-up overlaps ours; new lines are synthesised there, not in this process
    try:
        return _play(
            routine_arg,
            options,
            worker,
            clock_start,
            backend_name=backend_name,
            speed=speed,
            log_path=log_path,
            sleep_after_s=sleep_after_s,
            keys=keys,
            status=status,
            record=record,
            clock=clock,
        )
    finally:
        worker.close()


def _play(
    routine_arg: str,
    options: SessionOptions,
    worker: SynthWorker,
    clock_start: float,
    *,
    backend_name: str | None,
    speed: float,
    log_path: str | None,
    sleep_after_s: float | None,
    keys: bool,
    status: bool | None,
    record: bool,
    clock: Clock,
) -> PlayResult:
    from voicecoach import app
    from voicecoach.plan.compiler import compile_routine
    from voicecoach.plan.estimate import EstimatedDurations
    from voicecoach.speech.synth import Synthesizer

    routine = app.load(routine_arg)
    compile_options = options.compile_options()
    backend = get_backend(backend_name, clock=clock)
    synth = Synthesizer(options.engine, options.voice)
    estimate = compile_routine(routine, compile_options, EstimatedDurations(), estimated=True).duration_s
    log = _open_log(log_path)
    schedule = LiveSchedule(
        routine, compile_options, WorkerClipSource(synth, worker), extras=(PAUSED_LINE,)
    ).start()
    started_at = datetime.now().astimezone()
    player: Player | None = None
    result: PlayResult | None = None
    try:
        with KeyReader(enabled=keys) as reader:
            player = Player(
                schedule,
                backend,
                speed=speed,
                log=log,
                sleep_after_s=sleep_after_s,
                commands=reader.commands,
                status=StatusLine(enabled=status),
                clock_start=clock_start,
                estimated_total_s=estimate,
                clock=clock,
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
        played_s = result.played_s if result else (player.played_s() if player else 0.0)
        if record and played_s > 0:
            _record(
                routine_arg,
                routine.title,
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
    from voicecoach.history import History, SessionRecord

    try:
        History().record(SessionRecord(routine, title, profile, started_at, played_s, completed))
    except VoicecoachError as exc:  # the session itself went fine: say so, do not fail
        print(f"warning: {exc}", file=sys.stderr)
