"""The wall clock live play keeps time by, as an object: real by default, replaceable in tests."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Where the audio devices and the player read the time and wait for it to pass (seconds)."""

    def now(self) -> float:
        """The time now, on a clock that never goes back."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass (none when zero or less)."""
        ...


class MonotonicClock:
    """The machine's monotonic high-resolution clock: the one live play uses."""

    def now(self) -> float:
        return time.perf_counter()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
