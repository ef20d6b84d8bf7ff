"""Atomic output: a complete file or none, whatever happens (error, Ctrl-C, SIGTERM, SIGKILL)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from audio_helpers import tone_timeline

from voicecoach.export.track import export_session
from voicecoach.fsutil import (
    TEMP_MARK,
    atomic_output,
    clean_stale_temp_files,
    temp_path_for,
    write_bytes_atomic,
    write_text_atomic,
)

TESTS = Path(__file__).resolve().parent
OLD = b"the previous export"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if TEMP_MARK in p.name]


def test_threads_writing_one_file_at_once_never_share_a_temporary_file(tmp_path):
    dest = tmp_path / "entry.clip"
    seen: list[Path] = []
    both_inside = threading.Barrier(2, timeout=10)

    def write(data: bytes) -> None:
        with atomic_output(dest, durable=False) as tmp:
            seen.append(tmp)
            tmp.write_bytes(data)
            both_inside.wait()

    threads = [threading.Thread(target=write, args=(bytes([i]) * 1000,)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 2, seen
    assert dest.read_bytes() in (b"\1" * 1000, b"\2" * 1000) and not _temp_files(tmp_path)


def test_success_replaces_the_destination_and_leaves_no_temp(tmp_path):
    dest = tmp_path / "out.mp3"
    dest.write_bytes(OLD)
    with atomic_output(dest) as tmp:
        assert tmp.parent == tmp_path and tmp.name == f".out.mp3{TEMP_MARK}{os.getpid()}"
        tmp.write_bytes(b"new")
        assert dest.read_bytes() == OLD  # nothing changes before the end
    assert dest.read_bytes() == b"new" and not _temp_files(tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_writers_create_the_file_with_the_mode_asked_for(tmp_path):
    secret = write_text_atomic(tmp_path / "token", "abc\n", mode=0o600)
    plain = write_bytes_atomic(tmp_path / "data", b"\0\1")
    assert secret.read_bytes() == b"abc\n" and stat.S_IMODE(secret.stat().st_mode) == 0o600
    umask = os.umask(0)
    os.umask(umask)
    assert plain.read_bytes() == b"\0\1" and stat.S_IMODE(plain.stat().st_mode) == 0o666 & ~umask
    assert not _temp_files(tmp_path)


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failure_keeps_the_old_file_and_removes_the_temp(tmp_path, exc):
    dest = tmp_path / "out.mp3"
    dest.write_bytes(OLD)
    with pytest.raises(type(exc)):
        with atomic_output(dest) as tmp:
            tmp.write_bytes(b"half a file")
            raise exc
    assert dest.read_bytes() == OLD and not _temp_files(tmp_path)


def test_stale_temps_of_dead_runs_are_cleaned_and_live_ones_kept(tmp_path):
    dead = temp_path_for(tmp_path / "a.mp3", _dead_pid())
    alive = temp_path_for(tmp_path / "b.mp3", os.getppid())
    unrelated = tmp_path / ".notes.txt"
    for path in (dead, alive, unrelated):
        path.write_bytes(b"x")
    assert clean_stale_temp_files(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and unrelated.exists()


EXPORT_SCRIPT = """
import sys
from audio_helpers import tone_timeline
from voicecoach.export.track import export_session
timeline, clips = tone_timeline(8)
try:
    export_session(timeline, clips, sys.argv[1])
except KeyboardInterrupt:
    sys.exit(130)
"""


def _export_and_signal(tmp_path: Path, signum: int) -> tuple[subprocess.Popen, Path]:
    """Start an 8-minute export over an existing file; send `signum` once it is partly written."""
    dest = tmp_path / "session.mp3"
    dest.write_bytes(OLD)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS)])}
    proc = subprocess.Popen(
        [sys.executable, "-c", EXPORT_SCRIPT, str(dest)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        temps = _temp_files(tmp_path)
        if temps and temps[0].stat().st_size > 100_000:
            break
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.02)
    else:
        proc.kill()
        pytest.fail("the export never started writing")
    proc.send_signal(signum)
    proc.wait(timeout=30)
    return proc, dest


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_mid_export_leaves_no_partial_file(tmp_path, signum):
    proc, dest = _export_and_signal(tmp_path, signum)
    assert proc.returncode == 130, proc.stderr.read()
    assert dest.read_bytes() == OLD
    assert not _temp_files(tmp_path)


def test_sigkill_mid_export_leaves_the_old_file_and_the_next_export_cleans_up(tmp_path):
    proc, dest = _export_and_signal(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert dest.read_bytes() == OLD
    assert len(_temp_files(tmp_path)) == 1  # the killed run could not clean up
    timeline, clips = tone_timeline(0.25)
    export_session(timeline, clips, tmp_path / "other.mp3")
    assert not _temp_files(tmp_path) and dest.read_bytes() == OLD
