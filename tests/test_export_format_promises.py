"""What the README promises of each export format, checked with ffprobe and ffmpeg's ebur128:
chapters in every format that has them (MP3, M4A, M4B, Ogg, Opus, FLAC, at the plan's times),
the bitrates of --quality phone, and true peaks at most -1 dBTP after the lossy codecs."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

import pytest
from audio_helpers import ebur128
from conftest import run_voicecoach

from voicecoach import app
from voicecoach.export import encoders
from voicecoach.export.track import ExportOptions

ROUTINE = """title: Format Check
defaults: {hold: 4s, transition: 1s, rest: 1s}
steps:
  - talk: Rest your left ankle across the opposite thigh, just above the knee. Switch to your left side.
  - stretch: Figure Four
    setup: Now draw the supporting leg slowly in toward your chest, until you feel it deep in the hip.
    sides: both
  - chime: bell
  - talk: Sit tall, breathe, and let your shoulders drop.
"""
OPTIONS = ("--engine", "espeak", "--no-intro")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """The routine, a speech cache shared by this module's exports, and the plan's step starts."""
    folder = tmp_path_factory.mktemp("formats")
    (folder / "check.yaml").write_text(ROUTINE, encoding="utf-8")
    env = {"VOICECOACH_CACHE_DIR": str(folder / "cache")}
    plan = run_voicecoach("plan", "check.yaml", *OPTIONS, "--json", cwd=folder, env=env)
    assert plan.returncode == 0, plan.stderr
    return folder, env, json.loads(plan.stdout)


def export(session, name: str, *extra: str):
    """The routine exported as `name` (once per module: later calls find the file)."""
    folder, env, _ = session
    if not (folder / name).exists():
        done = run_voicecoach("export", "check.yaml", *OPTIONS, "-o", name, *extra, cwd=folder, env=env)
        assert done.returncode == 0, done.stderr
    return folder / name


def probe(path, *entries: str) -> dict:
    done = subprocess.run(
        ["ffprobe", "-v", "error", *entries, "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("suffix", [".mp3", ".m4a", ".m4b", ".ogg", ".opus", ".flac"])
def test_every_format_with_chapters_has_one_per_step_at_the_plans_times(session, suffix):
    path = export(session, f"phone{suffix}")
    chapters = probe(path, "-show_chapters")["chapters"]
    steps = session[2]["steps"]
    assert [c["tags"]["title"] for c in chapters] == [s["title"] for s in steps]
    for chapter, step in zip(chapters, steps, strict=True):
        assert abs(float(chapter["start_time"]) - step["start_s"]) <= 0.001, (chapter, step)


@pytest.mark.parametrize("suffix", [".m4a", ".ogg", ".opus", ".mp3"])
@pytest.mark.parametrize("quality", ["phone", "high"])
def test_true_peaks_stay_at_or_below_minus_1_dbtp(session, suffix, quality):
    path = export(session, f"{quality}{suffix}", "--quality", quality)
    integrated, true_peak = ebur128(path)
    assert true_peak <= -1.0, (suffix, quality, true_peak)
    assert integrated == pytest.approx(-16.0, abs=1.0)


def test_an_aac_export_does_not_click_past_the_ceiling(tmp_path):
    """ffmpeg's AAC encoder with temporal noise shaping turned a limited peak of this session
    (espeak's reclining-hip-release) into a click at +0.2 dBFS, past any headroom."""
    done = run_voicecoach(
        "export", "reclining-hip-release", "--engine", "espeak", "-o", "r.m4a", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert ebur128(tmp_path / "r.m4a")[1] <= -1.0


def _speech_kbps(path, plan) -> float:
    """The audio stream's bitrate over the spans where speech plays (the codecs that vary their
    rate spend less on silence, so a file's average says little about its quality)."""
    packets = probe(path, "-select_streams", "a:0", "-show_entries", "packet=pts_time,size")["packets"]
    spans = [(e["start_s"], e["end_s"]) for e in plan["events"] if e["kind"] == "speech"]
    bits = sum(int(p["size"]) * 8 for p in packets if any(a <= float(p["pts_time"]) < b for a, b in spans))
    return bits / sum(b - a for a, b in spans) / 1000


def test_phone_quality_bitrates_are_the_readmes(session):
    mp3 = probe(export(session, "phone.mp3"), "-show_entries", "stream=bit_rate")
    assert int(mp3["streams"][0]["bit_rate"]) == 96000  # constant
    for suffix, low, high in ((".m4a", 88, 130), (".m4b", 88, 130), (".opus", 56, 130)):
        path = export(session, f"phone{suffix}")
        assert low <= _speech_kbps(path, session[2]) <= high, suffix


def overshooting(monkeypatch: pytest.MonkeyPatch, suffix: str) -> list[float]:
    """Give `suffix` a headroom far too small (the limiter aiming at 0 dBTP) and record every
    decoded true peak the export measures; the list fills as the export runs."""
    spec = encoders.FORMATS[suffix]
    bare = {q: replace(setting, headroom_db=-1.0) for q, setting in spec.settings.items()}
    monkeypatch.setitem(encoders.FORMATS, suffix, replace(spec, settings=bare))
    first = encoders.decoded_true_peak_db
    measured: list[float] = []
    monkeypatch.setattr(
        encoders, "decoded_true_peak_db", lambda *a: measured.append(first(*a)) or measured[-1]
    )
    return measured


LOUD = ExportOptions(target_lufs=-10.0)  # loud: the limiter works on every line


def test_a_codec_that_overshoots_its_headroom_is_encoded_again_under_a_lower_ceiling(monkeypatch, tmp_path):
    """A headroom far too small, a loud session: the file overshoots -1 dBTP; it is decoded,
    measured and the session encoded again under a ceiling lowered by the overshoot."""
    measured = overshooting(monkeypatch, ".m4a")
    (tmp_path / "check.yaml").write_text(ROUTINE, encoding="utf-8")
    result = app.export_routine(
        str(tmp_path / "check.yaml"),
        app.SessionOptions(engine="espeak", intro=False),
        str(tmp_path / "x.m4a"),
        LOUD,
    )
    assert measured[0] > -1.0 and len(measured) >= 2, measured  # it did overshoot, and was redone
    assert measured[-1] <= -1.0 and result.true_peak_db <= -1.0
    assert ebur128(tmp_path / "x.m4a")[1] <= -1.0


@pytest.mark.parametrize("suffix", [".m4a", ".opus"])
def test_each_part_of_a_split_export_is_checked_and_encoded_again_when_it_overshoots(
    monkeypatch, tmp_path, suffix
):
    """As for a whole session, but per part of `--split` (which had no decoded check)."""
    measured = overshooting(monkeypatch, suffix)
    (tmp_path / "check.yaml").write_text(ROUTINE, encoding="utf-8")
    result = app.export_routine_split(
        str(tmp_path / "check.yaml"),
        app.SessionOptions(engine="espeak", intro=False),
        str(tmp_path / "parts"),
        replace(LOUD, format=suffix),
    )
    assert max(measured) > -1.0, measured  # some part did overshoot
    assert len(measured) > len(result.files), measured  # and was measured again after encoding again
    for path in result.files:
        assert ebur128(path)[1] <= -1.0, path
