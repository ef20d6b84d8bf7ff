"""What `voicecoach export` does: routine -> timeline (speech synthesised once) -> audio file(s)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voicecoach import session
from voicecoach.audio.export import (ExportOptions, ExportResult, check_request, default_output_name,
                                     export_session)
from voicecoach.audio.split import SplitResult, export_split
from voicecoach.compiler import compile_routine
from voicecoach.speech.base import Clip, Engine
from voicecoach.speech.registry import get_engine
from voicecoach.timeline import Timeline


class ClipCollector:
    """A speech-duration source that keeps every clip it synthesises, so export reuses them."""

    def __init__(self, engine: Engine, voice: str | None):
        self.engine, self.voice = engine, voice
        self.clips: dict[str, Clip] = {}

    def duration_s(self, text: str, rate: float) -> float:
        if text not in self.clips:
            self.clips[text] = self.engine.synthesize(text, self.voice, rate)
        return self.clips[text].duration_s


@dataclass(frozen=True)
class PreparedSession:
    timeline: Timeline
    clips: dict[str, Clip]


def prepare(routine_arg: str, options: session.SessionOptions) -> PreparedSession:
    """Compile the routine with real speech durations, keeping the synthesised clips."""
    routine = session.load(routine_arg)
    collector = ClipCollector(get_engine(options.engine), options.voice)
    timeline = compile_routine(routine, options.compile_options(), collector)
    return PreparedSession(timeline, collector.clips)


def default_output(routine_arg: str, suffix: str = ".mp3") -> Path:
    """The file `export` writes without -o: named after the routine, in the current folder."""
    name = Path(routine_arg).stem if routine_arg.endswith((".yaml", ".yml")) else Path(routine_arg).name
    return Path(default_output_name(name, suffix))


def export_routine(routine_arg: str, options: session.SessionOptions, out: str | None,
                   export_options: ExportOptions) -> ExportResult:
    """Export ROUTINE to `out` (default: named after the routine)."""
    target = Path(out) if out else default_output(routine_arg)
    check_request(target, export_options)
    prepared = prepare(routine_arg, options)
    return export_session(prepared.timeline, prepared.clips, target, export_options)


def export_routine_split(routine_arg: str, options: session.SessionOptions, out_dir: str | None,
                         export_options: ExportOptions) -> SplitResult:
    """Export ROUTINE as one file per step plus a playlist into `out_dir` (default: named after it)."""
    check_request(None, export_options)
    prepared = prepare(routine_arg, options)
    folder = Path(out_dir) if out_dir else default_output(routine_arg, "")
    return export_split(prepared.timeline, prepared.clips, folder, export_options)
