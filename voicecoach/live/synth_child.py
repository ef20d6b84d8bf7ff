"""Speech synthesis for live play in a separate process, so inference never holds up the player.

Neural inference in a thread of the playing process takes Python's global lock for milliseconds
at a time, which delays the device thread. A worker process has its own. It keeps the voice
model loaded and answers requests in order over binary pipes:

- request: one JSON line `{"text": ..., "rate": ...}`
- answer: one JSON line `{"ok": true, "sample_rate": N, "samples": n}` then n float32
  little-endian samples, or `{"ok": false, "error": message}`.

Clips it makes also go into the shared speech cache, as with any synthesis. The worker ignores
SIGINT (Ctrl-C is the player's to handle for the whole session) and exits when its stdin closes.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import warnings
from typing import IO, Any

import numpy as np

from voicecoach.errors import EngineError, VoicecoachError
from voicecoach.speech.synth import Synthesizer

NICENESS = 10


def serve(engine: str | None, voice: str | None, requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer requests until `requests` ends (the worker's main loop)."""
    try:
        synth = Synthesizer(engine, voice)
    except VoicecoachError as exc:
        synth, failure = None, str(exc)
    for line in requests:
        request = json.loads(line)
        try:
            if synth is None:
                raise EngineError(failure)
            clip = synth.clip(request["text"], float(request["rate"]))
        except VoicecoachError as exc:
            answers.write(json.dumps({"ok": False, "error": str(exc)}).encode() + b"\n")
            answers.flush()
            continue
        samples = np.ascontiguousarray(clip.samples, dtype="<f4")
        header = {"ok": True, "sample_rate": int(clip.sample_rate), "samples": int(samples.size)}
        answers.write(json.dumps(header).encode() + b"\n" + samples.tobytes())
        answers.flush()


def _show_warning(
    message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    sys.stderr.write(f"warning: {message}\n")


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(NICENESS)  # the player (and the listener's ears) come first when cores are busy
    warnings.showwarning = _show_warning
    engine, voice = ([*argv, "", ""])[:2]
    serve(engine or None, voice or None, sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main(sys.argv[1:])
