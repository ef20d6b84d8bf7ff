"""The routine loader: the model it builds, and problems with their positions."""

from __future__ import annotations

import pytest
from conftest import ROUTINES

from voicecoach.errors import RoutineError
from voicecoach.routine.loader import load_routine, parse_routine
from voicecoach.routine.model import Breathe, Chime, Flow, Rest, Stretch, Talk


def problems(text: str | bytes) -> list[str]:
    with pytest.raises(RoutineError) as info:
        parse_routine(text, "r.yaml")
    return [str(p) for p in info.value.problems]


def test_spec_example_builds_the_model():
    routine = load_routine(ROUTINES / "good" / "spec-example.yaml")
    assert [type(s) for s in routine.steps] == [Talk, Breathe, Stretch, Flow, Rest, Chime]
    stretch = routine.steps[2]
    assert stretch.sides == ("right", "left") and stretch.hold.seconds == 45
    assert stretch.setup[1] == "Cross your {side} ankle over the opposite thigh."
    assert routine.defaults.breath.cycle_s == 10 and routine.tags == ("lower-back", "hips", "bedtime")
    assert routine.steps[3].cycles == 6 and routine.steps[1].cycles == 3


def test_all_problems_are_reported_at_once_in_order():
    text = "title: x\nsteps:\n  - stretch: A\n    hodl: 30s\n  - rest: 45 sek\n  - chime: gong\n"
    assert problems(text) == [
        "r.yaml:4:5: unknown key 'hodl' (did you mean 'hold'?)",
        "r.yaml:5:11: rest: '45 sek' is not a duration (try 45s, 1m30s or 2 minutes)",
        "r.yaml:6:12: chime: unknown cue 'gong' (expected one of: bell, chime, bowl, tick)",
    ]


def test_yaml_tags_cannot_construct_objects():
    found = problems("title: !!python/object/apply:os.system [echo hi]\nsteps: [{rest: 5s}]\n")
    assert found == [
        "r.yaml:1:8: YAML tags are not allowed (!!python/object/apply:os.system): "
        "write plain text, numbers and lists"
    ]


def test_alias_bomb_is_stopped_quickly():
    lines = ["title: bomb", 'a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("steps: [*a8]")
    found = problems("\n".join(lines) + "\n")
    assert found == [
        "r.yaml:10:5: aliases repeat the anchor defined here until the routine would expand beyond "
        "50,000 values: write the steps out instead of repeating an anchor (&name / *name)"
    ]


def test_tabs_get_a_clear_message():
    found = problems("title: x\nsteps:\n\t- rest: 5s\n")
    assert found[0].startswith("r.yaml:3:1: ") and "tab" in found[0]


def test_binary_and_bad_encoding():
    assert "not UTF-8" in problems(b"title: caf\xe9\nsteps: []\n")[0]
    assert problems(b"title: caf\xe9\n")[0].startswith("r.yaml:1:11: ")
    assert "binary data" in problems(b"\x00\x01\x02garbage")[0]


def test_missing_title_and_empty_steps():
    assert problems("steps:\n  - rest: 5s\n") == [
        "r.yaml:1:1: missing 'title:': a routine needs a title and a list of steps"
    ]
    assert "the list is empty" in problems("title: x\nsteps: []\n")[0]


def test_side_placeholder_needs_sides():
    found = problems("title: x\nsteps:\n  - stretch: A\n    setup: Lift your {side} leg.\n")
    assert found == [
        "r.yaml:4:12: {side} is used but the step has no sides: add 'sides: both' "
        "(or left/right), or write the side out"
    ]


def test_file_errors_have_a_position(tmp_path):
    with pytest.raises(RoutineError) as info:
        load_routine(tmp_path / "missing.yaml")
    assert str(info.value).startswith(f"{tmp_path / 'missing.yaml'}:1:1: cannot read the file")
    with pytest.raises(RoutineError, match="folder"):
        load_routine(tmp_path)


def test_limits():
    many = "title: x\nsteps:\n" + "  - rest: 1s\n" * 501
    assert "more than 500 steps" in problems(many)[0]
    long_text = "title: x\nsteps:\n  - talk: " + "a" * 2001 + "\n"
    assert "2,001 characters" in problems(long_text)[0]
    assert "at most 1,000,000 bytes" in problems(b"#" * 1_000_001)[0]
    assert "passes 4 hours" in problems("title: x\nsteps:\n  - rest: 3h\n  - rest: 2h\n")[0]


def test_a_bad_byte_after_a_bom_is_found_where_it_is():
    """The BOM is not counted (as editors do not show it), and the byte named is the bad one."""
    assert problems(b"\xef\xbb\xbfformat: 1\nt\x80itle: x\n") == [
        "r.yaml:2:2: byte 0x80 is not UTF-8 text: save the routine as UTF-8 text"
    ]


@pytest.mark.parametrize("hold", ["1 30s", "20 30 seconds", "1.5.2 minutes", "30s 30s", "1m 1m"])
def test_a_typo_in_a_hold_is_located_not_summed(hold):
    with pytest.raises(RoutineError) as info:
        parse_routine(f"title: x\nsteps:\n  - stretch: A\n    hold: {hold}\n", "r.yaml")
    [problem] = info.value.problems
    assert str(problem).startswith(f"r.yaml:4:11: hold: '{hold}' is not a duration: ")
