"""Controls without looking, and a one-line status: the terminal side of live play.

`KeyReader` puts a terminal's stdin in cbreak mode (keys arrive one at a time, unechoed; Ctrl-C
still interrupts) and turns keys into commands on a queue: space pause/resume, `n` next step,
`b` back to the start of the step, `q` quit. The terminal's settings are restored however the
session ends: on leaving the `with` block, at interpreter exit, and on SIGTERM or SIGHUP
(turned into a clean exit). Without a terminal it reads nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import select
import shutil
import signal
import sys
import threading
import time
from typing import Any, TextIO

from voicecoach.plan.timeline import Hold

KEYS = {" ": "pause", "n": "next", "N": "next", "b": "back", "B": "back", "q": "quit", "Q": "quit"}


class KeyReader:
    """Keys from a terminal as commands on `self.commands` (see the module docstring)."""

    def __init__(self, enabled: bool = True, stream: Any = None) -> None:
        self.commands: queue.Queue[str] = queue.Queue()
        self._stream = stream if stream is not None else sys.stdin
        self._enabled = enabled
        self._fd: int | None = None
        self._saved: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._old_handlers: dict[int, Any] = {}

    @property
    def active(self) -> bool:
        return self._saved is not None

    def __enter__(self) -> KeyReader:
        if not self._enabled:
            return self
        try:
            fd = self._stream.fileno()
        except (AttributeError, ValueError, OSError):
            return self
        if not os.isatty(fd):
            return self
        import termios  # POSIX only: Windows has no termios
        import tty  # POSIX only, like termios

        self._fd, self._saved = fd, termios.tcgetattr(fd)
        atexit.register(self.restore)
        self._catch_signals()
        tty.setcbreak(fd)  # ISIG stays on: Ctrl-C still raises KeyboardInterrupt
        self._thread = threading.Thread(target=self._read, name="voicecoach-keys", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        self.restore()
        for signum, handler in self._old_handlers.items():
            signal.signal(signum, handler)
        self._old_handlers.clear()

    def restore(self) -> None:
        """Put the terminal back as it was (safe to call more than once)."""
        if self._saved is None or self._fd is None:
            return
        import termios  # POSIX only: reached only after __enter__ took over a POSIX terminal

        with contextlib.suppress(termios.error, OSError):
            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
        self._saved = None
        atexit.unregister(self.restore)

    def _catch_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                self._old_handlers[signum] = signal.signal(signum, _exit_on_signal)

    def _read(self) -> None:
        assert self._fd is not None
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._fd], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self._fd, 64)
            except (OSError, ValueError):
                return
            if not data:
                return
            for char in data.decode("utf-8", "ignore"):
                if char in KEYS:
                    self.commands.put(KEYS[char])


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


class StatusLine:
    """One line on stderr, redrawn in place, when stderr is a terminal (at most 8 times a second)."""

    def __init__(
        self, stream: TextIO | None = None, enabled: bool | None = None, interval_s: float = 0.125
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.interval_s = interval_s
        self._next = 0.0
        self._shown = False

    def due(self) -> bool:
        return self.enabled and time.monotonic() >= self._next

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        self._next = time.monotonic() + self.interval_s
        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        self.stream.write("\r" + text[:width] + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def status_text(
    index: int,
    steps: int,
    title: str,
    hold: Hold | None,
    position_s: float,
    total_s: float | None,
    exact_total: bool,
    paused: bool,
    waiting: bool,
) -> str:
    """`step 3/10 Figure Four · left side · hold 0:23 left · 4:10 / 14:52` (and the state)."""
    parts = [f"step {index + 1}/{steps} {title}".rstrip()]
    if hold is not None:
        if hold.side:
            parts.append(f"{hold.side} side")
        parts.append(f"hold {clock(hold.end_s - position_s + 0.999)} left")
    total = "" if total_s is None else f" / {'' if exact_total else '~'}{clock(total_s)}"
    parts.append(f"{clock(position_s)}{total}")
    if paused:
        parts.append("paused (space resumes)")
    elif waiting:
        parts.append("preparing speech...")
    return " · ".join(parts)
