"""`voicecoach export -o session.m4b`: an AAC audiobook with one chapter per step, as players read it."""

from __future__ import annotations

import json
import subprocess

from audio_helpers import RATE, decode
from conftest import run_voicecoach
from serve_support import ESPEAK, write_tiny


def _probe(path):
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_chapters",
            "-show_format",
            "-show_streams",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_m4b_is_an_aac_audiobook_with_the_plans_chapters(tmp_path):
    routine = write_tiny(tmp_path)
    out = tmp_path / "session.m4b"
    done = run_voicecoach("export", str(routine), "-o", str(out), *ESPEAK)
    assert done.returncode == 0, done.stderr
    plan = json.loads(run_voicecoach("plan", str(routine), "--json", *ESPEAK).stdout)
    info = _probe(out)
    assert info["format"]["tags"]["major_brand"] == "M4B "  # what Apple Books and audiobook apps look for
    assert info["format"]["tags"]["media_type"] == "2"  # iTunes: audiobook
    assert info["format"]["tags"]["title"] == "Tiny Serve Test"
    assert [s["codec_name"] for s in info["streams"] if s["codec_type"] == "audio"] == ["aac"]
    titles = [c["tags"]["title"] for c in info["chapters"]]
    assert titles == [s["title"] or s["kind"].capitalize() for s in plan["steps"]]
    starts = [float(c["start_time"]) for c in info["chapters"]]
    assert starts[0] == 0.0
    for start, step in zip(starts[1:], plan["steps"][1:], strict=False):
        assert abs(start - step["start_s"]) < 0.002
    assert abs(len(decode(out)) / RATE - plan["duration_s"]) < 0.05
    with open(out, "rb") as fh:
        head = fh.read(64)
    assert head[4:8] == b"ftyp" and b"moov" in head  # the index first: players streaming it seek at once
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
