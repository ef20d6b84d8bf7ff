"""The operating system's voices through pyttsx3 (SAPI5, NSSpeechSynthesizer or eSpeak).

pyttsx3 drivers can hang or crash the interpreter, so every call runs in a child process
(`_pyttsx3_worker.py`) with a time limit; a failed or silent result is retried once.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.errors import EngineError, SoundFileError, UnknownVoiceError
from voicecoach.sound.clip import Clip, trim_silence
from voicecoach.sound.wav import from_int16, read_wav
from voicecoach.speech.engines.base import Availability, Engine, package_version, plain_text

WORKER = Path(__file__).with_name("_pyttsx3_worker.py")
PROBE_TIMEOUT_S = 30.0


def _driver_hint() -> str:
    if sys.platform.startswith("linux"):
        return (
            "pyttsx3 speaks through libespeak-ng on Linux: install it "
            "(Debian/Ubuntu: sudo apt-get install libespeak-ng1 espeak-ng)"
        )
    if sys.platform == "darwin":
        return "pyttsx3 needs PyObjC on macOS: pip install pyobjc"
    if sys.platform == "win32":
        return "pyttsx3 needs the SAPI5 bindings on Windows: pip install comtypes pywin32"
    return "pyttsx3 has no speech driver for this platform"


def speak_timeout_s(text: str) -> float:
    """How long one line may take before the worker is stopped."""
    return 30.0 + len(text) / 20.0


def _run_worker(request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """One request to a fresh worker process; its answer, or {"error": ...}."""
    try:
        proc = subprocess.run(
            [sys.executable, str(WORKER)],
            input=json.dumps(request).encode("utf-8"),
            capture_output=True,
            timeout=timeout_s,
            check=False,  # a failed worker's exit code and stderr are reported below
        )
    except subprocess.TimeoutExpired:
        return {"error": f"the system voice did not finish within {timeout_s:.0f} s"}
    try:
        answer: dict[str, Any] = json.loads(proc.stdout.decode("utf-8"))
        return answer
    except ValueError:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return {
            "error": f"the pyttsx3 worker failed (exit {proc.returncode})"
            + (f": {detail[-1]}" if detail else "")
        }


@dataclass(frozen=True)
class _Probe:
    driver: str
    voices: tuple[str, ...]
    default_voice: str | None
    error: str = ""


@functools.lru_cache(maxsize=1)
def _probe() -> _Probe:
    """What pyttsx3 offers here, asked once per process."""
    answer = _run_worker({"op": "probe"}, PROBE_TIMEOUT_S)
    if "error" in answer:
        return _Probe("", (), None, answer["error"])
    voices = tuple(v["id"] for v in answer.get("voices", []))
    return _Probe(answer.get("driver", "?"), voices, answer.get("voice"))


def _pyttsx3_version() -> str:
    return package_version("pyttsx3")


class SystemEngine(Engine):
    name = "system"
    description = "the operating system's voices through pyttsx3"
    #: Each line is its own process, so threads can run several at once.
    workers = max(1, os.cpu_count() or 1)

    def is_available(self) -> Availability:
        if find_spec("pyttsx3") is None:
            return Availability(False, "pyttsx3 is not installed: pip install pyttsx3")
        probe = _probe()
        if probe.error:
            return Availability(
                False, f"pyttsx3 could not start a speech driver ({probe.error}); {_driver_hint()}"
            )
        if not probe.voices:
            return Availability(False, f"pyttsx3's {probe.driver} driver offers no voices; {_driver_hint()}")
        return Availability(True)

    def default_voice(self) -> str | None:
        return _probe().default_voice if find_spec("pyttsx3") else None

    def voices(self) -> list[str]:
        if find_spec("pyttsx3") is None:
            return []
        return sorted(_probe().voices)

    def _check_voice(self, voice: str | None) -> None:
        if voice and voice not in _probe().voices:
            raise UnknownVoiceError(
                f"unknown system voice {voice!r}: run `voicecoach voices` to see the voices here"
            )

    def identity(self, voice: str | None) -> str:
        self._check_voice(voice)
        probe = _probe()
        return f"pyttsx3 {_pyttsx3_version()} driver={probe.driver} voice={voice or probe.default_voice}"

    def synthesize(self, text: str, voice: str | None, rate: float) -> Clip:
        self._check_voice(voice)
        problem = ""
        for _attempt in range(2):
            clip, problem = self._attempt(text, voice, rate)
            if clip is not None:
                return clip
        raise EngineError(
            f"the system voice failed twice for {text[:40]!r}: {problem} "
            "(try --engine piper or --engine espeak)"
        )

    def _attempt(self, text: str, voice: str | None, rate: float) -> tuple[Clip | None, str]:
        fd, out = tempfile.mkstemp(suffix=".wav", prefix="voicecoach-system-")
        os.close(fd)
        try:
            os.unlink(out)  # the driver must create it: an empty leftover is not success
            request = {"op": "speak", "text": plain_text(text), "voice": voice, "rate": rate, "out": out}
            answer = _run_worker(request, speak_timeout_s(text))
            if "error" in answer:
                return None, answer["error"]
            if not os.path.exists(out) or os.path.getsize(out) <= 44:
                return None, "the driver wrote no audio"
            try:
                clip = _read_audio(out)
            except EngineError as exc:
                return None, str(exc)
        finally:
            if os.path.exists(out):
                os.unlink(out)
        if not np.any(np.abs(clip.samples) > 1e-4):
            return None, "the driver wrote only silence"
        return Clip(trim_silence(clip.samples, sample_rate=clip.sample_rate), clip.sample_rate), ""


def _read_audio(path: str) -> Clip:
    """A WAV (every driver but macOS's); anything else is decoded through pydub and ffmpeg."""
    try:
        return read_wav(path)
    except SoundFileError as first:
        try:
            from pydub import AudioSegment

            seg = AudioSegment.from_file(path).set_channels(1).set_sample_width(2)
        except Exception as exc:
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise EngineError(f"the driver wrote audio that cannot be read ({first}; {detail})") from exc
        return Clip(from_int16(np.asarray(seg.get_array_of_samples(), dtype=np.int16)), seg.frame_rate)
