"""The one audio currency: mono float32 samples in [-1, 1] with their sample rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from voicecoach.sound.facts import SoundFacts

#: Samples quieter than this (relative to full scale) count as silence when trimming.
SILENCE_THRESHOLD = 10 ** (-45 / 20)


@dataclass(frozen=True)
class Clip:
    """Mono float32 audio in [-1, 1] with its sample rate.

    `facts`: for a clip made by the synthesizer, its measurements for the mix
    (`voicecoach.sound.facts.SoundFacts`), kept with it in the cache; None otherwise.
    """

    samples: np.ndarray
    sample_rate: int
    facts: SoundFacts | None = field(default=None, compare=False, repr=False)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def trim_silence(samples: np.ndarray, pad_s: float = 0.02, sample_rate: int = 22050) -> np.ndarray:
    """Cut leading and trailing silence, keeping `pad_s` of it on each side.

    Every engine trims the same way so the planned duration of a line is its audible length.
    """
    loud = np.flatnonzero(np.abs(samples) > SILENCE_THRESHOLD)
    if loud.size == 0:
        return samples[:0].astype(np.float32)
    pad = int(round(pad_s * sample_rate))
    start = max(0, int(loud[0]) - pad)
    end = min(len(samples), int(loud[-1]) + 1 + pad)
    return np.ascontiguousarray(samples[start:end], dtype=np.float32)
