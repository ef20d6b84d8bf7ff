"""The shipped cue sounds as float32 clips, read once per process from the `audio_cues` package."""

from __future__ import annotations

import functools

from audio_cues import CUES_DIR
from voicecoach.errors import ExportError, SoundFileError
from voicecoach.routine.cues import BREATH_CUES, CUE_NAMES
from voicecoach.sound.clip import Clip
from voicecoach.sound.wav import read_wav

#: Every sound shipped in audio_cues/: the struck cues and the two breath tones.
SOUND_NAMES: tuple[str, ...] = CUE_NAMES + tuple(BREATH_CUES.values())


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
    try:
        clip = read_wav(path)
    except SoundFileError as exc:
        raise ExportError(f"{exc}; the shipped cue sound is damaged: reinstall voicecoach") from None
    clip.samples.setflags(write=False)
    return clip
