"""The espeak-ng engine, for real."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.errors import EngineError
from voicecoach.sound.clip import SILENCE_THRESHOLD
from voicecoach.speech.engines.espeak import EspeakEngine
from voicecoach.speech.engines.registry import get_engine


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def test_available_with_voices(engine: EspeakEngine) -> None:
    assert engine.is_available()
    names = engine.voices()
    assert "en-us" in names and "en-gb" in names
    assert isinstance(get_engine("espeak"), EspeakEngine)


def test_speaks_a_trimmed_float_clip(engine: EspeakEngine) -> None:
    clip = engine.synthesize("Breathe in slowly.", "en-us", 1.0)
    assert clip.samples.dtype == np.float32 and clip.sample_rate == 22050
    assert 0.6 < clip.duration_s < 3.0
    assert float(np.max(np.abs(clip.samples))) <= 1.0
    edge = int(0.02 * clip.sample_rate) + 1  # trim keeps 20 ms of padding, no more
    assert np.max(np.abs(clip.samples[: edge + 1])) > SILENCE_THRESHOLD
    assert np.max(np.abs(clip.samples[-edge - 1 :])) > SILENCE_THRESHOLD


def test_rate_scales_the_length(engine: EspeakEngine) -> None:
    text = "Let your knees fall gently to one side."
    slow, fast = engine.synthesize(text, None, 0.7), engine.synthesize(text, None, 1.4)
    assert fast.duration_s < 0.7 * slow.duration_s


def test_text_that_looks_like_options_is_spoken(engine: EspeakEngine) -> None:
    clip = engine.synthesize("--help -v xx <speak>", None, 1.0)
    assert clip.duration_s > 0.5


def test_unknown_voice_and_identity(engine: EspeakEngine) -> None:
    with pytest.raises(EngineError, match="unknown espeak voice 'zz-nope'"):
        engine.synthesize("Hello.", "zz-nope", 1.0)
    engine.check_voice("en-us+f3")
    for bad in ("en-us+../../../../etc/passwd", "en-us+/tmp/x", "en-us+f3 -h"):
        with pytest.raises(EngineError, match="unknown espeak voice"):
            engine.check_voice(bad)
    ident = engine.identity("en-gb")
    assert "espeak-ng" in ident and "en-gb" in ident and ident != engine.identity("en-us")
