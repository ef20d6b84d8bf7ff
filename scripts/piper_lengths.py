#!/usr/bin/env python3
"""Measure the default voice: every line of every built-in routine under every built-in profile,
synthesised by piper (through the speech cache, trimmed and levelled as export plays it), its
length in seconds at the profile's rate. Written to tests/data/piper_lengths.json, the table the
estimate's calibration test (tests/test_estimate_calibration.py) compiles the real plans from.

    python scripts/piper_lengths.py            # rewrite the table (minutes with an empty cache)
    python scripts/piper_lengths.py --check    # how far the table is from a fresh measurement

Piper's timing varies a little from one synthesis to the next (about 1%); the table is one
measurement, as the cache keeps one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voicecoach.plan.compiler import CompileOptions, compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.model import BUILTIN_PROFILES
from voicecoach.routine.builtin import builtin_names, builtin_path
from voicecoach.routine.loader import load_routine
from voicecoach.speech.synth import Synthesizer

TABLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "piper_lengths.json"


class Recording:
    """A duration source that asks the synthesizer and remembers every (text, rate) it was asked."""

    def __init__(self, synth: Synthesizer) -> None:
        self.synth = synth
        self.seen: dict[str, dict[str, float]] = {}

    def duration_s(self, text: str, rate: float) -> float:
        seconds = self.synth.duration_s(text, rate)
        self.seen.setdefault(f"{rate:g}", {})[text] = round(seconds, 6)
        return seconds


def measure() -> dict[str, object]:
    synth = Synthesizer("piper")
    recording = Recording(synth)
    for name in builtin_names():
        routine = load_routine(builtin_path(name))
        for profile in BUILTIN_PROFILES.values():
            options = CompileOptions(profile=profile)
            draft = compile_routine(routine, options, EstimatedDurations(), estimated=True)
            synth.warm([e.text for e in draft.speech() if e.text], profile.rate)
            compile_routine(routine, options, recording)
            print(
                f"{name} ({profile.name}): {len(recording.seen.get(f'{profile.rate:g}', {}))} lines so far",
                file=sys.stderr,
            )
    return {
        "engine": "piper",
        "voice": synth.voice,
        "identity": synth.identity,
        "seconds": {rate: dict(sorted(lines.items())) for rate, lines in sorted(recording.seen.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the table instead of writing it")
    args = parser.parse_args()
    fresh = measure()
    if not args.check:
        TABLE.parent.mkdir(parents=True, exist_ok=True)
        TABLE.write_text(json.dumps(fresh, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {TABLE}", file=sys.stderr)
        return
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    worst = 0.0
    for rate, lines in fresh["seconds"].items():  # type: ignore[union-attr]
        for text, seconds in lines.items():
            known = table["seconds"].get(rate, {}).get(text)
            if known is None:
                print(f"missing from the table: {text!r} at rate {rate}")
                continue
            worst = max(worst, abs(seconds - known) / known)
    print(f"largest difference from the table: {worst:.1%}")


if __name__ == "__main__":
    main()
