"""Reading a stretch's text into a step: the reviewer's cases, through the importer's real functions."""

from __future__ import annotations

from pathlib import Path

import yaml

from voicecoach.importer import import_article
from voicecoach.routine.loader import parse_routine

ARTICLE = """# Morning Reset

## 1. Box Breathing

Sit tall with your hands on your knees. Breathe in for 4, hold for 4, out for 4, hold for 4. Do 5 rounds.

## 2. Glute Bridge

Lie on your back with your knees bent. Lift your hips. Do 2 sets of 10 reps.

## 3. Figure Four

Lie on your back and cross one ankle over the other knee. Hold for 30 seconds on each side.
"""


def imported(tmp_path: Path, text: str = ARTICLE):
    article = tmp_path / "morning.md"
    article.write_text(text, encoding="utf-8")
    return import_article(str(article))


def test_rounds_of_a_breathing_step_in_their_own_sentence(tmp_path):
    found = imported(tmp_path)
    box = found.steps[0]
    assert (box.kind, box.breath.text) == ("breathe", "4-4-4-4")
    assert box.cycles is not None and box.cycles.value == 5 and box.cycles.quote == "Do 5 rounds."
    assert box.checks == () and not any("Box Breathing" in w for w in found.warnings)
    step = yaml.safe_load(found.yaml_text)["steps"][0]
    assert step == {"breathe": "4-4-4-4", "cycles": 5}
    assert 'cycles: 5  # article: "Do 5 rounds."' in found.yaml_text
    first = parse_routine(found.yaml_text).steps[0]
    assert (first.kind, first.cycles) == ("breathe", 5)


def test_repetitions_with_no_hold_are_a_flow_not_holds(tmp_path):
    found = imported(tmp_path)
    bridge = found.steps[1]
    assert bridge.kind == "flow" and bridge.hold is None and bridge.reps is None
    assert bridge.cycles is not None and (bridge.cycles.value, bridge.cycles.sets) == (10, 2)
    assert bridge.checks == ("2 sets of 10 read as 20 rounds",)
    step = yaml.safe_load(found.yaml_text)["steps"][1]
    assert step["flow"] == "Glute Bridge" and step["cycles"] == 20
    assert "hold" not in step and "reps" not in step
    routine = parse_routine(found.yaml_text)
    assert [s.kind for s in routine.steps][:3] == ["breathe", "flow", "stretch"]


def test_repetitions_with_a_hold_stay_held(tmp_path):
    """'Hold for 20 seconds. Repeat 3 times.' is still a stretch held 3 times, not a flow."""
    found = imported(
        tmp_path,
        "# Two\n\n## 1. Calf Stretch\n\nStand facing a wall. Hold for 20 seconds. Repeat 3 times.\n\n"
        "## 2. Quad Stretch\n\nStand on one leg and hold your foot. Hold for 30 seconds on each side.\n",
    )
    calf = found.steps[0]
    assert calf.kind == "stretch" and calf.hold is not None and calf.reps is not None and calf.reps.value == 3
    assert yaml.safe_load(found.yaml_text)["steps"][0]["reps"] == 3
