"""The system engine: pyttsx3 in a child process (here, on Linux, through libespeak-ng)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.errors import EngineError
from voicecoach.sound.clip import Clip
from voicecoach.sound.wav import read_wav, write_wav
from voicecoach.speech.engines import system
from voicecoach.speech.engines.registry import engines_report
from voicecoach.speech.engines.system import SystemEngine


@pytest.fixture(scope="module")
def engine() -> SystemEngine:
    return SystemEngine()


def test_available_here_with_voices(engine: SystemEngine) -> None:
    state = engine.is_available()
    assert state, state.reason
    assert engine.voices() and engine.default_voice() in engine.voices()
    ident = engine.identity(None)
    assert "pyttsx3" in ident and "driver=" in ident


def test_speaks_a_line(engine: SystemEngine) -> None:
    clip = engine.synthesize("Relax your jaw.", None, 1.0)
    assert clip.samples.dtype == np.float32
    assert 0.4 < clip.duration_s < 4.0
    assert float(np.max(np.abs(clip.samples))) > 0.05


def test_rate_and_voice_change_the_sound(engine: SystemEngine) -> None:
    text = "Slowly let the leg down to the floor."
    slow, fast = engine.synthesize(text, None, 0.7), engine.synthesize(text, None, 1.5)
    assert fast.duration_s < 0.75 * slow.duration_s
    english = [v for v in engine.voices() if "en" in v.lower() and v != engine.default_voice()]
    other = engine.synthesize(text, english[0], 1.0)
    assert other.duration_s > 0.5


def test_unknown_voice_is_an_engine_error(engine: SystemEngine) -> None:
    with pytest.raises(EngineError, match="unknown system voice"):
        engine.synthesize("Hello.", "no/such-voice", 1.0)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
@pytest.mark.filterwarnings("ignore:'audioop' is deprecated:DeprecationWarning")  # pydub's import
def test_audio_that_is_not_wav_is_decoded_through_ffmpeg(tmp_path: Path) -> None:
    """macOS's driver writes AIFF: read through pydub, it gives the samples a WAV would."""
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(4410) / 22050)).astype(np.float32)
    wav, aiff = tmp_path / "line.wav", tmp_path / "line.aiff"
    write_wav(wav, Clip(tone, 22050))
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), str(aiff)], check=True)
    clip = system._read_audio(str(aiff))
    assert clip.sample_rate == 22050 and clip.samples.dtype == np.float32
    np.testing.assert_array_equal(clip.samples, read_wav(wav).samples)


def test_broken_driver_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that cannot start a driver makes the engine unavailable, saying why and what to install."""
    monkeypatch.setattr(system, "WORKER", system.WORKER.with_name("no_such_worker.py"))
    system._probe.cache_clear()
    try:
        state = SystemEngine().is_available()
        assert not state
        assert "pyttsx3 could not start a speech driver" in state.reason
        if sys.platform.startswith("linux"):
            assert "libespeak-ng" in state.reason
        row = next(r for r in engines_report()["engines"] if r["name"] == "system")
        assert row["available"] is False and row["reason"] == state.reason and row["voices"] == []
        with pytest.raises(EngineError, match="failed twice"):
            SystemEngine().synthesize("Hello.", None, 1.0)
    finally:
        system._probe.cache_clear()
