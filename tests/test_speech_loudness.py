"""Per-clip loudness: every line at the same speech loudness, peaks guarded, short lines handled."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from voicecoach.sound.clip import Clip
from voicecoach.speech.engines.espeak import EspeakEngine
from voicecoach.speech.loudness import (
    MIN_GATED_S,
    PEAK_CEILING_DB,
    TARGET_LUFS,
    loudness_db,
    normalize_loudness,
)

SR = 22050


def noise_burst(seconds: float, level: float, seed: int = 1) -> Clip:
    rng = np.random.default_rng(seed)
    return Clip((level * rng.standard_normal(int(seconds * SR))).clip(-1, 1).astype(np.float32), SR)


@pytest.mark.parametrize("level", [0.01, 0.05, 0.2])
def test_long_clips_reach_the_target(level: float) -> None:
    out = normalize_loudness(noise_burst(2.0, level))
    measured = pyloudnorm.Meter(SR).integrated_loudness(out.samples.astype(np.float64))
    assert measured == pytest.approx(TARGET_LUFS, abs=0.1)
    assert out.samples.dtype == np.float32 and len(out.samples) == 2 * SR


def test_peak_guard_wins_over_the_target() -> None:
    # Quiet overall but with one spike: reaching -20 LUFS would clip the spike.
    clip = noise_burst(2.0, 0.003)
    clip.samples[1000] = 0.9
    out = normalize_loudness(clip)
    assert float(np.max(np.abs(out.samples))) == pytest.approx(10 ** (PEAK_CEILING_DB / 20), rel=1e-4)
    assert loudness_db(out.samples, SR) < TARGET_LUFS


def test_short_clip_uses_rms_and_lands_near_the_long_one() -> None:
    short = noise_burst(0.25, 0.02)
    assert short.duration_s < MIN_GATED_S
    out = normalize_loudness(short)
    rms_db = 20 * np.log10(np.sqrt(np.mean(out.samples.astype(np.float64) ** 2)))
    assert rms_db == pytest.approx(TARGET_LUFS, abs=0.1)


def test_silence_and_empty_clips_are_left_alone() -> None:
    silent = Clip(np.zeros(SR, dtype=np.float32), SR)
    assert normalize_loudness(silent) is silent
    empty = Clip(np.zeros(0, dtype=np.float32), SR)
    assert normalize_loudness(empty) is empty


def test_spoken_lines_short_and_long_end_up_alike() -> None:
    engine = EspeakEngine()
    levels = []
    for text in (
        "Go.",
        "Now, switch sides.",
        "Breathe in slowly through your nose and let your shoulders drop.",
    ):
        clip = normalize_loudness(engine.synthesize(text, None, 1.0))
        rms_db = 20 * np.log10(np.sqrt(np.mean(clip.samples.astype(np.float64) ** 2)))
        levels.append(rms_db)
        assert float(np.max(np.abs(clip.samples))) <= 10 ** (PEAK_CEILING_DB / 20) + 1e-6
    assert max(levels) - min(levels) < 4.0, levels
