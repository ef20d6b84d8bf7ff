"""Writing a clip as a 16-bit WAV file that appears only when complete."""

from __future__ import annotations

import os
import tempfile
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicecoach.errors import ExportError
from voicecoach.sound.clip import Clip


def to_int16(samples: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    """float32 in [-1, 1] to 16-bit PCM (the one place where samples become integers)."""
    return np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")


def write_wav_atomic(path: str | os.PathLike[str], clip: Clip) -> Path:
    """Write `clip` to `path` as mono 16-bit WAV; an existing file is replaced only by a whole new one."""
    from voicecoach.fsutil import check_destination

    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    check_destination(target)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(int(clip.sample_rate))
            w.writeframes(to_int16(clip.samples).tobytes())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise ExportError(f"could not write {target}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return target
