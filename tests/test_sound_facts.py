"""A sound's facts: its energy placed anywhere equals measuring it there; they survive storage."""

from __future__ import annotations

import numpy as np
import pytest
from audio_helpers import RATE

from voicecoach.sound.facts import SoundFacts, facts_of
from voicecoach.sound.kweight import hop_energies, k_weighted, loudness_of
from voicecoach.sound.loudness import oversampled_peaks


def _sound(seconds: float = 2.0) -> np.ndarray:
    rng = np.random.default_rng(5)
    n = int(seconds * RATE)
    return (rng.standard_normal(n) * np.hanning(n) * 0.2).astype(np.float32)


@pytest.mark.parametrize("start", [0, 4799, 4800, 12_345, 100_003])
def test_placed_energies_match_the_sound_measured_in_place(start: int) -> None:
    x = _sound()
    facts = facts_of(x, RATE)
    placed = np.zeros(start + len(x), dtype=np.float32)
    placed[start:] = x
    _, expected = hop_energies(k_weighted(placed, RATE), 4800)
    first, got = facts.hop_energies(start, 4800)
    window = expected[first : first + len(got)]
    assert np.sum(got) == pytest.approx(np.sum(expected), rel=1e-6)
    # a hop edge inside a 1 ms cell moves at most that millisecond's energy to the next hop
    assert np.max(np.abs(window - got[: len(window)])) < 0.005 * np.max(expected)


def test_loudness_and_true_peak_are_the_sounds_own() -> None:
    x = _sound()
    facts = facts_of(x, RATE)
    assert facts.loudness_lufs == pytest.approx(loudness_of(x, RATE), abs=1e-3)
    assert facts.true_peak == pytest.approx(float(np.max(oversampled_peaks(x, RATE))))
    assert facts.length == len(x) and facts.sample_rate == RATE


def test_facts_survive_bytes_unchanged() -> None:
    facts = facts_of(_sound(0.7), RATE, levelled_for=(-20.0, 10.0))
    again = SoundFacts.from_bytes(facts.to_bytes())
    assert again == facts and again.levelled_for == (-20.0, 10.0)
    np.testing.assert_array_equal(again.energies, facts.energies)
    assert SoundFacts.from_bytes(facts_of(_sound(0.7), RATE).to_bytes()).levelled_for is None
