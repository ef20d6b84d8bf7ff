"""An export's progress as one fraction that moves steadily from 0 to 1.

The work is split into stages (the voice model loading, speech synthesis, pass 1 and pass 2 of
the mix with the encoder), each weighted by what it is expected to cost: seconds on the machine
`scripts/bench.py --only progress` measures, per line of speech, per second of session and per
format. The fraction then grows about evenly with time on any machine, so a remaining time
worked out from it (elapsed x (1 - f) / f) holds from early on.

Between two reports the fraction creeps on at the speed seen so far, never past the next report's
share, so the bar moves within a second even while a voice model loads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Seconds one core spends per character of a line, plus per line, by engine (espeak starts a
#: process per line).
SYNTH_S_PER_CHAR = {"piper": 0.006, "espeak": 0.0006, "system": 0.004}
SYNTH_S_PER_LINE = {"piper": 0.04, "espeak": 0.1, "system": 0.1}
#: Seconds to load the engine's voice before its first line (only when something is synthesised).
MODEL_LOAD_S = {"piper": 0.7}
#: Seconds per second of session: pass 1 from the sounds' facts; pass 1 rendered (a bed under it);
#: pass 2 (mixing, limiting and the encoder, by format).
FACTS_S_PER_S = 0.0005
RENDER_S_PER_S = 0.009
ENCODE_S_PER_S = {
    "mp3": 0.005,
    "wav": 0.0012,
    "flac": 0.014,
    "m4a": 0.02,
    "m4b": 0.02,
    "ogg": 0.012,
    "opus": 0.016,
}
#: The creep's speed (work seconds per wall second) is kept within this range of the one seen.
_SPEED_RANGE = (0.25, 4.0)


def synthesis_cost_s(lines: list[str], engine: str, workers: int) -> float:
    """Expected wall seconds to synthesise `lines` on `workers` cores."""
    per_char = SYNTH_S_PER_CHAR.get(engine, SYNTH_S_PER_CHAR["system"])
    per_line = SYNTH_S_PER_LINE.get(engine, SYNTH_S_PER_LINE["system"])
    work = sum(per_line + per_char * len(line) for line in lines)
    return work / max(1, min(workers, len(lines) or 1))


def mix_costs_s(duration_s: float, format_name: str, bed: bool) -> tuple[float, float]:
    """Expected seconds of pass 1 and of pass 2 (with the encoder) for a session this long."""
    first = (RENDER_S_PER_S if bed else FACTS_S_PER_S) * duration_s
    return first, ENCODE_S_PER_S.get(format_name, ENCODE_S_PER_S["mp3"]) * duration_s


@dataclass
class _Stage:
    cost_s: float
    items: int
    done: float = 0.0  # 0..1


class ExportProgress:
    """Stages with their costs; `show(fraction)` is called as the fraction grows (never shrinks).

    `advance` and `step` may be called from any thread. `close()` stops the creep; `finish()`
    shows 1.0.
    """

    def __init__(
        self,
        show: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
        tick_s: float = 0.1,
        creep: bool = True,
    ) -> None:
        self._show, self._clock = show, clock
        self._stages: dict[str, _Stage] = {}
        self._lock = threading.Lock()
        self._start = clock()
        self._last_report = self._start
        self._shown = 0.0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if creep:
            self._ticker = threading.Thread(
                target=self._tick, args=(tick_s,), name="voicecoach-progress", daemon=True
            )
            self._ticker.start()

    def plan(self, name: str, cost_s: float, items: int = 1) -> None:
        """Add a stage (or set a planned one's cost), in the order the work happens."""
        with self._lock:
            stage = self._stages.get(name)
            if stage is None:
                self._stages[name] = _Stage(max(0.0, cost_s), max(1, items))
            else:
                stage.cost_s, stage.items = max(0.0, cost_s), max(1, items)
            self._report_locked(real=False)

    def advance(self, name: str, fraction: float) -> None:
        """The stage `name` is this far done (0..1)."""
        with self._lock:
            stage = self._stages.get(name)
            if stage is None or fraction <= stage.done:
                return
            stage.done = min(1.0, fraction)
            self._report_locked(real=True)

    def step(self, name: str, count: int = 1) -> None:
        """`count` more of the stage's items are done."""
        with self._lock:
            stage = self._stages.get(name)
            if stage is None:
                return
            stage.done = min(1.0, stage.done + count / stage.items)
            self._report_locked(real=True)

    def finish(self) -> None:
        """Everything is done: show 1.0."""
        self.close()
        with self._lock:
            self._shown = 1.0
            self._show(1.0)

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join(timeout=1.0)

    # -- inside the lock ---------------------------------------------------------------------

    def _totals(self) -> tuple[float, float]:
        total = sum(s.cost_s for s in self._stages.values())
        return sum(s.cost_s * s.done for s in self._stages.values()), total

    def _report_locked(self, real: bool) -> None:
        if real:
            self._last_report = self._clock()
        done, total = self._totals()
        self._emit(done / total if total > 0 else 0.0)

    def _emit(self, fraction: float) -> None:
        fraction = min(fraction, 0.999)  # 1.0 only from finish()
        if fraction > self._shown:
            self._shown = fraction
            self._show(fraction)

    def _creep_locked(self) -> None:
        done, total = self._totals()
        current = next((s for s in self._stages.values() if s.done < 1.0 and s.cost_s > 0), None)
        if current is None or total <= 0:
            return
        now = self._clock()
        speed = done / (now - self._start) if done > 0 and now > self._start else 1.0
        speed = min(max(speed, _SPEED_RANGE[0]), _SPEED_RANGE[1])
        limit = min(current.cost_s / current.items, current.cost_s * (1.0 - current.done))
        ahead = min((now - self._last_report) * speed, 0.95 * limit)
        self._emit((done + ahead) / total)

    def _tick(self, tick_s: float) -> None:
        while not self._stop.wait(tick_s):
            self.tick()

    def tick(self) -> None:
        """Let the fraction creep on (the ticker thread calls this; a test may, on its clock)."""
        with self._lock:
            self._creep_locked()
