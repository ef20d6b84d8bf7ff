"""Shared test fixtures: a private cache and data folder, and the real command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROUTINES = Path(__file__).resolve().parent / "routines"


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
