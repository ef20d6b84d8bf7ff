"""The piper engine with the packaged voice, for real (a few short lines: each costs a model run)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from voicecoach.errors import EngineError
from voicecoach.speech.cache import ClipCache
from voicecoach.speech.engines import piper
from voicecoach.speech.engines.piper import PiperEngine, packaged_model
from voicecoach.speech.engines.registry import DEFAULT_ENGINE, get_engine
from voicecoach.speech.synth import Synthesizer


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    return PiperEngine()


def test_default_engine_and_voice(engine: PiperEngine) -> None:
    assert DEFAULT_ENGINE == "piper"
    assert isinstance(get_engine(None), PiperEngine)
    assert engine.is_available()
    assert engine.default_voice() == "en_US-joe-medium"
    assert engine.voices() == ["en_US-joe-medium"]


def test_identity_names_version_and_model_hash(engine: PiperEngine) -> None:
    model = packaged_model()
    assert model is not None
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    from importlib.metadata import version

    ident = engine.identity(None)
    assert f"piper-tts {version('piper-tts')}" in ident and f"model={digest}" in ident
    assert engine.identity("joe") == ident == engine.identity(str(model))


def test_speaks_and_rate_changes_length(engine: PiperEngine) -> None:
    normal = engine.synthesize("Breathe in slowly.", None, 1.0)
    assert normal.sample_rate == 22050 and normal.samples.dtype == np.float32
    assert 0.6 < normal.duration_s < 3.0
    assert float(np.max(np.abs(normal.samples))) <= 1.0
    # piper's prosody is sampled (its lengths vary a little run to run): judge on a longer line
    line = "Draw your right knee toward your chest and let your lower back soften into the floor."
    slow = engine.synthesize(line, None, 1.0)
    fast = engine.synthesize(line, None, 1.6)
    assert fast.duration_s < 0.8 * slow.duration_s


def test_voice_by_path_and_by_name_in_the_voices_folder(
    engine: PiperEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = packaged_model()
    assert engine.model_for(str(model)) == model
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path))
    folder = tmp_path / "voices"
    folder.mkdir()
    os.symlink(model, folder / "calm.onnx")
    with pytest.raises(EngineError, match=r"no calm\.onnx\.json beside it"):
        engine.model_for("calm")
    (folder / "calm.onnx.json").write_text(Path(f"{model}.json").read_text())
    assert "calm" in engine.voices()
    assert engine.model_for("calm") == folder / "calm.onnx"
    assert engine.synthesize("Hi.", "calm", 1.0).duration_s > 0.2
    with pytest.raises(EngineError, match="unknown piper voice 'nobody'"):
        engine.model_for("nobody")
    with pytest.raises(EngineError, match="not found"):
        engine.model_for(str(tmp_path / "missing.onnx"))


def test_a_broken_model_is_an_engine_error(engine: PiperEngine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    Path(f"{bad}.json").write_text(json.dumps(json.loads(Path(f"{packaged_model()}.json").read_text())))
    with pytest.raises(EngineError, match="could not load the piper voice"):
        engine.synthesize("Hello.", str(bad), 1.0)


def loaded_models() -> list[str]:
    """Paths of the models loaded in this process."""
    with piper._models_lock:
        return list(piper._models)


def unload_models() -> None:
    """Forget every loaded model (they load again on the next synthesis)."""
    with piper._models_lock:
        piper._models.clear()


def test_cached_lines_never_load_the_model(tmp_path: Path) -> None:
    first = Synthesizer(cache=ClipCache(tmp_path))
    lines = ["Soften your knees.", "Look up."]
    made = first.clips(lines)
    assert first.synthesized == 2 and len(loaded_models()) == 1
    unload_models()
    second = Synthesizer(cache=ClipCache(tmp_path))
    again = second.clips(lines)
    assert second.duration_s("Soften your knees.") == made["Soften your knees."].duration_s
    assert loaded_models() == [] and second.synthesized == 0
    np.testing.assert_array_equal(again["Look up."].samples, made["Look up."].samples)


def test_file_hashes_are_remembered_beside_the_cache_and_redone_when_a_file_changes(tmp_path: Path) -> None:
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"first version")
    assert piper.file_sha256(model) == hashlib.sha256(b"first version").hexdigest()
    stored = json.loads(piper._hashes_file().read_text())
    assert stored[str(model.resolve())][2] == hashlib.sha256(b"first version").hexdigest()
    stored[str(model.resolve())][2] = "remembered"
    piper._hashes_file().write_text(json.dumps(stored))
    piper._hashes.clear()  # as in a new process: the stored hash is used, the file is not read
    assert piper.file_sha256(model) == "remembered"
    model.write_bytes(b"second, longer version")
    assert piper.file_sha256(model) == hashlib.sha256(b"second, longer version").hexdigest()
