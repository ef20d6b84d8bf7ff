#!/usr/bin/env python3
"""voicecoach benchmarks: figures measured side by side in one run, each with the ratio to its floor.

    python scripts/bench.py            a table (progress on stderr)
    python scripts/bench.py --json     the same figures as JSON
    python scripts/bench.py --only export    just the benches whose name has "export" in it

Export (issue 8), on the longest built-in routine and on generated 10- and 60-minute ones:
the floors, measured in the same run (the engine alone synthesising the session's distinct
lines in one process, piper and espeak; lameenc encoding the session's own audio with the
export's settings), then `voicecoach export` as a whole command with an empty and with a full
cache (VOICECOACH_CACHE_DIR in a temporary folder), its peak memory, and each ratio to its
floor. Targets: full cache <= 1.3x the encode floor; empty cache <= 1.1x synthesis + encode
floors; a 60-minute export within 40 MB of a 10-minute one's peak memory; `plan --estimate`
of 1,000 steps under 0.5 s; live play's first sound within 2 s of the model being loaded, and
on a real sound server (a private PulseAudio's virtual card, recorded): from the command to the
first sound sample played, 2.5 s with an empty cache and 0.5 s with a full one (issue 13).
Serve (issue 15): `voicecoach serve` as a process, 20 clients fetching 64 KB ranges of its MP3
at once: requests per second (target 500) and its peak memory loaded against idle (flat).
Each row says which engine it used (a 60-minute piper synthesis would take minutes: that
routine is exported with espeak).

Dependencies (`--only scipy`): the stream's two IIR filters (the loudness meter's K-weighting,
the bed's noise colouring) timed with scipy and with numpy alone; scipy stays while it is faster.

Estimate (issue 14): `plan --estimate` against the real plan with piper for every built-in
routine under every profile (target: within 3%). Progress (issue 14): an export's progress, its
first move and the time left it implies against the truth (target: at most twice the truth).

Targets are ratios (the machine is shared and noisy: the fastest of a few runs counts where
that is cheap), never timed assertions in tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voicecoach.errors import RoutineError
from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.routine.loader import parse_routine


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
    return {
        "name": "plan --estimate, 1,000 steps (load + compile)",
        "seconds": round(total, 4),
        "floor": 0.5,
        "floor_name": "target 0.5 s",
        "ratio": round(total / 0.5, 3),
        "detail": {"load_s": round(parse_s, 4), "compile_s": round(compile_s, 4)},
    }


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
    from voicecoach.speech.engines.registry import engine_class, engine_names

    speeds: dict[str, dict[str, float]] = {}
    for name in engine_names():
        if not engine_class(name)().is_available():
            continue
        speech_s, wall_s = _best_run(name)
        speeds[name] = {
            "speech_s": round(speech_s, 2),
            "wall_s": round(wall_s, 3),
            "speed_x": round(speech_s / wall_s, 1),
        }
        if name == "piper":
            one_s, one_wall = _best_run(name, workers=1)
            speeds[name]["one_worker_speed_x"] = round(one_s / one_wall, 1)
    return speeds


LIMIT_CASES = {
    "a syntax error after 0.96 MB": "title: x\nsteps:\n" + ("- " + "x y " * 240 + "\n") * 1000 + "]\n",
    "a file over 1 MB": "#" * 1_000_000 + "\n",
    "501 steps": "title: x\nsteps:\n" + "  - rest: 1s\n" * 501,
    "250,000 list items": "title: x\nsteps:\n" + "- x\n" * 249_000,
}


def bench_limits() -> list[dict[str, Any]]:
    """Refuse each routine past a limit (target: well under 1 s; a syntax error is parsed twice, the
    second time by pure-Python PyYAML for its clearer message, so it may take a few)."""
    results = []
    for name, text in LIMIT_CASES.items():

        def refuse(text: str = text) -> None:
            try:
                parse_routine(text)
            except RoutineError:
                return
            raise AssertionError("the routine was not refused")

        seconds = best_of(3, refuse)
        floor = 5.0 if "syntax" in name else 1.0
        results.append(
            {
                "name": f"limits: refuse {name}",
                "seconds": round(seconds, 4),
                "floor": floor,
                "floor_name": f"target {floor:g} s",
                "ratio": round(seconds / floor, 3),
            }
        )
    return results


def bench_synthesis() -> list[dict[str, Any]]:
    """Synthesis of 12 lines per engine into an empty cache; the floor is the speech's own length."""
    rows = []
    for name, r in measure_synthesis_speed().items():
        rows.append(
            {
                "name": f"synthesis, {name}: {r['speech_s']:.0f} s of speech",
                "seconds": r["wall_s"],
                "floor": r["speech_s"],
                "floor_name": f"real time ({r['speed_x']:.1f}x faster)",
                "ratio": round(r["wall_s"] / r["speech_s"], 4),
                "detail": r,
            }
        )
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
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "voicecoach",
                    "say",
                    "Breathe in slowly.",
                    "-o",
                    str(Path(tmp) / "say.wav"),
                ],
                env=env,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import voicecoach.cli"], env=env, check=True)
        floor = time.perf_counter() - start
    return [
        {
            "name": label,
            "seconds": round(t, 3),
            "floor": round(floor, 3),
            "floor_name": "importing the CLI",
            "ratio": round(t / floor, 2),
        }
        for label, t in (
            ("say -o, cold (empty cache, loads piper)", times[0]),
            ("say -o, warm (from the cache, no model)", times[1]),
        )
    ]


# ---- export (issue 8): whole commands against floors measured in the same run --------------------

ROOT = Path(__file__).resolve().parents[1]
LONGEST_BUILTIN = "hip-stretches-for-lower-back"
#: (label, routine, minutes to generate or None for a built-in, engines to export with, runs of the
#: full-cache export and the encode floor: the fastest counts, as the machine is shared).
#: A 60-minute piper export would take minutes, so the long routine is exported with espeak.
EXPORT_CASES = [
    ("25-min built-in", LONGEST_BUILTIN, None, ("piper",), 3),
    ("10-min generated", "generated-10", 10, ("piper", "espeak"), 3),
    ("60-min generated", "generated-60", 60, ("espeak",), 2),
]
FULL_CACHE_TARGET = 1.3
EMPTY_CACHE_TARGET = 1.1
MEMORY_GROWTH_TARGET_MB = 40.0


def _env(cache_dir: str | None = None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if cache_dir is not None:
        env["VOICECOACH_CACHE_DIR"] = cache_dir
    return env


def steps_for_minutes(minutes: float) -> int:
    """How many generated steps make a routine of about `minutes` (by the estimate)."""

    def length(steps: int) -> float:
        routine = parse_routine(generated_routine(steps))
        return compile_routine(routine, CompileOptions(), EstimatedDurations(), estimated=True).duration_s

    per_step = length(50) / 50
    steps = max(1, round(minutes * 60 / per_step))
    return min(500, steps)


def routine_arg(case: tuple, folder: Path) -> str:
    """The built-in name, or the path of a generated routine file written into `folder`."""
    _label, name, minutes = case[:3]
    if minutes is None:
        return name
    path = folder / f"{name}.yaml"
    if not path.exists():
        path.write_text(generated_routine(steps_for_minutes(minutes)), encoding="utf-8")
    return str(path)


def unique_lines(routine: str, engine: str) -> list[str]:
    """The distinct normalised lines of the session as exported with `engine` (cache must be full)."""
    from voicecoach import app
    from voicecoach.speech.normalize import normalize_for_speech

    timeline = app.plan(routine, app.SessionOptions(engine=engine))
    return sorted({normalize_for_speech(e.text) for e in timeline.speech() if e.text})


def _status_kb(pid: int, field: str) -> int:
    try:
        return int(re.search(rf"{field}:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
    except (OSError, AttributeError):
        return 0


def _descendants(pid: int) -> list[int]:
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return children + [d for c in children for d in _descendants(c)]


def note(text: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak memory in MB) of a command. Memory, polled every 10 ms from /proc: the
    command's own resident high-water mark (VmHWM, which starts afresh when it runs its program)
    plus what its helper processes (an encoder, espeak) hold at that moment; the largest such
    sum. (wait4's ru_maxrss would count the benchmark's own memory, which a forked child shares
    until it runs its program.)"""
    import subprocess
    import tempfile

    peak_kb = 0
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        while proc.poll() is None:
            helpers = sum(_status_kb(p, "VmRSS") for p in _descendants(proc.pid))
            peak_kb = max(peak_kb, _status_kb(proc.pid, "VmHWM") + helpers)
            time.sleep(0.01)
        wall = time.perf_counter() - start
        if proc.returncode:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed: {errors.read().decode()[-600:]}")
    return wall, peak_kb / 1024


def row(
    name: str,
    value: float,
    floor: float,
    floor_name: str,
    unit: str = "s",
    target: float | None = None,
    detail: dict | None = None,
) -> dict[str, Any]:
    """One figure with its floor, the ratio to it and, when there is one, the target ratio and whether
    it is met."""
    key = "seconds" if unit == "s" else "mb"
    ratio = value / floor if floor else float("nan")
    result = {
        "name": name,
        key: round(value, 3),
        "unit": unit,
        "floor": round(floor, 3),
        "floor_name": floor_name,
        "ratio": round(ratio, 3),
        "detail": detail or {},
    }
    if target is not None:
        result["target"] = target
        result["met"] = bool(ratio <= target)
    return result


def synth_floor_child(engine_name: str, lines_file: str) -> None:
    """In a child process: the engine alone speaks every line once (threads as the engine allows)."""
    from concurrent.futures import ThreadPoolExecutor

    from voicecoach.speech.engines.registry import get_engine

    lines = json.loads(Path(lines_file).read_text(encoding="utf-8"))
    start = time.perf_counter()
    engine = get_engine(engine_name)
    voice = engine.default_voice()
    engine.synthesize("Ready.", voice, 1.0)  # imports and loads the model
    loaded = time.perf_counter()
    with ThreadPoolExecutor(max(1, engine.workers)) as pool:
        clips = list(pool.map(lambda line: engine.synthesize(line, voice, 1.0), lines))
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "load_s": loaded - start,
                "synth_s": done - loaded,
                "speech_s": sum(c.duration_s for c in clips),
                "lines": len(lines),
            }
        )
    )


def synth_floor(engine: str, lines: list[str], folder: Path) -> tuple[float, dict[str, float]]:
    """(wall seconds of a whole process that only synthesises `lines` with `engine`, its figures)."""
    import subprocess

    lines_file = folder / f"lines-{engine}.json"
    lines_file.write_text(json.dumps(lines), encoding="utf-8")
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--synth-floor", engine, str(lines_file)],
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    return wall, {k: round(v, 3) for k, v in json.loads(out.stdout.splitlines()[-1]).items()}


def encode_floor(mp3: Path) -> float:
    """Seconds lameenc takes to encode the session's own audio (the export decoded by ffmpeg) with
    the export's settings; only the encoder's calls are timed."""
    import shutil
    import subprocess

    import lameenc

    from voicecoach.export.encoders import FORMATS
    from voicecoach.sound.levels import DEFAULT_SAMPLE_RATE

    bitrate, quality = FORMATS[".mp3"].settings["phone"].args
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(int(bitrate))
    encoder.set_in_sample_rate(DEFAULT_SAMPLE_RATE)
    encoder.set_out_sample_rate(DEFAULT_SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(int(quality))
    decode = subprocess.Popen(
        [
            shutil.which("ffmpeg") or "ffmpeg",
            "-v",
            "error",
            "-i",
            str(mp3),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(DEFAULT_SAMPLE_RATE),
            "-",
        ],
        stdout=subprocess.PIPE,
    )
    total = 0.0
    while chunk := decode.stdout.read(2 * DEFAULT_SAMPLE_RATE):
        start = time.perf_counter()
        encoder.encode(chunk)
        total += time.perf_counter() - start
    start = time.perf_counter()
    encoder.flush()
    total += time.perf_counter() - start
    decode.wait()
    return total


def session_lines(routine: str) -> list[str]:
    """The distinct normalised spoken lines of a routine (as export makes them, before synthesis)."""
    from voicecoach import app
    from voicecoach.speech.normalize import normalize_for_speech

    timeline = app.plan(routine, app.SessionOptions(), estimate=True)
    return sorted({normalize_for_speech(e.text) for e in timeline.speech() if e.text} - {""})


def export_command(routine: str, engine: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "voicecoach", "export", routine, "-o", str(out), "--engine", engine]


def bench_export_case(case: tuple, folder: Path, memory: dict[tuple[str, str, str], float]) -> list[dict]:
    """Floors (synthesis with piper and espeak, encoding) and the export with an empty then a full
    cache, as whole commands, for one routine; peak memory of each export goes into `memory`."""
    label, _, _, engines, runs = case
    routine = routine_arg(case, folder)
    lines = session_lines(routine)
    note(f"{label}: floors ({len(lines)} lines)")
    floors = {engine: synth_floor(engine, lines, folder) for engine in ("piper", "espeak")}
    rows = [
        row(
            f"{label}: synthesis floor, {engine} ({figures['lines']} lines, {figures['speech_s']:.0f} s)",
            wall,
            figures["speech_s"],
            "real time",
            detail=figures,
        )
        for engine, (wall, figures) in floors.items()
    ]
    encode_s = None
    for engine in engines:
        out = folder / f"{label}-{engine}.mp3".replace(" ", "-")
        cache = folder / f"cache-{label}-{engine}".replace(" ", "-")
        note(f"{label}: export with {engine}, empty then full cache")
        empty_s, empty_mb = run_measured(export_command(routine, engine, out), _env(str(cache)))
        full = [run_measured(export_command(routine, engine, out), _env(str(cache))) for _ in range(runs)]
        full_s, full_mb = (
            min(t for t, _ in full),
            sorted(mb for _, mb in full)[len(full) // 2],
        )  # fastest, median
        if encode_s is None:
            encode_s = min(encode_floor(out) for _ in range(runs))
            rows.append(
                row(
                    f"{label}: encode floor (lameenc, the session's audio)",
                    encode_s,
                    _mp3_seconds(out),
                    "real time",
                )
            )
        synth_s = floors[engine][0]
        rows.append(
            row(
                f"{label}: export, {engine}, empty cache",
                empty_s,
                synth_s + encode_s,
                "synthesis + encode floors",
                target=EMPTY_CACHE_TARGET,
                detail={"peak_rss_mb": round(empty_mb, 1)},
            )
        )
        rows.append(
            row(
                f"{label}: export, {engine}, full cache",
                full_s,
                encode_s,
                "encode floor",
                target=FULL_CACHE_TARGET,
                detail={"peak_rss_mb": round(full_mb, 1), "runs": runs},
            )
        )
        memory[(label, engine, "empty")], memory[(label, engine, "full")] = empty_mb, full_mb
    return rows


def _mp3_seconds(path: Path) -> float:
    from mutagen.mp3 import MP3

    return float(MP3(str(path)).info.length)


def memory_rows(memory: dict[tuple[str, str, str], float]) -> list[dict]:
    """Peak RSS of the 60-minute export against the 10-minute one, same engine and cache state."""
    rows = []
    for (label, engine, state), long_mb in memory.items():
        if not label.startswith("60"):
            continue
        short_mb = memory.get(("10-min generated", engine, state))
        if short_mb is None:
            continue
        growth = long_mb - short_mb
        rows.append(
            row(
                f"peak RSS growth, 60- vs 10-min export, {engine}, {state} cache",
                growth,
                MEMORY_GROWTH_TARGET_MB,
                f"target +{MEMORY_GROWTH_TARGET_MB:g} MB",
                unit="MB",
                target=1.0,
                detail={"10_min_mb": round(short_mb, 1), "60_min_mb": round(long_mb, 1)},
            )
        )
    return rows


def bench_exports() -> list[dict]:
    import tempfile

    rows: list[dict] = []
    memory: dict[tuple[str, str, str], float] = {}
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as tmp:
        for case in EXPORT_CASES:
            rows += bench_export_case(case, Path(tmp), memory)
    return rows + memory_rows(memory)


# ---- live (issue 5): time to first sound of `play` -------------------------------------------------

_FIRST_SOUND = """
import json, sys
from voicecoach import app
result = app.play(sys.argv[1], app.SessionOptions(), backend_name="null", keys=False, status=False,
                      record=False, sleep_after_s=1.0)
print(json.dumps({"first_sound_s": result.first_sound_s}))
"""

_MODEL_LOAD = """
import json, time
from voicecoach.speech.engines.piper import PiperEngine, _load
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
        out = subprocess.run(
            [sys.executable, "-c", code, *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


@functools.cache
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
    return {
        "name": "live time-to-first-sound (null backend), empty cache",
        "seconds": round(cold, 3),
        "floor": round(load_s + 2.0, 3),
        "floor_name": "target model load + 2 s",
        "ratio": round(cold / (load_s + 2.0), 3),
        "detail": {"model_load_s": round(load_s, 3), "after_model_load_s": round(cold - load_s, 3)},
    }


def bench_live_first_sound_full() -> dict[str, Any]:
    """The same with every line already in the cache (target 0.5 s: near-instant)."""
    _, _, warm = _first_sound_runs()
    return {
        "name": "live time-to-first-sound (null backend), full cache",
        "seconds": round(warm, 3),
        "floor": 0.5,
        "floor_name": "target 0.5 s",
        "ratio": round(warm / 0.5, 3),
        "detail": {
            "note": "a warm start is the compile (see the plan row) and the mixer's first loudness "
            "measurement, which imports scipy.signal"
        },
    }


# ---- live (issue 13): first sound on a real sound server -----------------------------------------


def _recorded_first_sound(path: Path, rate: int) -> int | None:
    """The first sample above -60 dBFS in the WAV file parecord is writing (None: silent so far)."""
    data = path.read_bytes()[44:]
    samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 33)
    return int(loud[0]) if len(loud) else None


def _card_env(server: Any, folder: Path, cache: str) -> dict[str, str]:
    """A child's environment: the private server, its own cache and data, and compiled bytecode.

    An installed voicecoach runs from bytecode (pip compiles it); PYTHONDONTWRITEBYTECODE, if set
    here, would make every run compile the package from source. The bytecode goes to a folder of
    the bench's own (PYTHONPYCACHEPREFIX), made by a first run that is not counted.
    """
    env = dict(os.environ, **server.env, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(PYTHONPYCACHEPREFIX=str(folder / "pycache"))
    env.update(VOICECOACH_CACHE_DIR=cache, VOICECOACH_DATA_DIR=str(folder / "data"))
    return env


def _run_recorded(
    server: Any, wav: Path, command: list[str], env: dict[str, str]
) -> tuple[float, float, str]:
    """Run `command` while the card is recorded: when it started, when its first sound sample
    played (both time.monotonic()), and its stdout."""
    import subprocess

    import sound_server

    rate = sound_server.RATE
    with server.recording(wav):
        starts = []  # when the recording's first sample was taken: the earliest estimate is the closest
        for _ in range(20):
            now = time.monotonic()
            starts.append(now - (wav.stat().st_size - 44) / 2 / rate)
            time.sleep(0.01)
        started = time.monotonic()
        child = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        try:
            first = None
            while first is None and time.monotonic() < started + 60:
                time.sleep(0.02)
                first = _recorded_first_sound(wav, rate)
        finally:
            child.terminate()
            out = child.communicate(timeout=30)[0].decode()
    assert first is not None, "no sound reached the card within a minute"
    return started, min(starts) + first / rate, out


def _play_to_first_sound(server: Any, folder: Path, cache: str, name: str) -> float:
    """Wall seconds from starting `voicecoach play` to its first sample on the recorded card."""
    command = [sys.executable, "-m", "voicecoach", "play", "reclining-hip-release", "--sleep-after", "1m"]
    started, played, _ = _run_recorded(
        server, folder / f"{name}.wav", command, _card_env(server, folder, cache)
    )
    return played - started


_CLICK = """
import sys, time
import numpy as np
import sounddevice
stream = sounddevice.OutputStream(samplerate=48000, channels=1, dtype="int16", latency=float(sys.argv[1]))
click = np.zeros((4800, 1), dtype=np.int16)
click[:48] = 16000
time.sleep(0.2)
print(time.monotonic(), flush=True)
stream.start()
stream.write(click)
time.sleep(1)
"""


def _card_path_s(server: Any, folder: Path) -> float:
    """The median delay from a click written to a new stream (as the player writes its first audio)
    to the click in the recording: the sound server's and the recorder's share of a first sound."""
    from voicecoach.live.backends.base import DEVICE_LATENCY_S

    env = _card_env(server, folder, str(folder / "unused"))
    delays = []
    for run in range(3):
        command = [sys.executable, "-c", _CLICK, str(DEVICE_LATENCY_S)]
        _, played, out = _run_recorded(server, folder / f"click{run}.wav", command, env)
        delays.append(played - float(out.split()[0]))
    return float(np.median(delays))


def bench_live_first_sound_card() -> list[dict[str, Any]]:
    """`voicecoach play` (default output and voice) on a private PulseAudio's virtual card, from the
    command to the first sound sample the card played, with an empty and a full speech cache
    (targets: 2.5 s empty, piper's model load included; 0.5 s full). Best of two, after a run that
    is not counted (it compiles the bytecode, see `_card_env`). `card_path_s` is the part of a first
    sound that is the sound server's and the recorder's (`_card_path_s`)."""
    import shutil
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import sound_server

    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="vc-bench-card-") as tmp,
        sound_server.sound_server(Path(tmp) / "pulse") as server,
    ):
        _play_to_first_sound(server, Path(tmp), str(Path(tmp) / "first-cache"), "first")
        card_path_s = _card_path_s(server, Path(tmp))
        empty, full = [], []
        for run in range(2):
            cache = tempfile.mkdtemp(prefix="vc-bench-cache-")
            try:
                empty.append(_play_to_first_sound(server, Path(tmp), cache, f"empty{run}"))
                full.append(_play_to_first_sound(server, Path(tmp), cache, f"full{run}"))
            finally:
                shutil.rmtree(cache, ignore_errors=True)
        for label, times, target in (("empty", empty, 2.5), ("full", full, 0.5)):
            best = min(times)
            rows.append(
                {
                    "name": f"live first sound on a PulseAudio card, {label} cache",
                    "seconds": round(best, 3),
                    "floor": target,
                    "floor_name": f"target {target:g} s",
                    "ratio": round(best / target, 3),
                    "detail": {"runs_s": [round(t, 3) for t in times], "card_path_s": round(card_path_s, 4)},
                }
            )
    return rows


def bench_estimate() -> list[dict[str, Any]]:
    """`voicecoach plan NAME --json` (piper, the real lengths; through the user's speech cache, so
    minutes the first time) against `--estimate`, for every built-in routine under every built-in
    profile: the estimate's error (target: within 3%)."""
    from voicecoach.profiles.model import BUILTIN_PROFILES
    from voicecoach.routine.builtin import builtin_names

    rows = []
    for name in builtin_names():
        for profile in BUILTIN_PROFILES:
            lengths = []
            for extra in ((), ("--estimate",)):
                cmd = [
                    sys.executable,
                    "-m",
                    "voicecoach",
                    "plan",
                    name,
                    "--profile",
                    profile,
                    "--json",
                    *extra,
                ]
                done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), check=True)
                lengths.append(json.loads(done.stdout)["duration_s"])
            real, estimate = lengths
            rows.append(
                {
                    "name": f"estimate, {name} ({profile}): {estimate - real:+.1f} s",
                    "seconds": round(estimate, 1),
                    "floor": round(real, 1),
                    "floor_name": f"real length (piper), error {100 * (estimate - real) / real:+.2f}%",
                    "ratio": round(estimate / real, 4),
                    "target": 1.03,
                    "met": abs(estimate - real) <= 0.03 * real,
                }
            )
    return rows


def _progress_run(routine: str, engine: str) -> dict[str, float]:
    """An export into an empty cache, in this process, recording its progress: when it first moved,
    and the worst ratio of the time left it implied (elapsed x (1 - f) / f) to the truth past 10%."""
    import tempfile

    from voicecoach import app
    from voicecoach.export.track import ExportOptions

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VOICECOACH_CACHE_DIR"] = tmp
        marks: list[tuple[float, float]] = []
        start = time.perf_counter()
        options = ExportOptions(progress=lambda f: marks.append((time.perf_counter() - start, f)))
        app.export_routine(routine, app.SessionOptions(engine=engine), str(Path(tmp) / "x.mp3"), options)
        end = time.perf_counter() - start
        del os.environ["VOICECOACH_CACHE_DIR"]
    first_move = next(t for t, f in marks if f > 0)
    ratios = [t * (1 - f) / f / (end - t) for t, f in marks if 0.1 <= f < 1 and end - t > 0.05]
    return {"seconds": end, "first_move_s": first_move, "worst_eta_ratio": max(ratios), "best": min(ratios)}


def bench_progress() -> list[dict[str, Any]]:
    """Export progress (issue 14): the first move, and the time left it implies against the truth
    once past 10% (target: never more than twice the truth) for an espeak and a piper export."""
    rows = []
    for routine, engine in (("desk-reset", "espeak"), ("reclining-hip-release", "piper")):
        r = _progress_run(routine, engine)
        rows.append(
            {
                "name": f"export progress, {routine} ({engine}): first move {r['first_move_s']:.2f} s",
                "seconds": round(r["seconds"], 2),
                "floor": 2.0,
                "floor_name": f"time left / truth past 10%: {r['best']:.2f} to {r['worst_eta_ratio']:.2f}",
                "ratio": round(r["worst_eta_ratio"], 3),
                "target": 2.0,
                "met": r["worst_eta_ratio"] <= 2.0 and r["first_move_s"] <= 1.0,
                "detail": {k: round(v, 3) for k, v in r.items()},
            }
        )
    return rows


def _numpy_kweighting_stream(blocks: list[np.ndarray], rate: int) -> np.ndarray:
    """numpy alone: each block K-weighted by FFT with its decay (kweight.k_weighted), overlap-added."""
    from voicecoach.sound.kweight import TAIL_S, k_weighted

    tail = np.zeros(int(round(TAIL_S * rate)))
    last = np.zeros(0)
    for block in blocks:
        y = k_weighted(block, rate, tail_s=TAIL_S)
        y[: len(tail)] += tail
        last, tail = y[: len(block)], y[len(block) :]
    return last


def _numpy_noise_stream(colour: str, rate: int, seconds: int) -> np.ndarray:
    """numpy alone: white noise through the bed's filter as a truncated impulse response (to 1e-9
    of its peak), by FFT, overlap-added block by block."""
    from scipy.signal import lfilter

    from voicecoach.mix.bed import _noise_filter

    b, a = _noise_filter(colour, rate)
    impulse = np.zeros(1 << 16)
    impulse[0] = 1.0
    h = lfilter(b, a, impulse)  # the response is worked out once; a numpy bed would ship it
    h = h[: int(np.flatnonzero(np.abs(h) > 1e-9 * np.abs(h).max())[-1]) + 1]
    size = 1 << int(np.ceil(np.log2(rate + len(h) - 1)))
    response = np.fft.rfft(h, size)
    rng = np.random.default_rng(1)
    tail = np.zeros(len(h) - 1)
    out = np.zeros(0, dtype=np.float32)
    for _ in range(seconds):
        y = np.fft.irfft(np.fft.rfft(rng.standard_normal(rate, dtype=np.float32), size) * response, size)
        y = y[: rate + len(h) - 1]
        y[: len(tail)] += tail
        tail, out = y[rate:].copy(), y[:rate].astype(np.float32)
    return out


def bench_scipy() -> list[dict[str, Any]]:
    """Is scipy (about 140 MB installed) worth keeping? It runs the two IIR filters of a stream: the
    K-weighting of the loudness meter (sosfilt, for a session with a bed) and the bed's noise
    colouring (lfilter). Each is timed over 60 minutes at 48 kHz in 1 s blocks, as the mixer feeds
    them, against the best numpy-only replacement (FFT filtering with the decay overlap-added; a
    per-sample loop in Python would take minutes). The ratio is the replacement's time over
    scipy's: while it is above 1, scipy stays (the numpy noise would also differ: a truncated
    response)."""
    from voicecoach.mix.bed import NoiseStream
    from voicecoach.sound.loudness import LoudnessMeter

    rate, minutes = 48000, 60
    block = (np.random.default_rng(0).standard_normal(rate) * 0.1).astype(np.float32)
    blocks = [block] * (minutes * 60)

    def scipy_meter() -> None:
        meter = LoudnessMeter(rate)
        for b in blocks:
            meter.add(b)

    note("scipy or numpy: K-weighting 60 min")
    rows = [
        row(
            "scipy? K-weighting 60 min, 48 kHz, 1 s blocks, numpy FFT instead",
            best_of(2, lambda: _numpy_kweighting_stream(blocks, rate)),
            best_of(2, scipy_meter),
            "scipy sosfilt (kept while > 1x)",
        )
    ]
    for colour in ("brown", "pink"):
        note(f"scipy or numpy: {colour} noise 60 min")

        def scipy_noise(colour: str = colour) -> None:
            stream = NoiseStream(colour, rate, -38.0, 1, 0)
            for _ in range(minutes * 60):
                stream.read(rate)

        rows.append(
            row(
                f"scipy? {colour} noise bed 60 min, 48 kHz, numpy FFT instead",
                best_of(2, lambda colour=colour: _numpy_noise_stream(colour, rate, minutes * 60)),
                best_of(2, scipy_noise),
                "scipy lfilter (kept while > 1x)",
            )
        )
    return rows


# ---- serve (issue 15): requests per second and the server's memory under load --------------------

SERVE_CLIENTS = 20
SERVE_REQUESTS = 100  # per client: 2,000 range requests in all
SERVE_RPS_TARGET = 500.0


def _serve_client(port: int, path: str, size: int, seed: int, counts: list[int]) -> None:
    """One listener: keep-alive range requests of up to 64 KB at random places; bytes received."""
    import http.client
    import random

    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    received = 0
    for _ in range(SERVE_REQUESTS):
        start = rng.randrange(0, max(1, size - 65536))
        conn.request("GET", path, headers={"Range": f"bytes={start}-{start + 65535}"})
        resp = conn.getresponse()
        received += len(resp.read())
        if resp.status != 206:
            raise RuntimeError(f"range request answered {resp.status}")
    conn.close()
    counts.append(received)


def bench_serve() -> list[dict[str, Any]]:
    """`voicecoach serve` (a real process, the shortest built-in with espeak) under 20 clients fetching
    64 KB ranges of its MP3 at once: requests per second, and the server's peak resident memory
    under load against its resident memory idle after start-up (flat: ratio near 1)."""
    import signal
    import subprocess
    import tempfile
    import threading
    import urllib.request

    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-serve-") as tmp:
        env = dict(_env(str(Path(tmp) / "cache")), VOICECOACH_DATA_DIR=str(Path(tmp) / "data"))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voicecoach",
                "serve",
                "reclining-hip-release",
                "--engine",
                "espeak",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            page = ""
            while not page:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"serve did not start: {proc.stderr.read()[-600:]}")
                page = line.split()[1] if line.startswith("page: ") else ""
            mp3 = page + "reclining-hip-release/session.mp3"
            with urllib.request.urlopen(urllib.request.Request(mp3, method="HEAD")) as resp:
                size = int(resp.headers["Content-Length"])
            idle_mb = _status_kb(proc.pid, "VmRSS") / 1024  # after start-up (the export's peak is past)
            port, path = (
                int(page.split(":")[2].split("/")[0]),
                "/" + page.split("/", 3)[3] + "reclining-hip-release/session.mp3",
            )
            counts: list[int] = []
            clients = [
                threading.Thread(target=_serve_client, args=(port, path, size, n, counts))
                for n in range(SERVE_CLIENTS)
            ]
            peak_kb = [0]
            start = time.perf_counter()
            for client in clients:
                client.start()
            while any(c.is_alive() for c in clients):  # resident memory polled every 10 ms under load
                peak_kb[0] = max(peak_kb[0], _status_kb(proc.pid, "VmRSS"))
                time.sleep(0.01)
            wall = time.perf_counter() - start
            loaded_mb = peak_kb[0] / 1024
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=30)
    requests = SERVE_CLIENTS * SERVE_REQUESTS
    if len(counts) != SERVE_CLIENTS:
        raise RuntimeError("a serve bench client failed")
    rps = requests / wall
    detail = {
        "requests": requests,
        "clients": SERVE_CLIENTS,
        "requests_per_s": round(rps, 1),
        "mb_served": round(sum(counts) / 2**20, 1),
        "idle_peak_mb": round(idle_mb, 1),
        "loaded_peak_mb": round(loaded_mb, 1),
    }
    return [
        row(
            f"serve: {requests:,} 64 KB range requests, {SERVE_CLIENTS} clients ({rps:.0f} req/s)",
            wall,
            requests / SERVE_RPS_TARGET,
            f"target {SERVE_RPS_TARGET:g} req/s",
            target=1.0,
            detail=detail,
        ),
        row(
            "serve: server peak memory under that load",
            loaded_mb,
            idle_mb,
            "its memory idle",
            unit="MB",
            target=1.1,
            detail=detail,
        ),
    ]


def _print_table(report: dict[str, Any]) -> None:
    print(f"voicecoach bench: {report['cores']} cores, Python {report['python']}")
    for r in report["results"]:
        value = r.get("seconds", r.get("mb"))
        unit = r.get("unit", "s")
        figure = f"{value:>9.3f} s " if unit == "s" else f"{value:>9.1f} MB"
        verdict = "" if "target" not in r else f", target {r['target']:g}x: {'met' if r['met'] else 'MISSED'}"
        peak = r.get("detail", {}).get("peak_rss_mb")
        memory = f", peak RSS {peak:.0f} MB" if peak else ""
        print(f"  {r['name']:<66} {figure} {r['ratio']:>6.2f}x {r['floor_name']}{verdict}{memory}")


BENCHES: list[Callable[[], Any]] = [
    bench_plan,
    bench_limits,
    bench_synthesis,
    bench_say,
    bench_exports,
    bench_live_first_sound_empty,
    bench_live_first_sound_full,
    bench_live_first_sound_card,
    bench_scipy,
    bench_serve,
    bench_estimate,
    bench_progress,
]


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--synth-floor":
        synth_floor_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--only", default=None, help="run only the benches whose name contains this")
    args = parser.parse_args()
    results = []
    for bench in BENCHES:
        if args.only and args.only not in bench.__name__:
            continue
        result = bench()
        results.extend(result if isinstance(result, list) else [result])
    report = {"cores": os.cpu_count(), "python": sys.version.split()[0], "results": results}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_table(report)


if __name__ == "__main__":
    main()
