"""Changing a sound's sample rate (soxr), and fitting it to an exact length in samples."""

from __future__ import annotations

import numpy as np
import soxr


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """High-quality resampling with soxr (a copy as float32 when the rates already match)."""
    if from_rate == to_rate:
        return np.array(samples, dtype=np.float32)
    return np.ascontiguousarray(
        soxr.resample(samples.astype(np.float32), from_rate, to_rate, "VHQ"), dtype=np.float32
    )


def resampled_length(n: int, from_rate: int, to_rate: int) -> int:
    """Samples of `n` resampled from `from_rate` to `to_rate`: soxr's count, n * ratio with halves
    rounded down (the mixer fits each resampled clip to it, so a different count costs nothing)."""
    return -(-(2 * n * to_rate - from_rate) // (2 * from_rate))


def fit_length(samples: np.ndarray, length: int) -> np.ndarray:
    """`samples` cut or padded with silence to exactly `length`."""
    if len(samples) == length:
        return samples
    out = np.zeros(length, dtype=np.float32)
    out[: min(length, len(samples))] = samples[:length]
    return out
