"""LRC and SRT text: every spoken line with its time, in the formats' own clocks."""

from __future__ import annotations

from voicecoach.export.timedtext import lrc, srt
from voicecoach.plan.timeline import Event, StepSpan, Timeline


def _timeline():
    events = (
        Event(0.5, 2.0, "speech", 0, text="Lie down.\nGently."),
        Event(2.5, 4.0, "chime", 0, cue="bell"),
        Event(3725.25, 3727.5, "speech", 0, text="Welcome back."),
    )
    return Timeline("Night", 3730.0, (StepSpan(0, "talk", "A", 0.0, 3730.0),), (), events)


def test_lrc_lists_each_line_and_clears_it_after_a_pause():
    lines = lrc(_timeline()).splitlines()
    assert lines[:3] == ["[ti:Night]", "[by:voicecoach]", "[length:62:10]"]
    assert lines[3:] == ["[00:00.50]Lie down. Gently.", "[00:02.00]", "[62:05.25]Welcome back.", "[62:07.50]"]


def test_srt_numbers_cues_with_hours():
    assert srt(_timeline()) == (
        "1\n00:00:00,500 --> 00:00:02,000\nLie down.\nGently.\n\n"
        "2\n01:02:05,250 --> 01:02:07,500\nWelcome back.\n"
    )
