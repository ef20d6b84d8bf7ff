"""The built-in routine library: the files keep to the routine contract, the spoken text reads well
aloud, each routine is faithful to the article it comes from, and names resolve to files.

The article facts below are written out here as data (in our own words); tests never read the
articles themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import voicecoach
from voicecoach.errors import UsageError
from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.plan.timeline import Timeline
from voicecoach.profiles.store import get_profile
from voicecoach.routine.builtin import builtin_names, builtin_path, resolve_routine
from voicecoach.routine.durations import parse_breath, parse_duration, parse_hold
from voicecoach.routine.loader import load_routine
from voicecoach.routine.model import Flow, Routine, Stretch

BUILTINS = [
    "bedtime-wind-down",
    "desk-reset",
    "hip-stretches-for-lower-back",
    "lower-back-hip-relief",
    "reclining-hip-release",
]

# The routine contract (format 1): keys allowed at each level.
TOP_KEYS = {"format", "title", "summary", "tags", "source", "intro", "profile", "defaults", "steps"}
DEFAULT_KEYS = {"hold", "transition", "rest", "breath"}
STEP_KEYS = {
    "talk": set(),
    "stretch": {"setup", "hold", "sides", "reps", "cues", "tips", "release"},
    "flow": {"setup", "inhale", "exhale", "cycles", "breath"},
    "breathe": {"cycles"},
    "rest": set(),
    "chime": set(),
}
CUES = {"bell", "chime", "bowl", "tick"}
SIDE_WORDS = {"left", "right"}
SPOKEN_STRETCH_KEYS = ("setup", "cues", "tips", "release")
SPOKEN_FLOW_KEYS = ("setup", "inhale", "exhale")


def _data(name: str) -> dict:
    return yaml.safe_load(builtin_path(name).read_text(encoding="utf-8"))


def _kind(step: dict) -> str:
    return next(iter(step))


def _lines(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _sides(step: dict) -> tuple[str, ...]:
    value = step.get("sides", "none")
    if isinstance(value, list):
        return tuple(value)
    return {"none": (), "both": ("right", "left"), "left": ("left",), "right": ("right",)}[value]


def _spoken(step: dict) -> list[str]:
    """Every text of a step that is read aloud (the name is announced)."""
    kind = _kind(step)
    if kind == "talk":
        return [str(step["talk"])]
    keys = SPOKEN_STRETCH_KEYS if kind == "stretch" else SPOKEN_FLOW_KEYS if kind == "flow" else ()
    out = [str(step[kind])] if keys else []
    for key in keys:
        out += _lines(step.get(key))
    return out


def _named(name: str, kind: str = "stretch") -> list[dict]:
    return [s for s in _data(name)["steps"] if _kind(s) == kind]


def _step(name: str, title: str) -> dict:
    found = [s for s in _data(name)["steps"] if _kind(s) in ("stretch", "flow") and s[_kind(s)] == title]
    assert len(found) == 1, f"{name}: expected one step named {title!r}, found {len(found)}"
    return found[0]


# --- the set of built-ins and the contract --------------------------------------------------


def test_builtin_names_are_the_shipped_files():
    assert builtin_names() == BUILTINS
    for name in BUILTINS:
        path = builtin_path(name)
        assert path.is_file() and path.name == f"{name}.yaml"
        assert Path(voicecoach.__file__).parent in path.parents


@pytest.mark.parametrize("name", BUILTINS)
def test_only_contract_keys(name):
    data = _data(name)
    assert set(data) <= TOP_KEYS
    assert data.get("format", 1) == 1
    assert str(data["title"]).strip() and data["steps"]
    assert set(data.get("defaults", {})) <= DEFAULT_KEYS
    assert all(isinstance(t, str) and re.fullmatch(r"[a-z-]+", t) for t in data.get("tags", []))
    for step in data["steps"]:
        kind = _kind(step)
        assert kind in STEP_KEYS, f"{name}: unknown step kind {kind!r}"
        assert set(step) - {kind} <= STEP_KEYS[kind], f"{name}: {step}"


@pytest.mark.parametrize("name", BUILTINS)
def test_loads_with_the_routine_loader(name):
    routine = load_routine(builtin_path(name))
    data = _data(name)
    assert routine.title == data["title"] and len(routine.steps) == len(data["steps"])
    assert [s.kind for s in routine.steps] == [_kind(s) for s in data["steps"]]
    assert routine.source == " ".join(data["source"].split())


@pytest.mark.parametrize("name", BUILTINS)
def test_values_parse(name):
    data = _data(name)
    defaults = data.get("defaults", {})
    for key in ("transition", "rest"):
        if key in defaults:
            parse_duration(str(defaults[key]))
    if "hold" in defaults:
        parse_hold(str(defaults["hold"]))
    if "breath" in defaults:
        parse_breath(str(defaults["breath"]))
    for step in data["steps"]:
        kind = _kind(step)
        if kind == "stretch" and "hold" in step:
            parse_hold(str(step["hold"]))
        elif kind == "breathe":
            parse_breath(str(step["breathe"]))
        elif kind == "rest":
            parse_duration(str(step["rest"]))
        elif kind == "chime":
            assert step["chime"] in CUES
        if "sides" in step:
            assert set(_sides(step)) <= SIDE_WORDS
        for key in ("cycles", "reps"):
            if key in step:
                assert isinstance(step[key], int) and step[key] >= 1


@pytest.mark.parametrize("name", BUILTINS)
def test_side_placeholder_only_where_sides_apply(name):
    for step in _data(name)["steps"]:
        sided = _kind(step) == "stretch" and _sides(step) != ()
        if sided:
            assert any("{side}" in line for line in _lines(step.get("setup"))), step
        else:
            assert not any("{side}" in line for line in _spoken(step)), f"{name}: {step}"


# --- the spoken text --------------------------------------------------------------------------

SAFETY_WORDS = ("slowly", "breathing", "bouncing", "pull", "pain", "sharp", "stop")


@pytest.mark.parametrize("name", BUILTINS)
def test_opens_with_one_safety_reminder(name):
    data = _data(name)
    intro = data["intro"].lower()
    for word in SAFETY_WORDS:
        assert word in intro, f"{name}: the safety reminder should mention {word!r}"
    others = [s for s in data["steps"] if _kind(s) == "talk" and "safety" in s["talk"].lower()]
    assert others == []


@pytest.mark.parametrize("name", BUILTINS)
def test_safety_intro_is_spoken_first_and_skippable(name):
    routine = load_routine(builtin_path(name))
    with_intro = compile_routine(routine, CompileOptions(), EstimatedDurations())
    speech = with_intro.speech()
    assert speech[0].role == "opening" and speech[1].role == "intro"
    without = compile_routine(routine, CompileOptions(intro=False), EstimatedDurations())
    assert not [e for e in without.speech() if e.role == "intro"]
    assert without.duration_s < with_intro.duration_s


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+", text.replace("{side}", "side").strip())
    return [re.sub(r"\W+", " ", p.lower()).strip() for p in parts if p.strip()]


@pytest.mark.parametrize("name", BUILTINS)
def test_spoken_text_reads_naturally(name):
    for step in _data(name)["steps"]:
        for line in _spoken(step):
            assert not re.search(r"\d", line), f"{name}: spell numbers out for the ear: {line!r}"
            for bad in ("(", ")", "/", "–", "—", "&", ";", "  "):
                assert bad not in line, f"{name}: {bad!r} reads badly aloud: {line!r}"
            assert not re.search(r"\b(e\.g|i\.e|etc|approx|min|sec|secs)\b", line, re.I), line
            assert line.strip() == line and line[0].isupper()
        for line in _spoken(step)[1:]:
            assert line[-1] in ".!?", f"{name}: a spoken line should end as a sentence: {line!r}"
        for key in ("inhale", "exhale"):  # the coach says "Breathe in, ..." before the movement
            assert not str(step.get(key, "")).lower().startswith("breath"), (name, step[key])


@pytest.mark.parametrize("name", BUILTINS)
def test_nothing_is_said_twice_in_the_file(name):
    seen: dict[str, str] = {}
    for step in _data(name)["steps"]:
        for line in _spoken(step)[1 if _kind(step) != "talk" else 0 :]:
            for sentence in _sentences(line):
                assert sentence not in seen, f"{name}: said twice: {sentence!r}"
                seen[sentence] = line
    titles = [s[_kind(s)] for s in _data(name)["steps"] if _kind(s) in ("stretch", "flow")]
    assert len(titles) == len(set(titles))


# --- faithful to the articles ------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """What an article says about one stretch: the hold range and its unit, and whether it is
    done on each side. For flows, `low`/`high` bound the time the movement should take."""

    title: str
    low: float
    high: float
    unit: str = "s"  # "s" or "breaths"
    sided: bool = False
    kind: str = "stretch"


def _check_fact(name: str, fact: Fact, pace_s: float) -> None:
    step = _step(name, fact.title)
    assert _kind(step) == fact.kind, fact
    if fact.kind == "flow":
        took_s = step.get("cycles", 6) * pace_s
        assert fact.low <= took_s <= fact.high, (fact, took_s)
        return
    hold = parse_hold(str(step["hold"]))
    value = hold.breaths if fact.unit == "breaths" else hold.seconds
    assert value is not None and fact.low <= value <= fact.high, (fact, step["hold"])
    assert (_sides(step) != ()) == fact.sided, (fact, step.get("sides"))


def _pace_s(name: str) -> float:
    return parse_breath(str(_data(name)["defaults"]["breath"])).cycle_s


# The Pilates Pila article: one stretch on the back, 45 s, then the other side.
RECLINING = [Fact("Reclining Hip Release", 45, 45, sided=True)]

# The Atlas Spine article: ten stretches in this order; most held 20 to 30 s.
LOWER_BACK = [
    Fact("Knee to Chest", 20, 30, sided=True),
    Fact("Both Knees to Chest", 20, 30),
    Fact("Knee Rotations", 20, 120, kind="flow"),
    Fact("Child's Pose", 30, 30),
    Fact("Runner's Lunge", 20, 30, sided=True),
    Fact("Happy Baby", 30, 30),
    Fact("Cat-Cow", 25, 35, kind="flow"),  # about thirty seconds
    Fact("Butterfly", 20, 30),
    Fact("Figure Four", 20, 30, sided=True),
    Fact("Seated Spinal Twist", 20, 30, sided=True),
]

# The hips article: ten stretches in this order; some timed in breaths.
HIPS = [
    Fact("Pigeon", 5, 10, "breaths", sided=True),
    Fact("Butterfly", 30, 30),
    Fact("Cow Face", 30, 60, sided=True),
    Fact("Supine Groin Stretch", 300, 300),
    Fact("Kneeling Hip Flexor Stretch", 4, 5, "breaths", sided=True),
    Fact("Happy Baby", 4, 8, "breaths"),
    Fact("Frog", 15, 60),  # no time given; a deep stretch, so kept moderate
    Fact("Psoas Stretch on a Foam Roller", 30, 30, sided=True),
    Fact("Supine Piriformis Stretch", 30, 30),
    Fact("Figure Four", 60, 60),
]

SEED_ROUTINES = [
    ("reclining-hip-release", RECLINING),
    ("lower-back-hip-relief", LOWER_BACK),
    ("hip-stretches-for-lower-back", HIPS),
]


@pytest.mark.parametrize("name,facts", SEED_ROUTINES)
def test_stretches_follow_the_article(name, facts):
    titles = [s[_kind(s)] for s in _data(name)["steps"] if _kind(s) in ("stretch", "flow")]
    assert titles == [f.title for f in facts]
    for fact in facts:
        _check_fact(name, fact, _pace_s(name))


@pytest.mark.parametrize(
    "name,article",
    [
        ("reclining-hip-release", "The One Stretch That Instantly Relieves Lower Back Pain"),
        ("lower-back-hip-relief", "10 Easy Stretches to Release Lower Back and Hip Pain"),
        ("hip-stretches-for-lower-back", "The Key To Your Lower Back Pain Is In The Hips"),
    ],
)
def test_source_names_the_article(name, article):
    assert article in _data(name)["source"]


def _text(step: dict) -> str:
    return " ".join(_spoken(step)).lower()


def test_reclining_hip_release_details():
    step = _step("reclining-hip-release", "Reclining Hip Release")
    assert _sides(step) == ("right", "left")
    tips = " ".join(_lines(step["tips"])).lower()
    assert "thigh" in tips and "shin" in tips  # the variation for limited flexibility
    cues = " ".join(_lines(step["cues"])).lower()
    for word in ("shoulders", "neck", "eyes", "breathe slowly"):
        assert word in cues
    assert "no props" in _data("reclining-hip-release")["summary"].lower()


def test_lower_back_relief_warm_up_and_pairs():
    steps = _data("lower-back-hip-relief")["steps"]
    assert _kind(steps[0]) == "talk"
    warm = steps[0]["talk"].lower()
    assert "warm" in warm and ("walking" in warm or "marching" in warm)
    cat_cow = _step("lower-back-hip-relief", "Cat-Cow")
    assert "belly" in cat_cow["inhale"].lower() and "round" in cat_cow["exhale"].lower()
    twist = _text(_step("lower-back-hip-relief", "Seated Spinal Twist"))
    assert "opposite arm" in twist and "bent knee" in twist


def test_hip_stretches_props_and_caution():
    summary = _data("hip-stretches-for-lower-back")["summary"].lower()
    for prop in ("mat", "chair", "block", "doorstop", "kettlebell", "foam roller"):
        assert prop in summary
    groin = _text(_step("hip-stretches-for-lower-back", "Supine Groin Stretch"))
    for word in ("chair", "block", "doorstop", "kettlebell", "palms", "hip rather than at the knee"):
        assert word in groin
    assert "foam roller" in _text(_step("hip-stretches-for-lower-back", "Psoas Stretch on a Foam Roller"))
    assert "padded mat" in _text(_step("hip-stretches-for-lower-back", "Kneeling Hip Flexor Stretch"))
    frog = _step("hip-stretches-for-lower-back", "Frog")
    assert "care" in frog["setup"][0].lower() and "deep" in frog["setup"][0].lower()
    # Pigeon starts on the left, as the article does; Cow Face starts with the right knee on top.
    assert _sides(_step("hip-stretches-for-lower-back", "Pigeon")) == ("left", "right")
    assert _sides(_step("hip-stretches-for-lower-back", "Cow Face"))[0] == "right"


def test_bedtime_wind_down_slows_the_breath():
    data = _data("bedtime-wind-down")
    assert "bedtime" in data["tags"]
    patterns = [parse_breath(str(s["breathe"])) for s in data["steps"] if _kind(s) == "breathe"]
    assert len(patterns) >= 2
    first, last = patterns[0], patterns[-1]
    assert last.exhale_s > first.exhale_s >= first.inhale_s
    # Floor work only: nothing that needs standing, kneeling or props.
    for step in data["steps"]:
        text = _text(step)
        for word in ("stand", "kneel", "hands and knees", "chair", "roller", "block"):
            assert word not in text, (word, step)


def test_desk_reset_is_built_around_a_chair():
    data = _data("desk-reset")
    assert "chair" in data["summary"].lower() and "desk" in data["tags"]
    stretches = _named("desk-reset")
    assert any("chair" in _text(s) for s in stretches)
    titles = " ".join(s["stretch"] for s in stretches).lower()
    for needed in ("figure four", "twist", "hip flexor"):
        assert needed in titles
    for step in data["steps"]:
        assert "lie on" not in _text(step) and "floor" not in " ".join(_lines(step.get("setup"))).lower()


# --- finding routines by name -----------------------------------------------------------------


def test_resolve_builtin_name():
    for name in BUILTINS:
        assert resolve_routine(name) == builtin_path(name)
    assert resolve_routine("desk-reset.yaml") == builtin_path("desk-reset")
    assert resolve_routine("Desk-Reset") == builtin_path("desk-reset")


def test_a_path_is_a_path_and_a_bare_name_is_a_routine(tmp_path, monkeypatch):
    routine = tmp_path / "mine.yaml"
    routine.write_text("title: Mine\nsteps:\n  - rest: 5s\n", encoding="utf-8")
    assert resolve_routine(routine) == routine
    assert resolve_routine(str(routine)) == routine
    monkeypatch.chdir(tmp_path)
    (tmp_path / "desk-reset").write_text("title: Local\nsteps:\n  - rest: 5s\n", encoding="utf-8")
    assert resolve_routine("desk-reset") == builtin_path("desk-reset")  # never the file here
    assert resolve_routine("./desk-reset") == Path("desk-reset")


def test_unknown_name_suggests_and_lists():
    with pytest.raises(UsageError) as info:
        resolve_routine("desk-rest")
    message = str(info.value)
    assert "did you mean 'desk-reset'?" in message
    for name in BUILTINS:
        assert name in message
    assert info.value.exit_code == 2
    with pytest.raises(UsageError) as info:
        resolve_routine("zzzz")
    assert "did you mean" not in str(info.value) and "reclining-hip-release" in str(info.value)


def test_missing_file_and_folder_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no such routine file"):
        resolve_routine(tmp_path / "nope.yaml")
    with pytest.raises(UsageError, match="no such routine file"):
        resolve_routine("nope.yml")
    with pytest.raises(UsageError, match="folder"):
        resolve_routine(tmp_path)


# --- compiled: every built-in makes a sound session under every profile -----------------------

PROFILES = ["guided", "eyes-closed", "bedtime"]
ROUTINE_ROLES = {"talk", "setup", "cue", "release", "announce"}  # lines the routine supplies


def _compiled(name: str, profile: str) -> tuple[Routine, Timeline]:
    routine = load_routine(builtin_path(name))
    options = CompileOptions(profile=get_profile(profile))
    return routine, compile_routine(routine, options, EstimatedDurations(), estimated=True)


def _said(timeline: Timeline, step: int | None = None) -> list[str]:
    return [e.text or "" for e in timeline.events if e.kind == "speech" and (step is None or e.step == step)]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", BUILTINS)
def test_compiles_without_repeating_a_line(name, profile):
    routine, timeline = _compiled(name, profile)
    assert timeline.estimated and timeline.profile == profile
    assert len(timeline.steps) == len(routine.steps)
    lines = [e.text for e in timeline.events if e.kind == "speech" and e.role in ROUTINE_ROLES]
    repeated = sorted({line for line in lines if lines.count(line) > 1})
    assert repeated == [], f"{name} ({profile}) says these more than once: {repeated}"
    for text in _said(timeline):
        assert "{" not in text and "}" not in text, text


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", BUILTINS)
def test_holds_and_every_cue_are_kept(name, profile):
    routine, timeline = _compiled(name, profile)
    for index, step in enumerate(routine.steps):
        said = _said(timeline, index)
        if isinstance(step, Stretch):
            holds = [h for h in timeline.holds if h.step == index]
            length = step.hold or routine.defaults.hold
            expected_s = length.resolve_s(routine.defaults.breath)
            assert [h.side for h in holds] == list(step.sides or (None,)) * step.reps
            if length.breaths is not None and get_profile(profile).exhale_growth_s:
                # bedtime lengthens the exhale as the session goes on, so breath-counted holds grow
                assert all(h.duration_s >= expected_s - 1e-3 for h in holds)
            else:
                assert all(h.duration_s == pytest.approx(expected_s, abs=1e-3) for h in holds)
            for side in step.sides or (None,):
                for cue in step.cues:  # each cue fits inside its hold, on every side
                    assert cue.replace("{side}", side or "") in said, (name, profile, cue)
        if isinstance(step, Flow):  # the movement words fit inside their breath
            for move in (step.inhale, step.exhale):
                assert any(move and move[1:] in line for line in said), (name, profile, move)


@pytest.mark.parametrize("profile", ["guided", "eyes-closed"])
def test_desk_reset_is_three_to_five_minutes(profile):
    _, timeline = _compiled("desk-reset", profile)
    assert 180 <= timeline.duration_s <= 300


def test_reclining_hip_release_is_short_and_others_longer():
    _, short = _compiled("reclining-hip-release", "guided")
    assert short.duration_s < 360
    for name in ("lower-back-hip-relief", "hip-stretches-for-lower-back", "bedtime-wind-down"):
        assert _compiled(name, "guided")[1].duration_s > short.duration_s
