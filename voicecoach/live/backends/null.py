"""The `null` output: plays into nothing at `speed` times real time (tests, machines without sound)."""

from __future__ import annotations

import os

import numpy as np

from voicecoach.live.backends.base import ClockedBackend
from voicecoach.live.clock import Clock
from voicecoach.speech.engines.base import Availability


class NullBackend(ClockedBackend):
    """Plays into nothing at `speed` times real time, on its own clock (tests, machines without sound)."""

    name = "null"
    description = "plays into nothing at real speed (for tests and machines without a sound device)"

    def __init__(self, capture: bool = False, clock: Clock | None = None) -> None:
        super().__init__(clock)
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
