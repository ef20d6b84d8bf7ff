"""The speech loudness every clip is brought to, and the loudness of a spoken clip as heard.

The levelling itself is `voicecoach.sound.levels.level_speech`, applied by the
synthesizer to each clip it makes.
"""

from __future__ import annotations

import math

import numpy as np

from voicecoach.sound.kweight import loudness_of

#: Integrated loudness every spoken clip is brought to.
TARGET_LUFS = -20.0
#: BS.1770 gates 400 ms blocks; a shorter clip is measured by its RMS instead.
MIN_GATED_S = 0.4
#: Below this a clip counts as silent (`loudness_db` gives None).
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
        value = loudness_of(data, sample_rate)
    else:
        mean_square = float(np.mean(data * data))
        value = 10 * math.log10(mean_square) if mean_square > 0 else -math.inf
    if not math.isfinite(value) or value < SILENT_DB:
        return None
    return float(value)
