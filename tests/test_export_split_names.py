"""A split export as a phone shows it: sensible file names, a playlist named after its folder, and
one album per session (the routine's title), not one "voicecoach" album for every session."""

from __future__ import annotations

import json
import subprocess

from conftest import run_voicecoach

ROUTINE = """title: Warm Start
defaults: {rest: 1s, transition: 1s}
steps:
  - talk: Stretching goes better with warm muscles. If you have not moved much yet, walk a little first.
  - talk: Sit tall and breathe.
  - stretch: Neck Roll
    hold: 2s
"""
OPTIONS = ("--engine", "espeak", "--no-intro")


def tags_of(path) -> dict[str, str]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)
    tags = dict(found["format"].get("tags", {}))  # MP3, M4A
    for stream in found.get("streams", []):  # Ogg keeps its comments on the stream
        tags.update(stream.get("tags", {}))
    return {k.lower(): v for k, v in tags.items()}


def test_split_files_are_named_sensibly_and_the_playlist_after_the_folder(tmp_path):
    (tmp_path / "warm.yaml").write_text(ROUTINE, encoding="utf-8")
    done = run_voicecoach("export", "warm.yaml", *OPTIONS, "--split", "-o", "morning", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "morning").iterdir())
    assert names == [
        "01 - Stretching goes better with warm muscles.mp3",
        "02 - Sit tall and breathe.mp3",
        "03 - Neck Roll.mp3",
        "morning.m3u8",
    ]
    playlist = (tmp_path / "morning" / "morning.m3u8").read_text(encoding="utf-8")
    assert "#PLAYLIST:Warm Start" in playlist
    assert "\n01 - Stretching goes better with warm muscles.mp3\n" in playlist
    for name in names[:3]:
        found = tags_of(tmp_path / "morning" / name)
        assert found["album"] == "Warm Start" and found["artist"] == "voicecoach", (name, found)
    assert tags_of(tmp_path / "morning" / names[2])["title"] == "Warm Start - Neck Roll"


def test_a_whole_session_is_its_own_album_in_every_format(tmp_path):
    (tmp_path / "warm.yaml").write_text(ROUTINE, encoding="utf-8")
    for suffix in (".mp3", ".m4a", ".ogg"):
        done = run_voicecoach("export", "warm.yaml", *OPTIONS, "-o", f"warm{suffix}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        found = tags_of(tmp_path / f"warm{suffix}")
        assert found["album"] == "Warm Start" and found["artist"] == "voicecoach", (suffix, found)
