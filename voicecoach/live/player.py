"""The real-time player: the live schedule's mix, block by block, through an audio backend.

The player renders the session in small blocks (`backend.block_s` of wall time each, times
`speed`) with the same mixer as export, marks the first sample of every event in each block,
and writes the blocks to the backend, which reports each mark as its frame plays: that report
is the `--log` line. Time is counted in samples only: the session clock is the backend's frame
counter (pauses excluded), the playhead a sample index into the timeline. Controls arrive as
commands on a queue (from `keys.KeyReader`, or any other source): pause/resume, next, back,
quit. `--sleep-after` fades the whole mix out over its last 30 seconds and stops.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from voicecoach.live.backends import AudioBackend, Chunk
from voicecoach.live.clock import Clock, MonotonicClock
from voicecoach.live.keys import StatusLine, status_text
from voicecoach.live.schedule import LiveSchedule
from voicecoach.mix.mixer import Mixer
from voicecoach.plan.timeline import Event, Timeline

PAUSED_LINE = "Paused."
RESUME_CUE = "tick"
SLEEP_FADE_S = 30.0
WAIT_S = 0.02  # how long the loop blocks at most before it looks at the keys again
#: A session counts as completed when it reached its end with at least this share of it heard
#: (skipping a step or two still completes it; `n` pressed through to the end does not).
COMPLETED_SHARE = 0.8
GIL_SWITCH_S = 0.001  # Python's default (5 ms) lets a busy thread delay the device thread that long


@dataclass(frozen=True)
class PlayResult:
    """How a session ended."""

    ended_by: str  # end, quit, sleep
    completed: bool
    played_s: float  # the session clock at the end (seconds of session heard, pauses excluded)
    events_played: int
    first_sound_s: float | None  # wall seconds from the start of the command to the first event heard
    steps_skipped: int = 0  # `n` presses
    session_s: float = 0.0  # the whole session's length (0 when it never got that far)


class _Log:
    """The `--log` file: one JSON line per event, written (from the device thread) as it plays."""

    def __init__(self, stream: TextIO | None, sample_rate: int, backend: AudioBackend) -> None:
        self.stream, self.sample_rate, self.backend = stream, sample_rate, backend
        self.count = 0
        self.first_wall: float | None = None
        self._lock = threading.Lock()

    def on_mark(self, event: Event, frame: int, wall: float) -> None:
        with self._lock:
            self.count += 1
            if self.first_wall is None:
                self.first_wall = wall
            if self.stream is None:
                return
            t0 = self.backend.t0 if self.backend.t0 is not None else wall
            line: dict[str, Any] = {
                "scheduled_s": event.start_s,
                "started_s": round(frame / self.sample_rate, 6),
                "kind": event.kind,
                "step": event.step,
                "wall_s": round(wall - t0, 6),
                "paused_s": round(self.backend.paused_s(), 6),
            }
            for key in ("text", "cue", "phase"):
                if getattr(event, key) is not None:
                    line[key] = getattr(event, key)
            self.stream.write(json.dumps(line) + "\n")
            self.stream.flush()


def aside_sound(schedule: LiveSchedule, kind: str, value: str) -> np.ndarray:
    """A spoken line or a cue on its own, levelled by the session's mixer (for pause and resume)."""
    if kind == "speech":
        clip = schedule.extras[value]
        event = Event(0.0, clip.duration_s + 0.05, "speech", 0, text=value)
        clips = {value: clip}
    else:
        event = Event(0.0, 0.5, "chime", 0, cue=value)
        clips = {}
    part = Timeline(title="", duration_s=event.end_s + 1.0, steps=(), holds=(), events=(event,))
    mixer = Mixer(part, clips, sample_rate=schedule.sample_rate, levels=schedule.levels)
    sound: np.ndarray = mixer.render_events(0, mixer.total_samples) * schedule.gain  # numpy types this Any
    return sound


class Player:
    """Plays a `LiveSchedule` through a backend; `run()` returns when the session ends.

    `clock` must be the backend's: `first_sound_s` is measured from `clock_start` (its now, by
    default) to the moment the backend reports the first event playing.
    """

    def __init__(
        self,
        schedule: LiveSchedule,
        backend: AudioBackend,
        *,
        speed: float = 1.0,
        log: TextIO | None = None,
        sleep_after_s: float | None = None,
        commands: queue.Queue[str] | None = None,
        status: StatusLine | None = None,
        clock_start: float | None = None,
        estimated_total_s: float | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.schedule, self.backend, self.speed = schedule, backend, speed
        self.sample_rate = schedule.sample_rate
        self.commands = commands if commands is not None else queue.Queue()
        self.status = status
        clock = clock if clock is not None else MonotonicClock()
        self.clock_start = clock_start if clock_start is not None else clock.now()
        self.estimated_total_s = estimated_total_s
        self.sleep_after = None if sleep_after_s is None else int(round(sleep_after_s * self.sample_rate))
        self.log = _Log(log, self.sample_rate, backend)
        self.paused = False
        self.ended_by: str | None = None
        self._jump: tuple[str, int] | None = None  # ("next", step) waiting for that step's end
        self._pos = 0
        self._reader = schedule.reader(0)
        self._pending: Chunk | None = None
        self._opened = False
        self.steps_skipped = 0

    def played_s(self) -> float:
        return self.backend.frames_played() / self.sample_rate if self._opened else 0.0

    def run(self) -> PlayResult:
        self.backend.open(self.sample_rate, self.speed, on_mark=self.log.on_mark)
        self._opened = True
        switch = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_S)  # synthesis in the background must not hold up the device
        try:
            self._loop()
            if self.ended_by in ("end", "sleep"):
                queued_s = self.backend.frames_queued() / (self.sample_rate * self.speed)
                self.backend.drain(timeout=10.0 + queued_s)
        finally:
            sys.setswitchinterval(switch)
            self.backend.close()
            if self.status is not None:
                self.status.clear()
        first = None if self.log.first_wall is None else self.log.first_wall - self.clock_start
        ended = self.ended_by or "quit"
        session_s = self.schedule.final.duration_s if self.schedule.final else 0.0
        completed = ended == "end" and self.played_s() >= COMPLETED_SHARE * session_s
        played = self.played_s()
        return PlayResult(ended, completed, played, self.log.count, first, self.steps_skipped, session_s)

    def _loop(self) -> None:
        block = max(64, int(round(self.backend.block_s * self.sample_rate * self.speed)))
        while self.ended_by is None:
            self._handle_commands()
            self._show_status()
            if self.ended_by is not None:
                break
            if self.paused or (self._jump is not None and not self._resolve_jump()):
                self._wait_for_command(WAIT_S)
                continue
            if self._pending is None and not self._render(block):
                continue
            if self._pending is not None and self.backend.write(self._pending, timeout=WAIT_S):
                self._pending = None

    def _render(self, block: int) -> bool:
        """Prepare the next block as a chunk; False when there is nothing to render yet (or the end)."""
        total = self.schedule.total_samples()
        n = block if total is None else min(block, total - self._pos)
        at = self.backend.frames_played() + self.backend.frames_queued()
        if self.sleep_after is not None:
            n = min(n, self.sleep_after - at)
            if n <= 0:
                self.ended_by = "sleep"
                return False
        if n <= 0:
            self.ended_by = "end"
            return False
        if not self.schedule.wait_playable(self._pos + n, timeout=WAIT_S):
            return False
        samples, quiet = self._reader.read_with_quiet(n)
        if self.sleep_after is not None:
            samples *= sleep_fade(at, n, self.sleep_after, self.sample_rate)
        marks = [
            (start - self._pos, event) for start, event in self.schedule.events_in(self._pos, self._pos + n)
        ]
        self._pending = Chunk(samples, self._pos, marks, quiet)
        self._pos += n
        return True

    # -- controls -----------------------------------------------------------------------------

    def _wait_for_command(self, timeout: float) -> None:
        try:
            command = self.commands.get(timeout=timeout)
        except queue.Empty:
            return
        self._apply(command)

    def _handle_commands(self) -> None:
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return
            self._apply(command)

    def _apply(self, command: str) -> None:
        if command == "pause":
            self._toggle_pause()
        elif command == "quit":
            self.backend.flush()
            self.ended_by = "quit"
        elif command in ("next", "back"):
            index, start_s, _ = self.schedule.step_at(self._audible_s())
            if command == "back":
                self._jump = None
                self._go_to(int(round(start_s * self.sample_rate)))
            else:
                self.steps_skipped += 1
                self.backend.flush()
                self._pending = None
                self._jump = ("next", index)
                self._resolve_jump()

    def _toggle_pause(self) -> None:
        if not self.paused:
            self.backend.pause()
            if PAUSED_LINE in self.schedule.extras:
                self.backend.play_aside(aside_sound(self.schedule, "speech", PAUSED_LINE))
            self.paused = True
            return
        self.backend.play_aside(aside_sound(self.schedule, "chime", RESUME_CUE))
        self.backend.aside_done(timeout=2.0)
        self.backend.resume()
        self.paused = False

    def _resolve_jump(self) -> bool:
        """Jump once the end of the step to skip is known; True when done (or nothing to do)."""
        if self._jump is None:
            return True
        _, index = self._jump
        end = self.schedule.step_end(index)
        if end is None:
            return False
        self._jump = None
        total = self.schedule.total_samples()
        target = int(round(end * self.sample_rate))
        if total is not None and target >= total:
            self.backend.flush()
            self._pending = None
            self.ended_by = "end"
            return True
        self._go_to(target)
        return True

    def _go_to(self, target: int) -> None:
        self.backend.flush()
        self._pending = None
        self._pos = target
        self._reader = self.schedule.reader(target)

    def _audible_s(self) -> float:
        position = self.backend.position()
        return (self._pos if position is None else position) / self.sample_rate

    def _show_status(self) -> None:
        if self.status is None or not self.status.due():
            return
        position_s = self._audible_s()
        index, _, _ = self.schedule.step_at(position_s)
        total = self.schedule.final.duration_s if self.schedule.final else self.estimated_total_s
        waiting = self._jump is not None or (
            not self.paused and self.schedule.playable() <= self._pos and self.schedule.final is None
        )
        self.status.show(
            status_text(
                index,
                len(self.schedule.routine.steps),
                self.schedule.step_title(index),
                self.schedule.hold_at(position_s),
                position_s,
                total,
                exact_total=self.schedule.final is not None,
                paused=self.paused,
                waiting=waiting,
            )
        )


def sleep_fade(at: int, n: int, end: int, sample_rate: int) -> np.ndarray:
    """The gain for samples [at, at + n) of the session clock, falling to 0 at `end` over 30 s."""
    fade = max(1, min(int(SLEEP_FADE_S * sample_rate), end))
    x = np.clip((end - np.arange(at, at + n, dtype=np.float64)) / fade, 0.0, 1.0)
    return (0.5 - 0.5 * np.cos(np.pi * x)).astype(np.float32)
