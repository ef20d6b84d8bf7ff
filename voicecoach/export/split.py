"""`--split`: one file per step plus an .m3u8 playlist, cut from one continuous render.

The session is measured and rendered once, exactly as for a single file, and the normalised
stream is cut at the step boundaries: the files share one loudness gain, the bed runs on
seamlessly, and played back to back they are the whole session again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.errors import ExportError
from voicecoach.export import encoders, tags
from voicecoach.export.progress import mix_costs_s
from voicecoach.export.track import (
    ExportOptions,
    PassProgress,
    block_samples_for,
    ceiling_db_for,
    encode_within_peak,
    encoded_file,
    levelled,
    make_mixer,
    plan_levels,
    safe_filename,
    track_info,
)
from voicecoach.fsutil import atomic_output, write_text_atomic
from voicecoach.plan.timeline import Timeline
from voicecoach.sound import loudness
from voicecoach.sound.clip import Clip


@dataclass(frozen=True)
class SplitResult:
    files: tuple[Path, ...]
    playlist: Path
    gain_db: float


def segments(timeline: Timeline, sample_rate: int) -> list[tuple[int, int, str]]:
    """(start sample, end sample, title) per step; together they cover the whole session."""
    total_ms = int(round(timeline.duration_s * 1000))
    total = int(round(timeline.duration_s * sample_rate))
    out = []
    for chapter in tags.chapters_for(timeline):
        start = 0 if chapter.start_ms == 0 else int(round(chapter.start_ms / 1000 * sample_rate))
        end = total if chapter.end_ms >= total_ms else int(round(chapter.end_ms / 1000 * sample_rate))
        if end > start:
            out.append((start, end, chapter.title))
    return out or [(0, total, timeline.title)]


class _Cutter:
    """Hands out exactly the requested number of samples from a stream of blocks."""

    def __init__(self, blocks: Iterable[np.ndarray]) -> None:
        self._blocks: Iterator[np.ndarray] = iter(blocks)
        self._left = np.zeros(0, dtype=np.float32)

    def take(self, n: int) -> Iterator[np.ndarray]:
        while n > 0:
            if self._left.size == 0:
                block = next(self._blocks, None)
                if block is None:
                    raise ExportError("the render ended before the last step (a bug; please report it)")
                self._left = block
            part, self._left = self._left[:n], self._left[n:]
            n -= part.size
            yield part


def part_name(title: str, number: int) -> str:
    """The name of a step's file (without the number or suffix): the step's title; a talk step's
    (its first words, ending in " ...") cut to its first sentence, with no trailing punctuation."""
    text = title.strip().removesuffix("...").strip()
    first = re.split(r"(?<=[.!?;:])\s", text, maxsplit=1)[0]
    return safe_filename(first.rstrip(" .,;:!?…"), f"Step {number}")


def _playlist(title: str, entries: list[tuple[str, float, str]]) -> str:
    """An M3U8 playlist. Titles come from the routine file: each is kept to one line, so no title
    can add an entry (a URL, another file) to the playlist."""
    title = " ".join(title.split())
    lines = ["#EXTM3U", f"#PLAYLIST:{title}"]
    for name, seconds, step_title in entries:
        lines += [f"#EXTINF:{int(round(seconds))},{title} - {' '.join(step_title.split())}", name]
    return "\n".join(lines) + "\n"


def _encode_part(
    tmp: Path,
    spec: encoders.FormatSpec,
    options: ExportOptions,
    info: tags.TrackInfo,
    blocks: Iterable[np.ndarray],
    ceiling_db: float,
    progress: PassProgress,
) -> None:
    """Encode one part into `tmp`, held to the true-peak promise as a whole session is
    (`encode_within_peak`). The blocks come limited under `ceiling_db`; an encoding again limits
    the part, kept in memory for that (one step, minutes at most), under the lowered ceiling."""
    kept: list[np.ndarray] = []

    def encode(ceiling: float) -> None:
        again = ceiling < ceiling_db  # only a codec's overshoot lowers the ceiling
        source = blocks
        if again:
            source = loudness.normalise([np.concatenate(kept)], options.sample_rate, 0.0, ceiling)
        with encoded_file(tmp, spec, options, info, []) as encoder:
            for block in source:
                encoder.write(block)
                if not again:
                    progress.add(len(block), 2)
                    if spec.check_peaks:
                        kept.append(block)

    encode_within_peak(tmp, spec, options, ceiling_db, encode)


def export_split(
    timeline: Timeline,
    clips: Mapping[str, Clip],
    out_dir: str | os.PathLike[str],
    options: ExportOptions | None = None,
) -> SplitResult:
    """Write `NN - Step.ext` per step and `FOLDER.m3u8` (named after `out_dir`) into `out_dir`
    (format: options.format or MP3)."""
    options = options or ExportOptions()
    spec = encoders.format_for(options.format or ".mp3")
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the folder {folder}: {exc.strerror}") from exc
    mixer = make_mixer(timeline, clips, options)
    ceiling = ceiling_db_for(spec, options)
    progress = PassProgress(
        options.progress,
        mixer.total_samples,
        *mix_costs_s(timeline.duration_s, spec.name, mixer.bed is not None),
    )
    levels = plan_levels(mixer, timeline, options, ceiling, lambda n: progress.add(n, 1))
    progress.pass_done(1)
    gain_db = levels.gain_db
    blocks = mixer.blocks(block_samples=block_samples_for(options))
    cutter = _Cutter(levelled(blocks, levels, options.sample_rate, ceiling))
    parts = segments(timeline, options.sample_rate)
    written, entries = [], []
    try:
        for number, (start, end, title) in enumerate(parts, start=1):
            name = f"{number:02d} - {part_name(title, number)}{spec.suffix}"
            info = track_info(
                timeline,
                options,
                title=f"{timeline.title} - {title}",
                length_s=(end - start) / options.sample_rate,
                track=f"{number}/{len(parts)}",
            )
            with atomic_output(folder / name) as tmp:
                _encode_part(tmp, spec, options, info, cutter.take(end - start), ceiling, progress)
            written.append(folder / name)
            entries.append((name, (end - start) / options.sample_rate, title))
        playlist = folder / f"{safe_filename(folder.resolve().name, safe_filename(timeline.title))}.m3u8"
        write_text_atomic(playlist, _playlist(timeline.title, entries))
        progress.pass_done(2)
    except OSError as exc:
        raise ExportError(
            f"could not write into {folder}: {exc.strerror or exc} "
            "(check the folder is writable and the disk has space)"
        ) from exc
    return SplitResult(tuple(written), playlist, gain_db)
