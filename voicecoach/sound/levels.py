"""How loud each kind of sound sits in the mix, and spoken clips brought to that level.

The synthesizer stores every clip levelled this way, with its facts at the mix's rate, so mixing
one from the cache costs only a resample and a gain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.sound.clip import Clip
from voicecoach.sound.facts import facts_of
from voicecoach.sound.loudness import TruePeakLimiter, clip_loudness
from voicecoach.sound.resample import fit_length, resample, resampled_length

DEFAULT_SAMPLE_RATE = 48000


@dataclass(frozen=True)
class MixLevels:
    """How loud each kind of sound sits in the mix, before the final loudness normalisation."""

    speech_lufs: float = -20.0  # every spoken clip is brought to this loudness (BS.1770)
    speech_peak_to_loudness_db: float = 10.0  # and its true peaks limited to this far above it
    cue_lufs: float = -23.0  # bells, chimes, bowls and ticks: a little under the voice
    breath_lufs: float = -27.0  # breath tones: soft, yet not so soft that a breathing-only
    # stretch, normalised to the loudness target on its own, would leave the voice far too loud


def level_speech(samples: np.ndarray, sample_rate: int, levels: MixLevels) -> np.ndarray:
    """A spoken clip at the speech loudness, its high peaks limited: a steady, even voice.

    Voices differ in crest factor (espeak's peaks sit far above its loudness). Limiting each
    clip's peaks keeps the final loudness target reachable without the final limiter having
    to squash the whole mix.
    """
    ceiling_db = levels.speech_lufs + levels.speech_peak_to_loudness_db
    out = np.array(samples, dtype=np.float32)
    loud = clip_loudness(out, sample_rate)
    for _ in range(3):  # limiting lowers the loudness a little: level again (converges fast)
        if not np.isfinite(loud):
            break
        limiter = TruePeakLimiter(sample_rate, ceiling_db)
        gained = out * np.float32(10 ** ((levels.speech_lufs - loud) / 20))
        out = np.concatenate([limiter.process(gained), limiter.flush()])
        loud = clip_loudness(out, sample_rate)
        if abs(loud - levels.speech_lufs) < 0.2:
            break
    return out


def mix_ready(clip: Clip, levels: MixLevels | None = None, sample_rate: int = DEFAULT_SAMPLE_RATE) -> Clip:
    """A spoken clip levelled for the mix at its own rate, carrying its facts at the mix's rate.

    The synthesizer stores clips this way, so mixing one from the cache costs a resample and a
    gain: no measuring, no limiting (see the mixer's speech preparation).
    """
    levels = levels or MixLevels()
    if len(clip.samples) == 0:
        return clip
    samples = level_speech(clip.samples, clip.sample_rate, levels)
    at_mix_rate = resample(samples, clip.sample_rate, sample_rate)
    length = resampled_length(len(samples), clip.sample_rate, sample_rate)
    facts = facts_of(fit_length(at_mix_rate, length), sample_rate, levelled_for=speech_level_of(levels))
    return Clip(samples, clip.sample_rate, facts)


def speech_level_of(levels: MixLevels) -> tuple[float, float]:
    """What `level_speech` levels to: (loudness, peak above it), both in dB."""
    return (float(levels.speech_lufs), float(levels.speech_peak_to_loudness_db))
