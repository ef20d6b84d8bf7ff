"""The device model every live audio output shares: a sound card run by one device thread.

Every backend is a small sound card model run by one device thread (`ClockedBackend`):
chunks written by the player wait in a queue of bounded length (the device buffer), and the
device thread hands them out period by period. The device keeps its own sample clock: frames
it has output while not paused, including the silence it plays when the queue runs dry (an
underrun, as a real card does). That clock is the session clock: an event's first sample is
reported (`on_mark`) with the clock's frame at the moment it plays, so late audio shows as a
late `started_s`, exactly as it would on hardware.

- `null` plays into nothing at `speed` times real time, paced by absolute wall-clock
  deadlines (no drift, however long the session).
- `sounddevice` (the `live` extra) writes to a PortAudio stream, paced by the device itself.
- `simpleaudio` has no stream: it writes the session ahead of the card into one long buffer
  as it plays, a new one about every minute, at a quiet place (see `simpleaudio_out`).

Wall time is read from, and waited for on, a `Clock` (the real one unless another is given: a
manual clock makes the timing exact in tests). Waits for the player's side (a full buffer, a
drain) are bounded in real time whatever the clock, so a stopped clock cannot hang the player.

Samples stay float32 until `_output`, where the real devices convert them to int16.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voicecoach.errors import DeviceError
from voicecoach.live.clock import Clock, MonotonicClock
from voicecoach.speech.engines.base import Availability

#: The sound card's own buffer for streaming outputs: what a busy machine may stall the device
#: thread for without a gap, and how long a pause takes to be heard.
DEVICE_LATENCY_S = 0.25

#: Called from the device thread when a marked frame plays: (payload, session frame, wall time).
#: The wall time is the device clock's (when the card plays that frame), not when the thread ran.
MarkCallback = Callable[[Any, int, float], None]

#: The position of audio that is not the session's (underrun silence, pause and resume sounds).
SILENCE = -1


@dataclass
class Chunk:
    """Consecutive samples of the session starting at timeline sample `position`.

    `marks` are (offset into the chunk, payload): the payload is reported when that frame plays.
    `quiet` are the (start, end) offsets where no event sounds (only silence or the bed): where
    an output that plays in separate buffers may cut.
    """

    samples: np.ndarray
    position: int
    marks: list[tuple[int, Any]] = field(default_factory=list)
    quiet: list[tuple[int, int]] = field(default_factory=list)

    @property
    def body(self) -> int:
        """The frames this piece plays (the session clock advances by this much)."""
        return len(self.samples)

    def split(self, at: int) -> Chunk:
        """The part from `at` to the end of the body, with its marks (this chunk is not changed)."""
        return Chunk(
            self.samples[at : self.body],
            self.position + at,
            [(o - at, p) for o, p in self.marks if o >= at],
            [(max(a, at) - at, b - at) for a, b in self.quiet if b > at],
        )


class AudioBackend(ABC):
    """What the player needs from a sound output. Frames are counted at the session's sample rate."""

    name: str = ""
    description: str = ""
    #: How long (wall seconds) each block the player writes should last.
    block_s: float = 0.02
    #: Wall time (of the backend's clock) of the session's first frame: None until it played.
    t0: float | None = None

    @classmethod
    @abstractmethod
    def is_available(cls) -> Availability:
        """Whether this output works here, and if not, why and what to do."""

    @abstractmethod
    def open(self, sample_rate: int, speed: float, on_mark: MarkCallback | None = None) -> None:
        """Start the device (DeviceError when it cannot)."""

    @abstractmethod
    def write(self, chunk: Chunk, timeout: float) -> bool:
        """Queue a chunk; False (and nothing queued) if the buffer had no room within `timeout`."""

    @abstractmethod
    def frames_played(self) -> int:
        """The session clock: frames output while not paused, underrun silence included."""

    @abstractmethod
    def frames_queued(self) -> int:
        """Frames written and not played yet."""

    @abstractmethod
    def position(self) -> int | None:
        """The timeline sample playing now (None before anything played)."""

    @abstractmethod
    def pause(self) -> None: ...

    @abstractmethod
    def resume(self) -> None: ...

    @abstractmethod
    def flush(self) -> None:
        """Drop everything queued and not yet played (for a jump)."""

    @abstractmethod
    def play_aside(self, samples: np.ndarray) -> None:
        """While paused: play a short sound outside the session (it does not move the clock)."""

    @abstractmethod
    def aside_done(self, timeout: float) -> bool: ...

    @abstractmethod
    def paused_s(self) -> float:
        """Wall seconds the clock has stood still for pauses so far."""

    @abstractmethod
    def drain(self, timeout: float) -> bool:
        """Wait until every queued frame has played; False on timeout."""

    @abstractmethod
    def close(self) -> None: ...


class ClockedBackend(AudioBackend):
    """The device-thread model described in the module docstring; subclasses output the periods.

    Self-paced devices (`null`) keep a deadline clock: period k starts at
    t0 + frames/rate + pauses, computed, never accumulated from sleeps. A chunk that arrived
    after the deadline of its first frame was not there when the card needed it: the card plays
    silence until it arrived (and the clock runs), as hardware would.
    """

    #: The longest piece handed to `_output` at once, in wall seconds.
    period_s: float = 0.005
    #: The device buffer: how much audio may wait in the queue, in wall seconds.
    buffer_s: float = 0.3
    #: True when `_output` blocks until the device wants more (it keeps the clock, not us).
    device_paced: bool = False

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else MonotonicClock()
        self._cond = threading.Condition()
        self._queue: deque[tuple[Chunk, float]] = deque()  # (chunk, wall time it arrived)
        self._queued = 0
        self._aside: deque[np.ndarray] = deque()
        self._frames = 0
        self._paused = self._closed = self._draining = self._interrupt = False
        self._flying: tuple[int | None, float, int] | None = None  # (position, start wall, length) playing
        self._last_position: int | None = None
        self._generation = 0  # bumped by flush: what was in flight no longer says where we are
        self._pause_started: float | None = None
        self._paused_total = 0.0
        self._deadline: float | None = None  # None: the clock is idle and restarts at "now"
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._streaming = False  # a device-paced output is running (and must be fed or stopped)
        self.t0: float | None = None  # wall time of the session's first frame

    # -- the player's side --------------------------------------------------------------------

    def open(self, sample_rate: int, speed: float, on_mark: MarkCallback | None = None) -> None:
        self.sample_rate, self.speed = sample_rate, speed
        self.rate = sample_rate * speed  # frames per wall second
        self._on_mark = on_mark
        self._period = max(16, int(round(self.period_s * self.rate)))
        self._capacity = max(self._period, int(round(self.buffer_s * self.rate)))
        self._open_device()
        self._thread = threading.Thread(target=self._run, name=f"voicecoach-{self.name}", daemon=True)
        self._thread.start()

    def write(self, chunk: Chunk, timeout: float) -> bool:
        end = time.monotonic() + timeout
        with self._cond:
            while self._queued + len(chunk.samples) > self._capacity and self._queued > 0:
                self._check()
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            self._check()
            self._queue.append((chunk, self.clock.now()))
            self._queued += len(chunk.samples)
            self._cond.notify_all()
            return True

    def frames_played(self) -> int:
        with self._cond:
            return self._frames + self._flying_played()

    def frames_queued(self) -> int:
        with self._cond:
            flying = self._flying[2] - self._flying_played() if self._flying is not None else 0
            return self._queued + flying

    def position(self) -> int | None:
        with self._cond:
            if self._flying is not None and self._flying[0] is not None:
                return self._flying[0] + self._flying_played()
            return self._last_position

    def pause(self) -> None:
        with self._cond:
            if not self._paused:
                self._paused = self._interrupt = True
                self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            if self._paused:
                self._paused = False
                self._aside.clear()
                self._interrupt = True
                self._cond.notify_all()

    def flush(self) -> None:
        with self._cond:
            self._queue.clear()
            self._queued = 0
            self._interrupt = True
            self._generation += 1
            self._last_position = None
            if self._flying is not None:
                self._flying = (None, self._flying[1], self._flying[2])
            self._cond.notify_all()

    def play_aside(self, samples: np.ndarray) -> None:
        with self._cond:
            if self._flying is None:  # the device is idle: the sound starts now, not after the last one
                self._deadline = None
            self._aside.clear()
            for at in range(0, len(samples), self._period):
                self._aside.append(samples[at : at + self._period])
            self._cond.notify_all()

    def aside_done(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        with self._cond:
            while self._aside or (self._paused and self._flying is not None):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def paused_s(self) -> float:
        with self._cond:
            extra = 0.0
            if self._pause_started is not None:
                extra = max(0.0, self.clock.now() - self._pause_started)
            return self._paused_total + extra

    def drain(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        with self._cond:
            self._draining = True
            self._cond.notify_all()
            while self._queue or self._flying is not None or self._streaming:
                self._check()
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self) -> None:
        with self._cond:
            self._closed = self._interrupt = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._stop_output()
        self._close_device()

    # -- the device thread --------------------------------------------------------------------

    def _check(self) -> None:
        if self._error is not None:
            raise DeviceError(f"the {self.name} sound output failed: {self._error}")

    def _flying_played(self) -> int:
        if self._flying is None:
            return 0
        _, start, length = self._flying
        return self._played_since(start, length)

    def _run(self) -> None:
        try:
            while self._step():
                pass
        except BaseException as exc:  # reported to the player on its next call
            with self._cond:
                self._error = exc
                self._flying = None  # the period that failed was never heard
                self._cond.notify_all()

    def _step(self) -> bool:
        """Output one period (session audio, an aside sound, or underrun silence); False to stop."""
        with self._cond:
            piece, counted = self._next_piece()
            if piece is None:
                return False
            self._interrupt = False
            generation = self._generation
            length = piece.body
            start = self._start_time(length)
            if counted and self.t0 is None:
                self.t0 = start
            self._flying = (piece.position if piece.position >= 0 else None, start, length)
        if not self.device_paced:
            self._sleep_until(start, interruptible=False)
        else:
            with self._cond:
                self._streaming = True
        self._output(piece.samples)
        if self.device_paced:
            start = self.clock.now()
        played = self._play_out(piece, start, counted)
        with self._cond:
            self._flying = None
            if counted:
                self._frames += played
                if piece.position >= 0 and generation == self._generation:
                    self._last_position = piece.position + played
            if played < length:  # cut short by a pause or a jump: silence the device now
                self._stop_output()
                self._deadline = None
                if (
                    counted
                    and piece.position >= 0
                    and generation == self._generation
                    and self._paused
                    and not self._closed
                ):
                    rest = piece.split(played)
                    self._queue.appendleft((rest, 0.0))
                    self._queued += len(rest.samples)
            self._cond.notify_all()
        return True

    def _start_time(self, length: int) -> float:
        """Under the lock: when a period of `length` frames starts, advancing the deadline clock."""
        start = self.clock.now() if self._deadline is None else self._deadline
        self._deadline = start + length / self.rate
        return start

    def _next_piece(self) -> tuple[Chunk | None, bool]:
        """Under the lock: what to output next, and whether it counts on the session clock."""
        while not self._closed:
            if self._paused:
                if self._pause_started is None:  # the clock stops where the last period ended
                    self._pause_started = self._deadline or self.clock.now()
                if self._aside:
                    return Chunk(self._aside.popleft(), SILENCE), False
                self._wait_idle(0.1)
                continue
            if self._pause_started is not None:  # resumed: the clock restarts now
                now = self.clock.now()
                self._paused_total += max(0.0, now - self._pause_started)
                self._pause_started, self._deadline = None, now
            if self._queue:
                taken = self._take()
                if taken is not None:
                    return taken, True
                self._cond.wait(0.005)  # the device waits for more of the session to cut well
                continue
            if self._draining or self._frames == 0:
                self._deadline = None
                self._wait_idle(0.1)
                continue
            now = self.clock.now()
            if self._deadline is not None and now < self._deadline:  # audio may still come in time
                self._cond.wait(min(self._deadline - now, 0.01))
                continue
            return self._silence(self._period), True  # an underrun: the card plays silence
        return None, False

    def _wait_idle(self, timeout: float) -> None:
        """Under the lock: wait with nothing to play. A streaming device is stopped first, once its
        buffer has played out, or it would run dry (an underrun that can lose what comes next)."""
        if self._streaming:
            self._streaming = False
            self._cond.release()
            try:
                self._idle_output()
            finally:
                self._cond.acquire()
            self._cond.notify_all()
        self._cond.wait(timeout)

    def _take(self) -> Chunk | None:
        """Under the lock: the next period from the queue (or the silence before a late chunk);
        None to wait for more."""
        head, arrived = self._queue[0]
        if self._deadline is not None and not self.device_paced and arrived > self._deadline:
            late = int((arrived - self._deadline) * self.rate)
            if late > 0:
                return self._silence(min(late, self._period))
        take = min(len(head.samples), self._period)
        if take == len(head.samples):
            self._queue.popleft()
            piece = head
        else:
            piece = Chunk(head.samples[:take], head.position, [m for m in head.marks if m[0] < take])
            self._queue[0] = (head.split(take), arrived)
        self._queued -= take
        return piece

    def _silence(self, length: int) -> Chunk:
        return Chunk(np.zeros(length, dtype=np.float32), SILENCE)

    def _play_out(self, piece: Chunk, start: float, counted: bool) -> int:
        """Report each mark as its frame plays; the frames played (fewer if cut short)."""
        length = piece.body
        for offset, payload in sorted(piece.marks, key=lambda m: m[0]) if counted else ():
            due = start + offset / self.rate
            if not self.device_paced and not self._sleep_until(due, interruptible=True):
                return self._played_since(start, length)
            if self._on_mark is not None:
                self._on_mark(payload, self._frames + offset, due)
        if self.device_paced or self.period_s < 0.05:
            return length  # a short period runs to its end; the next deadline does the waiting
        if not self._sleep_until(start + length / self.rate, interruptible=True):
            return self._played_since(start, length)
        return length

    def _played_since(self, start: float, length: int) -> int:
        return max(0, min(length, int((self.clock.now() - start) * self.rate)))

    def _sleep_until(self, when: float, interruptible: bool) -> bool:
        """Sleep until `when`; False if a pause, jump or close cut a long period short."""
        interruptible = interruptible and self.period_s >= 0.05
        while True:
            if interruptible:
                with self._cond:
                    if self._interrupt:
                        return False
            left = when - self.clock.now()
            if left <= 0:
                return True
            self.clock.sleep(min(left, 0.01) if interruptible else left)

    # -- what a device does -------------------------------------------------------------------

    def _open_device(self) -> None:
        """Open the output (DeviceError when it cannot)."""

    def _output(self, data: np.ndarray) -> None:
        """Start playing `data` (float32) now."""

    def _stop_output(self) -> None:
        """Silence whatever is playing at once."""

    def _idle_output(self) -> None:
        """Let a streaming output play what it holds and stop until there is more."""

    def _close_device(self) -> None:
        """Release the output."""
