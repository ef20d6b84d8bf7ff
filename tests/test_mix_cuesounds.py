"""The shipped cue sounds: exact lengths, clean edges, reproducible synthesis, loaded as clips."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from audio_cues import CUES_DIR
from voicecoach.errors import ExportError
from voicecoach.mix.cuesounds import SOUND_NAMES, load_cue
from voicecoach.routine.cues import BREATH_CUES, CUE_DURATIONS_S
from voicecoach.sound.wav import read_wav

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", SOUND_NAMES)
def test_each_sound_is_a_48k_16bit_mono_wav_that_starts_and_ends_silent(name):
    with wave.open(str(CUES_DIR / f"{name}.wav"), "rb") as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (48000, 2, 1)
    clip = load_cue(name)
    assert clip.samples.dtype == np.float32
    assert abs(clip.samples[0]) < 1e-3 and abs(clip.samples[-1]) < 1e-3
    assert 0.2 < np.max(np.abs(clip.samples)) <= 0.75  # soft, with headroom
    # no clicks: no jump between neighbouring samples larger than a loud 8 kHz sine would make
    assert np.max(np.abs(np.diff(clip.samples))) < 0.75 * 2 * np.sin(np.pi * 8000 / 48000)


@pytest.mark.parametrize("name", list(CUE_DURATIONS_S))
def test_struck_cues_last_exactly_what_the_compiler_plans(name):
    clip = load_cue(name)
    assert len(clip.samples) == round(CUE_DURATIONS_S[name] * clip.sample_rate)


def _pitch_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    band = (freqs > 100) & (freqs < 500)
    return float(freqs[band][np.argmax(spectrum[band])])


def test_breath_tones_are_long_enough_and_rise_for_in_and_fall_for_out():
    inhale, exhale = load_cue(BREATH_CUES["inhale"]), load_cue(BREATH_CUES["exhale"])
    for clip in (inhale, exhale):
        assert clip.duration_s >= 20.0  # the longest breathing phase
    early, late = slice(48000, 96000), slice(48000 * 8, 48000 * 9)
    assert _pitch_hz(inhale.samples[late], 48000) > _pitch_hz(inhale.samples[early], 48000) * 1.15
    assert _pitch_hz(exhale.samples[late], 48000) < _pitch_hz(exhale.samples[early], 48000) / 1.15


def test_make_cues_reproduces_the_shipped_files(tmp_path):
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_cues.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in SOUND_NAMES:
        fresh = read_wav(tmp_path / f"{name}.wav").samples
        shipped = load_cue(name).samples
        assert len(fresh) == len(shipped)
        assert np.max(np.abs(fresh - shipped)) <= 1.5 / 32768  # at most one step of 16-bit rounding


def test_unknown_cue_names_the_shipped_ones():
    with pytest.raises(ExportError, match="bell"):
        load_cue("gong")


def test_load_cue_is_cached_per_process():
    assert load_cue("bell") is load_cue("bell")
