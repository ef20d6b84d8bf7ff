#!/usr/bin/env python3
"""voicecoach benchmarks: figures measured side by side in one run, each with the ratio to its floor.

    python scripts/bench.py            a table
    python scripts/bench.py --json     the same figures as JSON

Targets are ratios (the machine is shared and noisy), never timed assertions in tests.
"""

from __future__ import annotations

import argparse
import dataclasses
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


BENCHES: list[Callable[[], dict[str, Any]]] = [bench_plan]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = [bench() for bench in BENCHES]
    report = {"cores": os.cpu_count(), "python": sys.version.split()[0], "results": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"voicecoach bench: {report['cores']} cores, Python {report['python']}")
    for r in results:
        print(f"  {r['name']:<55} {r['seconds']:>9.3f} s   {r['ratio']:>6.2f}x {r['floor_name']}")


if __name__ == "__main__":
    main()
