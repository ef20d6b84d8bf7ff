"""Golden timelines: the compiled plan of known routines is pinned, line by line.

After an intended change of the compiler, rewrite them with UPDATE_GOLDEN=1 and review the diff.
Speech lengths come from a fixed word count here, not from the estimate (which is calibrated
against the voice and tested on its own): the goldens pin the compiler alone.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import ROUTINES

from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.profiles.store import get_profile
from voicecoach.routine.loader import load_routine

GOLDEN = Path(__file__).resolve().parent / "golden"


class WordCount:
    """0.36 s a word, 0.2 s a pause, 0.15 s more, over the rate: fixed, whatever the estimate does."""

    def duration_s(self, text: str, rate: float) -> float:
        words = len(re.findall(r"[\w']+", text))
        pauses = len(re.findall(r"[,.;:!?]", text))
        return (0.15 + words * 0.36 + pauses * 0.2) / max(rate, 0.1)


CASES = [
    ("spec-example", "guided"),
    ("spec-example", "eyes-closed"),
    ("spec-example", "bedtime"),
    ("flows-and-breathing", "guided"),
]


@pytest.mark.parametrize("name, profile", CASES)
def test_golden_timeline(name, profile):
    routine = load_routine(ROUTINES / "good" / f"{name}.yaml")
    timeline = compile_routine(
        routine, CompileOptions(profile=get_profile(profile)), WordCount(), estimated=True
    )
    got = json.dumps(timeline.to_json(), indent=1) + "\n"
    path = GOLDEN / f"{name}.{profile}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(got)
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1 once and review it"
    assert got == path.read_text(), f"{path.name} changed: review, then UPDATE_GOLDEN=1 if intended"
