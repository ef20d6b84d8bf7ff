"""Tags and chapters: ID3v2.4 (MP3, WAV) through mutagen, an FFMETADATA file for ffmpeg formats.

Each routine step becomes one chapter titled with the step's name. Chapters tile the file: a
chapter runs from its step's start to the next step's start (the first from 0, the last to the
end), so every moment of the session belongs to exactly one chapter.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from voicecoach.plan.timeline import StepSpan, Timeline

if TYPE_CHECKING:
    from mutagen.id3 import ID3

ARTIST = "voicecoach"
GENRE = "Fitness"
#: Entries one ID3 table of contents (CTOC) can list.
MAX_TOC_ENTRIES = 255


@dataclass(frozen=True)
class Chapter:
    element_id: str
    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class TrackInfo:
    """The tags written into a file."""

    title: str
    length_ms: int
    album: str = ""  # the routine's title (export's default): one album per session
    artist: str = ARTIST
    genre: str = GENRE
    comment: str = ""
    track: str = ""  # "3/7" for a file of a split export


def step_title(step: StepSpan) -> str:
    """A step's display name: its title, else its kind ('Rest'), else its number."""
    return step.title.strip() or step.kind.strip().capitalize() or f"Step {step.index + 1}"


def chapters_for(timeline: Timeline) -> list[Chapter]:
    """One chapter per step, tiling [0, duration]."""
    total_ms = int(round(timeline.duration_s * 1000))
    steps = sorted(timeline.steps, key=lambda s: s.start_s)
    chapters = []
    for i, step in enumerate(steps):
        start = 0 if i == 0 else min(total_ms, int(round(step.start_s * 1000)))
        end = total_ms if i + 1 == len(steps) else min(total_ms, int(round(steps[i + 1].start_s * 1000)))
        chapters.append(Chapter(f"chp{i}", step_title(step), start, max(start, end)))
    return chapters


def summary_of(timeline: Timeline) -> str:
    """The comment: the routine's summary if the compiler kept it, then the steps in order."""
    minutes, seconds = divmod(int(round(timeline.duration_s)), 60)
    steps = ", ".join(step_title(s) for s in timeline.steps)
    lead = str(timeline.meta.get("summary") or "").strip()
    body = f"{timeline.title} ({minutes}:{seconds:02d}, {timeline.profile}): {steps}"
    return f"{lead} {body}" if lead else body


def id3_tags(info: TrackInfo, chapters: list[Chapter]) -> ID3:
    """A mutagen ID3 object holding the text frames, a top-level ordered CTOC and one CHAP per chapter
    (past 255 chapters the top-level CTOC lists ordered sub-tables of up to 255 chapters each)."""
    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TCON, TIT2, TLEN, TPE1, TRCK, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=3, text=[info.title]))
    if info.album:
        tags.add(TALB(encoding=3, text=[info.album]))
    tags.add(TPE1(encoding=3, text=[info.artist]))
    tags.add(TCON(encoding=3, text=[info.genre]))
    tags.add(TLEN(encoding=3, text=[str(info.length_ms)]))
    if info.comment:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=[info.comment]))
    if info.track:
        tags.add(TRCK(encoding=3, text=[info.track]))
    if chapters:
        ids = [c.element_id for c in chapters]
        if len(ids) > MAX_TOC_ENTRIES:  # a CTOC counts its entries in one byte: nest ordered sub-tables
            groups = [ids[i : i + MAX_TOC_ENTRIES] for i in range(0, len(ids), MAX_TOC_ENTRIES)]
            for n, group in enumerate(groups):
                tags.add(
                    CTOC(
                        element_id=f"toc{n}",
                        flags=CTOCFlags.ORDERED,
                        child_element_ids=group,
                        sub_frames=[TIT2(encoding=3, text=[f"{info.title} ({n + 1})"])],
                    )
                )
            ids = [f"toc{n}" for n in range(len(groups))]
        tags.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=[info.title])],
            )
        )
        for c in chapters:
            tags.add(
                CHAP(
                    element_id=c.element_id,
                    start_time=c.start_ms,
                    end_time=c.end_ms,
                    start_offset=0xFFFFFFFF,
                    end_offset=0xFFFFFFFF,
                    sub_frames=[TIT2(encoding=3, text=[c.title])],
                )
            )
    return tags


def _syncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def _split_frames(tag: bytes) -> list[tuple[str, bytes]]:
    """(frame id, whole frame bytes) of an ID3v2.4 tag without extended header or unsynchronisation."""
    end = 10 + _syncsafe(tag[6:10])
    frames, pos = [], 10
    while pos + 10 <= end and tag[pos] != 0:
        size = _syncsafe(tag[pos + 4 : pos + 8])
        frames.append((tag[pos : pos + 4].decode("latin-1"), tag[pos : pos + 10 + size]))
        pos += 10 + size
    return frames


def id3_bytes(info: TrackInfo, chapters: list[Chapter], padding: int = 1024) -> bytes:
    """A complete ID3v2.4 tag to put at the start of an MP3, chapters in playing order.

    mutagen encodes every frame, but orders them by size when it saves; readers such as
    ffmpeg list chapters in the order their frames appear, so the frames are put back in
    order: text frames, the CTOC, then the CHAP frames from first to last, then the rest.
    """
    buf = io.BytesIO()
    id3_tags(info, chapters).save(buf, v2_version=4, padding=lambda _info: 0)
    frames = _split_frames(buf.getvalue())
    rank = {c.element_id.encode("latin-1") + b"\0": i for i, c in enumerate(chapters)}

    def order(item: tuple[str, bytes]) -> tuple[int, int]:
        frame_id, data = item
        if frame_id == "CHAP":
            element = data[10 : data.index(b"\0", 10) + 1]
            return 2, rank.get(element, len(rank))
        return {"CTOC": 1, "COMM": 3}.get(frame_id, 0), 0

    body = b"".join(data for _, data in sorted(frames, key=order)) + bytes(padding)
    size = len(body)
    header = b"ID3\x04\x00\x00" + bytes(
        [(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F]
    )
    return header + body


def write_wav_id3(path: str, info: TrackInfo, chapters: list[Chapter]) -> None:
    """Add ID3v2.4 tags (with chapters) to a WAV file, as an 'id3 ' chunk (mutagen)."""
    from mutagen.wave import WAVE

    wav = WAVE(path)
    if wav.tags is None:
        wav.add_tags()
    tags = cast("ID3", wav.tags)  # mutagen declares FileType.tags as None; a WAVE's tags are an ID3
    for frame in id3_tags(info, chapters).values():
        tags.add(frame)
    wav.save(v2_version=4)


def _ffmeta_escape(text: str) -> str:
    out = text
    for ch in ("\\", "=", ";", "#"):
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", "\\\n")


#: Chapters the Vorbis comment chapter extension can number (CHAPTER001 to CHAPTER999).
MAX_COMMENT_CHAPTERS = 999


def chapter_comments(chapters: list[Chapter]) -> dict[str, str]:
    """Chapters as Vorbis comments (Xiph's chapter extension: CHAPTER001=00:01:02.500 and
    CHAPTER001NAME=...), which Ogg Vorbis and FLAC players read; ffmpeg writes chapters of its
    own only into Opus."""
    fields = {}
    for n, c in enumerate(chapters[:MAX_COMMENT_CHAPTERS], start=1):
        hours, rest_ms = divmod(c.start_ms, 3_600_000)
        minutes, rest_ms = divmod(rest_ms, 60_000)
        fields[f"CHAPTER{n:03d}"] = f"{hours:02d}:{minutes:02d}:{rest_ms / 1000:06.3f}"
        fields[f"CHAPTER{n:03d}NAME"] = c.title
    return fields


def ffmetadata(info: TrackInfo, chapters: list[Chapter], comment_chapters: bool = False) -> str:
    """The same tags and chapters as an ffmpeg FFMETADATA1 document (for M4A, Ogg, Opus, FLAC);
    with `comment_chapters`, the chapters also as Vorbis comments (see `chapter_comments`)."""
    lines = [";FFMETADATA1"]
    fields = {
        "title": info.title,
        "album": info.album,
        "artist": info.artist,
        "genre": info.genre,
        "comment": info.comment,
        "track": info.track,
    }
    if comment_chapters:
        fields.update(chapter_comments(chapters))
    lines += [f"{key}={_ffmeta_escape(value)}" for key, value in fields.items() if value]
    for c in chapters:
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={c.start_ms}",
            f"END={c.end_ms}",
            f"title={_ffmeta_escape(c.title)}",
        ]
    return "\n".join(lines) + "\n"
