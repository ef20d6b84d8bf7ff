"""Fuzzing the routine pipeline: load, validate and compile, whatever a shared file holds.

Valid routines are generated and then broken in exactly one way, YAML is generated as text with
every feature a hostile file could use (anchors, aliases, tags, directives, complex keys, block
scalars), and bytes are generated and spliced into every routine of the corpus. Each document
goes through the loader and, when it loads, the compiler under every profile. The only failure
allowed is a RoutineError whose problems all point inside the file (or a UsageError for a limit
only the compiler can see). Runs are derandomized: CI sees the same few thousand examples
every time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from voicecoach.app import validate_files
from voicecoach.errors import RoutineError, UsageError
from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.file import load_profile_file
from voicecoach.profiles.model import BEDS, BUILTIN_PROFILES, CUE_STYLES
from voicecoach.routine.loader import parse_routine
from voicecoach.routine.model import Routine

TESTS = Path(__file__).resolve().parent
CORPUS = sorted((TESTS / "routines").glob("*/*.yaml")) + sorted(
    (TESTS.parent / "voicecoach" / "library" / "routines").glob("*.yaml")
)
CORPUS_BYTES = [p.read_bytes() for p in CORPUS]
SHOWN = "fuzz.yaml"
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
PROFILES = [CompileOptions(profile=p) for p in BUILTIN_PROFILES.values()]
PROFILES.append(CompileOptions(hold_scale=3.0, cues="tones", intro=False))


#: VOICECOACH_FUZZ_SCALE=20 runs twenty times the examples, new ones each run (a long local campaign).
SCALE = float(os.environ.get("VOICECOACH_FUZZ_SCALE", "1"))


def fuzz(n: int) -> settings:
    """`n` derandomized examples: the same ones in every run, no example database."""
    return settings(
        max_examples=max(1, int(n * SCALE)),
        derandomize=SCALE == 1,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def check(data: bytes | str, profiles: list[CompileOptions] | None = None) -> Routine | None:
    """Load `data` and compile it under `profiles` (default: all); the only failures allowed are
    clean, located errors."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        routine = parse_routine(raw, SHOWN)
    except RoutineError as exc:
        _check_problems(raw, exc)
        event("refused by the loader")
        return None
    assert isinstance(routine, Routine) and routine.title and routine.steps
    for options in PROFILES if profiles is None else profiles:
        try:
            timeline = compile_routine(routine, options, EstimatedDurations(), estimated=True)
        except UsageError as exc:
            assert "4 hours" in str(exc) and "\n" not in str(exc)
            event("refused by the compiler (a limit)")
            continue
        assert timeline.duration_s > 0 and timeline.events
        assert all(0 <= e.start_s <= e.end_s <= timeline.duration_s + 1e-6 for e in timeline.events)
    event("loaded and compiled")
    return routine


def _check_problems(raw: bytes, exc: RoutineError, shown: str = SHOWN) -> None:
    assert exc.problems, "a RoutineError without problems"
    lines = LINE_BREAK.split(raw.decode("utf-8", "replace").removeprefix("\ufeff"))
    for p in exc.problems:
        assert p.path == shown
        assert 1 <= p.line <= len(lines), f"line outside the file: {p}"
        assert 1 <= p.col <= len(lines[p.line - 1]) + 1, f"column outside the line: {p}"
        assert p.message.strip() and "\n" not in p.message and "Traceback" not in p.message
    if shown == SHOWN:
        with pytest.raises(RoutineError) as again:
            parse_routine(raw, SHOWN)
        assert again.value.problems == exc.problems, "the same file gives the same problems"


# ---- valid routines --------------------------------------------------------------------------

words = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=8)
sentences = st.lists(words, min_size=1, max_size=6).map(lambda w: " ".join(w).capitalize() + ".")
texts = st.one_of(sentences, st.lists(sentences, min_size=1, max_size=3))
durations = st.one_of(
    st.integers(1, 90).map(lambda n: f"{n}s"), st.sampled_from(["1m", "1m30s", "2 minutes"])
)
holds = st.one_of(durations, st.integers(1, 8).map(lambda n: f"{n} breaths"))
patterns = st.one_of(
    st.sampled_from(["calm", "relax", "box", "coherent", "4-6", "4-7-8", "5-5", "4-4-4-4"]),
    st.lists(st.integers(1, 20), min_size=2, max_size=4).map(lambda p: "-".join(map(str, p))),
)
sides = st.sampled_from(["both", "left", "right", "none", ["left", "right"], ["right"]])


@st.composite
def stretches(draw) -> dict:
    step: dict = {"stretch": draw(sentences)}
    has_sides = draw(st.booleans())
    if has_sides:
        step["sides"] = draw(sides.filter(lambda s: s != "none"))
    for key in ("setup", "cues", "tips"):
        if draw(st.booleans()):
            step[key] = draw(texts)
    if has_sides and draw(st.booleans()):
        step["setup"] = "Reach with your {side} hand."
    optional = {"hold": holds, "reps": st.integers(1, 3), "release": sentences}
    step.update({k: draw(v) for k, v in optional.items() if draw(st.booleans())})
    return step


@st.composite
def flows(draw) -> dict:
    step: dict = {"flow": draw(sentences)}
    optional = {
        "setup": texts,
        "inhale": sentences,
        "exhale": sentences,
        "cycles": st.integers(1, 8),
        "breath": patterns,
    }
    step.update({k: draw(v) for k, v in optional.items() if draw(st.booleans())})
    return step


steps = st.one_of(
    sentences.map(lambda t: {"talk": t}),
    stretches(),
    flows(),
    st.builds(lambda p, c: {"breathe": p, "cycles": c}, patterns, st.integers(1, 6)),
    durations.map(lambda d: {"rest": d}),
    st.sampled_from(["bell", "chime", "bowl", "tick"]).map(lambda c: {"chime": c}),
)


@st.composite
def routines(draw) -> dict:
    doc: dict = {"title": draw(sentences)}
    optional = {
        "format": st.just(1),
        "summary": sentences,
        "source": sentences,
        "tags": st.lists(words, max_size=3),
        "intro": texts,
        "defaults": st.fixed_dictionaries(
            {}, optional={"hold": holds, "transition": durations, "rest": durations, "breath": patterns}
        ),
    }
    doc.update({k: draw(v) for k, v in optional.items() if draw(st.booleans())})
    doc["steps"] = draw(st.lists(steps, min_size=1, max_size=8))
    return doc


def dump(doc: object) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10_000)


@fuzz(400)
@given(doc=routines())
def test_generated_routines_load_and_compile(doc: dict):
    routine = check(dump(doc))
    assert routine is not None, dump(doc)
    assert len(routine.steps) == len(doc["steps"])


# ---- valid routines with one thing broken ----------------------------------------------------

HOSTILE = [
    None,
    "",
    " ",
    "~",
    0,
    -1,
    -0.5,
    1e308,
    10**40,
    float("nan"),
    float("inf"),
    True,
    "yes",
    [],
    {},
    ["a", ["b"]],
    {"k": "v"},
    "a" * 2001,
    "{side}",
    "{sdie}",
    "{}",
    "0s",
    "-3s",
    "5h",
    "999 breaths",
    "0 breaths",
    "1e9",
    "nan",
    "inf",
    ".5",
    "4-",
    "-",
    "4--6",
    "25-1",
    "0-0",
    "box box",
    "1:30",
    "10000",
    "\u202e\u0000",
    "\ufeff",
    "\U0001f600",
    "\x7f",
    "- x",
    "*x",
    "&x",
    "!!python/object:os.system",
    "%TAG",
    "---",
    "...",
    "? x",
    "-h",
    "--version",
    "<speak>",
    "[[a]]",
    "$(reboot)",
    "`id`",
    "9" * 5000,
    "1" * 150,
    "1" * 300 + "s",
    "4-" + "6" * 400,
]
HOSTILE_KEYS = ["hodl", "", "tilte", "kind", "side", "rep", "talk", "stretch", "rest", "__class__", "<<", "?"]


def _paths(doc: object, here: tuple = ()) -> list[tuple]:
    """Every place in a nested document (dict keys and list indexes), the root excluded."""
    out = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        out.append((*here, key))
        out.extend(_paths(value, (*here, key)))
    return out


def _parent(doc: object, path: tuple) -> object:
    for key in path[:-1]:
        doc = doc[key]
    return doc


def break_one_thing(doc: dict, data: st.DataObject) -> dict:
    """One mutation: a hostile value, a lost or unknown or renamed key, a wrapped value, many steps."""
    path = data.draw(st.sampled_from(_paths(doc)))
    parent, key = _parent(doc, path), path[-1]
    how = data.draw(st.sampled_from(["value", "delete", "add-key", "rename", "wrap", "copy-steps"]))
    if how == "value":
        parent[key] = data.draw(st.sampled_from(HOSTILE))
    elif how == "delete":
        del parent[key]
    elif how == "add-key" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(HOSTILE_KEYS))] = data.draw(st.sampled_from(HOSTILE))
    elif how == "rename" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(HOSTILE_KEYS))] = parent.pop(key)
    elif how == "wrap":
        parent[key] = data.draw(st.sampled_from([[parent[key]], {"x": parent[key]}, {"talk": parent[key]}]))
    elif how == "copy-steps" and isinstance(doc.get("steps"), list):
        doc["steps"] = doc["steps"] * data.draw(st.sampled_from([2, 70, 501]))
    else:
        parent[key] = data.draw(st.sampled_from(HOSTILE))
    return doc


options = st.sampled_from(PROFILES).map(lambda o: [o])


@fuzz(1000)
@given(doc=routines(), data=st.data(), profile=options)
def test_routines_with_one_thing_broken_fail_cleanly(doc: dict, data: st.DataObject, profile: list):
    check(dump(break_one_thing(doc, data)), profile)


# ---- the same, broken in the text: YAML's own features ----------------------------------------

YAML_TRICKS = [
    "!!python/object/apply:os.system ['id']",
    "!!python/name:os.system",
    "!!binary aGk=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!custom x",
    "&a x",
    "*a",
    "*nope",
    "<<: *a",
    "? [a, b]\n: c",
    "|\n  block",
    ">-\n  folded",
    "'un closed",
    '"\\x00"',
    '"\\uD800"',
    "{a: [b, {c: d}",
    "- - - -",
    "%YAML 1.1\n---",
    "%TAG ! tag:evil.com,2000:\n---",
    "--- !!map",
    "...",
    "\t- tab",
    "#",
    "title: again",
    "steps: again",
    "[" * 120,
    "{" * 60 + "}" * 60,
    "a: &x [*x]",
]


@fuzz(700)
@given(
    doc=routines(),
    line=st.integers(0, 200),
    trick=st.sampled_from(YAML_TRICKS),
    indent=st.sampled_from(["", "  ", "    ", "      "]),
    replace=st.booleans(),
    profile=options,
)
def test_yaml_tricks_spliced_into_routines_fail_cleanly(
    doc: dict, line: int, trick: str, indent: str, replace: bool, profile: list
):
    lines = dump(doc).splitlines()
    at = line % (len(lines) + 1)
    spliced = [indent + t for t in trick.split("\n")]
    lines[at : at + replace] = spliced
    check("\n".join(lines) + "\n", profile)


@fuzz(250)
@given(doc=routines(), where=st.sampled_from(["title", "step"]), tag=st.sampled_from(YAML_TRICKS[:6]))
def test_tags_never_construct_objects(doc: dict, where: str, tag: str):
    text = dump(doc)
    target = "title: " if where == "title" else "- "
    at = text.index(target) + len(target)
    with pytest.raises(RoutineError) as caught:
        parse_routine(text[:at] + tag.split(" ", maxsplit=1)[0] + " " + text[at:], SHOWN)
    assert any(
        "YAML tags are not allowed" in p.message or "not valid YAML" in p.message
        for p in caught.value.problems
    )


# ---- random bytes, alone and spliced into the corpus -----------------------------------------


@fuzz(1000)
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.text(st.sampled_from("title:steps- &*!|>'\"[]{}#%?\n\t "), max_size=200).map(str.encode),
    )
)
def test_random_bytes_fail_cleanly(data: bytes):
    check(data)


@fuzz(1500)
@given(
    base=st.sampled_from(CORPUS_BYTES),
    where=st.integers(0, 10**6),
    cut=st.integers(0, 60),
    insert=st.one_of(st.binary(max_size=12), st.sampled_from([t.encode() for t in YAML_TRICKS])),
    times=st.integers(1, 3),
    profile=options,
)
def test_corpus_files_with_random_bytes_spliced_in_fail_cleanly(
    base: bytes, where: int, cut: int, insert: bytes, times: int, profile: list
):
    at = where % (len(base) + 1)
    check(base[:at] + insert * times + base[at + cut :], profile)


# ---- the user's profiles.yaml: read like a routine ------------------------------------------

SMALL = parse_routine("title: T\nsteps:\n  - stretch: S\n    sides: both\n  - breathe: calm\n", SHOWN)
profile_settings = st.fixed_dictionaries(
    {},
    optional={
        "base": st.sampled_from(sorted(BUILTIN_PROFILES)),
        "description": sentences,
        "rate": st.floats(0.3, 3.0),
        "loudness_lufs": st.integers(-40, -6),
        "countdown_from": st.integers(1, 10),
        "exhale_growth_s": st.integers(0, 10),
        "hold_cue": st.sampled_from(["bell", "chime", "bowl", "tick"]),
        "cues": st.sampled_from(CUE_STYLES),
        "bed": st.sampled_from(BEDS),
        "tail_s": durations,
        "countdown": st.booleans(),
        "name_sides": st.booleans(),
    },
)
profile_files = st.dictionaries(words, profile_settings, min_size=1, max_size=3).map(
    lambda p: {"profiles": p}
)


@fuzz(400)
@given(doc=profile_files, broken=st.booleans(), data=st.data())
def test_profile_files_load_or_fail_cleanly(
    tmp_path_factory: pytest.TempPathFactory, doc: dict, broken: bool, data: st.DataObject
):
    path = tmp_path_factory.getbasetemp() / "profiles.yaml"
    raw = dump(break_one_thing(doc, data) if broken and _paths(doc["profiles"]) else doc).encode()
    path.write_bytes(raw)
    try:
        found = load_profile_file(path, BUILTIN_PROFILES)
    except RoutineError as exc:
        _check_problems(raw, exc, shown=str(path))
        event("profile file refused")
        return
    assert broken or set(found) == set(doc["profiles"])
    for profile in found.values():
        try:
            compile_routine(SMALL, CompileOptions(profile=profile), EstimatedDurations(), estimated=True)
        except UsageError as exc:
            assert "4 hours" in str(exc)


@fuzz(300)
@given(
    base=st.sampled_from(CORPUS_BYTES),
    where=st.integers(0, 10**6),
    insert=st.sampled_from([t.encode() for t in YAML_TRICKS] + [b"\xff", b"\x00", b"\t", b": :", b"- - "]),
)
def test_validate_reports_every_broken_file_with_a_location(
    tmp_path_factory: pytest.TempPathFactory, base: bytes, where: int, insert: bytes
):
    """`voicecoach validate` (the same function): a summary for a good file, else located problems."""
    path = tmp_path_factory.getbasetemp() / "validate.yaml"
    at = where % (len(base) + 1)
    path.write_bytes(base[:at] + insert + base[at:])
    problems, summaries = validate_files([str(path)])
    assert bool(problems) != bool(summaries)
    for p in problems:
        assert p.path == str(path) and p.line >= 1 and p.col >= 1 and "\n" not in p.message
