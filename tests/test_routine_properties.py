"""Property tests for the routine parser: durations, breathing patterns and the loader.

Durations and patterns round-trip every written form and fail only with DurationError. Whatever
bytes or YAML a file holds, load_routine either returns a Routine or raises RoutineError whose
problems all point inside the file (1-based line and column).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from voicecoach.errors import RoutineError
from voicecoach.routine.durations import (
    MAX_DURATION_S,
    NAMED_PATTERNS,
    DurationError,
    HoldLength,
    parse_breath,
    parse_duration,
    parse_hold,
)
from voicecoach.routine.loader import load_routine
from voicecoach.routine.model import Routine

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD = Path(__file__).resolve().parent / "routines" / "good"

# Characters that durations and patterns are made of, so random text is often nearly valid.
NEAR_ALPHABET = "0123456789.-: smecinuhrtbaSM\t"

seconds = st.integers(1, int(MAX_DURATION_S))
minutes = st.integers(1, int(MAX_DURATION_S) // 60)
spaces = st.sampled_from(["", " ", "  "])


@FAST
@given(
    m=st.integers(0, 239),
    s=st.integers(0, 59),
    form=st.sampled_from(["{m}m{s}s", "{m}m {s}s", "{m} min {s} sec", "{m} minutes {s} seconds", "{m}M{s}S"]),
)
def test_minutes_and_seconds_add_up(m: int, s: int, form: str):
    assume(m or s)
    assert parse_duration(form.format(m=m, s=s)) == 60 * m + s


@FAST
@given(
    n=seconds,
    unit=st.sampled_from(["", "s", "sec", "second", "seconds", "secs", "sec.", "secs.", "s."]),
    pad=spaces,
    gap=spaces,
)
def test_seconds_forms(n: int, unit: str, pad: str, gap: str):
    assert parse_duration(f"{pad}{n}{gap if unit else ''}{unit}{pad}") == n


@FAST
@given(
    n=minutes, unit=st.sampled_from(["m", "min", "minute", "minutes", "mins", "min.", "mins."]), gap=spaces
)
def test_minutes_forms(n: int, unit: str, gap: str):
    assert parse_duration(f"{n}{gap}{unit}") == 60 * n


@FAST
@given(m=st.integers(0, 239), s=st.integers(0, 59), pad=spaces)
def test_clock_minutes_and_seconds(m: int, s: int, pad: str):
    assume(m or s)
    assert parse_duration(f"{pad}{m}:{s:02d}{pad}") == 60 * m + s


@FAST
@given(h=st.integers(0, 3), m=st.integers(0, 59), s=st.integers(0, 59))
def test_clock_hours_minutes_and_seconds(h: int, m: int, s: int):
    assume(h or m or s)
    assert parse_duration(f"{h}:{m:02d}:{s:02d}") == 3600 * h + 60 * m + s


@FAST
@given(m=st.integers(0, 239), s=st.integers(60, 99))
def test_clock_seconds_past_59_are_refused(m: int, s: int):
    with pytest.raises(DurationError, match="not a duration"):
        parse_duration(f"{m}:{s}")


@FAST
@given(tenths=st.integers(1, 2399), unit=st.sampled_from(["minutes", "mins", "min.", "m"]), gap=spaces)
def test_decimal_minutes(tenths: int, unit: str, gap: str):
    assert math.isclose(parse_duration(f"{tenths / 10:g}{gap}{unit}"), tenths * 6)


@FAST
@given(hundredths=st.integers(1, int(MAX_DURATION_S) * 100))
def test_decimal_seconds(hundredths: int):
    assert math.isclose(parse_duration(f"{hundredths / 100:.2f}s"), hundredths / 100)


@FAST
@given(n=st.integers(int(MAX_DURATION_S) + 1, 10**12), unit=st.sampled_from(["", "s", " seconds"]))
def test_more_than_four_hours_is_refused(n: int, unit: str):
    with pytest.raises(DurationError, match="4 hours"):
        parse_duration(f"{n}{unit}")


@FAST
@given(n=st.integers(1, 10_000))
def test_breaths_are_a_count(n: int):
    assert parse_hold(f"{n} breaths") == HoldLength(breaths=n)
    assert parse_hold(f"{n}s") == HoldLength(seconds=float(n))


def _only_duration_errors(parse, text: str):
    try:
        return parse(text)
    except DurationError as exc:
        assert str(exc)  # every refusal says something
        return None


@FAST
@given(text=st.one_of(st.text(max_size=30), st.text(NEAR_ALPHABET, max_size=16)))
def test_any_text_is_a_duration_or_a_duration_error(text: str):
    value = _only_duration_errors(parse_duration, text)
    assert value is None or 0 < value <= MAX_DURATION_S
    hold = _only_duration_errors(parse_hold, text)
    assert hold is None or hold.breaths or 0 < hold.seconds <= MAX_DURATION_S


tenths = st.integers(10, 200)  # 1.0 to 20.0 seconds


@FAST
@given(phases=st.lists(tenths, min_size=2, max_size=4), gap=spaces)
def test_breath_patterns_round_trip(phases: list[int], gap: str):
    seconds_ = [p / 10 for p in phases]
    pattern = parse_breath(f"{gap}-{gap}".join(f"{s:g}" for s in seconds_))
    assert [s for _, s in pattern.phases()] == seconds_
    assert math.isclose(pattern.cycle_s, sum(seconds_))
    assert parse_breath(str(pattern)).phases() == pattern.phases()


@FAST
@given(
    phases=st.lists(tenths, min_size=2, max_size=4),
    bad=st.one_of(st.integers(0, 9), st.integers(201, 10**6)),
    where=st.integers(0, 3),
)
def test_breath_phases_outside_1_to_20_seconds_are_refused(phases: list[int], bad: int, where: int):
    phases[where % len(phases)] = bad
    with pytest.raises(DurationError, match="between 1 and 20 seconds"):
        parse_breath("-".join(f"{p / 10:g}" for p in phases))


@FAST
@given(name=st.sampled_from(sorted(NAMED_PATTERNS)), upper=st.booleans(), pad=spaces)
def test_named_patterns(name: str, upper: bool, pad: str):
    assert parse_breath(f"{pad}{name.upper() if upper else name}{pad}") == NAMED_PATTERNS[name]


@FAST
@given(text=st.one_of(st.text(max_size=30), st.text("0123456789.- \t", max_size=16)))
def test_any_text_is_a_pattern_or_a_duration_error(text: str):
    pattern = _only_duration_errors(parse_breath, text)
    if pattern is not None:
        assert all(1 <= s <= 20 for _, s in pattern.phases())
        assert len(pattern.phases()) >= 2


# ---- the loader: only RoutineError, always with positions inside the file -------------------

ROUTINE_WORDS = [
    "format",
    "title",
    "summary",
    "source",
    "tags",
    "defaults",
    "steps",
    "hold",
    "transition",
    "rest",
    "breath",
    "talk",
    "stretch",
    "flow",
    "breathe",
    "chime",
    "setup",
    "sides",
    "reps",
    "cues",
    "tips",
    "release",
    "inhale",
    "exhale",
    "cycles",
]
ROUTINE_VALUES = [
    "45s",
    "1m30s",
    "6 breaths",
    "4-7-8",
    "box",
    "both",
    "[left, right]",
    "bell",
    "0",
    "-3",
    "{side}",
    "Hello.",
    "",
    "~",
    "4-30",
    "5h",
    "&a x",
    "*a",
    "!!str x",
    "!tag x",
    "'q'",
    "\t",
]

scalars = st.one_of(
    st.sampled_from(ROUTINE_VALUES),
    st.text(max_size=8),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
)
keys = st.one_of(st.sampled_from(ROUTINE_WORDS), st.text(min_size=1, max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("props") / "routine.yaml"


LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # YAML's line breaks


def check_load(path: Path, data: bytes) -> None:
    """load_routine on `data` returns a Routine or raises RoutineError pointing inside the file.

    Columns count characters (as every editor and YAML do), so a position never lies past the end
    of its line, even where the file holds bytes that are not UTF-8.
    """
    path.write_bytes(data)
    try:
        routine = load_routine(path)
    except RoutineError as exc:
        assert exc.problems, "a RoutineError without problems"
        lines = LINE_BREAK.split(data.decode("utf-8", "replace"))
        for p in exc.problems:
            assert p.path == str(path)
            assert 1 <= p.line <= len(lines) and 1 <= p.col <= len(lines[p.line - 1]) + 1, (
                f"position outside the file: {p}"
            )
            assert p.message and "Traceback" not in p.message
    else:
        assert isinstance(routine, Routine) and routine.title and routine.steps


@FAST
@given(data=st.binary(max_size=300))
def test_any_bytes_load_or_raise_routine_error(scratch: Path, data: bytes):
    check_load(scratch, data)


@FAST
@given(doc=st.dictionaries(keys, documents, max_size=7))
def test_any_yaml_mapping_loads_or_raises_routine_error(scratch: Path, doc: dict):
    check_load(scratch, yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"))


GOOD_TEXTS = sorted(p.read_bytes() for p in GOOD.glob("*.yaml"))


@FAST
@given(
    base=st.sampled_from(GOOD_TEXTS),
    where=st.integers(0, 10**6),
    cut=st.integers(0, 40),
    insert=st.one_of(
        st.sampled_from(
            [
                b"\t",
                b":",
                b"- ",
                b"  ",
                b"\n",
                b"{side}",
                b"&a",
                b"*a",
                b"!!x ",
                b"'",
                b'"',
                b"[",
                b"]",
                b"{",
                b"}",
                b"#",
                b"\xff",
                b"\x00",
                b"---\n",
            ]
        ),
        st.binary(max_size=6),
    ),
)
def test_mutated_good_routines_load_or_raise_routine_error(
    scratch: Path, base: bytes, where: int, cut: int, insert: bytes
):
    at = where % (len(base) + 1)
    check_load(scratch, base[:at] + insert + base[at + cut :])


@FAST
@given(
    before=st.text(
        st.characters(
            codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"], exclude_characters="\ufeff"
        ),
        max_size=12,
    ),
    bad=st.sampled_from([b"\xff", b"\xe9", b"\x80", b"\xc3("]),
)
def test_a_byte_that_is_not_utf8_is_found_by_character_column(scratch: Path, before: str, bad: bytes):
    scratch.write_bytes(b"title: " + before.encode("utf-8") + bad + b"\nsteps:\n  - talk: Hi.\n")
    with pytest.raises(RoutineError) as caught:
        load_routine(scratch)
    (problem,) = caught.value.problems
    assert (problem.line, problem.col) == (1, len("title: ") + len(before) + 1)
    assert "UTF-8" in problem.message
