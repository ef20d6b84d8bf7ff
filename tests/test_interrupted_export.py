"""Interrupted exports: Ctrl-C, SIGTERM and SIGKILL at many points of `voicecoach export`.

The real command runs in a subprocess (espeak, a cold cache at first) and is stopped while it
starts, synthesises, measures, encodes and finishes. After every stop: the file that was at the
destination is byte-identical (or, when the stop came after the rename, it is the complete new
file); Ctrl-C and SIGTERM leave no temporary file; a SIGKILL's leftover is removed by the next
run. Then one more export, from the cache the stopped runs shared, gives exactly the audio of an
undisturbed run: nothing was lost or damaged along the way.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, run_voicecoach

from voicecoach.fsutil import TEMP_MARK, temp_path_for

pytestmark = pytest.mark.realtime  # played, recorded or signalled against the wall clock: run alone

ROUTINE = """title: Interrupted
defaults: {hold: 10s, transition: 2s, rest: 2s}
steps:
  - talk: Sit tall and let your shoulders drop.
  - stretch: Neck Side Bend
    setup: Tilt your {side} ear toward your shoulder.
    sides: both
  - breathe: 4-6
    cycles: 2
  - talk: Let your breath settle into an easy rhythm.
  - talk: Notice the floor under your feet.
  - talk: Soften your jaw and the space between your eyes.
  - talk: Let your arms hang heavy by your sides.
  - talk: Feel the length of your spine from the crown to the tailbone.
  - talk: Well done.
"""
OLD = b"an earlier export, which must survive every interruption" * 100


@dataclass(frozen=True)
class Stop:
    signum: int
    after_s: float = 0.0  # stop this long after the start ...
    cached_clips: int | None = None  # ... or once the shared cache holds this many spoken clips ...
    temp_fraction: float | None = None  # ... or once the temporary file holds this part of the output


STOPS = [
    # while starting up, then while synthesising: each run picks up what the earlier ones cached and
    # is stopped once the cache has grown to the next mark, so the stops land mid-synthesis however
    # fast the machine is (a timed stop there finished before it came on a fast one)
    Stop(signal.SIGINT, after_s=0.1),
    Stop(signal.SIGINT, cached_clips=2),
    Stop(signal.SIGTERM, cached_clips=6),
    Stop(signal.SIGKILL, cached_clips=10),
    Stop(signal.SIGINT, cached_clips=14),
    # while encoding: as the temporary file appears, half way, and at the very end
    Stop(signal.SIGKILL, temp_fraction=0.0),
    Stop(signal.SIGTERM, temp_fraction=0.0),
    Stop(signal.SIGINT, temp_fraction=0.5),
    Stop(signal.SIGKILL, temp_fraction=0.5),
    Stop(signal.SIGTERM, temp_fraction=0.97),
    Stop(signal.SIGINT, temp_fraction=0.97),
]


def _temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if TEMP_MARK in p.name]


def _start(args: list[str], cache: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "VOICECOACH_CACHE_DIR": str(cache)}
    return subprocess.Popen(
        [sys.executable, "-m", "voicecoach", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _cached_clips(cache: Path | None) -> int:
    return 0 if cache is None else len(list(cache.glob("speech/*/*.clip")))


def _stop_when(
    proc: subprocess.Popen, stop: Stop, dest: Path, full_size: int, cache: Path | None = None
) -> str:
    """Send the stop's signal at its moment; where the export was then ('temp' or 'before')."""
    start = time.monotonic()
    temp = temp_path_for(dest, proc.pid)
    while proc.poll() is None and time.monotonic() - start < 60:
        try:
            size = temp.stat().st_size
        except OSError:
            size = None
        if stop.cached_clips is not None:
            if _cached_clips(cache) >= stop.cached_clips:
                proc.send_signal(stop.signum)
                return "before" if size is None else "temp"
        elif stop.temp_fraction is None:
            if time.monotonic() - start >= stop.after_s:
                proc.send_signal(stop.signum)
                return "before" if size is None else "temp"
        elif size is not None and size >= stop.temp_fraction * full_size:
            proc.send_signal(stop.signum)
            return "temp"
        time.sleep(0.005)
    return "finished"


def _python_starting_up(stderr: str) -> bool:
    """A Ctrl-C so early that Python itself is still starting (site, .pth files, runpy): not ours to
    catch. Ours is any frame in the voicecoach package beyond its empty __init__."""
    frames = re.findall(r'File "([^"]+)"', stderr.split("Traceback", 1)[1])
    return not [f for f in frames if re.search(r"[/\\]voicecoach[/\\](?!__init__\.py)", f)]


def test_stopped_anywhere_an_export_loses_nothing(tmp_path: Path):
    routine = tmp_path / "routine.yaml"
    routine.write_text(ROUTINE)
    reference = tmp_path / "reference.mp3"
    done = run_voicecoach(
        "export",
        str(routine),
        "-o",
        str(reference),
        "--engine",
        "espeak",
        env={"VOICECOACH_CACHE_DIR": str(tmp_path / "reference-cache")},
    )
    assert done.returncode == 0, done.stderr
    expected = reference.read_bytes()

    out = tmp_path / "out"
    out.mkdir()
    dest = out / "session.mp3"
    dest.write_bytes(OLD)
    cache = tmp_path / "shared-cache"
    args = ["export", str(routine), "-o", str(dest), "--engine", "espeak"]
    hit = {"before": 0, "temp": 0, "finished": 0}
    for stop in STOPS:
        before = dest.read_bytes()
        proc = _start(args, cache)
        where = _stop_when(proc, stop, dest, len(expected), cache)
        hit[where] += 1
        _, stderr = proc.communicate(timeout=60)
        after = dest.read_bytes()
        assert after == before or after == expected, f"{stop}: the destination holds something else"
        assert [p.name for p in out.iterdir() if TEMP_MARK not in p.name] == ["session.mp3"]
        assert "Traceback" not in stderr or _python_starting_up(stderr), stderr
        if stop.signum != signal.SIGKILL:
            assert not temp_path_for(dest, proc.pid).exists(), f"{stop}: a temporary file was left behind"
        assert len(_temps(out)) <= 1, "each run removes what earlier killed runs left"
        if proc.returncode == 130:
            assert stderr.strip().splitlines()[-1] == "interrupted"
        else:
            assert proc.returncode in (0, -stop.signum), (stop, proc.returncode, stderr)
    assert hit["temp"] >= 5 and hit["before"] >= 4, hit  # the stops landed where they were meant to

    final = _start(args, cache)
    _, stderr = final.communicate(timeout=120)
    assert final.returncode == 0 and "warning" not in stderr, stderr
    assert dest.read_bytes() == expected, "the shared cache gave different audio after the interruptions"
    assert not _temps(out), "the next run removes what killed runs left"
    assert not [p for p in cache.rglob("*") if TEMP_MARK in p.name], "no temporary file is left in the cache"


def _ffmpeg_children_writing(path_part: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmdline and cmdline[0].endswith(b"ffmpeg") and any(path_part.encode() in a for a in cmdline):
                pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds ffmpeg processes through /proc")
def test_a_killed_m4a_export_leaves_no_ffmpeg_running_and_no_file(tmp_path: Path):
    routine = tmp_path / "routine.yaml"
    routine.write_text(ROUTINE)
    dest = tmp_path / "session.m4a"
    dest.write_bytes(OLD)
    for signum in (signal.SIGINT, signal.SIGKILL):
        proc = _start(["export", str(routine), "-o", str(dest), "--engine", "espeak"], tmp_path / "cache")
        assert _stop_when(proc, Stop(signum, temp_fraction=0.0), dest, 1) == "temp"
        proc.wait(timeout=60)
        deadline = time.monotonic() + 20
        while _ffmpeg_children_writing(dest.name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _ffmpeg_children_writing(dest.name), "ffmpeg outlived the export"
        assert dest.read_bytes() == OLD
    assert len(_temps(tmp_path)) <= 1
    done = run_voicecoach(
        "export",
        str(routine),
        "-o",
        str(tmp_path / "other.wav"),
        "--engine",
        "espeak",
        env={"VOICECOACH_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == 0, done.stderr
    assert not _temps(tmp_path) and dest.read_bytes() == OLD
