"""Playing one clip through the default sound output, or writing it to a WAV file (`voicecoach say`)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from voicecoach.errors import DeviceError, ExportError
from voicecoach.fsutil import atomic_output
from voicecoach.sound.clip import Clip
from voicecoach.sound.wav import to_int16, write_wav

SAVE_HINT = "write the line to a file instead with -o FILE.wav"


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C libraries (ALSA) that print their device probing straight to file descriptor 2."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    sink = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(sink, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)


def play_clip(clip: Clip) -> None:
    """Play `clip` and wait until it has finished; DeviceError when there is no working output."""
    try:
        import simpleaudio
    except ImportError:
        raise DeviceError(f"no audio player installed (pip install simpleaudio); or {SAVE_HINT}") from None
    data = to_int16(clip.samples).tobytes()
    try:
        with quiet_stderr():
            playing = simpleaudio.play_buffer(data, 1, 2, int(clip.sample_rate))
    except Exception as exc:  # simpleaudio raises its own error kind per platform
        detail = str(exc).split(" -- ")[0].strip() or type(exc).__name__
        raise DeviceError(f"no working sound output here ({detail}); {SAVE_HINT}") from None
    try:
        playing.wait_done()
    except KeyboardInterrupt:
        playing.stop()
        raise


def write_clip(path: str | os.PathLike[str], clip: Clip) -> Path:
    """Write `clip` to `path` as mono 16-bit WAV; an existing file is replaced only by a whole new one."""
    try:
        with atomic_output(path) as tmp:
            write_wav(tmp, clip)
    except OSError as exc:
        raise ExportError(f"could not write {path}: {exc.strerror or exc}") from exc
    return Path(path)
