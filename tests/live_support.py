"""What the live tests share: a tiny routine, its exact plan, the log, and the real command in a pty."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from conftest import REPO

# About 56 s of session: a talk, a two-sided stretch with 8 s holds, two breathing cycles.
TINY = """title: Tiny
defaults: {hold: 10s, transition: 2s, rest: 2s, breath: 2-2}
steps:
  - talk: Lie down.
  - stretch: Knee Hug
    setup: "Hug your {side} knee."
    hold: 8s
    sides: both
    cues: Breathe slowly.
  - breathe: 2-2
    cycles: 2
"""


class ManualClock:
    """A clock that stands still until slept on, then moves on at once by exactly that long.

    On it the devices and the player keep time exactly and without waiting: a null backend plays
    a session in the time it takes to mix it, and every time it reports is the planned one.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self._now += seconds


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait until `condition()` holds: for another thread to get somewhere, never for time to pass."""
    ready = threading.Event()
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out waiting for the device thread"
        ready.wait(0.0005)


def write_tiny(folder: Path, text: str = TINY) -> Path:
    path = folder / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def exact_plan(routine: Path, engine: str = "espeak", **options: object):
    """The timeline `plan` compiles (it also fills the speech cache, so play starts warm)."""
    from voicecoach import app

    return app.plan(str(routine), app.SessionOptions(engine=engine, **options))  # type: ignore[arg-type]


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def planned(timeline) -> list[tuple[float, str, int]]:
    return sorted((e.start_s, e.kind, e.step) for e in timeline.events)


def logged(lines: list[dict]) -> list[tuple[float, str, int]]:
    return sorted((d["scheduled_s"], d["kind"], d["step"]) for d in lines)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def spawn_play(routine: Path, log: Path, *extra: str, speed: float = 20.0):
    """`python -m voicecoach play ... --backend null` in a pseudo-terminal (stdin and stderr are a tty)."""
    import pexpect

    args = [
        "-m",
        "voicecoach",
        "play",
        str(routine),
        "--engine",
        "espeak",
        "--backend",
        "null",
        "--speed",
        str(speed),
        "--log",
        str(log),
        *extra,
    ]
    return pexpect.spawn(
        sys.executable, args, env=child_env(), encoding="utf-8", timeout=60, dimensions=(24, 160)
    )
