"""A full disk (a 200 KB tmpfs) or a file-size limit (RLIMIT_FSIZE, which gives EFBIG): a clear
one-line error, exit 1, the file that was there untouched, no temporary file left, no space
kept. A cache on a full disk only costs its speed: the export still succeeds.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from audio_helpers import tone_timeline
from conftest import REPO, run_voicecoach

from voicecoach.errors import ExportError
from voicecoach.export.encoders import FORMATS, FfmpegEncoder
from voicecoach.export.track import ExportOptions, export_session
from voicecoach.speech.cache import SUFFIX

ROUTINE = """title: Full Disk
defaults: {hold: 10s, transition: 2s, rest: 2s}
steps:
  - talk: Sit tall and let your shoulders drop.
  - stretch: Neck Side Bend
    setup: Tilt your {side} ear toward your shoulder.
    sides: both
  - talk: Well done.
"""
OLD = os.urandom(20_000)


@pytest.fixture()
def tiny_disk(tmp_path: Path):
    """A 200 KB tmpfs, unmounted afterwards; the test is skipped only where mounting is not allowed."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(
            f"mounting a tmpfs is not permitted here ({proc.stderr.strip() or proc.returncode}); "
            "test_a_file_size_limit_is_a_clear_error covers a full disk by RLIMIT_FSIZE instead"
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def _fill(folder: Path, leave_bytes: int) -> None:
    with open(folder / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, _free_bytes(folder) - leave_bytes))


def _only(folder: Path, *names: str) -> None:
    found = sorted(p.name for p in folder.iterdir())
    assert found == sorted(names), f"left behind: {set(found) - set(names)}"


def test_export_to_a_full_disk_is_a_clear_error_and_leaves_nothing(tmp_path: Path, tiny_disk: Path):
    routine = tmp_path / "routine.yaml"
    routine.write_text(ROUTINE)
    dest = tiny_disk / "session.mp3"
    dest.write_bytes(OLD)
    free = _free_bytes(tiny_disk)
    proc = run_voicecoach("export", str(routine), "-o", str(dest), "--engine", "espeak", "--lrc")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"error: could not write {dest}: No space left on device "
        "(check the folder is writable and the disk has space)"
    )
    assert dest.read_bytes() == OLD
    _only(tiny_disk, "session.mp3")
    assert _free_bytes(tiny_disk) == free, "the failed export still holds disk space"


@pytest.mark.parametrize("suffix", [".wav", ".m4a", ".ogg", ".flac"])
def test_every_format_fails_cleanly_on_a_full_disk(tiny_disk: Path, suffix: str):
    timeline, clips = tone_timeline(0.5)
    dest = tiny_disk / f"session{suffix}"
    dest.write_bytes(OLD)
    _fill(tiny_disk, 40_000)
    with pytest.raises(ExportError, match=r"(No space left on device|no space left).*disk has space"):
        export_session(timeline, clips, dest, ExportOptions(lrc=True, srt=True))
    assert dest.read_bytes() == OLD
    _only(tiny_disk, dest.name, "filler")


def test_ffmpeg_exiting_0_after_a_failed_write_is_still_a_failure(tiny_disk: Path):
    """ffmpeg 5 exits 0 when it cannot write an Ogg file's last pages: its error output tells."""
    _fill(tiny_disk, 1_000)
    encoder = FfmpegEncoder(str(tiny_disk / "x.ogg"), 48000, FORMATS[".ogg"], "phone")
    noise = np.random.default_rng(0).uniform(-0.3, 0.3, 48000).astype(np.float32)
    with pytest.raises(ExportError, match=r"ffmpeg could not write the \.ogg file: No space left on device"):
        for _ in range(20):
            encoder.write(noise)
        encoder.close()


def test_a_cache_on_a_full_disk_does_not_stop_an_export(tmp_path: Path, tiny_disk: Path):
    routine = tmp_path / "routine.yaml"
    routine.write_text(ROUTINE)
    _fill(tiny_disk, 0)
    out = tmp_path / "session.wav"
    proc = run_voicecoach(
        "export",
        str(routine),
        "-o",
        str(out),
        "--engine",
        "espeak",
        env={"VOICECOACH_CACHE_DIR": str(tiny_disk / "cache")},
    )
    assert proc.returncode == 0, proc.stderr
    warnings = proc.stderr.strip().splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("warning: could not write to the speech cache")
    assert "No space left on device" in warnings[0] and "VOICECOACH_CACHE_DIR" in warnings[0]
    assert out.stat().st_size > 100_000
    entries = [p for p in (tiny_disk / "cache").rglob("*") if p.is_file()]
    assert all(p.suffix == SUFFIX for p in entries), "no partial entry is left in the cache"


def _limit_file_size(max_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


EXPORT_SCRIPT = """
import sys
from audio_helpers import tone_timeline
from voicecoach.export.track import ExportOptions, export_session
from voicecoach.errors import ExportError
timeline, clips = tone_timeline(1.0)
try:
    export_session(timeline, clips, sys.argv[1], ExportOptions(lrc=True))
except ExportError as exc:
    sys.exit(f"error: {exc}")
"""


@pytest.mark.parametrize("suffix", [".mp3", ".flac"])  # written here, and by ffmpeg
def test_a_file_size_limit_is_a_clear_error(tmp_path: Path, suffix: str):
    """RLIMIT_FSIZE makes every write past the limit fail with EFBIG: a full disk wherever the test runs.
    (espeak-ng itself cannot start under such a limit here, so the export runs from synthetic lines.)"""
    dest = tmp_path / f"session{suffix}"
    dest.write_bytes(OLD)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    proc = subprocess.run(
        [sys.executable, "-c", EXPORT_SCRIPT, str(dest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size(200_000),
    )
    assert proc.returncode == 1, proc.stderr
    assert "File too large" in proc.stderr
    assert "check the folder is writable and the disk has space" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert dest.read_bytes() == OLD
    _only(tmp_path, dest.name)
