"""Audio outputs for live play: a registry of backends that consume float32 blocks.

Every backend is a small sound card model run by one device thread (`ClockedBackend`):
chunks written by the player wait in a queue of bounded length (the device buffer), and the
device thread hands them out period by period. The device keeps its own sample clock: frames
it has output while not paused, including the silence it plays when the queue runs dry (an
underrun, as a real card does). That clock is the session clock: an event's first sample is
reported (`on_mark`) with the clock's frame at the moment it plays, so late audio shows as a
late `started_s`, exactly as it would on hardware.

- `null` plays into nothing at `speed` times real time, paced by absolute wall-clock
  deadlines (no drift, however long the session).
- `simpleaudio` (the `live` extra) plays through ALSA, CoreAudio or WinMM. simpleaudio has
  no streaming interface, so each period (half a second) is started at its deadline on the
  same clock as `null`; the deadline lock means small start-up latencies never accumulate.
- `sounddevice` (when installed) writes to a PortAudio stream, paced by the device itself.

Samples stay float32 until `_output`, where the real devices convert them to int16.
"""

from __future__ import annotations

import os
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from voicecoach.errors import DeviceError, UsageError
from voicecoach.speech.engines.base import Availability
from voicecoach.speech.playback import quiet_stderr

#: Called from the device thread when a marked frame plays: (payload, session frame, wall time).
#: The wall time is the device clock's (when the card plays that frame), not when the thread ran.
MarkCallback = Callable[[Any, int, float], None]

#: The position of audio that is not the session's (underrun silence, pause and resume sounds).
SILENCE = -1

NO_DEVICE_HINT = (
    "write the session to a file instead with `voicecoach export ROUTINE`, or install "
    "live sound output: pip install 'voicecoach[live]' (it needs the ALSA library on "
    "Linux: sudo apt-get install libasound2-dev before installing)"
)


@dataclass
class Chunk:
    """Consecutive samples of the session starting at timeline sample `position`.

    `marks` are (offset into the chunk, payload): the payload is reported when that frame plays.
    """

    samples: np.ndarray
    position: int
    marks: list[tuple[int, Any]] = field(default_factory=list)

    def split(self, at: int) -> Chunk:
        """The part from `at` on, with its marks (this chunk is not changed)."""
        return Chunk(self.samples[at:], self.position + at, [(o - at, p) for o, p in self.marks if o >= at])


class AudioBackend(ABC):
    """What the player needs from a sound output. Frames are counted at the session's sample rate."""

    name: str = ""
    description: str = ""
    #: How long (wall seconds) each block the player writes should last.
    block_s: float = 0.02

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

    Self-paced devices (`null`, `simpleaudio`) keep a deadline clock: period k starts at
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

    def __init__(self) -> None:
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
            self._queue.append((chunk, time.perf_counter()))
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
                extra = max(0.0, time.perf_counter() - self._pause_started)
            return self._paused_total + extra

    def drain(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        with self._cond:
            self._draining = True
            self._cond.notify_all()
            while self._queue or self._flying is not None:
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
        return max(0, min(length, int((time.perf_counter() - start) * self.rate)))

    def _run(self) -> None:
        try:
            while self._step():
                pass
        except BaseException as exc:  # reported to the player on its next call
            with self._cond:
                self._error = exc
                self._cond.notify_all()

    def _step(self) -> bool:
        """Output one period (session audio, an aside sound, or underrun silence); False to stop."""
        with self._cond:
            piece, counted = self._next_piece()
            if piece is None:
                return False
            self._interrupt = False
            generation = self._generation
            length = len(piece.samples)
            start = self._start_time(length)
            if counted and self.t0 is None:
                self.t0 = start
            self._flying = (piece.position if piece.position >= 0 else None, start, length)
        if not self.device_paced:
            self._sleep_until(start, interruptible=False)
        self._output(piece.samples)
        if self.device_paced:
            start = time.perf_counter()
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
        start = time.perf_counter() if self._deadline is None else self._deadline
        self._deadline = start + length / self.rate
        return start

    def _next_piece(self) -> tuple[Chunk | None, bool]:
        """Under the lock: what to output next, and whether it counts on the session clock."""
        while not self._closed:
            if self._paused:
                if self._pause_started is None:  # the clock stops where the last period ended
                    self._pause_started = self._deadline or time.perf_counter()
                    self._deadline = None
                if self._aside:
                    return Chunk(self._aside.popleft(), SILENCE), False
                self._cond.wait(0.1)
                continue
            if self._pause_started is not None:  # resumed: the clock restarts now
                now = time.perf_counter()
                self._paused_total += max(0.0, now - self._pause_started)
                self._pause_started, self._deadline = None, now
            if self._queue:
                return self._take(), True
            if self._draining or self._frames == 0:
                self._deadline = None
                self._cond.wait(0.1)
                continue
            return self._silence(self._period), True  # an underrun: the card plays silence
        return None, False

    def _take(self) -> Chunk:
        """Under the lock: the next period from the queue (or the silence before a late chunk)."""
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
        length = len(piece.samples)
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
        return max(0, min(length, int((time.perf_counter() - start) * self.rate)))

    def _sleep_until(self, when: float, interruptible: bool) -> bool:
        """Sleep until `when`; False if a pause, jump or close cut a long period short."""
        interruptible = interruptible and self.period_s >= 0.05
        while True:
            left = when - time.perf_counter()
            if interruptible:
                with self._cond:
                    if self._interrupt:
                        return False
                    if left <= 0:
                        return True
                    self._cond.wait(min(left, 0.01))
                continue
            if left <= 0:
                return True
            time.sleep(left)

    # -- what a device does -------------------------------------------------------------------

    def _open_device(self) -> None:
        """Open the output (DeviceError when it cannot)."""

    def _output(self, data: np.ndarray) -> None:
        """Start playing `data` (float32) now."""

    def _stop_output(self) -> None:
        """Silence whatever is playing at once."""

    def _close_device(self) -> None:
        """Release the output."""


class NullBackend(ClockedBackend):
    """Plays into nothing at `speed` times real time, on its own clock (tests, machines without sound)."""

    name = "null"
    description = "plays into nothing at real speed (for tests and machines without a sound device)"

    def __init__(self, capture: bool = False) -> None:
        super().__init__()
        self.capture = capture
        self.captured: list[np.ndarray] = []  # with `capture`: every period output, in order
        self._output_frames = 0
        # Like a card pulled out mid-session: the device fails after this many seconds of session
        # (VOICECOACH_NULL_FAIL_AFTER_S), so the player's handling of a lost device can be tried here.
        fail_after = os.environ.get("VOICECOACH_NULL_FAIL_AFTER_S")
        self.fail_after_s = float(fail_after) if fail_after else None

    @classmethod
    def is_available(cls) -> Availability:
        return Availability(True)

    def _output(self, data: np.ndarray) -> None:
        self._output_frames += len(data)
        if self.fail_after_s is not None and self._output_frames > self.fail_after_s * self.sample_rate:
            raise OSError("the device went away (VOICECOACH_NULL_FAIL_AFTER_S)")
        if self.capture:
            self.captured.append(np.array(data, dtype=np.float32))


def to_int16(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    """float32 in [-1, 1] to 16-bit PCM: the one place live audio becomes integers."""
    return np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")


class SimpleaudioBackend(ClockedBackend):
    """The `live` extra: simpleaudio, one buffer per half-second period, started on the clock."""

    name = "simpleaudio"
    description = "the sound card through simpleaudio (ALSA, CoreAudio or WinMM)"
    period_s = 0.5
    buffer_s = 1.0
    block_s = 0.5
    _availability: Availability | None = None

    @classmethod
    def is_available(cls) -> Availability:
        if cls._availability is None:
            cls._availability = cls._probe()
        return cls._availability

    @classmethod
    def _probe(cls) -> Availability:
        try:
            import simpleaudio
        except ImportError:
            return Availability(False, "simpleaudio is not installed (pip install 'voicecoach[live]')")
        try:
            with quiet_stderr():
                simpleaudio.play_buffer(np.zeros(480, dtype="<i2").tobytes(), 1, 2, 48000).wait_done()
        except Exception as exc:  # simpleaudio raises its own error kind per platform
            detail = str(exc).split(" -- ")[0].strip() or type(exc).__name__
            return Availability(False, f"no working sound device ({detail})")
        return Availability(True)

    def _open_device(self) -> None:
        import simpleaudio

        self._sa = simpleaudio
        self._playing: list[Any] = []
        self._out_rate = int(round(min(self.rate, 192000)))

    def _output(self, data: np.ndarray) -> None:
        self._playing = [p for p in self._playing if p.is_playing()]
        try:
            with quiet_stderr():
                self._playing.append(self._sa.play_buffer(to_int16(data).tobytes(), 1, 2, self._out_rate))
        except Exception as exc:
            raise DeviceError(f"simpleaudio could not play: {exc}") from None

    def _stop_output(self) -> None:
        for play in getattr(self, "_playing", []):
            play.stop()
        self._playing = []


class SounddeviceBackend(ClockedBackend):
    """A PortAudio output stream through sounddevice (when it is installed), paced by the device."""

    name = "sounddevice"
    description = "the sound card through sounddevice (PortAudio)"
    period_s = 0.02
    device_paced = True

    @classmethod
    def is_available(cls) -> Availability:
        try:
            with quiet_stderr():
                import sounddevice
        except ImportError:
            return Availability(False, "sounddevice is not installed (pip install sounddevice)")
        except OSError as exc:  # the PortAudio library itself is missing
            return Availability(
                False,
                f"the PortAudio library is missing ({exc}): "
                "sudo apt-get install libportaudio2, or brew install portaudio",
            )
        try:
            with quiet_stderr():
                sounddevice.query_devices(kind="output")
        except Exception as exc:
            return Availability(False, f"no sound output device ({exc})")
        return Availability(True)

    def _open_device(self) -> None:
        import sounddevice

        try:
            with quiet_stderr():
                self._stream = sounddevice.OutputStream(
                    samplerate=int(round(min(self.rate, 192000))), channels=1, dtype="int16", latency="low"
                )
                self._stream.start()
        except Exception as exc:
            raise DeviceError(f"sounddevice could not open the output: {exc}; {NO_DEVICE_HINT}") from None

    def _output(self, data: np.ndarray) -> None:
        self._stream.write(to_int16(data).reshape(-1, 1))

    def _close_device(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None:
            stream.close(ignore_errors=True)


BACKENDS: dict[str, type[AudioBackend]] = {
    "simpleaudio": SimpleaudioBackend,
    "sounddevice": SounddeviceBackend,
    "null": NullBackend,
}
#: Tried in this order when no backend is named.
AUTO_ORDER = ("simpleaudio", "sounddevice")


def backend_names() -> list[str]:
    return list(BACKENDS)


def get_backend(name: str | None = None) -> AudioBackend:
    """The backend called `name`, or the first that works here; DeviceError says what to do if none."""
    if name is not None:
        if name not in BACKENDS:
            raise UsageError(f"unknown audio backend {name!r}: choose one of {', '.join(BACKENDS)}")
        state = BACKENDS[name].is_available()
        if not state:
            raise DeviceError(
                f"the {name} audio backend does not work here: {state.reason}; {NO_DEVICE_HINT}"
            )
        return BACKENDS[name]()
    reasons = []
    for candidate in AUTO_ORDER:
        state = BACKENDS[candidate].is_available()
        if state:
            return BACKENDS[candidate]()
        reasons.append(f"{candidate}: {state.reason}")
    raise DeviceError(f"no sound output works here ({'; '.join(reasons)}): {NO_DEVICE_HINT}")
