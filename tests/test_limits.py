"""The limits on what a routine may hold: each is a clear, located error.

A file over 1 MB, more than 500 steps, a line over 2,000 characters, a session over 4 hours,
aliases that would expand past a bound, nesting too deep, too many values: all refused, whatever
else the file holds (how fast: `scripts/bench.py --only limits`). A routine or profiles file that is a
device, a named pipe, a socket or a folder is refused without being read: the memory it took is
measured, and a read that would block is caught by a thread that must end.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_voicecoach

from voicecoach.errors import RoutineError, UsageError
from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.file import load_profile_file
from voicecoach.profiles.model import BUILTIN_PROFILES
from voicecoach.routine.loader import load_routine, parse_routine

MB = 1_000_000
#: Far more than refusing takes, far less than reading what would not be read (a 4 GB file, /dev/zero).
UNREAD_PEAK_BYTES = 256 * 1024


def refused(text: str | bytes) -> list[str]:
    """The problems of a routine text."""
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    return [str(p) for p in caught.value.problems]


def peak_bytes_of(func: Callable[[], object]) -> int:
    """The most memory Python held at once while `func` ran (in a thread that must end: a read of a
    FIFO with no writer would block for ever)."""
    tracemalloc.start()
    try:
        worker = threading.Thread(target=func, daemon=True)
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive(), "it blocked: the file was opened for reading"
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def steps(n: int, step: str = "  - rest: 1s\n") -> str:
    return "title: x\nsteps:\n" + step * n


LIMITS = {
    # name: (text, expected problem start, substring)
    "file over 1 MB": ("#" * MB + "\n", "r.yaml:1:1: ", "at most 1,000,000 bytes"),
    "501 steps": (steps(501), "r.yaml:503:5: ", "more than 500 steps"),
    "a line of 2,001 characters": (
        "title: x\nsteps:\n  - talk: " + "a" * 2001 + "\n",
        "r.yaml:3:11: ",
        "the text is 2,001 characters; keep each line under 2,000",
    ),
    "a title of 900,000 characters": (
        "title: " + "a" * 900_000 + "\nsteps: [{rest: 1s}]\n",
        "r.yaml:1:8: ",
        "900,000 characters",
    ),
    "holds over 4 hours": (steps(3, "  - stretch: S\n    hold: 90m\n"), "r.yaml:7:5: ", "passes 4 hours"),
    "one hold over 4 hours": (
        "title: x\nsteps:\n  - stretch: S\n    hold: 5h\n",
        "r.yaml:4:11: ",
        "longer than 4 hours",
    ),
    "3,000 breaths": (
        "title: x\nsteps:\n  - stretch: S\n    hold: 3000 breaths\n",
        "r.yaml:4:11: ",
        "a hold may be at most 4 hours",
    ),
    "a 5,000-digit count": (
        "title: x\nsteps:\n  - stretch: S\n    reps: " + "9" * 5000 + "\n",
        "r.yaml:4:11: ",
        "is 5,000 characters long, far too long for a reps value",
    ),
    "a 150-digit count": (
        "title: x\nsteps:\n  - breathe: calm\n    cycles: " + "9" * 150 + "\n",
        "r.yaml:4:13: ",
        "is out of range: use a whole number from 1 to 1000",
    ),
    "a 300-character duration": (
        "title: x\nsteps:\n  - rest: " + "1" * 299 + "s\n",
        "r.yaml:3:11: ",
        "'1111111111111111111111111111111111111111...' is 300 characters long",
    ),
    "billion laughs": (
        "title: x\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))
        + "steps: [*a8]\n",
        "r.yaml:10:5: ",
        "beyond 50,000 values",
    ),
    "an alias inside its own anchor": ("title: x\nsteps: &s [*s]\n", "r.yaml:2:8: ", "would never end"),
    "nesting 101 deep": (
        "title: x\nsteps: " + "[" * 101 + "]" * 101 + "\n",
        "r.yaml:2:",
        "more than 100 levels",
    ),
    "250,000 list items": (steps(249_000, "- x\n"), "r.yaml:", "more than 50,000 values"),
    "4,000 deep lists": (
        "title: x\n" + "".join(f"z{i}: {'[' * 99}{']' * 99}\n" for i in range(4000)),
        "r.yaml:",
        "more than 50,000 values",
    ),
}
SYNTAX_ERROR_NEAR_1_MB = steps(1000, "- " + "x y " * 240 + "\n") + "]\n"


def test_a_syntax_error_after_nearly_1_mb_of_text_is_located():
    found = refused(SYNTAX_ERROR_NEAR_1_MB)
    assert found[0].startswith("r.yaml:1003:1: not valid YAML")


@pytest.mark.parametrize("name", list(LIMITS))
def test_each_limit_is_a_clear_located_error(name: str):
    text, where, words = LIMITS[name]
    found = refused(text)
    assert len(found) == 1, found
    assert found[0].startswith(where) and words in found[0], found[0][:300]


JUST_INSIDE = (
    "title: x\ndefaults: {hold: 1s, transition: 1s, rest: 1s}\nsteps:\n"
    + f"  - talk: {'word ' * 399}end.\n"
    + "  - stretch: S\n    sides: both\n" * 499
)


def test_just_inside_the_limits_loads_and_compiles():
    routine = parse_routine(JUST_INSIDE, "r.yaml")
    timeline = compile_routine(routine, CompileOptions(), EstimatedDurations(), estimated=True)
    assert len(routine.steps) == 500 and len(routine.steps[0].text) == 1999
    assert timeline.duration_s < 4 * 3600


def test_a_session_over_4_hours_is_refused_by_the_compiler(tmp_path: Path):
    """The loader counts holds, breaths and rests; spoken lines and --hold-scale can still pass 4 hours."""
    routine = parse_routine(steps(1, "  - stretch: S\n    hold: 3h\n"), "r.yaml")
    with pytest.raises(UsageError, match=r"would last 7\.\d hours; a session may be at most 4 hours"):
        compile_routine(routine, CompileOptions(hold_scale=2.5), EstimatedDurations(), estimated=True)
    path = tmp_path / "long.yaml"
    path.write_text(steps(1, "  - stretch: S\n    hold: 30m\n"))
    proc = run_voicecoach("plan", "--estimate", "--hold-scale", "10", str(path))
    assert proc.returncode == 2 and proc.stderr.startswith("error: the session would last")
    assert "lower --hold-scale" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_a_file_over_1_mb_is_not_even_read(tmp_path: Path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(4 * 10**9)  # 4 GB, sparse: reading it would take seconds and all the memory
    with pytest.raises(RoutineError, match="the file is 4,000,000,000 bytes; a routine file may be at most"):
        load_routine(big)

    def load() -> None:
        with contextlib.suppress(RoutineError):
            load_routine(big)

    assert peak_bytes_of(load) < UNREAD_PEAK_BYTES


def _specials(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    sock_path = tmp_path / "socket.yaml"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    link = tmp_path / "link.yaml"
    link.symlink_to("/dev/zero")
    return {
        "/dev/zero": (Path("/dev/zero"), "a device"),
        "/dev/urandom": (Path("/dev/urandom"), "a device"),
        "fifo": (fifo, "a named pipe (FIFO)"),
        "socket": (sock_path, "a socket"),
        "symlink to /dev/zero": (link, "a device"),
        "folder": (tmp_path, "a folder"),
    }


@pytest.mark.skipif(os.name != "posix", reason="devices, FIFOs and sockets are POSIX files")
def test_devices_pipes_sockets_and_folders_are_refused_without_reading(tmp_path: Path):
    for name, (path, kind) in _specials(tmp_path).items():
        caught: list[RoutineError] = []

        def load(path: Path = path, caught: list[RoutineError] = caught) -> None:
            try:
                load_routine(path)  # a FIFO would block for ever, /dev/zero would fill the memory
            except RoutineError as error:
                caught.append(error)

        assert peak_bytes_of(load) < UNREAD_PEAK_BYTES, name
        assert [str(e) for e in caught] == [
            f"{path}:1:1: this is {kind}, not a routine file: give the path of a routine's .yaml file"
        ], name


@pytest.mark.skipif(os.name != "posix", reason="devices and FIFOs are POSIX files")
def test_the_commands_refuse_them_with_exit_2(tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for command in (["validate"], ["plan", "--estimate"], ["show"]):
        for path, kind in ((fifo, "a named pipe (FIFO)"), (Path("/dev/zero"), "a device")):
            proc = run_voicecoach(*command, str(path), timeout=30)
            assert proc.returncode == 2, (command, proc.stderr)
            assert (
                proc.stderr.strip() == f"{path}:1:1: this is {kind}, not a routine file: give the path "
                "of a routine's .yaml file"
            )


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX files")
def test_a_profiles_file_that_is_a_pipe_or_folder_is_refused(tmp_path: Path):
    fifo = tmp_path / "profiles.yaml"
    os.mkfifo(fifo)
    with pytest.raises(
        RoutineError,
        match="this is a named pipe \\(FIFO\\), not a profiles file: make it a "
        "plain YAML text file, or remove it",
    ):
        load_profile_file(fifo, BUILTIN_PROFILES)
    folder = tmp_path / "config"
    (folder / "profiles.yaml").mkdir(parents=True)
    proc = run_voicecoach("profiles", env={"VOICECOACH_CONFIG_DIR": str(folder)}, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(
        "profiles.yaml:1:1: this is a folder, not a profiles file: make it a "
        "plain YAML text file, or remove it"
    )


def test_say_keeps_to_the_same_line_limit():
    proc = run_voicecoach("say", "word " * 500, "--engine", "espeak", timeout=30)
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == "error: the text is 2,500 characters; say at most 2,000 at once, as in a routine"
    )
