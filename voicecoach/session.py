"""The library functions the commands call: from a routine argument to a timeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.errors import Problem, RoutineError, UsageError
from voicecoach.compiler import CompileOptions, SpeechDurations, compile_routine
from voicecoach.estimate import EstimatedDurations
from voicecoach.library import builtin_names, builtin_path, resolve_routine
from voicecoach.profiles import all_profiles, get_profile
from voicecoach.routine.durations import DurationError, format_duration, parse_breath, parse_duration
from voicecoach.routine.loader import load_routine
from voicecoach.routine.model import Routine
from voicecoach.speech.synth import Synthesizer
from voicecoach.timeline import Timeline


@dataclass(frozen=True)
class SessionOptions:
    """The options plan, play and export share."""

    profile: str | None = None
    engine: str | None = None
    voice: str | None = None
    rate: float | None = None
    hold_scale: float = 1.0
    breath: str | None = None
    cues: str | None = None
    intro: bool = True
    tail: str | None = None  # a duration: how long the bed plays on alone at the end

    def compile_options(self) -> CompileOptions:
        if self.rate is not None and not 0.3 <= self.rate <= 3.0:
            raise UsageError(f"--rate {self.rate:g} is out of range: use a factor from 0.3 to 3 (1 = normal)")
        if not 0.1 <= self.hold_scale <= 10:
            raise UsageError(f"--hold-scale {self.hold_scale:g} is out of range: use a factor from 0.1 to 10")
        breath = None
        if self.breath:
            try:
                breath = parse_breath(self.breath)
            except DurationError as exc:
                raise UsageError(f"--breath: {exc}") from None
        return CompileOptions(profile=get_profile(self.profile), rate=self.rate, hold_scale=self.hold_scale,
                              breath=breath, cues=self.cues, intro=self.intro, tail_s=self._tail_s())

    def _tail_s(self) -> float | None:
        if self.tail is None:
            return None
        if self.tail.strip() in ("0", "0s", "none"):
            return 0.0
        try:
            return parse_duration(self.tail)
        except DurationError as exc:
            raise UsageError(f"--tail: {exc}") from None


def load(routine_arg: str) -> Routine:
    """A routine from a file path or a built-in name."""
    path = resolve_routine(routine_arg)
    return load_routine(path, display=routine_arg if path == Path(routine_arg) else str(path))


def plan(routine_arg: str, options: SessionOptions, estimate: bool = False) -> Timeline:
    """Compile a routine with estimated or engine-measured speech durations."""
    routine = load(routine_arg)
    compile_options = options.compile_options()
    durations: SpeechDurations
    if estimate:
        durations = EstimatedDurations()
    else:
        durations = _warmed_synthesizer(routine, compile_options, options)
    return compile_routine(routine, compile_options, durations, estimated=estimate)


def _warmed_synthesizer(routine: Routine, compile_options: CompileOptions,
                        options: SessionOptions) -> Synthesizer:
    """A synthesizer (cached, normalised: durations as played) with the routine's lines made ahead.

    The lines are found by a draft compile with estimated durations, then synthesised together,
    on every core, instead of one by one as the compiler asks for them.
    """
    synth = Synthesizer(options.engine, options.voice)
    draft = compile_routine(routine, compile_options, EstimatedDurations(), estimated=True)
    lines = [e.text for e in draft.events if e.kind == "speech" and e.text]
    synth.warm(lines, compile_options.resolved_profile().rate)
    return synth


def builtin_routines() -> list[dict[str, Any]]:
    """Each built-in routine with its name, title, estimated length and tags."""
    rows = []
    for name in builtin_names():
        routine = load_routine(builtin_path(name))
        timeline = compile_routine(routine, CompileOptions(), EstimatedDurations(), estimated=True)
        rows.append({"name": name, "title": routine.title, "duration_s": round(timeline.duration_s, 2),
                     "tags": list(routine.tags)})
    return rows


def validate_files(paths: list[str]) -> tuple[list[Problem], list[str]]:
    """Every problem in the files, and a one-line summary for each good one."""
    problems: list[Problem] = []
    summaries: list[str] = []
    for path in paths:
        try:
            routine = load_routine(path)
            timeline = compile_routine(routine, CompileOptions(), EstimatedDurations(), estimated=True)
        except RoutineError as exc:
            problems.extend(exc.problems)
            continue
        except UsageError as exc:
            problems.append(Problem(path, 1, 1, str(exc)))
            continue
        count = len(routine.steps)
        summaries.append(f"{path}: ok, {count} step{'' if count == 1 else 's'}, about {clock(timeline.duration_s)}")
    return problems, summaries


def clock(seconds: float) -> str:
    """`4:05`, or `1:02:05` past an hour."""
    return format_duration(seconds)


def describe(routine_arg: str) -> dict[str, Any]:
    """What `voicecoach show` prints: the routine's purpose, steps with times, length per profile."""
    routine = load(routine_arg)
    lengths = {}
    guided = None
    for name in all_profiles():
        timeline = compile_routine(routine, CompileOptions(profile=get_profile(name)), EstimatedDurations(),
                                   estimated=True)
        lengths[name] = timeline.duration_s
        guided = guided or timeline
    return {"title": routine.title, "summary": routine.summary, "source": routine.source,
            "tags": list(routine.tags), "intro": list(routine.intro),
            "steps": [s.to_json() for s in guided.steps], "holds": [h.to_json() for h in guided.holds],
            "duration_s": lengths}


TEMPLATE = """format: 1
title: {title}
summary: What this routine is for, in a sentence.
tags: [custom]
defaults:
  hold: 30s
  transition: 5s
  rest: 5s
  breath: 4-6
intro: Move slowly, keep breathing, and stop if anything feels sharp.
steps:
  - talk: Find a comfortable spot on the floor.
  - stretch: Knee to Chest
    setup: "Lie on your back and draw your {{side}} knee toward your chest."
    hold: 30s
    sides: both
    cues: Let your shoulders rest on the floor.
    release: Slowly lower the leg.
  - breathe: calm
    cycles: 4
"""


def new_routine(name: str, out: str | None = None, force: bool = False) -> Path:
    """Copy a built-in routine, or a template titled `name`, into a file to edit; its path."""
    if name in builtin_names():
        text = builtin_path(name).read_text(encoding="utf-8")
    else:
        text = TEMPLATE.format(title=name.replace("-", " ").replace("_", " ").strip().title() or "My Routine")
    stem = name if not name.endswith((".yaml", ".yml")) else Path(name).stem
    path = Path(out) if out else Path(f"{stem}.yaml")
    if path.exists() and not force:
        raise UsageError(f"{path} already exists: choose another name with -o, or use --force to replace it")
    path.write_text(text, encoding="utf-8")
    return path
