"""The shipped cue sounds as float32 clips, read once per process from the `audio_cues` package."""

from __future__ import annotations

import functools
import wave

import numpy as np

from audio_cues import CUES_DIR
from voicecoach.errors import ExportError
from voicecoach.routine.cues import BREATH_CUES, CUE_NAMES
from voicecoach.sound.clip import Clip

#: Every sound shipped in audio_cues/: the struck cues and the two breath tones.
SOUND_NAMES: tuple[str, ...] = CUE_NAMES + tuple(BREATH_CUES.values())


def read_wav_clip(path: str) -> Clip:
    """Read a 16-bit PCM WAV file as a mono float32 clip (channels averaged)."""
    try:
        with wave.open(path, "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            raw = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise ExportError(f"cannot read {path}: {exc} (expected a 16-bit PCM WAV file)") from exc
    if width != 2:
        raise ExportError(f"{path}: expected 16-bit PCM, got {8 * width}-bit (convert it with ffmpeg)")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / np.float32(32768.0)
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1, dtype=np.float32)
    return Clip(np.ascontiguousarray(data, dtype=np.float32), rate)


@functools.cache
def load_cue(name: str) -> Clip:
    """The shipped sound `name` (a cue such as 'bell', or 'breath-in' / 'breath-out'), cached."""
    if name not in SOUND_NAMES:
        raise ExportError(f"unknown cue {name!r}: the shipped cues are {', '.join(SOUND_NAMES)}")
    path = CUES_DIR / f"{name}.wav"
    if not path.is_file():
        raise ExportError(
            f"the cue sound {path} is missing: reinstall voicecoach "
            "(or run scripts/make_cues.py in a source checkout)"
        )
    clip = read_wav_clip(str(path))
    clip.samples.setflags(write=False)
    return clip
