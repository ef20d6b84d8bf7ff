"""Runs pyttsx3 in its own process (started by voicecoach.speech.engines.system), so a driver that
hangs or crashes cannot take voicecoach with it. Reads one JSON request on stdin, writes one
JSON answer on stdout. Standalone on purpose: it imports nothing from voicecoach.

Requests: {"op": "probe"} -> {"driver", "voices": [{"id", "name"}], "voice", "rate"}
          {"op": "speak", "text", "voice", "rate", "out"} -> {"ok": true}
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyttsx3.engine import Engine


def _engine() -> Engine:
    import pyttsx3

    return pyttsx3.init()


def probe() -> dict[str, Any]:
    engine = _engine()
    voices = [{"id": v.id, "name": getattr(v, "name", "") or ""} for v in engine.getProperty("voices")]
    return {
        "driver": type(engine.proxy._driver).__module__.rsplit(".", 1)[-1],
        "voices": voices,
        "voice": engine.getProperty("voice"),
        "rate": engine.getProperty("rate"),
    }


def speak(request: dict[str, Any]) -> dict[str, Any]:
    engine = _engine()
    if request.get("voice"):
        engine.setProperty("voice", request["voice"])
    base_rate = engine.getProperty("rate") or 200
    engine.setProperty("rate", max(40, int(round(base_rate * float(request["rate"])))))
    engine.save_to_file(request["text"], request["out"])
    engine.runAndWait()
    return {"ok": True}


def main() -> int:
    request = json.loads(sys.stdin.read())
    # Drivers print chatter ("Audio saved to ...", from Python or C); keep stdout for the answer.
    sys.stdout.flush()
    answer_fd = os.dup(1)
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 1)
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            answer = probe() if request["op"] == "probe" else speak(request)
        except Exception as exc:  # report any driver failure as data
            answer = {"error": f"{type(exc).__name__}: {exc}"}
    os.write(answer_fd, json.dumps(answer).encode("utf-8"))
    return 0 if "error" not in answer else 3


if __name__ == "__main__":
    sys.exit(main())
