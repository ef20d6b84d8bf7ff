"""Chapters tile the session; ID3 frames come out in playing order; FFMETADATA is escaped."""

from __future__ import annotations

import io

from mutagen.id3 import ID3

from voicecoach.export.tags import TrackInfo, chapters_for, ffmetadata, id3_bytes
from voicecoach.plan.timeline import StepSpan, Timeline


def _timeline(titles, starts, duration_s):
    steps = tuple(
        StepSpan(i, "rest" if not t else "talk", t, s, starts[i + 1] if i + 1 < len(starts) else duration_s)
        for i, (t, s) in enumerate(zip(titles, starts, strict=True))
    )
    return Timeline("T", duration_s, steps, (), ())


def test_chapters_cover_the_session_from_zero_to_the_end():
    chapters = chapters_for(_timeline(["Intro", "", "Long Hold"], [0.35, 10.0, 20.5], 61.2346))
    assert [(c.start_ms, c.end_ms) for c in chapters] == [(0, 10000), (10000, 20500), (20500, 61235)]
    assert [c.title for c in chapters] == ["Intro", "Rest", "Long Hold"]


def test_id3_frames_are_in_playing_order_even_when_sizes_differ():
    titles = ["A rather long first title", "B", "Third, medium", "D", "E", "F", "G", "H", "I", "J", "K", "L"]
    timeline = _timeline(titles, [float(i * 10) for i in range(12)], 130.0)
    raw = id3_bytes(TrackInfo("T", 130000, comment="c"), chapters_for(timeline), padding=100)
    tags = ID3(io.BytesIO(raw))
    assert [str(tags[f"CHAP:chp{i}"].sub_frames["TIT2"]) for i in range(12)] == titles
    positions = [raw.index(f"chp{i}\0".encode()) for i in range(12)]
    assert raw.index(b"CTOC") < positions[0] and positions == sorted(positions)
    assert raw.endswith(bytes(100))


def test_ffmetadata_escapes_special_characters_and_lists_chapters():
    timeline = _timeline(["Hips = open; #1 \\ ok"], [0.0], 5.0)
    text = ffmetadata(TrackInfo("Title", 5000, comment="two\nlines"), chapters_for(timeline))
    assert text.startswith(";FFMETADATA1\ntitle=Title\n")
    assert "title=Hips \\= open\\; \\#1 \\\\ ok" in text
    assert "comment=two\\\nlines" in text
    assert "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=5000" in text


def test_more_chapters_than_one_table_can_list_are_nested_in_ordered_sub_tables():
    count = 600  # a CTOC counts its entries in one byte
    timeline = _timeline([f"Step {i}" for i in range(count)], [float(i) for i in range(count)], count + 1.0)
    tags = ID3(io.BytesIO(id3_bytes(TrackInfo("T", (count + 1) * 1000), chapters_for(timeline))))
    top = tags["CTOC:toc"]
    assert top.child_element_ids == ["toc0", "toc1", "toc2"]
    listed = [cid for sub in top.child_element_ids for cid in tags[f"CTOC:{sub}"].child_element_ids]
    assert listed == [f"chp{i}" for i in range(count)]
    assert str(tags[f"CHAP:chp{count - 1}"].sub_frames["TIT2"]) == f"Step {count - 1}"
