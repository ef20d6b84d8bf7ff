"""What `voicecoach export` does: routine -> timeline (speech synthesised once) -> audio file(s)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from voicecoach import session
from voicecoach.errors import UsageError
from voicecoach.audio.export import (ExportOptions, ExportResult, check_request, default_output_name,
                                     export_session)
from voicecoach.audio.encoders import format_for
from voicecoach.audio.split import SplitResult, export_split
from voicecoach.compiler import compile_routine
from voicecoach.audio.facts import SoundFacts
from voicecoach.speech.base import Clip
from voicecoach.speech.synth import Synthesizer
from voicecoach.timeline import Timeline


class SessionClips(Mapping[str, Clip]):
    """The clip of each spoken line of a session, fetched through its synthesizer when asked for
    (from its memory, else the cache): the clips of a long session are not all held at once."""

    def __init__(self, synth: Synthesizer, texts: list[str], rate: float):
        self._synth, self._texts, self._rate = synth, dict.fromkeys(texts), rate

    def __getitem__(self, text: str) -> Clip:
        if text not in self._texts:
            raise KeyError(text)
        return self._synth.clip(text, self._rate)

    def facts(self, text: str) -> SoundFacts | None:
        """The clip's facts for the mix (kept in memory for every line, unlike its samples)."""
        return self._synth.facts(text, self._rate)

    def __contains__(self, text: object) -> bool:
        return text in self._texts

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


@dataclass(frozen=True)
class PreparedSession:
    timeline: Timeline
    clips: Mapping[str, Clip]


def prepare(routine_arg: str, options: session.SessionOptions) -> PreparedSession:
    """Compile the routine exactly as `plan` does (speech durations from the synthesizer: cached,
    normalised, as played), every line synthesised or found in the cache; the clips by line.

    Meanwhile a thread levels the cue sounds for the mix (work numpy does outside Python's lock).
    """
    from voicecoach.audio.mixer import level_all_cues

    threading.Thread(target=level_all_cues, name="voicecoach-cues", daemon=True).start()
    routine = session.load(routine_arg)
    compile_options = options.compile_options()
    synth = session._warmed_synthesizer(routine, compile_options, options)
    timeline = compile_routine(routine, compile_options, synth)
    rate = compile_options.resolved_profile().rate
    texts = [e.text for e in timeline.speech() if e.text is not None]
    synth.warm(texts, rate)  # any line the draft did not have
    return PreparedSession(timeline, SessionClips(synth, texts, rate))


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


def expand_routines(args: list[str]) -> list[str]:
    """Routine arguments with each folder replaced by the routine files in it, in name order."""
    found: list[str] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if not files:
                raise UsageError(f"{arg} is a folder with no routine files (*.yaml) in it")
            found.extend(str(p) for p in files)
        else:
            found.append(arg)
    return found


def export_many(routine_args: list[str], options: session.SessionOptions, out_dir: str | None,
                export_options: ExportOptions) -> list[ExportResult]:
    """Export several routines into one folder (default: here), each named after its routine.

    Every routine is checked before the first is synthesised, so a typo in the fifth file does not
    cost four exports' time.
    """
    folder = Path(out_dir) if out_dir else Path(".")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file: with several routines, -o names a folder (end it with /)")
    for arg in routine_args:
        session.load(arg)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = format_for(export_options.format).suffix if export_options.format else ".mp3"
    return [export_routine(arg, options, str(folder / default_output(arg, suffix).name), export_options)
            for arg in routine_args]
