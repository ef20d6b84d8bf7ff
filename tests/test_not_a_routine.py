"""Bug 6: `voicecoach validate desk-reset.mp3` answered with the size limit for routine files; a
file of audio is named for what it is, whatever its size."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.routine.yamlpos import audio_kind

ROUTINE = "title: Tiny\nsteps:\n  - talk: Hello.\n  - rest: 1s\n"


def test_an_exported_mp3_is_not_a_routine(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(ROUTINE, encoding="utf-8")
    assert CliRunner().invoke(main, ["export", "tiny.yaml", "--engine", "espeak"]).exit_code == 0
    result = CliRunner().invoke(main, ["validate", "tiny.mp3"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "tiny.mp3:1:1: this is not a routine file (it is audio: an MP3 file): "
        "give the path of a routine's .yaml file"
    )


def test_a_large_audio_file_is_named_as_audio_not_as_too_big(tmp_path):
    big = tmp_path / "session.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "30", str(big)],
        check=True,
    )
    assert big.stat().st_size > 1_000_000
    result = CliRunner().invoke(main, ["validate", str(big)])
    assert result.exit_code == 2
    assert "it is audio: a WAV file" in result.output and "bytes" not in result.output


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00", "an MP3 file"),
        (b"\xff\xfb\x90\x64" + bytes(8), "an MP3 file"),
        (b"RIFF\x24\x00\x00\x00WAVE", "a WAV file"),
        (b"OggS\x00\x02" + bytes(6), "an Ogg file"),
        (b"fLaC\x00\x00\x00\x22" + bytes(4), "a FLAC file"),
        (b"\x00\x00\x00\x20ftypM4A ", "an MP4/M4A file"),
        (b"title: Tiny\n", None),
        (b"\xff\xfet\x00i\x00t\x00l\x00", None),  # UTF-16 text: its own message, not "audio"
        (b"", None),
    ],
)
def test_audio_kinds_by_their_first_bytes(head: bytes, kind: str | None):
    assert audio_kind(head) == kind


def test_a_routine_file_still_loads(tmp_path):
    path = Path(tmp_path / "tiny.yaml")
    path.write_text(ROUTINE, encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 0
