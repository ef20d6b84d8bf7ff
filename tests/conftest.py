"""Shared test fixtures: a private cache and data folder, and the real command in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROUTINES = Path(__file__).resolve().parent / "routines"


# A runner started as a background job of a non-interactive shell ignores Ctrl-C, and every child
# inherits that: the tests of what Ctrl-C does would see nothing happen. A handler of our own is
# reset to the default in each child, so they get Ctrl-C as a person's terminal gives it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


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
