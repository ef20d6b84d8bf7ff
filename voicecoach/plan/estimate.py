"""Estimated speech durations: the plan at once, without synthesis."""

from __future__ import annotations

import re

SECONDS_PER_WORD = 0.36  # about 165 words a minute, the pace of the default voices
SECONDS_PER_PAUSE = 0.2  # each comma, full stop or colon
BASE_S = 0.15


class EstimatedDurations:
    """A speech-duration source that counts words and pauses."""

    def duration_s(self, text: str, rate: float) -> float:
        words = len(re.findall(r"[\w']+", text))
        pauses = len(re.findall(r"[,.;:!?]", text))
        return (BASE_S + words * SECONDS_PER_WORD + pauses * SECONDS_PER_PAUSE) / max(rate, 0.1)
