"""`voicecoach voices`, `say` and `cache`, run as the real command."""

from __future__ import annotations

import json
import os
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import run_voicecoach


def test_voices_json_shape() -> None:
    proc = run_voicecoach("voices", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["default_engine"] == "piper"
    names = [e["name"] for e in report["engines"]]
    assert names[0] == "piper" and {"espeak", "system"} <= set(names)
    for row in report["engines"]:
        assert {"name", "available", "reason", "voices"} <= set(row)
        assert isinstance(row["available"], bool) and isinstance(row["voices"], list)
    piper = report["engines"][0]
    assert piper["available"] and piper["voices"] == ["en_US-joe-medium"]


def test_voices_explains_how_to_fix_a_missing_engine(tmp_path: Path) -> None:
    # With no espeak-ng on PATH, the espeak engine is unavailable and the fix is named.
    proc = run_voicecoach("voices", env={"PATH": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "piper (default)" in text
    assert "espeak" in text and "not available: espeak-ng is not installed" in text
    assert "apt-get install espeak-ng" in text
    as_json = json.loads(run_voicecoach("voices", "--json", env={"PATH": str(tmp_path)}).stdout)
    espeak = next(e for e in as_json["engines"] if e["name"] == "espeak")
    assert espeak["available"] is False and "install" in espeak["reason"] and espeak["voices"] == []


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), w.getframerate()


def test_say_writes_a_wav_and_the_cache_command_sees_it(tmp_path: Path) -> None:
    out = tmp_path / "line.wav"
    proc = run_voicecoach("say", "Hold for 20–30 s.", "-o", str(out), "--engine", "espeak", "--rate", "1.2")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    samples, rate = read_wav(out)
    assert rate == 22050 and 1.0 < len(samples) / rate < 5.0 and np.abs(samples).max() > 1000
    assert [p.name for p in tmp_path.iterdir()] == ["line.wav"], "no temporary file left beside it"
    shown = run_voicecoach("cache")
    assert shown.returncode == 0
    cache_dir = Path(os.environ["VOICECOACH_CACHE_DIR"]) / "speech"
    assert f"folder:  {cache_dir}" in shown.stdout and "clips:   1" in shown.stdout
    cleared = run_voicecoach("cache", "--clear")
    assert cleared.returncode == 0 and "removed 1 clip" in cleared.stdout
    assert "clips:   0" in run_voicecoach("cache").stdout


def test_a_damaged_cache_entry_is_reported_once_and_replaced(tmp_path: Path) -> None:
    out = tmp_path / "a.wav"
    args = ("say", "Sit tall.", "-o", str(out), "--engine", "espeak")
    assert run_voicecoach(*args).returncode == 0
    entry = next((Path(os.environ["VOICECOACH_CACHE_DIR"]) / "speech").rglob("*.clip"))
    entry.write_bytes(entry.read_bytes()[:-64])
    damaged = run_voicecoach(*args)
    assert damaged.returncode == 0
    warnings = [line for line in damaged.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "cut short" in warnings[0], damaged.stderr
    clean = run_voicecoach(*args)
    assert clean.returncode == 0 and clean.stderr == ""


def test_say_without_output_plays_or_says_how_to_write_a_file() -> None:
    proc = run_voicecoach("say", "Hello.", "--engine", "espeak")
    if proc.returncode == 0:  # a machine with a working sound output
        assert proc.stderr == ""
    else:
        assert proc.returncode == 1
        assert proc.stderr.startswith("error: ") and "-o FILE.wav" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_an_unknown_voice_is_bad_input_exit_2_in_one_line(tmp_path: Path) -> None:
    # As an unknown --engine is: the voice was asked for wrongly, nothing failed (it was exit 1).
    proc = run_voicecoach(
        "say", "Hello.", "--engine", "system", "--voice", "no/such", "-o", str(tmp_path / "x.wav")
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: unknown system voice 'no/such': run `voicecoach voices` to see the voices here"
    )
    assert not (tmp_path / "x.wav").exists()
    bad = run_voicecoach("say", "Hello.", "--engine", "nope")
    assert bad.returncode == 2 and "unknown engine 'nope'" in bad.stderr
    wrong_suffix = run_voicecoach("say", "Hello.", "-o", str(tmp_path / "x.mp3"))
    assert wrong_suffix.returncode == 2 and "x.wav" in wrong_suffix.stderr


@pytest.mark.parametrize(
    ("engine", "voice", "said"),
    [
        ("espeak", "nope", "unknown espeak voice 'nope'"),
        ("piper", "nope", "unknown piper voice 'nope'"),
        ("piper", "/no/such.onnx", "piper voice file not found: /no/such.onnx"),
    ],
)
def test_every_command_refuses_an_unknown_voice_with_exit_2(tmp_path: Path, engine, voice, said) -> None:
    for command in (["plan", "desk-reset"], ["export", "desk-reset", "-o", str(tmp_path / "x.mp3")]):
        proc = run_voicecoach(*command, "--engine", engine, "--voice", voice)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith(f"error: {said}") and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.mp3").exists()
