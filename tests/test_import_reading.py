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
