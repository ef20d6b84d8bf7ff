"""The shipped cue sounds as data: names and lengths. The WAVs live in the `audio_cues` package.

The compiler needs only the lengths (to place events); the audio side loads the sounds.
`scripts/make_cues.py` synthesises each WAV to exactly these lengths.
"""

from __future__ import annotations

#: Cues a routine may name in a `chime` step, with their length in seconds.
CUE_DURATIONS_S: dict[str, float] = {
    "bell": 2.5,
    "chime": 1.5,
    "bowl": 4.0,
    "tick": 0.125,
}

#: Soft tones under breath events; the mixer fits them to each phase's length.
BREATH_CUES: dict[str, str] = {
    "inhale": "breath-in",
    "exhale": "breath-out",
}

CUE_NAMES: tuple[str, ...] = tuple(CUE_DURATIONS_S)
