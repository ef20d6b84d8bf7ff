"""Estimated speech durations: the plan at once, without synthesis.

The estimate is calibrated against the default voice (piper, en_US-joe-medium) on every line of
the built-in routines, as export trims and plays them: a base, the letters and words of the line,
its pauses (comma, colon, semicolon) and sentence ends, and the rate, which changes piper's
speech less than in proportion (its pauses and breaths stretch less than its words).
`scripts/piper_lengths.py` measures the lines; `scripts/bench.py --only estimate` shows how far
each built-in routine's estimated length is from its real one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BASE_S = -0.19
SECONDS_PER_LETTER = 0.047
SECONDS_PER_WORD = 0.024
SECONDS_PER_PAUSE = 0.36  # each comma, colon or semicolon
SECONDS_PER_SENTENCE = 0.48  # each full stop, question or exclamation mark (or a run of them)
RATE_EXPONENT = 0.5  # seconds scale as rate ** -0.5
SHORTEST_S = 0.3

_WORD = re.compile(r"[\w']+")
_PAUSE = re.compile(r"[,;:]")
_SENTENCE_END = re.compile(r"[.!?]+")


class EstimatedDurations:
    """A speech-duration source that counts letters, words, pauses and sentences."""

    def duration_s(self, text: str, rate: float) -> float:
        words = _WORD.findall(text)
        seconds = (
            BASE_S
            + SECONDS_PER_LETTER * sum(len(w) for w in words)
            + SECONDS_PER_WORD * len(words)
            + SECONDS_PER_PAUSE * len(_PAUSE.findall(text))
            + SECONDS_PER_SENTENCE * len(_SENTENCE_END.findall(text))
        )
        return float(max(SHORTEST_S, seconds) / max(rate, 0.1) ** RATE_EXPONENT)


class KnownOrEstimated:
    """Real lengths where `known(text, rate)` has them (the speech cache of the default voice),
    estimates elsewhere; `estimated` tells whether any line had to be estimated."""

    def __init__(self, known: Callable[[str, float], float | None] | None = None) -> None:
        self._known = known
        self._estimate = EstimatedDurations()
        self.estimated = False

    def duration_s(self, text: str, rate: float) -> float:
        found = self._known(text, rate) if self._known is not None else None
        if found is None:
            self.estimated = True
            return self._estimate.duration_s(text, rate)
        return found
