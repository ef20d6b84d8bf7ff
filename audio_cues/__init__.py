"""The shipped cue sounds (WAV), synthesised by scripts/make_cues.py."""

from pathlib import Path

CUES_DIR = Path(__file__).resolve().parent
