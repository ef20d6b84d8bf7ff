"""`voicecoach validate` over the corpus in tests/routines: broken files and good ones.

Every broken file names what it must produce: its leading `# expect: LINE:COL: text` comment lines
(or, for files whose first line cannot be a comment, a row of broken/EXPECT.txt). `validate` must
print, for each expectation, a line `PATH:LINE:COL: message` whose message contains the text; print
no other problem for that file; exit 2; and never show a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_voicecoach

from voicecoach.cli import main
from voicecoach.routine.durations import HoldLength
from voicecoach.routine.loader import load_routine

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "routines" / "broken"
GOOD = ROOT / "tests" / "routines" / "good"
EXPECT_PREFIX = b"# expect: "


@dataclass(frozen=True)
class Expect:
    """One problem a broken file must produce."""

    line: int
    col: int
    text: str

    @classmethod
    def parse(cls, where: str, text: str) -> Expect:
        line, col = where.split(":")
        return cls(int(line), int(col), text.strip())


def _table() -> dict[str, list[Expect]]:
    """The expectations kept in broken/EXPECT.txt (FILE<TAB>LINE:COL<TAB>text)."""
    table: dict[str, list[Expect]] = {}
    for row in (BROKEN / "EXPECT.txt").read_text(encoding="utf-8").splitlines():
        if row.strip() and not row.startswith("#"):
            name, where, text = row.split("\t")
            table.setdefault(name, []).append(Expect.parse(where, text))
    return table


def expectations(path: Path) -> list[Expect]:
    """What `path` must produce: its `# expect:` header lines, or its rows in EXPECT.txt."""
    table = _table()
    if path.name in table:
        return table[path.name]
    found = []
    for raw in path.read_bytes().splitlines():
        if not raw.startswith(b"#"):
            break
        if raw.startswith(EXPECT_PREFIX):
            where, _, text = raw[len(EXPECT_PREFIX) :].decode("utf-8").partition(": ")
            found.append(Expect.parse(where, text))
    return found


BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))
GOOD_FILES = sorted(GOOD.glob("*.yaml"))


def problem_lines(output: str, shown: str) -> list[str]:
    """The lines of `output` that report a problem in the file shown as `shown`."""
    return [line for line in output.splitlines() if line.startswith(f"{shown}:")]


def check_problems(output: str, shown: str, expects: list[Expect]) -> None:
    """Each expectation is met by its own line, and no other problem is reported for the file."""
    lines = problem_lines(output, shown)
    for e in expects:
        prefix = f"{shown}:{e.line}:{e.col}: "
        hits = [line for line in lines if line.startswith(prefix) and e.text in line[len(prefix) :]]
        assert hits, f"expected '{prefix}...{e.text}...'; got:\n" + "\n".join(lines or ["(no problem lines)"])
    assert len(lines) == len(expects), "extra problems reported:\n" + "\n".join(lines)


def run_validate(*paths: str):
    result = CliRunner().invoke(main, ["validate", *paths])
    assert "Traceback" not in result.output
    # CliRunner catches exceptions itself: anything but a clean exit is a crash.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_corpus_is_complete():
    assert len(BROKEN_FILES) >= 35
    for path in BROKEN_FILES:
        assert expectations(path), f"{path.name} names no expectation"
    for name in _table():
        assert (BROKEN / name).is_file(), f"EXPECT.txt names a missing file {name}"
    assert len(GOOD_FILES) >= 5


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.stem)
def test_broken_routine_reports_its_problems(path: Path):
    result = run_validate(str(path))
    assert result.exit_code == 2, result.output
    check_problems(result.output, str(path), expectations(path))


SUBPROCESS_CASES = [
    "alias-bomb",
    "alias-flood",
    "deep-nesting",
    "deep-nesting-bad-indent",
    "binary-garbage",
    "tag-python-object",
    "tab-indent",
    "latin1-title",
    "three-mistakes",
]


@pytest.mark.parametrize("stem", SUBPROCESS_CASES)
def test_broken_routine_through_python_m(stem: str):
    shown = f"tests/routines/broken/{stem}.yaml"  # relative: the path is reported as given
    proc = run_voicecoach("validate", shown, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    check_problems(proc.stderr, shown, expectations(ROOT / shown))


def test_several_files_report_problems_of_each():
    names = ["typo-key-hodl", "chime-unknown", "binary-garbage", "three-mistakes"]
    paths = [BROKEN / f"{n}.yaml" for n in names]
    good = GOOD / "minimal.yaml"
    result = run_validate(str(paths[0]), str(good), *[str(p) for p in paths[1:]])
    assert result.exit_code == 2
    for path in paths:
        check_problems(result.output, str(path), expectations(path))
    assert not [
        line
        for line in problem_lines(result.output, str(good))
        if line.count(":") >= 3 and line.split(":")[1].isdigit()
    ]


def test_three_mistakes_are_all_reported():
    path = BROKEN / "three-mistakes.yaml"
    result = run_validate(str(path))
    assert result.exit_code == 2
    lines = problem_lines(result.output, str(path))
    assert len(lines) == 3
    assert len({line.split(": ")[0] for line in lines}) == 3  # three different positions


@pytest.mark.parametrize("path", GOOD_FILES, ids=lambda p: p.stem)
def test_good_routine_validates(path: Path):
    result = run_validate(str(path))
    assert result.exit_code == 0, result.output
    positioned = re.compile(re.escape(str(path)) + r":\d+:\d+: ")
    assert not [line for line in result.output.splitlines() if positioned.match(line)], result.output


def test_good_durations_have_their_seconds():
    routine = load_routine(GOOD / "durations.yaml")
    rests = [s.duration_s for s in routine.steps if s.kind == "rest"]
    assert rests == [45, 45, 45, 45, 60, 60, 90, 90, 120, 90, 2.5, 30, 30, 120, 90, 90]
    assert routine.defaults.hold == HoldLength(seconds=60)
    assert (routine.defaults.transition_s, routine.defaults.rest_s) == (3, 2)
    holds = [s.hold for s in routine.steps if s.kind == "stretch"]
    assert holds[1:] == [
        HoldLength(breaths=6),
        HoldLength(seconds=20),
        HoldLength(seconds=90),
        HoldLength(breaths=1),
    ]
    assert holds[0] in (None, HoldLength(seconds=60))  # the default hold


def test_good_breathing_patterns_have_their_phases():
    routine = load_routine(GOOD / "breathing.yaml")
    phases = [[s for _, s in step.pattern.phases()] for step in routine.steps if step.kind == "breathe"]
    assert phases == [
        [4, 6],
        [4, 7, 8],
        [4, 4, 4, 4],
        [5.5, 5.5],
        [3.5, 1.5, 6.5],
        [1, 20],
        [4, 6],
        [4, 7, 8],
        [4, 4, 4, 4],
        [5.5, 5.5],
    ]
    cycles = [step.cycles for step in routine.steps if step.kind == "breathe"]
    assert cycles == [4, 2, 1, 4, 2, 1, 4, 2, 2, 3]
    flows = [step for step in routine.steps if step.kind == "flow"]
    assert flows[0].breath.phases() == [("inhale", 4), ("hold", 4), ("exhale", 4), ("hold-out", 4)]
    assert flows[0].cycles == 2 and flows[1].cycles == 6
    assert routine.defaults.breath.cycle_s == 11


def test_good_sides_and_reps():
    routine = load_routine(GOOD / "sides.yaml")
    got = [(s.sides, s.reps) for s in routine.steps]
    assert got == [
        ((), 1),
        ((), 2),
        (("right", "left"), 3),
        (("left",), 1),
        (("right",), 1),
        (("left", "right"), 2),
        (("right",), 1),
    ]
