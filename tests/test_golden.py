"""Golden timelines: the compiled plan of known routines is pinned, line by line.

After an intended change of the compiler, rewrite them with UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROUTINES

from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.store import get_profile
from voicecoach.routine.loader import load_routine

GOLDEN = Path(__file__).resolve().parent / "golden"
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
        routine, CompileOptions(profile=get_profile(profile)), EstimatedDurations(), estimated=True
    )
    got = json.dumps(timeline.to_json(), indent=1) + "\n"
    path = GOLDEN / f"{name}.{profile}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(got)
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1 once and review it"
    assert got == path.read_text(), f"{path.name} changed: review, then UPDATE_GOLDEN=1 if intended"
