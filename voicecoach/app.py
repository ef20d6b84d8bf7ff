"""The library API the commands call: routine arguments in; plans, descriptions, exports out."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicecoach.errors import Problem, RoutineError, UsageError, VoicecoachError
from voicecoach.export.encoders import FORMATS, format_for
from voicecoach.export.progress import MODEL_LOAD_S, ExportProgress, mix_costs_s, synthesis_cost_s
from voicecoach.export.split import SplitResult, export_split
from voicecoach.export.track import (
    ExportOptions,
    ExportResult,
    check_request,
    default_output_name,
    export_session,
)
from voicecoach.fsutil import write_text_atomic
from voicecoach.mix.mixer import level_all_cues
from voicecoach.paths import data_dir, routines_dir
from voicecoach.plan.compiler import CompileOptions, SpeechDurations, compile_routine, compile_session
from voicecoach.plan.estimate import EstimatedDurations, KnownOrEstimated
from voicecoach.plan.timeline import Timeline
from voicecoach.profiles.store import DEFAULT_PROFILE, all_profiles, get_profile
from voicecoach.routine.builtin import (
    builtin_names,
    builtin_path,
    is_routine_name,
    named_routines,
    resolve_routine,
)
from voicecoach.routine.durations import DurationError, format_duration, parse_breath, parse_duration
from voicecoach.routine.loader import load_routine
from voicecoach.routine.model import Routine
from voicecoach.sound.clip import Clip
from voicecoach.sound.facts import SoundFacts
from voicecoach.speech.playback import play_clip, write_clip
from voicecoach.speech.synth import Synthesizer, say_clip

if TYPE_CHECKING:
    from voicecoach.live.player import PlayResult
    from voicecoach.serve.publish import Toolkit


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

    def compile_options(self, routines: Sequence[Routine] = ()) -> CompileOptions:
        """The compile's options: the profile from --profile, else the one the routines name."""
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
        return CompileOptions(
            profile=get_profile(self.profile or routine_profile(routines)),
            rate=self.rate,
            hold_scale=self.hold_scale,
            breath=breath,
            cues=self.cues,
            intro=self.intro,
            tail_s=self._tail_s(),
        )

    def _tail_s(self) -> float | None:
        if self.tail is None:
            return None
        if self.tail.strip() in ("0", "0s", "none"):
            return 0.0
        try:
            return parse_duration(self.tail)
        except DurationError as exc:
            raise UsageError(f"--tail: {exc}") from None


def parse_sleep_after(text: str | None) -> float | None:
    """Seconds in `--sleep-after` (`20m`, `1h`, `90s`), or None."""
    if text is None:
        return None
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise UsageError(f"--sleep-after: {exc}") from None


def load(routine_arg: str) -> Routine:
    """A routine from a file path or a routine's name (yours, else a built-in)."""
    path, shown = _resolved(routine_arg)
    return load_routine(path, display=shown, profiles=profile_names)


def _resolved(routine_arg: str) -> tuple[Path, str]:
    """A ROUTINE argument's file, and how messages name it (the argument when it is the path)."""
    path = resolve_routine(routine_arg)
    return path, routine_arg if path == Path(routine_arg) else str(path)


def profile_names() -> list[str]:
    """The names a routine's `profile:` may take: the built-in profiles and your own."""
    return list(all_profiles())


def routine_profile(routines: Sequence[Routine]) -> str | None:
    """The profile a session's routines are made for: the first one a routine names."""
    return next((r.profile for r in routines if r.profile), None)


def _listed(routine_args: str | Sequence[str]) -> list[str]:
    return [routine_args] if isinstance(routine_args, str) else list(routine_args)


def plan(routine_args: str | Sequence[str], options: SessionOptions, estimate: bool = False) -> Timeline:
    """Compile one routine, or several joined into one session, with estimated or engine-measured
    speech durations."""
    routines = [load(arg) for arg in _listed(routine_args)]
    compile_options = options.compile_options(routines)
    durations: SpeechDurations
    if estimate:
        durations = EstimatedDurations()
    else:
        durations = warmed_synthesizer(routines, compile_options, options)
    return compile_session(routines, compile_options, durations, estimated=estimate)


def warmed_synthesizer(
    routines: Sequence[Routine],
    compile_options: CompileOptions,
    options: SessionOptions,
    progress: ExportProgress | None = None,
) -> Synthesizer:
    """A synthesizer (cached, normalised: durations as played) with the routine's lines made ahead.

    The lines are found by a draft compile with estimated durations, then synthesised together,
    on every core, instead of one by one as the compiler asks for them. `progress` gets the
    voice's loading and the synthesis as stages weighted by their expected cost.
    """
    synth = Synthesizer(options.engine, options.voice)
    draft = compile_session(routines, compile_options, EstimatedDurations(), estimated=True)
    lines = [e.text for e in draft.events if e.kind == "speech" and e.text]
    rate = compile_options.resolved_profile().rate
    on_done = None
    if progress is not None:
        missing = synth.missing(lines, rate)
        engine = synth.engine.name
        progress.plan("voice", MODEL_LOAD_S.get(engine, 0.0) if missing else 0.0)
        progress.plan("synthesis", synthesis_cost_s(missing, engine, synth.engine.workers), len(missing))

        def on_done(_line: str) -> None:
            progress.advance("voice", 1.0)
            progress.step("synthesis")

    synth.warm(lines, rate, on_done)
    return synth


def builtin_routines() -> list[dict[str, Any]]:
    """Each routine found by name (yours first, marked, then the built-ins) with its name, title,
    length and tags; the length is exact once the default voice has spoken every line (they are in
    the speech cache), else `estimated`."""
    known = _known_lengths()
    rows = []
    for found in named_routines():
        routine = load_routine(found.path)
        options = CompileOptions(profile=get_profile(routine.profile))
        duration_s, estimated = session_length(routine, options, known)
        rows.append(
            {
                "name": found.name,
                "title": routine.title,
                "duration_s": round(duration_s, 2),
                "estimated": estimated,
                "tags": list(routine.tags),
                "yours": found.yours,
            }
        )
    return rows


def session_length(
    routine: Routine, compile_options: CompileOptions, known: Callable[[str, float], float | None] | None
) -> tuple[float, bool]:
    """The session's length from the lines' real lengths where `known`, else estimated; and
    whether any line was estimated."""
    source = KnownOrEstimated(known)
    timeline = compile_routine(routine, compile_options, source, estimated=True)
    return timeline.duration_s, source.estimated


def _known_lengths() -> Callable[[str, float], float | None] | None:
    """Lengths of lines the default voice has already spoken (from the speech cache), if it works."""
    try:
        return Synthesizer().known_duration_s
    except VoicecoachError:
        return None


def validate_files(paths: list[str]) -> tuple[list[Problem], list[str]]:
    """Every problem in the routines (files, or names as every command takes them), and a one-line
    summary for each good one."""
    problems: list[Problem] = []
    summaries: list[str] = []
    for path in paths:
        try:
            file, shown = _validated(path)
            routine = load_routine(file, display=shown, profiles=profile_names)
            options = CompileOptions(profile=get_profile(routine.profile))
            timeline = compile_routine(routine, options, EstimatedDurations(), estimated=True)
        except RoutineError as exc:
            problems.extend(exc.problems)
            continue
        except UsageError as exc:
            problems.append(Problem(path, 1, 1, str(exc).removeprefix(f"{path}: ")))
            continue
        count, length = len(routine.steps), format_duration(timeline.duration_s)
        summaries.append(f"{path}: ok, {count} step{'' if count == 1 else 's'}, about {length}")
    return problems, summaries


def _validated(routine_arg: str) -> tuple[Path, str]:
    """What `validate ARG` checks: the routine ARG names, as for every command; else a file of that
    name here (`validate notes.txt` says what is wrong with it rather than that no routine has the name)."""
    try:
        return _resolved(routine_arg)
    except UsageError:
        here = Path(routine_arg)
        if is_routine_name(routine_arg) and os.path.lexists(here) and not here.is_dir():
            return here, routine_arg
        raise


def describe(routine_arg: str) -> dict[str, Any]:
    """What `voicecoach show` prints: the routine's purpose, steps with times, length per profile."""
    routine = load(routine_arg)
    known = _known_lengths()
    lengths, estimated = {}, {}
    for name in all_profiles():
        lengths[name], estimated[name] = session_length(
            routine, CompileOptions(profile=get_profile(name)), known
        )
    shown = get_profile(routine.profile or DEFAULT_PROFILE)  # its own profile's steps and holds are shown
    guided = compile_routine(routine, CompileOptions(profile=shown), EstimatedDurations(), estimated=True)
    return {
        "title": routine.title,
        "summary": routine.summary,
        "source": routine.source,
        "tags": list(routine.tags),
        "profile": routine.profile or DEFAULT_PROFILE,
        "intro": list(routine.intro),
        "steps": [s.to_json() for s in guided.steps],
        "holds": [h.to_json() for h in guided.holds],
        "duration_s": lengths,
        "estimated": estimated,
    }


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
    """Copy a built-in routine, or a template titled `name`, into a file to edit; its path.

    A bare name goes into your routines folder (then `voicecoach play NAME` finds it); a path, or
    `out`, is written where it says.
    """
    if name in builtin_names():
        text = builtin_path(name).read_text(encoding="utf-8")
    else:
        title = Path(name).name.removesuffix(".yaml").removesuffix(".yml").replace("-", " ").replace("_", " ")
        text = TEMPLATE.format(title=title.strip().title() or "My Routine")
    if out:
        path = Path(out)
    elif is_routine_name(name):
        path = routines_dir() / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        path = Path(name) if name.lower().endswith((".yaml", ".yml")) else Path(f"{name}.yaml")
    if path.exists() and not force:
        raise UsageError(f"{path} already exists: choose another name with -o, or use --force to replace it")
    write_text_atomic(path, text)
    return path


def check_import_output(output: str | None, force: bool, as_json: bool) -> None:
    """Refuse an `import -o FILE` that would not leave a routine file to use: with --json (which
    prints what was found, not the routine), a name with a suffix other than .yaml or .yml (an
    .mp3 given YAML), or a file that is there (a routine you may have edited) unless `force`."""
    if output is None:
        return
    if as_json:
        raise UsageError(
            "--json prints what was found, -o writes the routine: give one of them "
            "(for the JSON in a file: --json > found.json)"
        )
    suffix = Path(output).suffix.lower()
    if suffix and suffix not in (".yaml", ".yml"):
        audio = f" ({suffix} is for audio, which `voicecoach export` writes)" if suffix in FORMATS else ""
        raise UsageError(
            f"{output}: a routine is written as YAML: use .yaml, such as -o "
            f"{Path(output).with_suffix('.yaml')}{audio}"
        )
    if not force and os.path.lexists(output):
        raise UsageError(
            f"{output} already exists: choose another file with -o, or use --force to replace it"
        )


class SessionClips(Mapping[str, Clip]):
    """The clip of each spoken line of a session, fetched through its synthesizer when asked for
    (from its memory, else the cache): the clips of a long session are not all held at once."""

    def __init__(self, synth: Synthesizer, texts: list[str], rate: float) -> None:
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


def prepare(
    routine_args: str | Sequence[str], options: SessionOptions, progress: ExportProgress | None = None
) -> PreparedSession:
    """Compile the routine (or several, joined into one session) exactly as `plan` does (speech
    durations from the synthesizer: cached, normalised, as played), every line synthesised or found
    in the cache; the clips by line.

    Meanwhile a thread levels the cue sounds for the mix (work numpy does outside Python's lock).
    """
    routines = [load(arg) for arg in _listed(routine_args)]  # every one checked before any synthesis
    threading.Thread(target=level_all_cues, name="voicecoach-cues", daemon=True).start()
    compile_options = options.compile_options(routines)
    synth = warmed_synthesizer(routines, compile_options, options, progress)
    timeline = compile_session(routines, compile_options, synth)
    rate = compile_options.resolved_profile().rate
    texts = [e.text for e in timeline.speech() if e.text is not None]
    synth.warm(texts, rate)  # any line the draft did not have
    return PreparedSession(timeline, SessionClips(synth, texts, rate))


def default_output(routine_arg: str, suffix: str = ".mp3") -> Path:
    """The file `export` writes without -o: named after the routine, in the current folder."""
    name = Path(routine_arg).stem if routine_arg.endswith((".yaml", ".yml")) else Path(routine_arg).name
    return Path(default_output_name(name, suffix))


def export_routine(
    routine_args: str | Sequence[str], options: SessionOptions, out: str | None, export_options: ExportOptions
) -> ExportResult:
    """Export ROUTINE to `out` (default: named after the routine); several routines joined into
    one session when given a list."""
    args = _listed(routine_args)
    target = Path(out) if out else default_output(args[0])
    check_request(target, export_options)
    with _tracked(args, options, export_options, target) as (progress, tracked_options):
        prepared = prepare(args, options, progress)
        return export_session(prepared.timeline, prepared.clips, target, tracked_options)


@contextlib.contextmanager
def _tracked(
    routine_args: str | Sequence[str],
    options: SessionOptions,
    export_options: ExportOptions,
    target: Path | None,
) -> Iterator[tuple[ExportProgress | None, ExportOptions]]:
    """The export's whole progress (when `export_options.progress` shows it): the voice, synthesis
    and mix stages, the mix's cost planned at once from an estimated plan, so the total is known
    from the start; export options whose progress reports the mix stage."""
    if export_options.progress is None:
        yield None, export_options
        return
    progress = ExportProgress(export_options.progress)
    try:
        routines = [load(arg) for arg in _listed(routine_args)]
        compile_options = options.compile_options(routines)
        draft = compile_session(routines, compile_options, EstimatedDurations(), estimated=True)
        spec = format_for(export_options.format or (str(target) if target else ".mp3"))
        bed = export_options.bed if export_options.bed is not None else draft.bed
        costs = mix_costs_s(draft.duration_s, spec.name, bool(bed) and bed != "none")
        progress.plan("voice", 0.0)
        progress.plan("synthesis", 0.0)
        progress.plan("mix", sum(costs))
        yield progress, dataclasses.replace(export_options, progress=lambda f: progress.advance("mix", f))
        progress.finish()
    finally:
        progress.close()


def export_routine_split(
    routine_arg: str, options: SessionOptions, out_dir: str | None, export_options: ExportOptions
) -> SplitResult:
    """Export ROUTINE as one file per step plus a playlist into `out_dir` (default: named after it)."""
    check_request(None, export_options)
    with _tracked(routine_arg, options, export_options, None) as (progress, tracked_options):
        prepared = prepare(routine_arg, options, progress)
        folder = Path(out_dir) if out_dir else default_output(routine_arg, "")
        return export_split(prepared.timeline, prepared.clips, folder, tracked_options)


def export_routines(
    routine_args: Sequence[str],
    options: SessionOptions,
    out: str | None,
    export_options: ExportOptions,
    split: bool = False,
) -> Iterator[ExportResult | SplitResult]:
    """What `voicecoach export` does, each result as it is written: one routine to `out`; several
    (or a folder of them) joined into one session when `out` names an audio file, else one file
    each into the folder `out` (default: here); with `split`, a folder of files per routine."""
    names = expand_routines(list(routine_args))
    if split:
        yield from _export_splits(names, options, out, export_options)
    elif out is not None and _names_folder(out, several=len(names) > 1):
        yield from export_many(names, options, out, export_options)
    elif len(names) > 1 and out is None:
        yield from export_many(names, options, None, export_options)
    else:
        yield export_routine(names, options, out, export_options)


def _names_folder(out: str, several: bool) -> bool:
    """Whether -o names a folder: it ends with a slash, is one, or has no suffix for several files."""
    return out.endswith(("/", "\\")) or Path(out).is_dir() or (several and not Path(out).suffix)


def _export_splits(
    names: list[str], options: SessionOptions, out: str | None, export_options: ExportOptions
) -> Iterator[SplitResult]:
    """Each routine as a folder of files, one per step: the folder `out` for one routine, a folder
    per routine inside `out` for several."""
    if out is not None and not out.endswith(("/", "\\")) and Path(out).suffix:
        try:
            format_for(out)
        except UsageError:
            pass
        else:
            raise UsageError(
                f"--split writes a folder of files, one per step: name a folder with -o, such as "
                f"-o {Path(out).with_suffix('')}/ (not the audio file {out})"
            )
    for name in names:
        folder = out if out is None or len(names) == 1 else str(Path(out) / default_output(name, "").name)
        yield export_routine_split(name, options, folder, export_options)


def expand_routines(args: list[str]) -> list[str]:
    """Routine arguments with each folder replaced by the routine files in it, in name order."""
    found: list[str] = []
    for arg in args:
        path = Path(arg)
        if not is_routine_name(arg) and path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if not files:
                raise UsageError(f"{arg} is a folder with no routine files (*.yaml) in it")
            found.extend(str(p) for p in files)
        else:
            found.append(arg)
    return found


def export_many(
    routine_args: list[str], options: SessionOptions, out_dir: str | None, export_options: ExportOptions
) -> Iterator[ExportResult]:
    """Export several routines into one folder (default: here), each named after its routine (made
    unique within the batch).

    Every routine is checked before the first is synthesised, so a typo in the fifth file does not
    cost four exports' time.
    """
    folder = Path(out_dir) if out_dir else Path(".")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file: with several routines, -o names a folder (end it with /)")
    for arg in routine_args:
        load(arg)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = format_for(export_options.format).suffix if export_options.format else ".mp3"
    used: set[str] = set()
    for n, arg in enumerate(routine_args):
        name = _unused_name(default_output(arg, suffix), used)
        yield export_routine(arg, options, str(folder / name), _share(export_options, n, len(routine_args)))


def _share(export_options: ExportOptions, n: int, count: int) -> ExportOptions:
    """Export options whose progress shows the `n`th of `count` exports as its share of the bar."""
    show = export_options.progress
    if show is None or count == 1:
        return export_options
    return dataclasses.replace(export_options, progress=lambda f: show((n + f) / count))


def _unused_name(path: Path, used: set[str]) -> str:
    """`path`'s name, or 'NAME 2', 'NAME 3'... when an earlier export of the batch took it (two
    routines of one name in different folders must not overwrite each other)."""
    name, n = path.name, 2
    while name.lower() in used:
        name, n = f"{path.stem} {n}{path.suffix}", n + 1
    used.add(name.lower())
    return name


def play(routine_arg: str, options: SessionOptions, **play_options: Any) -> PlayResult:
    """Play ROUTINE live (see `voicecoach.live.run.play_session` for `play_options`)."""
    from voicecoach.live.run import play_session  # start-up time: only `play` needs live sound

    routine = load(routine_arg)
    return play_session(
        routine,
        options.compile_options([routine]),
        name=routine_arg,
        engine=options.engine,
        voice=options.voice,
        **play_options,
    )


def sound_outputs() -> str:
    """`voicecoach play --backend list`: each live sound output, whether it works here and why not."""
    from voicecoach.live.backends import backends_report, backends_table  # start-up time: only `play`

    return backends_table(backends_report())


def say(text: str, output: str | None, engine: str | None, voice: str | None, rate: float) -> Clip:
    """Speak `text` through the sound output, or write it to the WAV file `output`; the clip."""
    if output is not None and not output.lower().endswith(".wav"):
        raise UsageError(f"say writes WAV files: name the output like {output.rsplit('.', 1)[0]}.wav")
    clip = say_clip(text, engine, voice, rate)
    if output is None:
        play_clip(clip)
    else:
        write_clip(output, clip)
    return clip


def serve(
    routine_args: Sequence[str],
    options: SessionOptions,
    *,
    host: str | None,
    port: int,
    new_token: bool,
    echo: Callable[[str], None],
) -> None:
    """Serve the sessions to phones (see `voicecoach.serve.run`) until Ctrl-C."""
    from voicecoach.serve.run import ServeRequest, run  # start-up time: aiohttp only for `serve`

    run(ServeRequest(tuple(routine_args), data_dir(), host, port, new_token), serve_toolkit(options), echo)


def serve_toolkit(options: SessionOptions) -> Toolkit:
    """The functions serve needs from the layers it does not import: load, compile, export."""
    from voicecoach.serve.publish import Toolkit  # start-up time: only `serve` needs it

    export_options = ExportOptions()
    return Toolkit(
        load=load,
        source=resolve_routine,
        prepare=lambda arg: prepare(arg, options),
        export=lambda prepared, out: export_session(prepared.timeline, prepared.clips, out, export_options),
        options_key=repr((options, options.compile_options(), export_options)),
        default_routines=lambda: [r.name for r in named_routines()],
        m4b=shutil.which("ffmpeg") is not None,
    )
