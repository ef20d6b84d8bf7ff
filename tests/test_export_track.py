"""Export end to end: real espeak speech, real encoders, decoded and measured with ffmpeg and mutagen."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest
from audio_helpers import RATE, decode, ebur128, onset_s, spoken_timeline

from voicecoach.export.split import export_split
from voicecoach.export.track import ExportOptions, export_session
from voicecoach.mix.cuesounds import load_cue
from voicecoach.sound.resample import resample


@pytest.fixture(scope="module")
def session():
    return spoken_timeline()


@pytest.fixture(scope="module")
def exported(session, tmp_path_factory):
    timeline, clips = session
    out = tmp_path_factory.mktemp("export") / "session.mp3"
    fractions = []
    result = export_session(
        timeline, clips, out, ExportOptions(lrc=True, srt=True, progress=fractions.append)
    )
    return result, fractions


def _intrinsic_onset_s(samples: np.ndarray, rate: int) -> float:
    """Where a sound becomes audible within itself (the same detector as for the decoded file)."""
    padded = np.concatenate([np.zeros(int(0.3 * RATE), np.float32), resample(samples, rate, RATE)])
    return onset_s(padded, 0.3) - 0.3


def test_decoded_mp3_is_as_long_as_the_plan(session, exported):
    result, _ = exported
    decoded = decode(result.path)
    assert abs(len(decoded) / RATE - session[0].duration_s) < 0.05
    assert len(decoded) == round(session[0].duration_s * RATE)  # in fact exact to the sample


def test_speech_and_cues_start_where_the_plan_puts_them(session, exported):
    timeline, clips = session
    decoded = decode(exported[0].path)
    checked = 0
    for event in timeline.events:
        if event.kind == "speech":
            source = clips[event.text]
        elif event.kind == "chime":
            source = load_cue(event.cue)
        else:
            continue
        expected = event.start_s + _intrinsic_onset_s(source.samples, source.sample_rate)
        assert abs(onset_s(decoded, event.start_s) - expected) <= 0.020, event
        checked += 1
    assert checked == 7


def test_loudness_and_true_peak_measured_by_ffmpeg(exported):
    result, _ = exported
    integrated, true_peak = ebur128(result.path)
    assert integrated == pytest.approx(-16.0, abs=1.0)
    assert true_peak <= -1.0
    assert result.target_lufs == -16.0 and result.true_peak_db <= -1.0


def test_id3_tags_and_chapters_read_back_with_mutagen(session, exported):
    from mutagen.id3 import ID3, CTOCFlags

    timeline, _ = session
    tags = ID3(exported[0].path)
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == "Test Session" and str(tags["TALB"]) == "Test Session"  # album: the routine
    assert str(tags["TPE1"]) == "voicecoach" and str(tags["TCON"])
    assert int(str(tags["TLEN"])) == round(timeline.duration_s * 1000)
    assert "A short test routine." in str(tags.getall("COMM")[0])
    toc = tags.getall("CTOC")[0]
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    chapters = [tags[f"CHAP:{cid}"] for cid in toc.child_element_ids]
    assert [str(c.sub_frames["TIT2"]) for c in chapters] == [s.title for s in timeline.steps]
    assert [c.start_time for c in chapters] == [0] + [round(s.start_s * 1000) for s in timeline.steps[1:]]
    assert chapters[-1].end_time == round(timeline.duration_s * 1000)


def test_chapters_read_back_with_ffprobe_in_order(session, exported):
    timeline, _ = session
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(exported[0].path)],
        capture_output=True,
        text=True,
        check=True,
    )
    chapters = json.loads(probe.stdout)["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Settle In", "Breathing 4-6", "Knee Drop"]
    starts = [float(c["start_time"]) for c in chapters]
    assert starts == pytest.approx([0.0] + [s.start_s for s in timeline.steps[1:]], abs=0.001)


def test_lrc_and_srt_hold_every_spoken_line_at_its_time(session, exported):
    timeline, _ = session
    result, _ = exported
    lrc, srt = (p.read_text(encoding="utf-8") for p in sorted(result.extra_paths, key=lambda p: p.suffix))
    spoken = [(e.start_s, e.end_s, e.text) for e in timeline.speech()]
    lines = re.findall(r"^\[(\d+):(\d\d\.\d\d)\](.+)$", lrc, flags=re.M)
    assert [text for *_, text in lines] == [text for *_, text in spoken]
    assert [int(m) * 60 + float(s) for m, s, _ in lines] == pytest.approx([s for s, *_ in spoken], abs=0.006)
    cues = re.findall(
        r"^\d+\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+)$", srt, flags=re.M
    )
    assert [c[-1] for c in cues] == [text for *_, text in spoken]
    for cue, (start, end, _) in zip(cues, spoken, strict=True):
        h, m, s, ms = map(int, cue[:4])
        assert h * 3600 + m * 60 + s + ms / 1000 == pytest.approx(start, abs=0.0006)
        h, m, s, ms = map(int, cue[4:8])
        assert h * 3600 + m * 60 + s + ms / 1000 == pytest.approx(end, abs=0.0006)


def test_progress_rises_to_the_end(exported):
    _, fractions = exported
    assert fractions == sorted(fractions) and fractions[-1] > 0.99


def test_bedtime_profile_is_quieter_and_carries_its_bed(tmp_path):
    timeline, clips = spoken_timeline(profile="bedtime", loudness_lufs=-20.0)
    timeline = type(timeline)(**{**timeline.__dict__, "bed": "brown"})
    result = export_session(timeline, clips, tmp_path / "night.mp3")
    integrated, true_peak = ebur128(result.path)
    assert integrated == pytest.approx(-20.0, abs=1.0) and true_peak <= -1.0
    decoded = decode(result.path)
    quiet = decoded[
        int((timeline.events[0].start_s - 0.35) * RATE) : int((timeline.events[0].start_s - 0.3) * RATE)
    ]
    assert np.max(np.abs(quiet)) > 1e-4  # the brown bed fills the pause before the first line


def test_wav_export_is_exact_and_tagged(session, tmp_path):
    from mutagen.wave import WAVE

    timeline, clips = session
    result = export_session(timeline, clips, tmp_path / "s.wav")
    assert len(decode(result.path)) == round(timeline.duration_s * RATE)
    tags = WAVE(str(result.path)).tags
    assert str(tags["TIT2"]) == "Test Session" and len(tags.getall("CHAP")) == 3
    integrated, true_peak = ebur128(result.path)
    assert integrated == pytest.approx(-16.0, abs=1.0) and true_peak <= -1.0


def test_m4a_export_carries_chapters(session, tmp_path):
    timeline, clips = session
    result = export_session(timeline, clips, tmp_path / "s.m4a")
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-show_format", "-of", "json", str(result.path)],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(probe.stdout)
    assert [c["tags"]["title"] for c in info["chapters"]] == ["Settle In", "Breathing 4-6", "Knee Drop"]
    assert info["format"]["tags"]["title"] == "Test Session"
    assert abs(len(decode(result.path)) / RATE - timeline.duration_s) < 0.05


def test_split_writes_one_file_per_step_and_a_playlist(session, tmp_path):
    timeline, clips = session
    result = export_split(timeline, clips, tmp_path / "parts")
    assert [p.name for p in result.files] == [
        "01 - Settle In.mp3",
        "02 - Breathing 4-6.mp3",
        "03 - Knee Drop.mp3",
    ]
    lengths = [len(decode(p)) for p in result.files]
    assert sum(lengths) == round(timeline.duration_s * RATE)  # back to back: the whole session
    assert lengths[0] == round(timeline.steps[1].start_s * RATE)
    playlist = result.playlist.read_text(encoding="utf-8").splitlines()
    assert playlist[0] == "#EXTM3U" and [line for line in playlist if not line.startswith("#")] == [
        p.name for p in result.files
    ]
