"""`voicecoach import` on the fixture articles: each found as its expected file says, plans and exports."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import run_voicecoach

from voicecoach.cli import main
from voicecoach.importer.readstep import normalised_name
from voicecoach.routine.loader import load_routine

ARTICLES = Path(__file__).resolve().parent / "articles"
FIXTURES = sorted(p for p in ARTICLES.iterdir() if p.suffix in (".html", ".md", ".txt"))
WITH_STEPS = [p for p in FIXTURES if "error" not in json.loads(p.with_suffix(".expected.json").read_text())]
NO_STEPS = [p for p in FIXTURES if p not in WITH_STEPS]


def expected(article: Path) -> dict:
    return json.loads(article.with_suffix(".expected.json").read_text(encoding="utf-8"))


def import_json(article: Path) -> tuple[dict, str]:
    result = CliRunner().invoke(main, ["import", str(article), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_there_are_fixtures_in_every_form():
    forms = {p.suffix for p in WITH_STEPS}
    assert forms == {".html", ".md", ".txt"} and len(WITH_STEPS) >= 8 and NO_STEPS
    assert any("application/ld+json" in p.read_text() for p in WITH_STEPS)


@pytest.mark.parametrize("article", WITH_STEPS, ids=lambda p: p.name)
def test_steps_are_found_as_expected(article):
    want = expected(article)
    found, _ = import_json(article)
    assert found["title"] == want["title"]
    got = [normalised_name(s["name"]) for s in found["steps"]]
    assert got == [normalised_name(s["name"]) for s in want["steps"]]
    for step, spec in zip(found["steps"], want["steps"], strict=False):
        label = f"{article.name}: {spec['name']}"
        assert step["kind"] == spec["kind"], label
        hold = step["hold"] and [step["hold"]["low"], step["hold"]["high"], step["hold"]["unit"]]
        assert hold == spec["hold"], label
        if hold:
            assert hold[0] <= step["hold"]["used"] <= hold[1], label
        assert bool(step["sides"]) == spec["sides"], label
        assert (step["reps"] and step["reps"]["used"]) == spec["reps"], label
        if spec["cycles"] is not None:
            assert step["cycles"] is not None or step["hold"] is not None, label
        if "check" in spec:
            assert any(spec["check"] in c for c in step["checks"]), label


@pytest.mark.parametrize("article", WITH_STEPS, ids=lambda p: p.name)
def test_props_are_found(article):
    found, _ = import_json(article)
    props = {p["value"] for p in found["props"]} | {p["value"] for s in found["steps"] for p in s["props"]}
    assert props == set(expected(article)["props"])


@pytest.mark.parametrize("article", WITH_STEPS, ids=lambda p: p.name)
def test_routine_validates_plans_and_carries_its_sources(article, tmp_path):
    out = tmp_path / "mine.yaml"
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(article), "-o", str(out)])
    assert result.exit_code == 0, result.output
    routine = load_routine(out)
    want = expected(article)
    text = out.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["title"] == want["title"] and data["source"] and data["intro"].startswith("A word on safety")
    stretches = [s for s in data["steps"] if "stretch" in s or "flow" in s or "breathe" in s]
    assert len(stretches) == len(want["steps"])
    for step, spec in zip(stretches, want["steps"], strict=False):
        if "flow" in step and spec["cycles"]:
            assert step["cycles"] == spec["cycles"]
    for line in text.splitlines():
        if line.startswith(("    hold:", "    sides:", "    reps:")):
            assert "  # " in line and '"' in line.split("  # ", 1)[1], f"no quoted sentence on: {line}"
    for phrase in want["absent"]:
        assert phrase not in text, f"page clutter in the routine: {phrase!r}"
    assert routine.steps
    plan = runner.invoke(main, ["plan", str(out), "--estimate", "--json"])
    assert plan.exit_code == 0, plan.output
    holds = json.loads(plan.stdout)["holds"]
    assert len(holds) >= sum(1 for s in want["steps"] if s["kind"] == "stretch")


@pytest.mark.parametrize("article", WITH_STEPS, ids=lambda p: p.name)
def test_routine_exports_as_long_as_its_plan(article, tmp_path):
    """Every imported routine exports: real espeak speech to a WAV file as long as the routine's plan."""
    mine, out = tmp_path / "mine.yaml", tmp_path / "mine.wav"
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(article), "-o", str(mine)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["export", str(mine), "--engine", "espeak", "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = runner.invoke(main, ["plan", str(mine), "--engine", "espeak", "--json"])
    assert plan.exit_code == 0, plan.output
    timeline = json.loads(plan.stdout)
    with wave.open(str(out)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    out.unlink()  # a long session is tens of megabytes of WAV
    assert seconds == pytest.approx(timeline["duration_s"], abs=0.05)
    assert len(timeline["holds"]) >= sum(1 for s in expected(article)["steps"] if s["kind"] == "stretch")


@pytest.mark.parametrize("article", WITH_STEPS, ids=lambda p: p.name)
def test_every_check_comment_is_also_a_warning(article):
    result = CliRunner().invoke(main, ["import", str(article)])
    checks = [line.split("# check: ", 1)[1] for line in result.stdout.splitlines() if "# check: " in line]
    warnings = [line for line in result.stderr.splitlines() if line]
    assert len(checks) == len(warnings)
    for check, warning in zip(checks, warnings, strict=False):
        assert warning.startswith(f"{article}: step ") and warning.endswith(check)


@pytest.mark.parametrize("article", NO_STEPS, ids=lambda p: p.name)
def test_an_article_without_stretches_is_refused(article, tmp_path):
    out = tmp_path / "none.yaml"
    result = CliRunner().invoke(main, ["import", str(article), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{article}: no stretches found (looked for numbered headings or list items "
        "with hold times, and a named stretch with a hold in the text); nothing written"
    )
    assert not out.exists() and result.stdout == ""


def test_seed_import_exports_with_the_real_command(tmp_path):
    """The README's line, `import ... -o mine.yaml && export mine.yaml`, in a real process."""
    mine = tmp_path / "mine.yaml"
    proc = run_voicecoach("import", str(ARTICLES / "seed-one-stretch.html"), "-o", str(mine))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(f"wrote {mine} (2 steps, 1 from the article)")  # as validate counts
    proc = run_voicecoach("export", str(mine), "--engine", "espeak", "-o", str(tmp_path / "mine.mp3"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "mine.mp3").stat().st_size > 10_000
    plan = run_voicecoach("plan", str(mine), "--estimate", "--json")
    assert [h["duration_s"] for h in json.loads(plan.stdout)["holds"]] == [45.0, 45.0]
