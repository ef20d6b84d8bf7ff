"""Streamed loudness measurement (against pyloudnorm), true peak, and the look-ahead limiter."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from audio_helpers import RATE
from scipy.signal import butter, resample_poly, sosfilt

from voicecoach.sound.loudness import (
    LoudnessMeter,
    TruePeakLimiter,
    TruePeakMeter,
    measure,
    normalise,
    sliding_min,
)


def _true_peak_db(x: np.ndarray) -> float:
    """An independent 4x-oversampled peak (scipy polyphase, not soxr)."""
    return float(20 * np.log10(np.max(np.abs(resample_poly(x.astype(np.float64), 4, 1)))))


def _program(seconds: float = 12.0) -> np.ndarray:
    """Speech-like bursts (noise below 12 kHz) at several levels, with silences and a quiet stretch."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * RATE)) / RATE
    noise = sosfilt(butter(8, 12000, fs=RATE, output="sos"), rng.standard_normal(len(t)))
    x = noise * 0.1 * (1 + np.sin(2 * np.pi * 3 * t)) / 2
    x += 0.2 * np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 0.5 * t) > 0)
    x[2 * RATE : 4 * RATE] = 0.0
    x[8 * RATE : 10 * RATE] *= 0.05
    return x.astype(np.float32)


def _feed(x: np.ndarray, size: int):
    return (x[i : i + size] for i in range(0, len(x), size))


def test_streamed_loudness_matches_pyloudnorm_whatever_the_block_size():
    x = _program()
    expected = pyloudnorm.Meter(RATE).integrated_loudness(x.astype(np.float64))
    for size in (4800, 7777, RATE):
        meter = LoudnessMeter(RATE)
        for block in _feed(x, size):
            meter.add(block)
        assert meter.integrated() == pytest.approx(expected, abs=0.05)


def test_silence_and_too_short_audio_have_no_loudness():
    meter = LoudnessMeter(RATE)
    meter.add(np.zeros(3 * RATE, dtype=np.float32))
    assert meter.integrated() == float("-inf")
    short = LoudnessMeter(RATE)
    short.add(np.full(RATE // 4, 0.5, dtype=np.float32))
    assert short.integrated() == float("-inf")


def test_true_peak_sees_peaks_between_samples():
    n = np.arange(RATE)
    x = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32) * 0.9  # samples at 0.64, peaks at 0.9
    result = measure(_feed(x, 10_000), RATE)
    assert result.true_peak_db == pytest.approx(20 * np.log10(0.9), abs=0.1)
    assert result.true_peak_db > 20 * np.log10(np.max(np.abs(x))) + 2.5


def test_limiter_keeps_true_peaks_under_the_ceiling_and_keeps_every_sample():
    x = _program() * np.float32(6.0)  # far too loud
    out = np.concatenate(list(normalise(_feed(x, 5000), RATE, 0.0, -1.0)))
    assert len(out) == len(x)
    assert _true_peak_db(out) <= -1.0 + 0.1


def test_limiter_is_transparent_away_from_peaks():
    t = np.arange(3 * RATE) / RATE
    x = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    x[RATE : RATE + 50] *= 5.0  # one loud burst at 1 s
    limiter = TruePeakLimiter(RATE, -3.0)
    out = np.concatenate([limiter.process(b) for b in _feed(x, 3000)] + [limiter.flush()])
    changed = np.flatnonzero(np.abs(out - x) > 1e-6)
    assert changed.min() >= RATE - int(0.006 * RATE)  # look-ahead: the dip starts just before
    assert changed.max() <= RATE + 50 + int(0.05 * RATE)  # hold and release: ends soon after
    assert _true_peak_db(out) <= -3.0 + 0.1
    assert limiter.min_gain == pytest.approx(10 ** (-3 / 20), abs=0.02)  # the burst peaks at 0 dBFS


def test_normalise_applies_the_gain_exactly_when_nothing_peaks():
    x = _program() * np.float32(0.1)
    out = np.concatenate(list(normalise(_feed(x, 4096), RATE, 6.0, -1.0)))
    assert np.allclose(out, x * np.float32(10 ** (6 / 20)), atol=1e-6)


def test_true_peak_meter_streams():
    x = _program() * np.float32(3.0)
    meter = TruePeakMeter(RATE)
    for block in _feed(x, 3333):
        meter.add(block)
    meter.add(np.zeros(0, dtype=np.float32), last=True)
    assert meter.peak_db == pytest.approx(_true_peak_db(x), abs=0.15)


@pytest.mark.parametrize("n,size", [(1000, 7), (5000, 2161), (2161, 2161), (300, 1), (999, 8), (10, 20)])
def test_sliding_minimum_is_the_minimum_of_each_run(n: int, size: int):
    x = np.random.default_rng(n).random(n)
    expected = [x[i : i + size].min() for i in range(n - size + 1)]
    np.testing.assert_array_equal(sliding_min(x, size), np.array(expected))
