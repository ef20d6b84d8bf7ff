"""The player's side of the speech worker (`synth_child`): start it, ask it for clips, stop it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

import numpy as np

from voicecoach.errors import EngineError
from voicecoach.live.schedule import ClipSource
from voicecoach.sound.clip import Clip
from voicecoach.speech.synth import Synthesizer


class SynthWorker:
    """The parent's handle on a worker process: `clip()` asks it for one line and waits."""

    def __init__(self, engine: str | None, voice: str | None) -> None:
        self.engine, self.voice = engine, voice
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stderr: deque[str] = deque(maxlen=20)

    def start(self) -> None:
        if self._proc is not None:
            return
        root = str(Path(__file__).resolve().parents[2])  # so the worker imports this same package
        env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "voicecoach.live.synth_child", self.engine or "", self.voice or ""],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=os.name == "posix",
        )  # keys and Ctrl-C in the terminal are the player's
        threading.Thread(target=self._relay_stderr, name="voicecoach-worker-stderr", daemon=True).start()

    def _relay_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for raw in self._proc.stderr:
            text = raw.decode("utf-8", "replace").rstrip()
            self._stderr.append(text)
            if text.startswith("warning: "):
                print(text, file=sys.stderr)

    def clip(self, text: str, rate: float) -> Clip:
        with self._lock:
            self.start()
            assert self._proc is not None and self._proc.stdin is not None and self._proc.stdout is not None
            try:
                self._proc.stdin.write(json.dumps({"text": text, "rate": rate}).encode() + b"\n")
                self._proc.stdin.flush()
                header = json.loads(self._proc.stdout.readline() or b"null")
            except (OSError, ValueError):
                header = None
            if header is None:
                raise EngineError(f"the speech worker stopped{self._why()}")
            if not header["ok"]:
                raise EngineError(header["error"])
            data = self._read_exactly(4 * header["samples"])
            return Clip(np.frombuffer(data, dtype="<f4").astype(np.float32), header["sample_rate"])

    def _read_exactly(self, size: int) -> bytes:
        assert self._proc is not None and self._proc.stdout is not None
        parts, got = [], 0
        while got < size:
            part = self._proc.stdout.read(size - got)
            if not part:
                raise EngineError(f"the speech worker stopped mid-clip{self._why()}")
            parts.append(part)
            got += len(part)
        return b"".join(parts)

    def _why(self) -> str:
        last = [line for line in self._stderr if line.strip()]
        return f": {last[-1]}" if last else " (run with --engine espeak to check, or see `voicecoach voices`)"

    def close(self, timeout: float = 2.0) -> None:
        """Close the worker's input and wait for it; stop it if it does not end in `timeout`."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


class WorkerClipSource(ClipSource):
    """Cached clips read here; new ones made by a `SynthWorker` (started at the first one needed)."""

    def __init__(self, synth: Synthesizer, worker: SynthWorker | None = None) -> None:
        super().__init__(synth)
        self.worker = worker or SynthWorker(synth.engine.name, synth.voice)

    def clip(self, text: str, rate: float) -> Clip:
        return self.worker.clip(text, rate)

    def close(self) -> None:
        self.worker.close()
