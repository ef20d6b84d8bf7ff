#!/usr/bin/env python3
"""Synthesise the shipped cue sounds into audio_cues/*.wav, reproducibly, from numpy alone.

    python scripts/make_cues.py [--out DIR]

Every sound is additive synthesis (sine partials with exponential decays) or gently filtered
noise from a fixed seed, so running the script again writes the same files. Each WAV is
48 kHz, 16-bit, mono. The struck cues (bell, chime, bowl, tick) have exactly the lengths the
compiler plans with (voicecoach.routine.cues.CUE_DURATIONS_S); 48 kHz makes every one a whole number
of samples. The breath tones are 20 s long: the mixer cuts and fades them to each phase.
Every sound starts and ends at exactly zero (raised-cosine fades), so nothing clicks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voicecoach.routine.cues import CUE_DURATIONS_S
from voicecoach.sound.clip import Clip
from voicecoach.sound.wav import write_wav

SAMPLE_RATE = 48000
BREATH_S = 20.0
SEED = 20240611


def _time(duration_s: float) -> np.ndarray:
    n = int(round(duration_s * SAMPLE_RATE))
    return np.arange(n, dtype=np.float64) / SAMPLE_RATE


def _fade_edges(x: np.ndarray, fade_in_s: float, fade_out_s: float) -> np.ndarray:
    """Raised-cosine fades that reach exactly zero on the first and last sample."""
    y = x.copy()
    n_in = max(2, int(round(fade_in_s * SAMPLE_RATE)))
    n_out = max(2, int(round(fade_out_s * SAMPLE_RATE)))
    y[:n_in] *= 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n_in))
    y[-n_out:] *= 0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, n_out))
    return y


def _partials(
    t: np.ndarray, f0: float, partials: list[tuple[float, float, float]], rng: np.random.Generator
) -> np.ndarray:
    """Sum of decaying sines: each partial is (frequency ratio, amplitude, decay time in s)."""
    out = np.zeros_like(t)
    for ratio, amp, decay_s in partials:
        phase = rng.uniform(0.0, 2.0 * np.pi)
        out += amp * np.exp(-t / decay_s) * np.sin(2.0 * np.pi * f0 * ratio * t + phase)
    return out


def _normalise(x: np.ndarray, peak_db: float) -> np.ndarray:
    return x * (10 ** (peak_db / 20) / np.max(np.abs(x)))


def bell(rng: np.random.Generator) -> np.ndarray:
    """A small struck bell: hum, prime, minor-third tierce, quint and nominal partials."""
    t = _time(CUE_DURATIONS_S["bell"])
    x = _partials(
        t,
        587.33,
        [
            (0.5, 0.55, 1.6),
            (1.0, 1.0, 1.1),
            (1.2, 0.45, 0.8),
            (1.5, 0.30, 0.6),
            (2.0, 0.35, 0.45),
            (2.51, 0.12, 0.25),
            (3.0, 0.07, 0.18),
        ],
        rng,
    )
    return _normalise(_fade_edges(x, 0.004, 0.45), -3.0)


def chime(rng: np.random.Generator) -> np.ndarray:
    """Two soft metal-bar notes (C6 then E6), free-bar partial ratios."""
    t = _time(CUE_DURATIONS_S["chime"])
    bar = [(1.0, 1.0, 0.55), (2.756, 0.25, 0.2), (5.404, 0.06, 0.08)]
    x = _partials(t, 1046.5, bar, rng)
    delay = int(round(0.14 * SAMPLE_RATE))
    second = _partials(t[: len(t) - delay], 1318.5, bar, rng)
    second[: int(0.004 * SAMPLE_RATE)] *= np.linspace(0.0, 1.0, int(0.004 * SAMPLE_RATE))
    x[delay:] += 0.8 * second
    return _normalise(_fade_edges(x, 0.003, 0.3), -3.0)


def bowl(rng: np.random.Generator) -> np.ndarray:
    """A singing bowl: low partials in slightly detuned pairs, so they beat slowly."""
    t = _time(CUE_DURATIONS_S["bowl"])
    x = np.zeros_like(t)
    for ratio, amp, decay_s in [(1.0, 1.0, 3.2), (2.76, 0.45, 1.9), (5.18, 0.18, 1.0), (8.4, 0.06, 0.5)]:
        for detune_hz in (-0.4, 0.4):
            x += _partials(t, 196.0 * ratio + detune_hz, [(1.0, amp / 2, decay_s)], rng)
    return _normalise(_fade_edges(x, 0.03, 0.7), -3.0)


def tick(rng: np.random.Generator) -> np.ndarray:
    """A soft wood tick: two short high partials, a breath of filtered noise."""
    t = _time(CUE_DURATIONS_S["tick"])
    x = _partials(t, 1500.0, [(1.0, 1.0, 0.014), (1.83, 0.5, 0.008)], rng)
    noise = _band_noise(len(t), 1200.0, 4000.0, rng) * np.exp(-t / 0.004)
    x += 0.3 * noise / np.max(np.abs(noise))
    return _normalise(_fade_edges(x, 0.001, 0.03), -3.0)


def _band_noise(n: int, low_hz: float, high_hz: float, rng: np.random.Generator) -> np.ndarray:
    """White noise band-limited in the frequency domain with soft (raised-cosine) band edges."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    width = 0.5 * low_hz
    gain = np.clip((f - (low_hz - width)) / width, 0, 1) * np.clip(((high_hz + width) - f) / width, 0, 1)
    gain = 0.5 - 0.5 * np.cos(np.pi * gain)
    return np.fft.irfft(spectrum * gain, n)


def _glide_tone(t: np.ndarray, f_start: float, f_end: float) -> np.ndarray:
    """A soft tone whose pitch glides from f_start to f_end, most of the way in the first seconds."""
    shape = (1.0 - np.exp(-t / 5.0)) / (1.0 - np.exp(-t[-1] / 5.0))
    freq = f_start * (f_end / f_start) ** shape
    phase = 2.0 * np.pi * np.cumsum(freq) / SAMPLE_RATE
    return np.sin(phase) + 0.18 * np.sin(2.0 * phase) + 0.05 * np.sin(3.0 * phase)


def breath(rng: np.random.Generator, rising: bool) -> np.ndarray:
    """A gentle pad with a little air: rising (breathe in) or falling (breathe out)."""
    t = _time(BREATH_S)
    low, high = 220.0, 330.0
    tone = _glide_tone(t, low, high) if rising else _glide_tone(t, high, low)
    air = _band_noise(len(t), 350.0, 1800.0, rng) if rising else _band_noise(len(t), 200.0, 900.0, rng)
    x = tone / np.max(np.abs(tone)) + 0.25 * air / np.std(air) / 4.0
    return _normalise(_fade_edges(x, 0.05, 0.5), -6.0)


def all_cues() -> dict[str, np.ndarray]:
    """Every shipped sound by name, synthesised from one fixed seed."""
    rng = np.random.default_rng(SEED)
    return {
        "bell": bell(rng),
        "chime": chime(rng),
        "bowl": bowl(rng),
        "tick": tick(rng),
        "breath-in": breath(rng, rising=True),
        "breath-out": breath(rng, rising=False),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "audio_cues", help="folder for the WAVs")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, samples in all_cues().items():
        write_wav(args.out / f"{name}.wav", Clip(samples, SAMPLE_RATE))
        print(f"{name}.wav  {len(samples) / SAMPLE_RATE:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
