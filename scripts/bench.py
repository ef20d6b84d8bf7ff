#!/usr/bin/env python3
"""voicecoach benchmarks: figures measured side by side in one run, each with the ratio to its floor.

    python scripts/bench.py            a table
    python scripts/bench.py --json     the same figures as JSON

Targets are ratios (the machine is shared and noisy), never timed assertions in tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voicecoach.compiler import CompileOptions, compile_routine  # noqa: E402
from voicecoach.estimate import EstimatedDurations  # noqa: E402
from voicecoach.routine.loader import parse_routine  # noqa: E402


def generated_routine(steps: int) -> str:
    """A routine of `steps` steps of every kind, as YAML text."""
    kinds = [
        "  - stretch: Stretch {i}\n    setup: Move into position {i}.\n    hold: 8s\n    sides: both\n"
        "    cues: [Breathe slowly., Soften your shoulders.]\n    release: Let go.\n",
        "  - flow: Flow {i}\n    inhale: Lift.\n    exhale: Lower.\n    cycles: 2\n    breath: 2-2\n",
        "  - breathe: 2-3\n    cycles: 1\n",
        "  - talk: A short word number {i}.\n",
        "  - rest: 3s\n",
    ]
    body = "".join(kinds[i % len(kinds)].format(i=i) for i in range(steps))
    return f"title: Generated {steps}\ndefaults: {{rest: 1s, transition: 1s}}\nsteps:\n{body}"


def best_of(runs: int, func: Callable[[], Any]) -> float:
    """The fastest of `runs` wall-clock timings of `func`, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_plan() -> dict[str, Any]:
    """Load two 500-step files and compile their 1,000 steps with the estimate source (target < 0.5 s).

    A routine file may hold at most 500 steps, so the 1,000-step routine is two files' steps joined.
    """
    text = generated_routine(500)
    parse_s = 2 * best_of(3, lambda: parse_routine(text))
    half = parse_routine(text)
    routine = dataclasses.replace(half, steps=half.steps + half.steps)
    compile_s = best_of(3, lambda: compile_routine(routine, CompileOptions(), EstimatedDurations()))
    total = parse_s + compile_s
    return {"name": "plan --estimate, 1,000 steps (load + compile)", "seconds": round(total, 4),
            "floor": 0.5, "floor_name": "target 0.5 s", "ratio": round(total / 0.5, 3),
            "detail": {"load_s": round(parse_s, 4), "compile_s": round(compile_s, 4)}}


# ---- speech (issue 3): synthesis speed per engine, cold and warm `say` ----------------------------

SPEECH_LINES = [
    "Lie on your back and pull one knee toward your chest.",
    "Hold it for 20 to 30 seconds, then switch legs.",
    "Start on your hands and knees, then sit back on your heels.",
    "Step one foot forward into a deep lunge.",
    "Keep the back leg straight and the heel off the floor.",
    "Sit with your feet together and your knees bent outward.",
    "Gently press your knees toward the floor as you lean forward.",
    "Cross one leg over the other and twist toward the bent knee.",
    "Breathe in slowly through your nose.",
    "Let each breath out be a little longer.",
    "Slowly let the leg down.",
    "Find a soft surface and lie down on your back.",
]


def _synthesis_run(engine: str, workers: int | None = None) -> tuple[float, float]:
    """(seconds of speech, wall seconds) for SPEECH_LINES into an empty cache, engine warmed up first."""
    import tempfile

    from voicecoach.speech.cache import ClipCache
    from voicecoach.speech.synth import Synthesizer

    with tempfile.TemporaryDirectory() as tmp:
        synth = Synthesizer(engine, cache=ClipCache(tmp))
        synth.clip("Warm up.")  # loads the model (piper), so the timing is synthesis only
        if workers is not None:
            synth.engine.workers = workers
        start = time.perf_counter()
        clips = synth.clips(SPEECH_LINES)
        wall = time.perf_counter() - start
    return sum(c.duration_s for c in clips.values()), wall


def _best_run(engine: str, workers: int | None = None, runs: int = 3) -> tuple[float, float]:
    return min((_synthesis_run(engine, workers) for _ in range(runs)), key=lambda r: r[1] / r[0])


def measure_synthesis_speed() -> dict[str, dict[str, float]]:
    """Seconds of speech synthesised per wall second, per engine, best of 3 (the machine is shared).

    Through the whole path (normalise, synthesise, loudness, cache write) with the engine's workers
    on all cores; piper also with one worker, to show what the threads bring.
    """
    from voicecoach.speech.registry import engine_class, engine_names

    speeds: dict[str, dict[str, float]] = {}
    for name in engine_names():
        if not engine_class(name)().is_available():
            continue
        speech_s, wall_s = _best_run(name)
        speeds[name] = {"speech_s": round(speech_s, 2), "wall_s": round(wall_s, 3),
                        "speed_x": round(speech_s / wall_s, 1)}
        if name == "piper":
            one_s, one_wall = _best_run(name, workers=1)
            speeds[name]["one_worker_speed_x"] = round(one_s / one_wall, 1)
    return speeds


def bench_synthesis() -> list[dict[str, Any]]:
    """Synthesis of 12 lines per engine into an empty cache; the floor is the speech's own length."""
    rows = []
    for name, r in measure_synthesis_speed().items():
        rows.append({"name": f"synthesis, {name}: {r['speech_s']:.0f} s of speech", "seconds": r["wall_s"],
                     "floor": r["speech_s"], "floor_name": f"real time ({r['speed_x']:.1f}x faster)",
                     "ratio": round(r["wall_s"] / r["speech_s"], 4), "detail": r})
    return rows


def bench_say() -> list[dict[str, Any]]:
    """`voicecoach say -o` with the default engine: cold (empty cache, loads the model) then warm (cache)."""
    import subprocess
    import tempfile

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        env["VOICECOACH_CACHE_DIR"] = tmp
        for _ in range(2):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "voicecoach", "say", "Breathe in slowly.", "-o",
                            str(Path(tmp) / "say.wav")], env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import voicecoach.cli"], env=env, check=True)
        floor = time.perf_counter() - start
    return [{"name": label, "seconds": round(t, 3), "floor": round(floor, 3),
             "floor_name": "importing the CLI", "ratio": round(t / floor, 2)}
            for label, t in (("say -o, cold (empty cache, loads piper)", times[0]),
                             ("say -o, warm (from the cache, no model)", times[1]))]


# ---- live (issue 5): time to first sound of `play` -------------------------------------------------

_FIRST_SOUND = """
import json, sys
from voicecoach import session
from voicecoach.live.run import play_session
result = play_session(sys.argv[1], session.SessionOptions(), backend_name="null", keys=False, status=False,
                      record=False, sleep_after_s=1.0)
print(json.dumps({"first_sound_s": result.first_sound_s}))
"""

_MODEL_LOAD = """
import json, time
from voicecoach.speech.piper import PiperEngine, _load
engine = PiperEngine()
start = time.perf_counter()
_load(engine.model_for(None))
print(json.dumps({"model_load_s": time.perf_counter() - start}))
"""


def _child(code: str, *args: str, cache: str) -> dict[str, Any]:
    """Run `code` in a fresh Python (this checkout's package) with its own speech cache; its JSON."""
    import subprocess
    import tempfile

    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, PYTHONPATH=root, VOICECOACH_CACHE_DIR=cache, VOICECOACH_DATA_DIR=data)
        out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                             check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


@functools.lru_cache(maxsize=None)
def _first_sound_runs() -> tuple[float, float, float]:
    """(model load, best empty-cache, best full-cache) time to first sound of `play`, in seconds."""
    import shutil
    import tempfile

    routine = "reclining-hip-release"
    load_s = min(_child(_MODEL_LOAD, cache="unused")["model_load_s"] for _ in range(2))
    empty, full = [], []
    for _ in range(2):
        cache = tempfile.mkdtemp(prefix="vc-bench-")
        try:
            empty.append(_child(_FIRST_SOUND, routine, cache=cache)["first_sound_s"])
            full.append(_child(_FIRST_SOUND, routine, cache=cache)["first_sound_s"])
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    return load_s, min(empty), min(full)


def bench_live_first_sound_empty() -> dict[str, Any]:
    """`play` (null backend, default piper voice) from the call to the first event heard, with an empty
    speech cache: the voice model loads first, then the first line (target: model load + 2 s)."""
    load_s, cold, _ = _first_sound_runs()
    return {"name": "live time-to-first-sound (null backend), empty cache", "seconds": round(cold, 3),
            "floor": round(load_s + 2.0, 3), "floor_name": "target model load + 2 s",
            "ratio": round(cold / (load_s + 2.0), 3),
            "detail": {"model_load_s": round(load_s, 3), "after_model_load_s": round(cold - load_s, 3)}}


def bench_live_first_sound_full() -> dict[str, Any]:
    """The same with every line already in the cache (target 0.5 s: near-instant)."""
    _, _, warm = _first_sound_runs()
    return {"name": "live time-to-first-sound (null backend), full cache", "seconds": round(warm, 3),
            "floor": 0.5, "floor_name": "target 0.5 s", "ratio": round(warm / 0.5, 3)}


BENCHES: list[Callable[[], Any]] = [bench_plan, bench_synthesis, bench_say, bench_live_first_sound_empty,
                                    bench_live_first_sound_full]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = []
    for bench in BENCHES:
        result = bench()
        results.extend(result if isinstance(result, list) else [result])
    report = {"cores": os.cpu_count(), "python": sys.version.split()[0], "results": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"voicecoach bench: {report['cores']} cores, Python {report['python']}")
    for r in results:
        print(f"  {r['name']:<55} {r['seconds']:>9.3f} s   {r['ratio']:>6.2f}x {r['floor_name']}")


if __name__ == "__main__":
    main()
