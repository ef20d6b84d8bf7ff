"""Shared test fixtures: a private cache and data folder, the real command in a subprocess, and turns
for the tests that run against the wall clock."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROUTINES = Path(__file__).resolve().parent / "routines"


# A runner started as a background job of a non-interactive shell ignores Ctrl-C, and every child
# inherits that: the tests of what Ctrl-C does would see nothing happen. A handler of our own is
# reset to the default in each child, so they get Ctrl-C as a person's terminal gives it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "realtime: plays, records or signals against the wall clock; under xdist it runs while no other "
        "test runs, so a busy neighbour cannot make it late",
    )


@pytest.fixture(autouse=True)
def wall_clock_turns(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Under xdist, a `realtime` test holds the run's lock alone; every other test shares it.

    A second lock, taken briefly before the shared one, is a turnstile: once a realtime test is
    waiting, no new test starts beside the ones still running, so it cannot be starved.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    folder = tmp_path_factory.getbasetemp().parent  # shared by the workers of one run
    alone = request.node.get_closest_marker("realtime") is not None
    turnstile_path, lock_path = folder / "wall-clock.turnstile", folder / "wall-clock.lock"
    with open(turnstile_path, "a") as turnstile, open(lock_path, "a") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            if not alone:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if alone:
                fcntl.flock(turnstile, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache, data and config folders."""
    base = tmp_path_factory.mktemp("vc-home")
    for name in ("CACHE", "DATA", "CONFIG"):
        monkeypatch.setenv(f"VOICECOACH_{name}_DIR", str(base / name.lower()))
    return base


def run_voicecoach(
    *args: str, cwd: Path | None = None, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command, `python -m voicecoach`, in a subprocess (this checkout's package)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=full_env,
    )
