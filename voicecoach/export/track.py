"""Export a Timeline to an audio file: mix, normalise loudness, limit peaks, encode, tag, atomically.

Pass 1 decides the gain. A session without a bed is measured from the facts of its sounds
(analysis.py), which also limits, once, each kind of spot whose peaks could reach the ceiling;
with a bed the session is rendered and measured (loudness.py). Pass 2 streams the mix through
the gain and the limiter's curves (with a bed, the streaming limiter) into the encoder, which
for MP3 runs in its own process (mp3_worker.py), so encoding on one core overlaps mixing on
the other. Neither pass holds more than a block of
audio plus the sounds about to play, so a four-hour session costs little more memory than a
four-minute one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicecoach.errors import ExportError, UsageError
from voicecoach.export import encoders, tags, timedtext
from voicecoach.export.progress import mix_costs_s
from voicecoach.fsutil import atomic_output, check_destination, write_text_atomic
from voicecoach.mix.analysis import Levels, solve_levels
from voicecoach.mix.bed import NOISE_COLOURS, Bed, load_loop
from voicecoach.mix.mixer import Mixer
from voicecoach.plan.timeline import Timeline
from voicecoach.sound import loudness
from voicecoach.sound.clip import Clip
from voicecoach.sound.levels import DEFAULT_SAMPLE_RATE


@dataclass(frozen=True)
class ExportOptions:
    """How to export. None for `format`: by the output's suffix; for `bed` and `target_lufs`: as
    the timeline's profile says (Timeline.bed, Timeline.loudness_lufs). `bed` 'none': no bed."""

    format: str | None = None
    quality: str = "phone"
    bed: str | None = None  # 'brown', 'pink', 'none' or a sound file to loop
    bed_level_lufs: float = -38.0
    duck_db: float = -12.0
    target_lufs: float | None = None
    true_peak_db: float = -1.0
    sample_rate: int = DEFAULT_SAMPLE_RATE
    lrc: bool = False
    srt: bool = False
    title: str | None = None
    artist: str = tags.ARTIST
    album: str | None = None  # None: the routine's title, so a player keeps each session together
    genre: str = tags.GENRE
    comment: str | None = None
    block_s: float = 1.0
    progress: Callable[[float], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ExportResult:
    """What was written and how it measured."""

    path: Path
    format: str
    duration_s: float
    samples: int
    sample_rate: int
    loudness_lufs: float  # of the mix before normalisation
    target_lufs: float
    gain_db: float
    true_peak_db: float  # of what was encoded, 4x oversampled (see OutputPeak)
    chapters: int
    extra_paths: tuple[Path, ...] = ()


def target_lufs_for(timeline: Timeline, options: ExportOptions) -> float:
    return options.target_lufs if options.target_lufs is not None else timeline.loudness_lufs


def bed_for(timeline: Timeline, options: ExportOptions) -> Bed | None:
    """The bed to mix: the option's, else the profile's; its fade-out spans the session's tail."""
    source = options.bed if options.bed is not None else timeline.bed
    if not source or source == "none":
        return None
    return Bed(
        source,
        level_lufs=options.bed_level_lufs,
        duck_db=options.duck_db,
        fade_out_s=max(Bed.fade_out_s, timeline.tail_s),
    )


def check_request(out_path: str | os.PathLike[str] | None, options: ExportOptions) -> None:
    """Fail early (before any synthesis) on a bad output name, folder, quality or bed file."""
    if out_path is not None:
        out = Path(out_path)
        spec = encoders.format_for(options.format or str(out))
        encoders.check_encoder(spec)
        ceiling_db_for(spec, options)
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError(f"cannot write {out}: the folder {folder} does not exist (create it first)")
        check_destination(out)
    bed = options.bed
    if bed and bed not in ("none", *NOISE_COLOURS):
        # decoded now (and kept for the mix): a missing, empty or undecodable file fails before synthesis
        load_loop(bed, options.sample_rate, options.bed_level_lufs)


def make_mixer(timeline: Timeline, clips: Mapping[str, Clip], options: ExportOptions) -> Mixer:
    return Mixer(timeline, clips, sample_rate=options.sample_rate, bed=bed_for(timeline, options))


def block_samples_for(options: ExportOptions) -> int:
    return max(1024, int(options.block_s * options.sample_rate))


def measure_gain(
    mixer: Mixer,
    timeline: Timeline,
    options: ExportOptions,
    ceiling_db: float,
    report: Callable[[int], None] | None = None,
) -> tuple[float, float]:
    """Pass 1: (measured loudness, gain in dB that brings the limited output to the target).

    If that gain would push true peaks over the ceiling, the limiter takes a little loudness
    away; then the limited output is measured again and the gain corrected (at most twice).
    Silence gets no gain.
    """
    block = block_samples_for(options)

    def blocks() -> Iterator[np.ndarray]:
        for b in mixer.blocks(block_samples=block):
            if report:
                report(len(b))
            yield b

    first = loudness.measure(blocks(), options.sample_rate)
    if not np.isfinite(first.loudness_lufs):
        return first.loudness_lufs, 0.0
    target = target_lufs_for(timeline, options)
    gain = target - first.loudness_lufs
    for _ in range(2):
        if first.true_peak_db + gain <= ceiling_db:
            break
        limited = loudness.measure(
            loudness.normalise(blocks(), options.sample_rate, gain, ceiling_db),
            options.sample_rate,
            true_peak=False,
        )
        if abs(target - limited.loudness_lufs) < 0.1:
            break
        gain += target - limited.loudness_lufs
    return first.loudness_lufs, gain


def plan_levels(
    mixer: Mixer,
    timeline: Timeline,
    options: ExportOptions,
    ceiling_db: float,
    report: Callable[[int], None] | None = None,
) -> Levels:
    """Pass 1: the gain (and where the limiter must work). A session of placed sounds is measured from
    their facts (analysis.py); one with a bed under it is rendered and measured (`measure_gain`)."""
    if mixer.bed is None:
        return solve_levels(mixer, target_lufs_for(timeline, options), ceiling_db)
    measured, gain_db = measure_gain(mixer, timeline, options, ceiling_db, report)
    return Levels(measured, gain_db)


def ceiling_db_for(spec: encoders.FormatSpec, options: ExportOptions) -> float:
    setting = spec.settings.get(options.quality)
    if setting is None:
        raise UsageError(f"unknown quality {options.quality!r}: use {' or '.join(encoders.QUALITIES)}")
    return options.true_peak_db - setting.headroom_db


def track_info(
    timeline: Timeline,
    options: ExportOptions,
    title: str | None = None,
    length_s: float | None = None,
    track: str = "",
) -> tags.TrackInfo:
    length = timeline.duration_s if length_s is None else length_s
    return tags.TrackInfo(
        title=title or options.title or timeline.title,
        length_ms=int(round(length * 1000)),
        album=options.album or timeline.title,
        artist=options.artist,
        genre=options.genre,
        comment=options.comment or tags.summary_of(timeline),
        track=track,
    )


@contextlib.contextmanager
def encoded_file(
    tmp: Path,
    spec: encoders.FormatSpec,
    options: ExportOptions,
    info: tags.TrackInfo,
    chapters: list[tags.Chapter],
) -> Iterator[encoders.Encoder]:
    """An encoder writing `tmp`, finished and tagged on success, aborted on any failure."""
    meta_path = None
    if spec.via_ffmpeg:
        fd, meta_path = tempfile.mkstemp(prefix="voicecoach-meta-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(tags.ffmetadata(info, chapters, spec.comment_chapters))
    try:
        id3 = tags.id3_bytes(info, chapters) if spec.name == "mp3" else b""
        encoder = encoders.open_encoder(str(tmp), spec, options.sample_rate, options.quality, meta_path, id3)
        try:
            yield encoder
            encoder.close()
        except BaseException:
            encoder.abort()
            raise
        if spec.name == "wav":
            tags.write_wav_id3(str(tmp), info, chapters)
    finally:
        if meta_path:
            with contextlib.suppress(OSError):
                os.unlink(meta_path)


class OutputPeak:
    """The true peak of what is encoded (4x oversampled): known from the first pass for a session
    of placed sounds (`Levels.known_peak`), measured on the stream when a bed plays under it."""

    def __init__(self, sample_rate: int, levels: Levels) -> None:
        self._peak = levels.known_peak
        self._meter = loudness.TruePeakMeter(sample_rate) if levels.curves is None else None

    def add(self, block: np.ndarray) -> None:
        if self._meter is not None:
            self._meter.add(block)

    @property
    def peak_db(self) -> float:
        if self._meter is not None:
            self._meter.add(np.zeros(0, dtype=np.float32), last=True)
            self._peak, self._meter = max(self._peak, self._meter.peak), None
        return float(20 * np.log10(self._peak)) if self._peak > 0 else float("-inf")


def levelled(
    blocks: Iterator[np.ndarray], levels: Levels, sample_rate: int, ceiling_db: float
) -> Iterator[np.ndarray]:
    """Pass 2: the mix at its gain, limited (with the curves the first pass worked out, or by the
    streaming limiter when it could not)."""
    if levels.curves is None:
        return loudness.normalise(blocks, sample_rate, levels.gain_db, ceiling_db)
    return loudness.apply_curves(blocks, levels.gain_db, ceiling_db, levels.curves)


#: Lossy formats (`FormatSpec.check_peaks`) are decoded after encoding and their true peak
#: measured; past the promise, they are encoded again with the ceiling lowered by the overshoot
#: and this margin (a codec can overshoot by more than its headroom on rare content).
PEAK_ATTEMPTS = 3
PEAK_MARGIN_DB = 0.3


def encode_within_peak(
    tmp: Path,
    spec: encoders.FormatSpec,
    options: ExportOptions,
    ceiling_db: float,
    encode: Callable[[float], object],
) -> float | None:
    """`encode(ceiling_db)` into `tmp`; for a lossy format (`spec.check_peaks`) decode it, measure its
    true peak, and while that passes the promise encode again under a ceiling lowered by the
    overshoot (at most PEAK_ATTEMPTS encodings). The last decoded peak; None when not checked."""
    for attempt in range(1, PEAK_ATTEMPTS + 1):
        encode(ceiling_db)
        if not spec.check_peaks:
            return None
        decoded_db = encoders.decoded_true_peak_db(tmp, options.sample_rate)
        if decoded_db <= options.true_peak_db or attempt == PEAK_ATTEMPTS:
            return decoded_db
        ceiling_db -= decoded_db - options.true_peak_db + PEAK_MARGIN_DB  # the codec overshot
    return None  # not reached: the last attempt returns


class PassProgress:
    """Samples done as a 0..1 fraction of the export's work, each pass weighted by its expected cost
    (see export/progress.py); 1.0 once the file is complete."""

    def __init__(
        self, callback: Callable[[float], None] | None, total_samples: int, first_s: float, second_s: float
    ) -> None:
        self._callback, self._total = callback, max(1, total_samples)
        whole = max(1e-9, first_s + second_s)
        self._weights = {1: first_s / whole, 2: second_s / whole}
        self._done = {1: 0, 2: 0}

    def add(self, samples: int, which: int) -> None:
        self._done[which] = min(self._total, self._done[which] + samples)  # correction passes: wait
        self._report()

    def pass_done(self, which: int) -> None:
        self._done[which] = self._total
        self._report()

    def _report(self) -> None:
        if self._callback:
            fraction = sum(self._weights[k] * self._done[k] / self._total for k in (1, 2))
            self._callback(min(1.0, fraction))


def export_session(
    timeline: Timeline,
    clips: Mapping[str, Clip],
    out_path: str | os.PathLike[str],
    options: ExportOptions | None = None,
) -> ExportResult:
    """Write the session to `out_path` (format by suffix unless options.format says otherwise)."""
    options = options or ExportOptions()
    out = Path(out_path)
    spec = encoders.format_for(options.format if options.format else str(out))
    mixer = make_mixer(timeline, clips, options)
    costs = mix_costs_s(timeline.duration_s, spec.name, mixer.bed is not None)
    progress = PassProgress(options.progress, mixer.total_samples, *costs)
    ceiling_db = ceiling_db_for(spec, options)
    chapters = tags.chapters_for(timeline)
    info = track_info(timeline, options)
    try:
        encoded: list[tuple[Levels, int, float]] = []  # each encoding's levels, samples and peak
        with atomic_output(out) as tmp:
            decoded_db = encode_within_peak(
                tmp,
                spec,
                options,
                ceiling_db,
                lambda ceiling: encoded.append(
                    _encode(tmp, spec, options, info, chapters, mixer, ceiling, progress)
                ),
            )
        levels, samples, peak_db = encoded[-1]
        if decoded_db is not None:
            peak_db = max(peak_db, decoded_db)
        extra = _write_timed_text(timeline, out, options)
        progress.pass_done(2)
    except OSError as exc:
        raise ExportError(
            f"could not write {out}: {exc.strerror or exc} "
            "(check the folder is writable and the disk has space)"
        ) from exc
    return ExportResult(
        out,
        spec.name,
        samples / options.sample_rate,
        samples,
        options.sample_rate,
        levels.measured_lufs,
        target_lufs_for(timeline, options),
        levels.gain_db,
        peak_db,
        len(chapters),
        extra,
    )


def _encode(
    tmp: Path,
    spec: encoders.FormatSpec,
    options: ExportOptions,
    info: tags.TrackInfo,
    chapters: list[tags.Chapter],
    mixer: Mixer,
    ceiling_db: float,
    progress: PassProgress,
) -> tuple[Levels, int, float]:
    """Both passes into `tmp`, limited under `ceiling_db`: the levels, the samples written, and the
    true peak of what was encoded."""
    with encoded_file(tmp, spec, options, info, chapters) as encoder:
        # the encoder (a worker process for MP3) starts while pass 1 runs
        levels = plan_levels(mixer, mixer.timeline, options, ceiling_db, lambda n: progress.add(n, 1))
        progress.pass_done(1)
        peak = OutputPeak(options.sample_rate, levels)
        blocks = mixer.blocks(block_samples=block_samples_for(options))
        for block in levelled(blocks, levels, options.sample_rate, ceiling_db):
            peak.add(block)
            encoder.write(block)
            progress.add(len(block), 2)
        samples = encoder.samples_written
    return levels, samples, peak.peak_db


def _write_timed_text(timeline: Timeline, audio_path: Path, options: ExportOptions) -> tuple[Path, ...]:
    written = []
    if options.lrc:
        written.append(write_text_atomic(audio_path.with_suffix(".lrc"), timedtext.lrc(timeline)))
    if options.srt:
        written.append(write_text_atomic(audio_path.with_suffix(".srt"), timedtext.srt(timeline)))
    return tuple(written)


def safe_filename(text: str, fallback: str = "session") -> str:
    """A file name made from `text`: no path separators or control characters, not hidden."""
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', " ", text).strip().strip(".")
    return re.sub(r"\s+", " ", name)[:120] or fallback


def default_output_name(name: str, suffix: str = ".mp3") -> str:
    """The file written when no -o is given: the routine's name in the current folder."""
    return safe_filename(name) + suffix
