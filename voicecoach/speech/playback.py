"""Playing one clip through the default sound output, or writing it to a WAV file (`voicecoach say`)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


#: ALSA's error handler while `quiet_alsa_errors` is on (kept here: C holds a pointer to it).
_alsa_handler: Any = None


def quiet_alsa_errors() -> None:
    """From now on, drop the messages ALSA prints to stderr by itself ("underrun occurred", "Unable
    to connect"): a sound output's thread prints them mid-session, over the status line, when the
    failure they come from is reported once, in words, by the player. Linux only; a no-op without ALSA."""
    global _alsa_handler
    if _alsa_handler is not None or not sys.platform.startswith("linux"):
        return
    try:
        alsa = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
    except OSError:
        return
    # void handler(const char *file, int line, const char *function, int err, const char *fmt, ...)
    handler_type = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
    )
    _alsa_handler = handler_type(lambda *_: None)
    alsa.snd_lib_error_set_handler(_alsa_handler)


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
