"""Durations and breathing patterns, as the format contract lists them."""

import pytest

from voicecoach.routine.durations import DurationError, HoldLength, parse_breath, parse_duration, parse_hold


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("45", 45),
        ("45s", 45),
        ("45 s", 45),
        ("45 sec", 45),
        ("1m", 60),
        ("1 min", 60),
        ("1m30s", 90),
        ("90 seconds", 90),
        ("2 minutes", 120),
        ("1.5s", 1.5),
        ("1 minute 30 seconds", 90),
        ("4h", 14400),
        (" 10S ", 10),
        # as people write them (the contract's second wave)
        ("30 secs", 30),
        ("30 sec.", 30),
        ("2 mins", 120),
        ("1.5 minutes", 90),
        ("1:30", 90),
        ("0:45", 45),
        ("1:02:30", 3750),
        ("1 min. 30 secs.", 90),
        ("1.5 hrs", 5400),
    ],
)
def test_contract_duration_forms(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text, words",
    [
        ("45 sek", "not a duration"),
        ("1:60", "not a duration"),
        ("1:3", "not a duration"),
        ("0:00", "zero"),
        ("4:00:01", "4 hours"),
        ("30.", "not a duration"),
        ("0s", "zero"),
        ("-5s", "negative"),
        ("4h1s", "4 hours"),
        ("abc", "not a duration"),
        ("", "empty"),
        ("1m 30", "not a duration"),
        ("45 lightyears", "not a duration"),
    ],
)
def test_bad_durations_say_what_would_be_right(text, words):
    with pytest.raises(DurationError, match=words):
        parse_duration(text)


def test_hold_message_offers_breaths():
    with pytest.raises(DurationError, match=r"try 45s, 1m30s or 6 breaths"):
        parse_hold("45 sek")


def test_hold_in_breaths():
    assert parse_hold("6 breaths") == HoldLength(breaths=6)
    assert parse_hold("1 breath") == HoldLength(breaths=1)
    assert parse_hold("6 breaths").resolve_s(parse_breath("4-6")) == 60
    with pytest.raises(DurationError, match="whole number"):
        parse_hold("2.5 breaths")


@pytest.mark.parametrize(
    "text, phases, cycle_s",
    [
        ("4-6", [("inhale", 4), ("exhale", 6)], 10),
        ("4-7-8", [("inhale", 4), ("hold", 7), ("exhale", 8)], 19),
        ("4-4-4-4", [("inhale", 4), ("hold", 4), ("exhale", 4), ("hold-out", 4)], 16),
        ("5.5-5.5", [("inhale", 5.5), ("exhale", 5.5)], 11),
        ("calm", [("inhale", 4), ("exhale", 6)], 10),
        ("relax", [("inhale", 4), ("hold", 7), ("exhale", 8)], 19),
        ("box", [("inhale", 4), ("hold", 4), ("exhale", 4), ("hold-out", 4)], 16),
        ("coherent", [("inhale", 5.5), ("exhale", 5.5)], 11),
    ],
)
def test_breathing_patterns(text, phases, cycle_s):
    pattern = parse_breath(text)
    assert pattern.phases() == phases
    assert pattern.cycle_s == cycle_s


@pytest.mark.parametrize(
    "text, words",
    [
        ("4", "not a breathing pattern"),
        ("4-30", "between 1 and 20"),
        ("0.5-4", "between 1 and 20"),
        ("4-4-4-4-4", "not a breathing pattern"),
        ("in-out", "not a breathing pattern"),
        ("4:6", "not a breathing"),
    ],
)
def test_bad_breathing_patterns(text, words):
    with pytest.raises(DurationError, match=words):
        parse_breath(text)


@pytest.mark.parametrize(
    "text, words",
    [
        # a number with no unit beside others was taken as seconds and added
        (
            "1 30s",
            r"1 has no unit \(give each number its unit, such as 1m 30s, or write one number, such as 90s\)",
        ),
        ("20 30 seconds", "20 has no unit"),
        ("1m 30", "30 has no unit"),
        # a unit given twice was added up
        (
            "30s 30s",
            r"seconds are given twice \(give each unit once, such as 1m 30s; for their sum, write 60s\)",
        ),
        ("1m 1m", "minutes are given twice .*write 2m"),
        ("1 min 2 minutes", "minutes are given twice"),
        ("1h 30m 1h", "hours are given twice"),
        # a malformed number was read as two (1.5 and .2)
        ("1.5.2 minutes", r"'1.5.2' is not a number \(write a number with one decimal point at most"),
        ("1..5s", "'1..5' is not a number"),
        ("30.", "'30.' is not a number"),
    ],
)
def test_typos_are_refused_not_summed(text, words):
    with pytest.raises(DurationError, match=f"^'{text}' is not a duration: {words}"):
        parse_duration(text)
    with pytest.raises(DurationError, match=words):
        parse_hold(text)


@pytest.mark.parametrize(
    "text", ["1 min 30 s", "1h 30m 10s", "0m 30s", "1 min. 30 secs.", ".5m", "1 minute 30 seconds"]
)
def test_each_unit_once_still_adds_up(text):
    assert parse_duration(text) > 0
