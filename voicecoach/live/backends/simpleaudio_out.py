"""The `simpleaudio` output: one long buffer handed to the card once and filled while it plays.

simpleaudio has no stream, only `play_buffer`, and each call opens a new output whose first
sample lands a few milliseconds earlier or later than asked (on PulseAudio, one step of its 5 ms
clock, more when the machine is busy): cut the session into many buffers and every cut is a
click, a gap or a doubled word. But simpleaudio does not copy the buffer: its playback thread
reads the memory it was given a tenth of a second ahead of the sound card. So a segment here is a
long block of silence handed to `play_buffer` once, and the session is written into it ahead of
the card, as into a stream: within a segment the sound is sample-exact.

A segment holds 20 minutes, so most sessions play in one, without a seam. Its memory costs only
what has been written: it is an anonymous memory map whose untouched pages are not allocated, and
whose pages the card has played are given back. A longer session hands over to a new segment
after 18 minutes, at a quiet place (no speech, no cue: the `quiet` spans the player marks), with a
short crossfade: in silence the cut is not heard at all, under a bed the bed goes on; only the new
output's start is uncertain there, by the milliseconds above. The old output is stopped once its
part has played, and before any new one starts after a pause: never two sounding at once.
VOICECOACH_SIMPLEAUDIO_SEGMENT_S shortens the segments, to hear and test the seams in a short
session. A segment is not longer because a real card's clock and the computer's drift apart (up
to about 0.1 ms a second): over 20 minutes that stays well inside what is written ahead.

A segment's output plays its whole memory until it is stopped here, so one that stops by itself
means the sound server or the card went away: that is a DeviceError, as a failed stream is.

What this cannot change: simpleaudio's own output buffer is a fixed 100 ms. On a machine busy
enough to keep its playback thread waiting longer than that, the output runs dry and recovers a
little later (a gap, and the session later from there on); sounddevice, with a longer buffer,
goes on, which is one reason it is tried first.
"""

from __future__ import annotations

import mmap
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicecoach.errors import DeviceError, UsageError
from voicecoach.live.backends.base import Chunk, ClockedBackend
from voicecoach.live.clock import Clock
from voicecoach.sound.wav import to_int16
from voicecoach.speech.engines.base import Availability
from voicecoach.speech.playback import quiet_alsa_errors, quiet_stderr

PIP_HINT = "pip install 'voicecoach[live]'"


def _detail(exc: Exception) -> str:
    """What simpleaudio's error says, without its own prefix ("... -- MSG: Connection refused")."""
    return str(exc).rsplit("MSG:", 1)[-1].strip() or type(exc).__name__


def _silence(frames: int) -> tuple[np.ndarray, mmap.mmap]:
    """`frames` of int16 silence in an anonymous memory map: a page costs memory once written."""
    size = max(1, frames) * 2
    if hasattr(mmap, "MAP_PRIVATE"):  # private: a shared map's pages are not given back by madvise
        pages = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    else:  # Windows
        pages = mmap.mmap(-1, size)
    return np.frombuffer(pages, dtype="<i2", count=frames), pages


@dataclass
class _Segment:
    """One `play_buffer` output: its memory, the frames written, and when its frame 0 sounds."""

    memory: np.ndarray  # int16, what the output plays from start to end
    pages: mmap.mmap  # the memory's own map, to give back what has played
    written: int = 0
    t0: float | None = None  # wall time at which frame 0 is handed over (planned before the start)
    play: Any = None  # simpleaudio's PlayObject once started
    released: int = 0  # bytes at the memory's start given back

    @classmethod
    def of(cls, seconds: float, rate: int, t0: float | None = None) -> _Segment:
        memory, pages = _silence(int(seconds * rate))
        return cls(memory, pages, t0=t0)

    def release_played(self, now: float, rate: int) -> None:
        """Give back the pages the card has played, a few seconds behind it (they read as silence)."""
        if self.t0 is None or not hasattr(self.pages, "madvise"):  # no madvise on Windows
            return
        played = int((now - self.t0 - 5.0) * rate) * 2
        upto = min(played, len(self.memory) * 2) // mmap.PAGESIZE * mmap.PAGESIZE
        if upto - self.released >= 256 * mmap.PAGESIZE:
            self.pages.madvise(mmap.MADV_DONTNEED, self.released, upto - self.released)
            self.released = upto

    def end_s(self, rate: float) -> float:
        """Wall time at which what is written has played."""
        assert self.t0 is not None
        return self.t0 + self.written / rate


class SimpleaudioBackend(ClockedBackend):
    """simpleaudio (ALSA, CoreAudio or WinMM): long buffers written ahead of the card as they play."""

    name = "simpleaudio"
    description = "the sound card through simpleaudio (ALSA, CoreAudio or WinMM)"
    period_s = 0.1  # what `_output` gets at once: a whole quiet piece can hold a crossfade
    block_s = 0.1
    buffer_s = 1.0
    device_paced = True  # `_output` waits until the card wants more
    #: A segment's memory; it ends at the first quiet place after `roll_after_s`, at the latest near its end.
    segment_s = 1200.0
    roll_after_s = 1080.0
    crossfade_s = 0.05
    #: How far ahead of the card the session is written: what a stalled device thread has in hand.
    ahead_s = 0.5
    #: How far ahead of the card simpleaudio's thread reads (its 100 ms ALSA buffer and one write).
    read_ahead_s = 0.25
    #: What a segment holds before its output starts (it reads the first of it at once).
    start_fill_s = 0.3
    _availability: Availability | None = None
    #: The variable that shortens the segments, to hear (and test) seams within a short session.
    SEGMENT_VARIABLE = "VOICECOACH_SIMPLEAUDIO_SEGMENT_S"

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
            return Availability(False, f"simpleaudio is not installed: {PIP_HINT}")
        try:  # a silent buffer: also loads the sound system, so the first real buffer starts on time
            with quiet_stderr():
                simpleaudio.play_buffer(np.zeros(480, dtype="<i2").tobytes(), 1, 2, 48000).wait_done()
        except Exception as exc:  # simpleaudio raises its own error kind per platform
            detail = _detail(exc)
            if "refused" in detail.lower():
                return Availability(False, f"the sound server refused the connection ({detail})")
            return Availability(False, f"no sound device found ({detail})")
        return Availability(True)

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self._segment: _Segment | None = None
        self._retired: list[_Segment] = []  # earlier segments still playing their last part
        self.seams: list[int] = []  # timeline samples where a segment ended and the next began
        # VOICECOACH_SIMPLEAUDIO_SEGMENT_S=N: segments of N seconds, each ending after two thirds of
        # it (as 40 of 60 s): a short session crosses seams, so they can be heard and measured.
        value = os.environ.get(self.SEGMENT_VARIABLE)
        self._segment_note = value or None
        if value:
            try:
                seconds = float(value)
            except ValueError:
                seconds = 0.0
            if not 4.0 <= seconds <= 600.0:
                raise UsageError(f"{self.SEGMENT_VARIABLE}={value}: give the seconds of a segment, 4 to 600")
            self.segment_s, self.roll_after_s = seconds, seconds * 2 / 3

    def _open_device(self) -> None:
        import simpleaudio  # the `live` extra: imported only when this output is used

        self._sa = simpleaudio
        quiet_alsa_errors()  # a lost server is reported once, by the player, not by ALSA mid-status-line
        self._out_rate = int(round(min(self.rate, 192000)))
        self._segment, self._retired, self.seams = None, [], []
        self._piece_quiet: list[tuple[int, int]] | None = None  # of the piece `_output` gets next
        self._piece_at = 0  # the timeline sample where that piece starts

    def _take(self) -> Chunk | None:
        quiet = self._queue[0][0].quiet  # the head's, from its start (where the piece starts)
        piece = super()._take()
        if piece is not None:  # kept for `_output`, the next call on this thread
            n = len(piece.samples)
            self._piece_quiet = [(a, min(n, b)) for a, b in quiet if a < n]
            self._piece_at = piece.position
        return piece

    # -- the device thread ---------------------------------------------------------------------

    def _output(self, data: np.ndarray) -> None:
        quiet, self._piece_quiet = self._piece_quiet or [], None
        self._retire_played()
        segment = self._segment
        if segment is None:
            segment = self._segment = self._new_segment()
        elif self._should_roll(segment, quiet, len(data)):
            data = self._roll(segment, data, quiet)
            segment = self._segment
            assert segment is not None
        self._write(segment, data)
        self._wait_for_room(segment)

    def _new_segment(self) -> _Segment:
        return _Segment.of(self.segment_s, self._out_rate)

    def _write(self, segment: _Segment, data: np.ndarray) -> None:
        if segment.t0 is not None:  # what the output has read already is lost: skip it (an underrun)
            reading = int((time.monotonic() + self.read_ahead_s - segment.t0) * self._out_rate)
            segment.written = max(segment.written, reading)
        at = segment.written
        segment.memory[at : at + len(data)] = to_int16(data)[: len(segment.memory) - at]
        segment.written = min(len(segment.memory), at + len(data))
        unplanned = segment.play is None and segment.t0 is None
        if unplanned and segment.written >= self.start_fill_s * self._out_rate:
            self._start(segment)

    def _start(self, segment: _Segment) -> None:
        """Hand the segment to a new output. Every output is timed from the moment it is asked for,
        the first as the planned ones; one asked for late (a busy machine) starts as far into its
        memory as it is late, so its frames still sound where the plan puts them."""
        now = time.monotonic()
        if segment.t0 is None:
            segment.t0 = now
        late = min(max(0, int((now - segment.t0) * self._out_rate)), segment.written)
        try:
            with quiet_stderr():
                segment.play = self._sa.play_buffer(segment.memory[late:], 1, 2, self._out_rate)
        except Exception as exc:  # simpleaudio raises its own error kind per platform
            raise DeviceError(f"simpleaudio could not open the sound output ({_detail(exc)})") from None

    def _wait_for_room(self, segment: _Segment) -> None:
        """Wait until the card is within `ahead_s` of what is written, starting a planned segment on time."""
        while segment.t0 is not None:
            now = time.monotonic()
            if segment.play is None and now >= segment.t0:
                self._start(segment)
            self._check_playing(segment)
            wait = segment.end_s(self._out_rate) - self.ahead_s - now
            if segment.play is None:
                wait = min(wait, segment.t0 - now)
            if wait <= 0:
                return
            time.sleep(min(wait, 0.05))
            self._retire_played()
            segment.release_played(time.monotonic(), self._out_rate)

    def _check_playing(self, segment: _Segment) -> None:
        """DeviceError if the segment's output has stopped by itself: it plays its whole memory, silence
        included, until it is stopped here, so it ends early only when the card or the sound server
        went away (simpleaudio's thread gives up without a word)."""
        if segment.play is not None and not segment.play.is_playing():
            raise DeviceError("playback stopped by itself: the sound server or the sound card went away")

    def _should_roll(self, segment: _Segment, quiet: list[tuple[int, int]], length: int) -> bool:
        if segment.t0 is None:
            return False
        written_s = segment.written / self._out_rate
        if written_s + 1.0 + length / self._out_rate >= self.segment_s:
            return True  # no quiet place in time: cut here all the same
        fade = int(self.crossfade_s * self._out_rate)
        return written_s >= self.roll_after_s and any(b - a >= fade for a, b in quiet)

    def _roll(self, segment: _Segment, data: np.ndarray, quiet: list[tuple[int, int]]) -> np.ndarray:
        """End `segment` inside this piece (in its quiet span if it has one) with a crossfade into a
        new segment planned to start where the cut is; the new segment's part of the piece."""
        assert segment.t0 is not None
        fade = int(self.crossfade_s * self._out_rate)
        spans = [(a, b) for a, b in quiet if b - a >= fade]
        cut = (spans[0][0] + (spans[0][1] - spans[0][0] - fade) // 2) if spans else 0
        fade = min(fade, len(data) - cut)
        ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / max(fade, 1))).astype(np.float32)
        old = np.array(data[: cut + fade], dtype=np.float32)
        old[cut:] *= ramp[::-1]
        new = np.array(data[cut:], dtype=np.float32)
        new[:fade] *= ramp
        self._write(segment, old)
        start = segment.written - fade
        self.seams.append((self._piece_at + cut) if self._piece_at >= 0 else self._frames + cut)
        self._retired.append(segment)
        self._segment = _Segment.of(self.segment_s, self._out_rate, t0=segment.t0 + start / self._out_rate)
        return new

    def _retire_played(self) -> None:
        """Stop the earlier segments whose part has played (their output would play silence on)."""
        now = time.monotonic()
        for old in [s for s in self._retired if now >= s.end_s(self._out_rate) + 0.15]:
            if old.play is not None:
                old.play.stop()
            self._retired.remove(old)

    def _idle_output(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        if segment.play is None and segment.t0 is None:
            self._start(segment)  # a short session (or the piece before a pause): all of it is there
        self._wait_for_room(segment)
        assert segment.t0 is not None
        time.sleep(max(0.0, segment.end_s(self._out_rate) + 0.05 - time.monotonic()))
        self._retired.append(segment)
        self._check_playing(segment)  # the end of the session was heard only if it still plays
        self._stop_all(wait_s=0.5)

    def _stop_all(self, wait_s: float) -> None:
        """Stop every output and wait (at most `wait_s`) until each has let go of the card."""
        plays = [s.play for s in self._retired if s.play is not None]
        self._retired = []
        for play in plays:
            play.stop()
        end = time.monotonic() + wait_s
        while any(p.is_playing() for p in plays) and time.monotonic() < end:
            time.sleep(0.01)

    def _stop_output(self) -> None:
        if self._segment is not None:
            self._retired.append(self._segment)
            self._segment = None
        self._stop_all(wait_s=0.0)

    def _close_device(self) -> None:
        if self._segment_note is not None:  # where to listen for the seams (and where tests look)
            at = ", ".join(f"{seam / self.sample_rate:.3f}" for seam in self.seams)
            print(
                f"simpleaudio ({self.SEGMENT_VARIABLE}={self._segment_note}): "
                f"segments handed over at [{at}] s of the session",
                file=sys.stderr,
            )
