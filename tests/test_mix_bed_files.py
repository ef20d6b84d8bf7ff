"""`--bed FILE` that is no sound: an empty file, random bytes. One clean line, exit 2, before synthesis."""

from __future__ import annotations

import pytest
from conftest import run_voicecoach

ROUTINE = "title: Bed Check\nsteps:\n  - talk: Sit comfortably.\n"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.mp3", b"", "is empty"),
        ("junk.mp3", bytes(range(256)) * 40, "cannot decode the bed file"),
        ("noise.ogg", b"OggS" + b"\x00" * 200, "cannot decode the bed file"),
    ],
)
def test_an_undecodable_bed_is_one_line_naming_the_file_once_with_exit_2(tmp_path, name, content, reason):
    (tmp_path / "r.yaml").write_text(ROUTINE, encoding="utf-8")
    (tmp_path / name).write_bytes(content)
    done = run_voicecoach(
        "export", "r.yaml", "--engine", "espeak", "--bed", name, "-o", "out.mp3", cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert reason in done.stderr
    assert done.stderr.count(name) == 1, done.stderr  # named once, as the user wrote it
    assert str(tmp_path) not in done.stderr
    assert not (tmp_path / "out.mp3").exists()
