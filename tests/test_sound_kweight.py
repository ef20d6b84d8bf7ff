"""K-weighting and gated loudness with numpy alone, against scipy's filters and pyloudnorm."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import sosfilt

from voicecoach.sound.kweight import (
    TAIL_S,
    gated_loudness,
    hop_energies,
    k_weighted,
    k_weighting_sos,
    loudness_of,
    ungated_loudness,
)


def _pyloudnorm_sos(rate: int) -> np.ndarray:
    filters = pyloudnorm.Meter(rate)._filters.values()
    return np.array([np.concatenate([f.b, f.a]) for f in filters])


def _speechlike(seconds: float, rate: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    bursts = (np.sin(2 * np.pi * 1.3 * t) > -0.2) * (0.2 + 0.8 * np.abs(np.sin(2 * np.pi * 0.4 * t)))
    return (0.1 * rng.standard_normal(len(t)) * bursts).astype(np.float32)


@pytest.mark.parametrize("rate", [16000, 22050, 44100, 48000])
def test_coefficients_are_the_standard_design_at_any_rate(rate: int) -> None:
    np.testing.assert_allclose(k_weighting_sos(rate), _pyloudnorm_sos(rate), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rate,seconds", [(22050, 2.3), (48000, 2.3), (48000, 7.9)])  # 7.9 s: in pieces
def test_fft_filtering_equals_the_recursive_filters_tail_included(rate: int, seconds: float) -> None:
    x = _speechlike(seconds, rate)
    tail = int(round(TAIL_S * rate))
    expected = sosfilt(k_weighting_sos(rate), np.concatenate([x, np.zeros(tail)]).astype(np.float64))
    got = k_weighted(x, rate)
    assert len(got) == len(x) + tail
    assert np.max(np.abs(got - expected)) < 1e-9 * np.max(np.abs(expected))


@pytest.mark.parametrize("rate", [22050, 48000])
def test_gated_loudness_matches_pyloudnorm(rate: int) -> None:
    x = _speechlike(7.0, rate)
    x[2 * rate : 3 * rate] = 0.0  # silence, gated out
    expected = pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64))
    assert loudness_of(x, rate) == pytest.approx(expected, abs=0.02)


def test_hop_energies_follow_the_grid_wherever_a_sound_starts() -> None:
    weighted = np.ones(1000)
    first, energies = hop_energies(weighted, 300, offset=250)
    assert first == 0 and energies.tolist() == [50.0, 300.0, 300.0, 300.0, 50.0]
    assert hop_energies(weighted, 300, offset=600)[0] == 2


def test_silence_and_short_sounds_have_no_gated_loudness() -> None:
    assert loudness_of(np.zeros(48000 * 2, dtype=np.float32), 48000) == float("-inf")
    short = _speechlike(0.3, 48000)
    assert loudness_of(short, 48000) == float("-inf")
    assert np.isfinite(ungated_loudness(short, 48000))
    assert gated_loudness(np.ones(3), 4800) == float("-inf")
