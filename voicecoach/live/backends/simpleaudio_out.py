"""The `simpleaudio` output: the session in separate buffers, cut where nothing is said.

simpleaudio has no stream: each buffer is its own short-lived output, and where one starts is
only known to within a few milliseconds. Cut anywhere, that is a click or a gap twice a second,
and a late first buffer plays on top of the next. So a buffer here runs from one quiet place
of the session (no speech, no cue: the `quiet` spans the player marks on each chunk) to another,
several seconds long, and the next starts on the deadline clock where this one ends:

- in silence the cut is a plain one in the middle of the quiet span: a few milliseconds more or
  less of silence between two lines is not heard, and no two buffers ever sound at once;
- under a bed (never silent) the two buffers share a short crossfade over the cut, so the bed
  goes on without a gap, whatever the start-up time of the next buffer;
- only where the session gives no quiet span for a long time (a line longer than a buffer)
  is a buffer cut in sound, with the same crossfade.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from voicecoach.errors import DeviceError
from voicecoach.live.backends.base import Chunk, ClockedBackend
from voicecoach.sound.wav import to_int16
from voicecoach.speech.engines.base import Availability
from voicecoach.speech.playback import quiet_stderr

PIP_HINT = "pip install 'voicecoach[live]'"
#: Below this the audio at a cut counts as silence (a plain cut); above, the cut crossfades.
SILENT = 10 ** (-80 / 20)


class SimpleaudioBackend(ClockedBackend):
    """simpleaudio (ALSA, CoreAudio or WinMM): buffers from quiet place to quiet place."""

    name = "simpleaudio"
    description = "the sound card through simpleaudio (ALSA, CoreAudio or WinMM)"
    period_s = 0.5  # underrun silence and pause sounds
    buffer_s = 12.0  # the player renders this far ahead, so that a buffer can end at a quiet place
    block_s = 0.1
    #: A buffer's length (wall seconds): at most, and what it should reach before a quiet place ends it.
    max_piece_s = 8.0
    min_piece_s = 0.5
    #: A quiet span must be this long to cut in; a crossfade lasts this long.
    min_quiet_s = 0.3
    crossfade_s = 0.05
    #: How long before the current buffer ends the next one is cut from what is queued, at the latest.
    lead_s = 0.15
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
            return Availability(False, f"simpleaudio is not installed: {PIP_HINT}")
        try:  # a silent buffer: also loads the sound system, so the first real buffer starts on time
            with quiet_stderr():
                simpleaudio.play_buffer(np.zeros(480, dtype="<i2").tobytes(), 1, 2, 48000).wait_done()
        except Exception as exc:  # simpleaudio raises its own error kind per platform
            detail = str(exc).rsplit("MSG:", 1)[-1].strip() or type(exc).__name__
            if "refused" in detail.lower():
                return Availability(False, f"the sound server refused the connection ({detail})")
            return Availability(False, f"no sound device found ({detail})")
        return Availability(True)

    def _open_device(self) -> None:
        import simpleaudio  # the `live` extra: imported only when this output is used

        self._sa = simpleaudio
        self._playing: list[Any] = []
        self._out_rate = int(round(min(self.rate, 192000)))
        self._fade_next = 0  # the crossfade the next buffer starts with
        self._waiting_since: float | None = None

    # -- cutting the queue into buffers (under the lock) ---------------------------------------

    def _take(self) -> Chunk | None:
        frames = self._frames_of
        run = self._contiguous(frames(self.max_piece_s + self.crossfade_s))
        total = len(run.samples)
        if total == 0:
            return None
        now = self.clock.now()
        if self._deadline is None:  # the first buffer (or after a pause): wait a little for a quiet place
            self._waiting_since = self._waiting_since if self._waiting_since is not None else now
            urgent = now - self._waiting_since > 1.0
        else:
            urgent = now >= self._deadline - self.lead_s
        full = total >= frames(self.max_piece_s + self.crossfade_s)
        cut = self._quiet_cut(run, frames(self.max_piece_s))
        if cut is None and not (full or urgent or self._draining):
            return None
        if cut is None and self._draining and not full:
            cut = (total, 0)
        if cut is None:  # no quiet place in reach: cut in sound, with a crossfade
            fade = min(frames(self.crossfade_s), total // 2)
            cut = (min(total, frames(self.max_piece_s) + fade), fade)
        elif not (full or urgent or self._draining or self._deadline is None):
            return None  # a quiet place, but more may come before this buffer must start
        self._waiting_since = None
        return self._consume(run, *cut)

    def _frames_of(self, seconds: float) -> int:
        return int(round(seconds * self.rate))

    def _contiguous(self, limit: int) -> Chunk:
        """The queued audio from the head on, as long as it follows on in the session, up to `limit`."""
        parts: list[Chunk] = []
        size = 0
        for chunk, _ in self._queue:
            if parts and chunk.position != parts[-1].position + len(parts[-1].samples):
                break  # a jump: the next buffer starts there
            parts.append(chunk)
            size += len(chunk.samples)
            if size >= limit:
                break
        samples = np.concatenate([p.samples for p in parts]) if len(parts) > 1 else parts[0].samples
        marks: list[tuple[int, Any]] = []
        quiet: list[tuple[int, int]] = []
        at = 0
        for part in parts:
            marks += [(at + o, p) for o, p in part.marks]
            for a, b in part.quiet:
                if quiet and quiet[-1][1] == at + a:
                    quiet[-1] = (quiet[-1][0], at + b)  # a quiet span across two chunks
                else:
                    quiet.append((at + a, at + b))
            at += len(part.samples)
        return Chunk(samples, parts[0].position, marks, quiet)

    def _quiet_cut(self, run: Chunk, limit: int) -> tuple[int, int] | None:
        """(end, crossfade) of a buffer ending in the last quiet span in reach; None if there is none."""
        fade = self._frames_of(self.crossfade_s)
        best = None
        for a, b in run.quiet:
            if b - a < self._frames_of(self.min_quiet_s):
                continue
            middle = (a + b) // 2
            if middle < self._frames_of(self.min_piece_s) or middle > limit:
                continue
            around = run.samples[max(0, middle - fade) : middle + fade]
            silent = len(around) == 0 or float(np.max(np.abs(around))) <= SILENT
            best = (middle, 0) if silent else (min(middle + fade // 2, len(run.samples)), fade)
        return best

    def _consume(self, run: Chunk, end: int, overlap: int) -> Chunk:
        """Take the buffer [0, end) of `run` from the queue, leaving its last `overlap` frames queued
        (the next buffer starts with them)."""
        body = end - overlap
        piece = Chunk(
            run.samples[:end],
            run.position,
            [m for m in run.marks if m[0] < body],
            fade_in=self._fade_next,
            overlap=overlap,
        )
        self._fade_next = overlap
        left = body
        while left > 0:
            head, arrived = self._queue[0]
            if len(head.samples) <= left:
                self._queue.popleft()
                left -= len(head.samples)
            else:
                self._queue[0] = (head.split(left), arrived)
                left = 0
        self._queued -= body
        return piece

    # -- the device ----------------------------------------------------------------------------

    def _output(self, data: np.ndarray) -> None:
        self._playing = [p for p in self._playing if p.is_playing()]
        if not np.any(data):
            return  # underrun silence: nothing to start
        try:
            with quiet_stderr():
                self._playing.append(self._sa.play_buffer(to_int16(data).tobytes(), 1, 2, self._out_rate))
        except Exception as exc:
            raise DeviceError(f"simpleaudio could not play: {exc}") from None

    def _stop_output(self) -> None:
        for play in getattr(self, "_playing", []):
            play.stop()
        self._playing = []
        self._fade_next = 0
