"""Nothing a routine, a profiles file or a bed file says is ever executed or obeyed.

YAML tags construct nothing. Text reaches an engine on its input, never its command line, and
never as markup: options (`--version`), SSML and SAPI XML (`<break time="20s"/>`) and phoneme
or command blocks (`[[h@l'oU]]`) are spoken, or passed over, as the words they are, by espeak,
piper and the system voice. A bed file is opened only if it is a regular file, and ffmpeg reads
it as one plain audio file: never a playlist pointing elsewhere, never a URL or a pipe.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import run_voicecoach

from voicecoach.errors import RoutineError, UsageError
from voicecoach.mix.bed import check_bed_file, decode_file
from voicecoach.profiles.file import load_profile_file
from voicecoach.profiles.model import BUILTIN_PROFILES
from voicecoach.routine.loader import parse_routine
from voicecoach.speech.engines.base import plain_text
from voicecoach.speech.engines.espeak import EspeakEngine
from voicecoach.speech.engines.piper import PiperEngine
from voicecoach.speech.engines.system import SystemEngine

RATE = 48000
HELLO = "hello"
HOSTILE = {
    # text: (shortest, longest) plausible seconds when spoken as text
    "--version": (0.25, 2.0),
    "-h": (0.1, 1.5),
    "<speak>": (0.15, 1.5),  # SSML would make this silent
    'Rest <break time="20s"/> now.': (1.0, 6.0),  # SSML would add 20 s of silence
    "[[h@l'oU]]": (0.7, 3.0),  # as phonemes it would be a short "hello"
}


def _tag_attacks(sentinel: Path) -> list[str]:
    return [
        f"!!python/object/apply:os.system ['touch {sentinel}']",
        f"!!python/object/new:subprocess.Popen [[touch, {sentinel}]]",
        f"!!python/object/apply:subprocess.check_call [[touch, {sentinel}]]",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/object:pathlib.Path {}",
        f"!!binary {__import__('base64').b64encode(str(sentinel).encode()).decode()}",
        "!evil {a: 1}",
    ]


def test_yaml_tags_construct_nothing(tmp_path: Path):
    sentinel = tmp_path / "executed"
    for attack in _tag_attacks(sentinel):
        for text in (
            f"title: {attack}\nsteps: [{{rest: 5s}}]\n",
            f"title: x\nsteps:\n  - talk: {attack}\n",
            f"title: x\nsteps: [{{rest: 5s}}]\ndefaults: {attack}\n",
        ):
            with pytest.raises(RoutineError, match="YAML tags are not allowed"):
                parse_routine(text, "r.yaml")
        profiles = tmp_path / "profiles.yaml"
        profiles.write_text(f"profiles:\n  mine:\n    description: {attack}\n")
        with pytest.raises(RoutineError, match="YAML tags are not allowed"):
            load_profile_file(profiles, BUILTIN_PROFILES)
    assert not sentinel.exists()


def test_validate_reports_tag_attacks_and_runs_nothing(tmp_path: Path):
    sentinel = tmp_path / "executed"
    files = []
    for n, attack in enumerate(_tag_attacks(sentinel)):
        path = tmp_path / f"attack-{n}.yaml"
        path.write_text(f"title: x\nsteps:\n  - talk: {attack}\n")
        files.append(str(path))
    proc = run_voicecoach("validate", *files)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(files) and all("YAML tags are not allowed" in line for line in lines)
    assert not sentinel.exists()


def test_plain_text_leaves_words_and_drops_markup():
    assert plain_text("Breathe in, and hold: 4 counts!") == "Breathe in, and hold: 4 counts!"
    assert plain_text("[[h@l'oU]] <speak>\x1b[31m") == "((h@l'oU)) (speak) (31m"
    assert "[" not in plain_text("[[slnc 5000]]") and "<" not in plain_text("<?xml?>")


def _espeak_shim(folder: Path, log: Path) -> dict[str, str]:
    """PATH with an espeak-ng first that logs its arguments, then runs the real one."""
    real = shutil.which("espeak-ng")
    assert real, "espeak-ng is needed for this test"
    shim = folder / "espeak-ng"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_text_reaches_espeak_on_its_input_never_its_command_line(tmp_path: Path):
    sentinel = tmp_path / "executed"
    lines = [*HOSTILE, HELLO, f"$(touch {sentinel}) `touch {sentinel}`; touch {sentinel}"]
    routine = tmp_path / "hostile.yaml"
    routine.write_text(yaml.safe_dump({"title": "Hostile", "steps": [{"talk": t} for t in lines]}))
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    log = tmp_path / "argv.log"
    proc = run_voicecoach(
        "plan", str(routine), "--json", "--engine", "espeak", env=_espeak_shim(shim_dir, log)
    )
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    assert len(calls) >= len(lines)  # the routine's lines, the opening and closing, --voices, --version
    for call in calls:
        for word in ("h@l", "break", "speak>", "touch", "Hostile"):
            assert word not in call, call
    events = json.loads(proc.stdout)["events"]
    said = {e["text"]: e["end_s"] - e["start_s"] for e in events if e["kind"] == "speech"}
    for text, (low, high) in HOSTILE.items():
        assert low < said[text] < high, (text, said[text])
    assert said["[[h@l'oU]]"] > 1.5 * said[HELLO]  # spelled out, not read as the phonemes of "hello"
    assert not sentinel.exists()


ENGINES = {"espeak": EspeakEngine, "piper": PiperEngine, "system": SystemEngine}


@pytest.mark.parametrize("name", list(ENGINES))
def test_markup_and_options_are_spoken_as_text_by_every_engine(name: str):
    engine = ENGINES[name]()
    if not engine.is_available():
        pytest.fail(f"{name} should work on this machine: {engine.is_available().reason}")
    hello = engine.synthesize(HELLO, None, 1.0).duration_s
    for text, (low, high) in HOSTILE.items():
        clip = engine.synthesize(text, None, 1.0)
        assert low < clip.duration_s < high, (name, text, clip.duration_s)
        assert np.abs(clip.samples).max() > 0.05, (name, text)
    assert engine.synthesize("[[h@l'oU]]", None, 1.0).duration_s > 1.5 * hello


# ---- bed files ---------------------------------------------------------------------------------


def _special_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "rain.mp3"
    os.mkfifo(fifo)
    sock = tmp_path / "rain.ogg"
    socket.socket(socket.AF_UNIX).bind(str(sock))
    link = tmp_path / "rain.wav"
    link.symlink_to("/dev/urandom")
    return {
        "/dev/zero": (Path("/dev/zero"), "a device"),
        "/dev/urandom": (Path("/dev/urandom"), "a device"),
        "a FIFO": (fifo, "a named pipe (FIFO)"),
        "a socket": (sock, "a socket"),
        "a link to /dev/urandom": (link, "a device"),
        "a folder": (tmp_path, "a folder"),
    }


@pytest.mark.skipif(os.name != "posix", reason="devices, FIFOs and sockets are POSIX files")
def test_a_bed_that_is_not_a_regular_file_is_refused(tmp_path: Path):
    for name, (path, kind) in _special_files(tmp_path).items():
        with pytest.raises(UsageError) as caught:
            check_bed_file(str(path))
        assert str(caught.value) == (
            f"the bed file {path} is {kind}, not a sound file (use --bed brown, "
            "--bed pink, --bed none or a sound file)"
        ), name


@pytest.mark.skipif(os.name != "posix", reason="devices and FIFOs are POSIX files")
def test_export_refuses_such_a_bed_with_exit_2_before_any_work(tmp_path: Path):
    fifo = tmp_path / "rain.mp3"
    os.mkfifo(fifo)
    for bed, kind in (("/dev/zero", "a device"), (str(fifo), "a named pipe (FIFO)")):
        proc = run_voicecoach(
            "export",
            "desk-reset",
            "-o",
            str(tmp_path / "out.mp3"),
            "--engine",
            "espeak",
            "--bed",
            bed,
            timeout=30,
        )
        assert proc.returncode == 2
        assert proc.stderr.strip() == (
            f"error: the bed file {bed} is {kind}, not a sound file (use --bed brown, "
            "--bed pink, --bed none or a sound file)"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rain.mp3"]  # nothing written
    assert not (Path(os.environ["VOICECOACH_CACHE_DIR"]) / "speech").exists()  # nothing synthesised


def _tone_file(path: Path, seconds: float = 2.0) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=f=440:d={seconds}",
            "-f",
            "flac",
            str(path),
        ],
        check=True,
    )
    return path


def test_a_playlist_posing_as_a_bed_is_not_followed(tmp_path: Path):
    target = _tone_file(tmp_path / "elsewhere.flac")
    hls = tmp_path / "rain.mp3"
    hls.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2.0,\n{target}\n#EXT-X-ENDLIST\n")
    concat = tmp_path / "waves.ogg"
    concat.write_text(f"ffconcat version 1.0\nfile {target}\n")
    for bed in (hls, concat):
        with pytest.raises(UsageError, match=r"cannot decode the bed file .*not a plain audio file"):
            decode_file(str(bed), RATE, 10.0)


def test_a_bed_named_like_a_url_or_pipe_is_read_as_that_local_file(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("pipe:0", "http:rain.flac", "concat:a|b"):
        _tone_file(tmp_path / name, 1.0)
        samples = decode_file(name, RATE, 10.0)
        assert abs(len(samples) - RATE) < RATE // 100, name


def test_a_wav_bed_with_an_absurd_header_is_an_error_or_audio(tmp_path: Path):
    """A header claiming 1 Hz or 3 channels over an odd number of bytes: never a traceback."""
    for rate, channels, data in ((1, 1, b"\x00\x10" * 50), (48000, 3, b"\x01\x02" * 1001)):
        path = tmp_path / f"odd-{rate}-{channels}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframesraw(data)
        _decodes_or_explains(path)
    damaged = tmp_path / "damaged-chunk.wav"  # Python's wave module raises RuntimeError on this one
    damaged.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(range(1, 256)) * 2)
    check_bed_file(str(damaged))
    _decodes_or_explains(damaged)


def _decodes_or_explains(path: Path) -> None:
    try:
        samples = decode_file(str(path), RATE, 10.0)
    except UsageError as exc:
        assert "bed file" in str(exc)
    else:
        assert samples.dtype == np.float32 and np.all(np.isfinite(samples))


# ---- outputs: a pipe, a device or a socket where the file should go is never replaced ----------


@pytest.mark.skipif(os.name != "posix", reason="FIFOs, device nodes and sockets are POSIX files")
def test_an_output_that_is_a_pipe_device_or_socket_is_never_replaced(tmp_path: Path):
    from voicecoach.fsutil import write_text_atomic
    from voicecoach.sound.clip import Clip
    from voicecoach.speech.playback import write_clip

    fifo, sock = tmp_path / "session.mp3", tmp_path / "line.wav"
    os.mkfifo(fifo)
    socket.socket(socket.AF_UNIX).bind(str(sock))
    nodes = {fifo: "a named pipe (FIFO)", sock: "a socket"}
    device = tmp_path / "null.srt"
    if subprocess.run(["mknod", str(device), "c", "1", "3"], capture_output=True).returncode == 0:
        nodes[device] = "a device"  # as root: the rename would have swapped a device node for a file
    proc = run_voicecoach("export", "desk-reset", "-o", str(fifo), "--engine", "espeak", timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: cannot write {fifo}: it is a named pipe (FIFO), not a file (choose a file name)"
    )
    assert not (Path(os.environ["VOICECOACH_CACHE_DIR"]) / "speech").exists(), "refused before any synthesis"
    clip = Clip(np.zeros(100, dtype=np.float32), 22050)
    for node, kind in nodes.items():
        with pytest.raises(UsageError, match=f"cannot write {node}: it is {re.escape(kind)}, not a file"):
            if node.suffix == ".wav":
                write_clip(node, clip)
            else:
                write_text_atomic(node, "1\n00:00:00,000 --> 00:00:01,000\nHello.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(n.name for n in nodes)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and stat.S_ISSOCK(sock.lstat().st_mode)


def test_titles_and_lines_cannot_add_playlist_entries_or_subtitle_cues(tmp_path: Path):
    import dataclasses

    from audio_helpers import tone_timeline

    from voicecoach.export.split import export_split
    from voicecoach.export.timedtext import srt
    from voicecoach.plan.timeline import Event, StepSpan

    timeline, clips = tone_timeline(0.1)
    evil = "Rest\n\nhttp://example.invalid/x.mp3\n#EXTINF:1,x\n/etc/passwd"
    line = "Breathe.\n\n99\n00:00:00,000 --> 09:00:00,000\nInjected cue"
    clips[line] = clips["line 0"]
    steps = (StepSpan(0, "rest", evil, 0.0, timeline.duration_s),)
    timeline = dataclasses.replace(
        timeline, title=evil, steps=steps, events=(Event(0.5, 2.0, "speech", 0, text=line),)
    )
    done = export_split(timeline, clips, tmp_path / "split")
    playlist = done.playlist.read_text().splitlines()
    assert [p for p in playlist if not p.startswith("#")] == [done.files[0].name]
    cues = srt(timeline).strip().split("\n\n")  # a blank line is what ends a cue
    assert len(cues) == 1 and cues[0].startswith("1\n00:00:00,500 --> 00:00:02,000\nBreathe.\n99\n")
