"""One speech loudness for every clip (ITU-R BS.1770, gated), with a peak guard."""

from __future__ import annotations

import math

import numpy as np

from voicecoach.sound.clip import Clip

#: Integrated loudness every spoken clip is brought to.
TARGET_LUFS = -20.0
#: No sample may exceed this after the gain (dBFS).
PEAK_CEILING_DB = -1.0
#: BS.1770 gates 400 ms blocks; a shorter clip is measured by its RMS instead.
MIN_GATED_S = 0.4
#: Below this a clip counts as silent and is left alone.
SILENT_DB = -70.0


def loudness_db(samples: np.ndarray, sample_rate: int) -> float | None:
    """Loudness of speech in LUFS (RMS dBFS for clips under 0.4 s); None when silent.

    For speech, the RMS level of a trimmed clip lies within about 2 dB of its BS.1770
    loudness, so very short lines ("Go.", "Now.") land close to the long ones.
    """
    if samples.size == 0:
        return None
    data = samples.astype(np.float64)
    if data.size / sample_rate >= MIN_GATED_S:
        from voicecoach.sound.kweight import loudness_of

        value = loudness_of(data, sample_rate)
    else:
        mean_square = float(np.mean(data * data))
        value = 10 * math.log10(mean_square) if mean_square > 0 else -math.inf
    if not math.isfinite(value) or value < SILENT_DB:
        return None
    return float(value)


def normalize_loudness(
    clip: Clip, target_lufs: float = TARGET_LUFS, peak_ceiling_db: float = PEAK_CEILING_DB
) -> Clip:
    """`clip` at `target_lufs`, turned down further if its peak would pass `peak_ceiling_db`."""
    level = loudness_db(clip.samples, clip.sample_rate)
    if level is None:
        return clip
    gain = 10 ** ((target_lufs - level) / 20)
    peak = float(np.max(np.abs(clip.samples)))
    ceiling = 10 ** (peak_ceiling_db / 20)
    if peak * gain > ceiling:
        gain = ceiling / peak
    samples = np.clip(clip.samples * np.float32(gain), -1.0, 1.0).astype(np.float32)
    return Clip(samples, clip.sample_rate)
