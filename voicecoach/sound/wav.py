"""16-bit PCM WAV files in and out, and the one conversion each way between float32 samples and
16-bit PCM."""

from __future__ import annotations

import os
import wave
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from voicecoach.errors import SoundFileError
from voicecoach.sound.clip import Clip

#: Sample rates a WAV file may have to be read (wider than any real sound; rules out damaged headers).
MIN_RATE, MAX_RATE = 4000, 768_000
#: The most channels a WAV file may have to be read.
MAX_CHANNELS = 32
_CONVERT_HINT = "expected a 16-bit PCM WAV file: convert it with ffmpeg -i FILE -c:a pcm_s16le OUT.wav"


def _open_problem(path: str | os.PathLike[str], exc: BaseException) -> SoundFileError:
    if isinstance(exc, OSError):
        return SoundFileError(f"cannot read {path}: {(exc.strerror or str(exc)).lower()} (check the path)")
    return SoundFileError(f"cannot read {path}: {str(exc) or 'damaged'} ({_CONVERT_HINT})")


def _check_format(path: str | os.PathLike[str], w: wave.Wave_read) -> None:
    rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    if width != 2 or not 1 <= channels <= MAX_CHANNELS or not MIN_RATE <= rate <= MAX_RATE:
        raise SoundFileError(
            f"{path} is {8 * width}-bit audio, {channels} channels at {rate} Hz: {_CONVERT_HINT}"
        )


def check_wav(path: str | os.PathLike[str]) -> None:
    """SoundFileError unless `path` is a 16-bit PCM WAV file `read_wav` reads (only its header is read)."""
    try:
        with wave.open(os.fspath(path), "rb") as w:
            _check_format(path, w)
    except (OSError, EOFError, RuntimeError, ValueError, wave.Error) as exc:  # RuntimeError: a bad chunk
        raise _open_problem(path, exc) from None


def read_wav(path: str | os.PathLike[str], max_s: float | None = None) -> Clip:
    """A 16-bit PCM WAV file as a mono float32 clip (channels averaged), at most its first `max_s`.

    SoundFileError, saying what to do, when the file cannot be read or is not 16-bit PCM.
    """
    try:
        with wave.open(os.fspath(path), "rb") as w:
            _check_format(path, w)
            rate, channels = w.getframerate(), w.getnchannels()
            frames = w.getnframes() if max_s is None else min(w.getnframes(), int(max_s * rate))
            raw = w.readframes(frames)
    except (OSError, EOFError, RuntimeError, ValueError, wave.Error) as exc:  # RuntimeError: a bad chunk
        raise _open_problem(path, exc) from None
    whole = len(raw) // (2 * channels) * 2 * channels  # a file cut short may end inside a frame
    return Clip(from_int16(np.frombuffer(raw[:whole], dtype="<i2"), channels), rate)


def from_int16(pcm: npt.NDArray[np.int16], channels: int = 1) -> npt.NDArray[np.float32]:
    """16-bit PCM (frames of `channels` interleaved samples) to mono float32 in [-1, 1), the
    channels averaged.

    The one place integer samples become floats (WAV files, audio decoded by other programs).
    """
    data = pcm.astype(np.float32) / np.float32(32768.0)
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(data, dtype=np.float32)


def to_int16(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    """float32 in [-1, 1] to 16-bit PCM, rounded; anything beyond full scale clips, never wraps.

    The one place samples become integers (export encoders, live backends, WAV files).
    """
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")


def write_wav(dest: str | os.PathLike[str] | BinaryIO, clip: Clip) -> None:
    """Write `clip` as a mono 16-bit PCM WAV file to a path or an open binary file.

    Plain writing: a caller that must never leave half a file writes through fsutil's atomic writer.
    """
    target: str | BinaryIO = os.fspath(dest) if isinstance(dest, (str, os.PathLike)) else dest
    with wave.open(target, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(clip.sample_rate))
        w.writeframes(to_int16(clip.samples).tobytes())
