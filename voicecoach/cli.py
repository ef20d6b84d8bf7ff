"""The `voicecoach` command line: thin click commands over the library."""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

import click

from voicecoach import __version__, app
from voicecoach.errors import RoutineError, VoicecoachError
from voicecoach.export.split import SplitResult
from voicecoach.export.track import ExportOptions, ExportResult
from voicecoach.fsutil import write_text_atomic
from voicecoach.history import history_report, render_history
from voicecoach.plan.text import plan_table, render_description
from voicecoach.profiles.model import CUE_STYLES, settings
from voicecoach.profiles.store import all_profiles
from voicecoach.routine.builtin import routine_handle
from voicecoach.routine.durations import format_duration
from voicecoach.speech.cache import CacheWarning, ClipCache
from voicecoach.speech.engines.registry import engines_report, engines_table

if TYPE_CHECKING:
    from voicecoach.live.player import PlayResult

_PYTHON_SHOWWARNING = warnings.showwarning
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a VoicecoachError into its message on stderr and its exit code (a traceback only with --debug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except VoicecoachError as exc:
            if _debug():
                raise
            lines = [str(p) for p in exc.problems] if isinstance(exc, RoutineError) else [f"error: {exc}"]
            for line in lines:
                click.echo(line, err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """voicecoach's own warnings (a replaced cache entry) print as one plain line on stderr."""
    if issubclass(category, CacheWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _PYTHON_SHOWWARNING(message, category, filename, lineno, file, line)


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().params.get("debug"))


def session_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options plan, play and export share."""
    options = [
        click.option(
            "--profile",
            default=None,
            metavar="NAME",
            help="guided (default), eyes-closed, bedtime, or your own (`voicecoach profiles`).",
        ),
        click.option("--engine", default=None, help="Speech engine: piper, espeak or system."),
        click.option("--voice", default=None, help="A voice of the engine (see `voicecoach voices`)."),
        click.option("--rate", type=float, default=None, help="Speech speed factor, 1.0 = normal."),
        click.option(
            "--hold-scale",
            type=float,
            default=1.0,
            show_default=True,
            help="Multiply every hold (0.8 shorter, 1.5 longer).",
        ),
        click.option(
            "--breath", default=None, help="Breathing pattern for the whole session, e.g. 4-6, 4-7-8, box."
        ),
        click.option(
            "--cues",
            type=click.Choice(CUE_STYLES),
            default=None,
            help="Spoken prompts and tones (both), spoken only (voice), or tones only.",
        ),
        click.option("--no-intro", "no_intro", is_flag=True, help="Skip the routine's safety reminder."),
        click.option(
            "--tail",
            default=None,
            metavar="DURATION",
            help="How long the bed plays on alone, fading out, after the last words (bedtime: 3m).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _session_options(kwargs: dict[str, Any]) -> app.SessionOptions:
    keys = ("profile", "engine", "voice", "rate", "hold_scale", "breath", "cues", "tail")
    values = {k: kwargs.pop(k) for k in keys}
    return app.SessionOptions(**values, intro=not kwargs.pop("no_intro"))


#: The commands in the order the help lists them: what most people came for first.
COMMAND_ORDER = (
    "play",
    "export",
    "list",
    "show",
    "plan",
    "new",
    "validate",
    "serve",
    "import",
    "profiles",
    "voices",
    "say",
    "history",
    "cache",
)


class _Commands(click.Group):
    """The group with its commands listed in COMMAND_ORDER rather than by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        rank = {name: n for n, name in enumerate(COMMAND_ORDER)}
        return sorted(self.commands, key=lambda name: (rank.get(name, len(rank)), name))


@click.group(cls=_Commands, context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(__version__, prog_name="voicecoach")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """voicecoach: voice-guided stretching, breathing and rest sessions, fully offline.

    Play a session live with `play`, eyes closed on the mat, or write it as an MP3 with chapters
    for your phone with `export`. ROUTINE is a routine's name (`voicecoach list` shows yours and
    the built-ins) or a routine file (.yaml); `voicecoach new NAME` starts your own.

    \b
    Examples:
      voicecoach play reclining-hip-release
      voicecoach export desk-reset reclining-hip-release -o evening.mp3
      voicecoach new evening-hips && voicecoach play evening-hips
    """
    warnings.showwarning = _show_warning
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@main.command("list", short_help="The routines you can name: yours, then the built-ins.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@handle_errors
def list_cmd(as_json: bool) -> None:
    """List the routines you can name: yours (marked), then the built-ins; length (~ estimated until
    its speech is made) and tags.

    \b
    Example:
      voicecoach list --json
    """
    rows = app.builtin_routines()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        mine = "  (yours)" if row["yours"] else ""
        length = ("~" if row["estimated"] else "") + format_duration(row["duration_s"])
        click.echo(f"{row['name']:<30} {length:>7}  {row['title']}  [{', '.join(row['tags'])}]{mine}")
    if any(row["estimated"] for row in rows):
        click.echo("(~ estimated: exact once a routine has been played, planned or exported)")


@main.command(short_help="Check routines: every problem as FILE:LINE:COL.")
@click.argument("files", nargs=-1, required=True, metavar="ROUTINE...")
@handle_errors
def validate(files: tuple[str, ...]) -> None:
    """Check each ROUTINE (a routine's name, as every command takes it, or a .yaml file); print
    every problem as FILE:LINE:COL: message (exit 2 if any).

    \b
    Examples:
      voicecoach validate my-routines/*.yaml
      voicecoach validate evening-hips
    """
    problems, summaries = app.validate_files(list(files))
    for line in summaries:
        click.echo(line)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(2)


@main.command(short_help="The timed plan: every spoken line, cue and hold.")
@click.argument("routines", nargs=-1, required=True, metavar="ROUTINE...")
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as one JSON object.")
@click.option("--estimate", is_flag=True, help="Estimate speech lengths instead of synthesising (instant).")
@session_options
@handle_errors
def plan(routines: tuple[str, ...], as_json: bool, estimate: bool, **kwargs: Any) -> None:
    """Show the timed plan of ROUTINE (a routine's name or a .yaml file): every line, cue and hold.

    Several routines show the plan of the one session they make together (as `export A B -o
    FILE` writes it).

    \b
    Examples:
      voicecoach plan desk-reset --estimate
      voicecoach plan my-routine.yaml --json > plan.json
    """
    timeline = app.plan(routines, _session_options(kwargs), estimate=estimate)
    if as_json:
        click.echo(json.dumps(timeline.to_json(), indent=1))
    else:
        click.echo(plan_table(timeline))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the profiles and their settings as JSON.")
@handle_errors
def profiles(as_json: bool) -> None:
    """List the profiles (built-in and your own) with their settings.

    Add or change one in profiles.yaml in the config folder (VOICECOACH_CONFIG_DIR moves it).

    \b
    Example:
      voicecoach profiles --json
    """
    found = {name: settings(p) for name, p in all_profiles().items()}
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for name, values in found.items():
        click.echo(f"{name}: {values.pop('description')}")
        click.echo("    " + ", ".join(f"{k}={v}" for k, v in values.items()))


@main.command(short_help="What a routine is for, its steps, its length per profile.")
@click.argument("routine")
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
@handle_errors
def show(routine: str, as_json: bool) -> None:
    """Describe ROUTINE: what it is for, its steps and holds, its length under each profile.

    \b
    Example:
      voicecoach show bedtime-wind-down
    """
    info = app.describe(routine)
    if as_json:
        click.echo(json.dumps(info, indent=2))
    else:
        click.echo(render_description(info))


@main.command(short_help="Start your own routine: a built-in's copy or a template.")
@click.argument("name")
@click.option(
    "-o", "--output", default=None, help="The file to write (default: NAME in your routines folder)."
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@handle_errors
def new(name: str, output: str | None, force: bool) -> None:
    """Start a routine: a copy of the built-in NAME, or a template titled NAME.

    A bare NAME is written into your routines folder (the `routines` folder of the config folder;
    VOICECOACH_CONFIG_DIR moves it), where every command finds it by name (in any case: `list`
    shows it in lower case); a path is written as given. What is printed to run next can be pasted
    as it is.

    \b
    Example:
      voicecoach new evening-hips && voicecoach play evening-hips
    """
    path = app.new_routine(name, output, force)
    handle = routine_handle(path)
    click.echo(f"wrote {path}: edit it, then `voicecoach validate {handle}` and `voicecoach plan {handle}`")


@main.command(short_help="The speech engines and voices here, and which work.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@handle_errors
def voices(as_json: bool) -> None:
    """The speech engines and voices here, whether each works (and how to fix it), and the default.

    \b
    Example:
      voicecoach voices --json
    """
    report = engines_report()
    click.echo(json.dumps(report, indent=2) if as_json else engines_table(report))


@main.command()
@click.argument("text")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the line to this WAV file instead of playing it.",
)
@click.option("--engine", default=None, help="Speech engine: piper (default), espeak or system.")
@click.option("--voice", default=None, help="A voice of the engine (see `voicecoach voices`).")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Speech speed factor.")
@handle_errors
def say(text: str, output: str | None, engine: str | None, voice: str | None, rate: float) -> None:
    """Speak TEXT to check a voice, or write it to a WAV file with -o.

    \b
    Examples:
      voicecoach say "Breathe in slowly." -o line.wav
      voicecoach say "Breathe in slowly." --engine espeak --voice en-gb --rate 0.9
    """
    clip = app.say(text, output, engine, voice, rate)
    if output is not None:
        click.echo(f"wrote {output} ({clip.duration_s:.2f} s)")


@main.command(short_help="The speech cache (folder, size); --clear empties it.")
@click.option("--clear", is_flag=True, help="Delete every cached clip.")
@handle_errors
def cache(clear: bool) -> None:
    """Show the speech cache (folder, clips, size), or empty it with --clear.

    \b
    Example:
      voicecoach cache --clear
    """
    store = ClipCache()
    if clear:
        removed = store.clear()
        click.echo(f"removed {removed} clip{'s' if removed != 1 else ''} from {store.root}")
        return
    stats = store.stats()
    click.echo(f"folder:  {stats.path}\nclips:   {stats.entries}\nsize:    {_size(stats.bytes)}")


def _size(n_bytes: int) -> str:
    if n_bytes < 1024:
        return f"{n_bytes} bytes"
    if n_bytes < 1024**2:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes / 1024**2:.1f} MB"


class _ProgressBar:
    """The export's progress bar on stderr (tqdm: it keeps to the terminal's width, works out the
    remaining time from the average speed so far, and ends its line when closed)."""

    STEPS = 1000

    def __init__(self) -> None:
        from tqdm import tqdm  # start-up time: only an export on a terminal draws a bar

        self._bar = tqdm(
            total=self.STEPS,
            desc="exporting",
            file=sys.stderr,
            bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed} elapsed, {remaining} left",
            smoothing=0,  # the fraction grows evenly with time: the average speed predicts best
            mininterval=0.1,
            dynamic_ncols=True,
        )
        self._bar.refresh()  # shown at once, at 0%

    def __call__(self, fraction: float) -> None:
        step = int(fraction * self.STEPS) - self._bar.n
        if step > 0:
            self._bar.update(step)

    def close(self) -> None:
        """End the bar's line (the result goes on the next one)."""
        self._bar.close()


@main.command(short_help="Write sessions as MP3 (or M4A, Ogg, FLAC) with chapters.")
@click.argument("routines", nargs=-1, required=True, metavar="ROUTINE...")
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="OUT",
    help="The file to write; its suffix picks the format (.mp3, .wav, .m4a, .m4b, .ogg, .opus, .flac). "
    "Default: named after the routine, here. Several routines and a FILE: one joined session. "
    "A folder (ending in /): one file per routine, or with --split one per step.",
)
@click.option(
    "--format",
    "fmt",
    default=None,
    metavar="FORMAT",
    help="mp3, wav, m4a, m4b, ogg, opus or flac, for files named after their routine (default mp3).",
)
@click.option(
    "--quality",
    type=click.Choice(["phone", "high"]),
    default="phone",
    show_default=True,
    help="Encoding quality (phone: smaller files; high: higher bitrates).",
)
@click.option(
    "--bed",
    default=None,
    metavar="brown|pink|none|FILE",
    help="Background sound under the session, ducked under speech (default: the profile's).",
)
@click.option(
    "--lrc", is_flag=True, help="Also write the spoken lines as timed lyrics (.lrc) beside the file."
)
@click.option("--srt", is_flag=True, help="Also write the spoken lines as subtitles (.srt) beside the file.")
@click.option("--split", is_flag=True, help="One file per step plus an .m3u8 playlist, into a folder.")
@session_options
@handle_errors
def export(
    routines: tuple[str, ...],
    output: str | None,
    fmt: str | None,
    quality: str,
    bed: str | None,
    lrc: bool,
    srt: bool,
    split: bool,
    **kwargs: Any,
) -> None:
    """Write ROUTINE (a routine's name, a .yaml file or a folder of them) as an audio file.

    MP3 by default, with tags and one chapter per step, at even loudness. Several routines with
    -o FILE make one session in one file (one opening, a short spoken bridge between routines, a
    chapter for every step, one closing); with -o DIR/ (or no -o), one file each.

    \b
    Examples:
      voicecoach export reclining-hip-release
      voicecoach export desk-reset reclining-hip-release -o evening.mp3
      voicecoach export lower-back-hip-relief --split -o relief/
    """
    options = _session_options(kwargs)
    bar = _ProgressBar() if sys.stderr.isatty() else None
    export_options = ExportOptions(quality=quality, bed=bed, lrc=lrc, srt=srt, progress=bar, format=fmt)
    lines = []
    try:
        for done in app.export_routines(routines, options, output, export_options, split=split):
            lines.append(_export_summary(done))
    finally:
        if bar is not None:
            bar.close()
    for line in lines:
        click.echo(line)


def _export_summary(result: ExportResult | SplitResult) -> str:
    if isinstance(result, SplitResult):
        return f"wrote {len(result.files)} files and {result.playlist}"
    extra = "".join(f", {p}" for p in result.extra_paths)
    return (
        f"wrote {result.path} ({format_duration(result.duration_s)}, {result.chapters} chapters, "
        f"{result.target_lufs:g} LUFS){extra}"
    )


@main.command(short_help="Play a session live (space pauses, n skips, q quits).")
@click.argument("routine", required=False)
@session_options
@click.option(
    "--backend",
    default=None,
    metavar="NAME",
    help="Audio output: sounddevice, simpleaudio or null (default: the first that works); "
    "`--backend list` shows which work here.",
)
@click.option(
    "--speed",
    type=float,
    default=1.0,
    show_default=True,
    help="Run the session faster than real time (tests, demos).",
)
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write one JSON line per event as it plays, with its scheduled and actual time.",
)
@click.option(
    "--sleep-after",
    default=None,
    metavar="DURATION",
    help="Fade out over 30 s and stop after this long, e.g. 20m.",
)
@handle_errors
def play(
    routine: str | None,
    backend: str | None,
    speed: float,
    log_path: str | None,
    sleep_after: str | None,
    **kwargs: Any,
) -> None:
    """Play ROUTINE live. Keys: space pause/resume, n next step, b back to the step's start, q quit.

    \b
    Examples:
      voicecoach play reclining-hip-release
      voicecoach play bedtime-wind-down --sleep-after 20m
      voicecoach play --backend list        # which sound outputs work here, and why not
    """
    if backend == "list":
        click.echo(app.sound_outputs())
        return
    if routine is None:
        raise click.UsageError("Missing argument 'ROUTINE'.")
    result = app.play(
        routine,
        _session_options(kwargs),
        backend_name=backend,
        speed=speed,
        log_path=log_path,
        sleep_after_s=app.parse_sleep_after(sleep_after),
    )
    click.echo(_ending_line(result), err=True)


def _ending_line(result: PlayResult) -> str:
    """`completed: 3:38 played`, or `ended: 0:55 of 3:38 played, 4 steps skipped`."""
    if result.completed:
        state = "completed"
    else:
        state = {"end": "ended", "quit": "stopped", "sleep": "faded out (--sleep-after)"}[result.ended_by]
    played = format_duration(result.played_s)
    if result.session_s and not (result.completed and not result.steps_skipped):
        played += f" of {format_duration(result.session_s)}"
    skipped = result.steps_skipped
    extra = f", {skipped} step{'s' if skipped != 1 else ''} skipped" if skipped else ""
    return f"{state}: {played} played{extra}"


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="How many recent sessions to show.",
)
@handle_errors
def history(as_json: bool, limit: int) -> None:
    """Show your recent sessions and your current streak of days.

    \b
    Example:
      voicecoach history --limit 30
    """
    report = history_report(limit)
    click.echo(json.dumps(report, indent=2) if as_json else render_history(report))


@main.command("import", short_help="Draft a routine from an article (.html, .md or .txt).")
@click.argument("article", metavar="ARTICLE")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="The routine file to write, ending in .yaml (default: print it). An existing file is kept "
    "unless --force. Not with --json.",
)
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print what was found (steps, holds as ranges, sides, "
    "reps, where each came from) instead of the routine; to keep it, redirect it (> found.json).",
)
@handle_errors
def import_cmd(article: str, output: str | None, force: bool, as_json: bool) -> None:
    """Draft a routine from ARTICLE: a saved web page (.html), Markdown (.md), text (.txt) or - (stdin).

    Each value in the routine has the article's sentence beside it; what the article did not say is
    marked `# check:` and warned about on stderr. Exit 2 when the article has no stretches, when
    the -o file exists (a routine you may have edited: --force replaces it), when -o does not end
    in .yaml or .yml, or when -o is given with --json (which prints what was found, not a routine).

    \b
    Example:
      voicecoach import article.html -o mine.yaml && voicecoach export mine.yaml
    """
    from voicecoach.importer import ArticleError, import_article  # start-up time: only `import`

    app.check_import_output(output, force, as_json)
    try:
        found = import_article(article)
    except ArticleError as exc:
        if _debug():
            raise
        click.echo(str(exc), err=True)
        sys.exit(exc.exit_code)
    for line in found.warnings:
        click.echo(line, err=True)
    if as_json:
        click.echo(json.dumps(found.to_json(), indent=2, ensure_ascii=False))
    elif output is None:
        click.echo(found.yaml_text, nl=False)
    else:
        write_text_atomic(output, found.yaml_text)
        count = f"{found.routine_steps} step{'s' if found.routine_steps != 1 else ''}"
        click.echo(
            f"wrote {output} ({count}, {len(found.steps)} from the article): "
            f"check it with `voicecoach plan {routine_handle(output)} --estimate`",
            err=True,
        )


@main.command(short_help="A page and a podcast feed of sessions for your phone.")
@click.argument("routines", nargs=-1, metavar="[ROUTINE]...")
@click.option(
    "--host",
    default=None,
    metavar="ADDR",
    help="The address to listen on (default: this machine's on the local network; 127.0.0.1 "
    "keeps it on this machine).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="The port (0: any free one; the one used is printed).",
)
@click.option(
    "--new-token",
    is_flag=True,
    help="Replace the access token in every URL (phones that had the old one lose access).",
)
@session_options
@handle_errors
def serve(routines: tuple[str, ...], host: str | None, port: int, new_token: bool, **kwargs: Any) -> None:
    """Serve sessions to your phone: a page and a podcast feed on the home network, until Ctrl-C.

    Exports each ROUTINE (default: the built-ins and your own) once as MP3 and M4B into the data
    folder, re-exporting only what changed, then prints the page's and the feed's URLs and a QR
    code of the page.

    \b
    Example:
      voicecoach serve reclining-hip-release desk-reset --profile eyes-closed
    """
    app.serve(routines, _session_options(kwargs), host=host, port=port, new_token=new_token, echo=click.echo)
