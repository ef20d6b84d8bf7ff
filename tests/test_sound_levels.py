"""Per-clip loudness: every spoken line levelled alike for the mix (`sound.levels.level_speech`, which
the synthesizer applies to each clip), its peaks limited, short lines and silence handled."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from voicecoach.sound.clip import Clip
from voicecoach.sound.kweight import BLOCK_HOPS, HOP_S
from voicecoach.sound.levels import MixLevels, level_speech, mix_ready
from voicecoach.sound.loudness import clip_loudness
from voicecoach.speech.engines.espeak import EspeakEngine

SR = 22050
LEVELS = MixLevels()
TARGET_LUFS = LEVELS.speech_lufs
CEILING_DB = LEVELS.speech_lufs + LEVELS.speech_peak_to_loudness_db


def noise_burst(seconds: float, level: float, seed: int = 1) -> Clip:
    rng = np.random.default_rng(seed)
    return Clip((level * rng.standard_normal(int(seconds * SR))).clip(-1, 1).astype(np.float32), SR)


def _true_peak_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.max(np.abs(resample_poly(x.astype(np.float64), 4, 1)))))


@pytest.mark.parametrize("level", [0.01, 0.05, 0.2])
def test_long_clips_reach_the_target(level: float) -> None:
    out = level_speech(noise_burst(2.0, level).samples, SR, LEVELS)
    measured = pyloudnorm.Meter(SR).integrated_loudness(out.astype(np.float64))
    assert measured == pytest.approx(TARGET_LUFS, abs=0.2)
    assert out.dtype == np.float32 and len(out) == 2 * SR


def test_a_spike_is_limited_rather_than_the_whole_clip_turned_down() -> None:
    clip = noise_burst(2.0, 0.003)  # quiet overall but with one spike: the gain would clip it
    clip.samples[1000] = 0.9
    out = level_speech(clip.samples, SR, LEVELS)
    assert _true_peak_db(out) <= CEILING_DB + 0.2
    assert clip_loudness(out, SR) == pytest.approx(TARGET_LUFS, abs=0.2)


def test_a_short_clip_is_levelled_by_its_ungated_loudness() -> None:
    short = noise_burst(0.25, 0.02)
    assert short.duration_s < BLOCK_HOPS * HOP_S  # shorter than one gating block
    out = level_speech(short.samples, SR, LEVELS)
    assert len(out) == len(short.samples)
    assert clip_loudness(out, SR) == pytest.approx(TARGET_LUFS, abs=0.2)


def test_silence_and_empty_clips_are_left_alone() -> None:
    silent = np.zeros(SR, dtype=np.float32)
    assert np.array_equal(level_speech(silent, SR, LEVELS), silent)
    empty = Clip(np.zeros(0, dtype=np.float32), SR)
    assert mix_ready(empty, LEVELS) is empty


def test_spoken_lines_short_and_long_end_up_alike() -> None:
    engine = EspeakEngine()
    levels = []
    for text in (
        "Go.",
        "Now, switch sides.",
        "Breathe in slowly through your nose and let your shoulders drop.",
    ):
        clip = mix_ready(engine.synthesize(text, None, 1.0), LEVELS)
        rms_db = 20 * np.log10(np.sqrt(np.mean(clip.samples.astype(np.float64) ** 2)))
        levels.append(rms_db)
        assert _true_peak_db(clip.samples) <= CEILING_DB + 0.2
    assert max(levels) - min(levels) < 4.0, levels
