"""`voicecoach import` as a command: standard input, bad input (exit 2, one line), help, JSON shape."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.importer import import_article
from voicecoach.routine.loader import parse_routine

ARTICLES = Path(__file__).resolve().parent / "articles"


def test_help_has_an_example_and_the_group_lists_import():
    result = CliRunner().invoke(main, ["import", "--help"])
    assert result.exit_code == 0
    assert "voicecoach import article.html -o mine.yaml && voicecoach export mine.yaml" in result.output
    assert "import" in CliRunner().invoke(main, ["--help"]).output


def test_markdown_from_standard_input():
    text = (ARTICLES / "evening-yoga.md").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "-"], input=text)
    assert result.exit_code == 0, result.output
    routine = parse_routine(result.stdout)
    assert routine.title == "A Slow Evening Yoga Sequence"
    assert "(standard input)" in routine.source
    assert all(line.startswith("-: step ") for line in result.stderr.splitlines())


def test_html_from_standard_input_is_recognised():
    html = (ARTICLES / "bedtime-blog.html").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "-", "--json"], input=html)
    assert result.exit_code == 0 and json.loads(result.stdout)["form"] == "html"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.html", "no such file"),
        (lambda d: d, "not a regular file"),
    ],
)
def test_unreadable_articles_are_one_line_and_exit_2(tmp_path, make, message):
    target = make(tmp_path)
    result = CliRunner().invoke(main, ["import", str(target)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"{target}: {message}"
        + ("" if message == "no such file" else " (give a saved .html page, a .md or a .txt file)")
        + "\n"
    )
    assert "Traceback" not in result.output


def test_an_existing_routine_is_not_replaced_without_force(tmp_path):
    """`import -o` keeps a file that is there (a routine someone edited), as `voicecoach new` does."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("# my edits\n", encoding="utf-8")
    article = str(ARTICLES / "evening-yoga.md")
    result = CliRunner().invoke(main, ["import", article, "-o", str(mine)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {mine} already exists: choose another file with -o, or use --force to replace it\n"
    )
    assert result.stdout == "" and mine.read_text(encoding="utf-8") == "# my edits\n"
    result = CliRunner().invoke(main, ["import", article, "-o", str(mine), "--force"])
    assert result.exit_code == 0, result.output
    assert parse_routine(mine.read_text(encoding="utf-8")).title == "A Slow Evening Yoga Sequence"
    assert "--force" in CliRunner().invoke(main, ["import", "--help"]).output


def test_an_empty_page_is_refused(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(page)])
    assert result.exit_code == 2 and result.stderr.startswith(f"{page}: ")


def test_json_says_where_each_value_came_from():
    found = import_article(str(ARTICLES / "seed-hip-key.md")).to_json()
    pigeon = found["steps"][0]
    assert pigeon["hold"] == {
        "low": 5,
        "high": 10,
        "unit": "breaths",
        "used": 8.0,
        "qualifier": None,
        "from": "Stay here for 5 to 10 deep breaths.",
    }
    assert pigeon["sides"]["from"] == "Switch sides and do the same again."
    assert pigeon["sides"]["first"] == "left"
    frog = found["steps"][6]
    assert frog["hold"] is None and frog["cautions"][0]["from"].startswith("Go carefully with this one")
    assert any(
        'step 7 "Frog Pose": no hold time found, used the default 30 s' in w for w in found["warnings"]
    )


def test_written_yaml_keeps_range_in_comment_and_speaks_cautions():
    text = import_article(str(ARTICLES / "evening-yoga.md")).yaml_text
    assert 'hold: 45s  # 30s-1m in the article, the middle used: "Hold for 30 seconds to 1 minute' in text
    assert '"Skip this if you have knee pain, or put a folded blanket under the back knee."' in text
    assert "breathe: 4-6  #" in text and "cycles: 6  # article:" in text
    assert 'talk: "For this session you will need a strap."' in text
    assert "reps: 20" not in text and "cycles: 20" in text
    runners = import_article(str(ARTICLES / "runners-cooldown.txt")).yaml_text
    assert 'cycles: 13  # 10-15 in the article, the middle used: "Repeat 10-15 times on each leg."' in runners


def test_the_importer_stays_in_its_layer():
    """voicecoach.importer uses only errors and routine (the loader): no CLI, session, audio or speech."""
    import ast

    package = Path(__file__).resolve().parents[1] / "voicecoach" / "importer"
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("voicecoach"):
                allowed = ("voicecoach.errors", "voicecoach.routine", "voicecoach.importer")
                assert node.module.startswith(allowed), f"{source.name} imports {node.module}"


def test_json_with_an_output_file_is_refused_not_ignored(tmp_path, monkeypatch):
    """`import calf.txt --json -o calfj.yaml` printed the JSON and wrote nothing, exit 0."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["import", str(ARTICLES / "runners-cooldown.txt"), "--json", "-o", "calfj.yaml"]
    )
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "error: --json prints what was found, -o writes the routine: give one of them "
        "(for the JSON in a file: --json > found.json)\n"
    )
    assert not (tmp_path / "calfj.yaml").exists()
    assert "Not with --json" in " ".join(CliRunner().invoke(main, ["import", "--help"]).output.split())


@pytest.mark.parametrize(
    "out, said",
    [
        (
            "out.mp3",
            "error: out.mp3: a routine is written as YAML: use .yaml, such as -o out.yaml "
            "(.mp3 is for audio, which `voicecoach export` writes)\n",
        ),
        ("out.txt", "error: out.txt: a routine is written as YAML: use .yaml, such as -o out.yaml\n"),
    ],
)
def test_an_output_that_is_not_yaml_is_refused(tmp_path, monkeypatch, out, said):
    """`import physio.txt -o out.mp3` wrote YAML into an .mp3 file."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["import", str(ARTICLES / "runners-cooldown.txt"), "-o", out])
    assert result.exit_code == 2 and result.stderr == said
    assert not (tmp_path / out).exists()


@pytest.mark.parametrize("out, handle", [("physio", "./physio"), ("my calf.YML", "'my calf.YML'")])
def test_the_suggested_command_works_and_counts_steps_as_validate_does(tmp_path, monkeypatch, out, handle):
    """`-o physio` suggested `voicecoach plan physio` (a routine's name: no such routine), and its
    "(5 steps)" disagreed with validate's "7 steps" (the talk and rest the importer adds)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["import", str(ARTICLES / "runners-cooldown.txt"), "-o", out])
    assert result.exit_code == 0, result.output
    last = result.stderr.splitlines()[-1]
    assert (
        last
        == f"wrote {out} (7 steps, 5 from the article): check it with `voicecoach plan {handle} --estimate`"
    )
    assert CliRunner().invoke(main, ["plan", shlex.split(handle)[0], "--estimate"]).exit_code == 0
    validated = CliRunner().invoke(main, ["validate", shlex.split(handle)[0]])
    assert validated.stdout.startswith(f"{shlex.split(handle)[0]}: ok, 7 steps")
