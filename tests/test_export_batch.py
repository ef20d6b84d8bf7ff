"""`voicecoach export` with several routines, a folder of routines, --format and --tail."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from voicecoach.cli import main

SHORT = "title: {title}\nsteps:\n  - talk: Hello from {title}.\n  - rest: 2s\n"


def decoded_s(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(json.loads(out)["format"]["duration"])


def write_routines(folder: Path, *titles: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for title in titles:
        path = folder / f"{title.lower()}.yaml"
        path.write_text(SHORT.format(title=title))
        paths.append(path)
    return paths


def test_several_routines_into_a_folder(tmp_path):
    a, b = write_routines(tmp_path / "src", "Alpha", "Beta")
    out = tmp_path / "phone"
    result = CliRunner().invoke(main, ["export", str(a), str(b), "-o", f"{out}/", "--engine", "espeak"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["alpha.mp3", "beta.mp3"]
    assert result.output.count("wrote ") == 2


def test_routines_of_one_name_are_each_exported_under_its_own_name(tmp_path):
    (first,) = write_routines(tmp_path / "one", "Alpha")
    (second,) = write_routines(tmp_path / "two", "ALPHA")
    out = tmp_path / "phone"
    args = ["export", str(first), str(second), str(first), "-o", f"{out}/", "--engine", "espeak"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["alpha 2.mp3", "alpha 3.mp3", "alpha.mp3"]
    lengths = [decoded_s(p) for p in out.iterdir()]
    assert min(lengths) > 5 and max(lengths) - min(lengths) < 2, lengths  # three whole sessions


def test_a_folder_of_routines_with_a_format(tmp_path):
    write_routines(tmp_path / "src", "Gamma", "Delta")
    out = tmp_path / "wav"
    result = CliRunner().invoke(
        main, ["export", str(tmp_path / "src"), "-o", f"{out}/", "--format", "wav", "--engine", "espeak"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["delta.wav", "gamma.wav"]


def test_a_bad_routine_stops_the_batch_before_any_export(tmp_path):
    (good,) = write_routines(tmp_path / "src", "Good")
    bad = tmp_path / "src" / "zz-bad.yaml"
    bad.write_text("title: Bad\nsteps:\n  - rest: 5 sek\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", str(good), str(bad), "-o", f"{out}/", "--engine", "espeak"])
    assert result.exit_code == 2
    assert f"{bad}:3:11: rest: '5 sek' is not a duration" in result.output
    assert not out.exists() or not list(out.iterdir())


def test_empty_folder_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["export", str(tmp_path / "empty"), "--engine", "espeak"])
    assert result.exit_code == 2 and "no routine files" in result.output


def test_tail_lengthens_the_bedtime_ending(tmp_path):
    (src,) = write_routines(tmp_path / "src", "Night")
    lengths = {}
    for tail in ("5s", "25s"):
        out = tmp_path / f"night-{tail}.mp3"
        result = CliRunner().invoke(
            main,
            [
                "export",
                str(src),
                "-o",
                str(out),
                "--profile",
                "bedtime",
                "--tail",
                tail,
                "--engine",
                "espeak",
            ],
        )
        assert result.exit_code == 0, result.output
        lengths[tail] = decoded_s(out)
    assert abs(lengths["25s"] - lengths["5s"] - 20.0) < 0.1
    bad = CliRunner().invoke(main, ["export", str(src), "--tail", "3 fortnights", "--engine", "espeak"])
    assert bad.exit_code == 2 and "--tail" in bad.output
