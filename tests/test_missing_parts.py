"""Missing or broken parts of the machine: each is one line that names the fix, exit 1 (exit 2 for a
file given on the command line that cannot be read), never a traceback, and nothing half-written.

No espeak-ng or no ffmpeg on PATH, no sound device, a pyttsx3 driver that raises, crashes or
writes damaged audio, a corrupt or unreadable piper voice, unreadable routine and bed files.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, run_voicecoach

from voicecoach.speech.engines.piper import packaged_model

ROUTINE = "title: Parts\nsteps:\n  - talk: Sit tall.\n  - rest: 3s\n  - talk: Well done.\n"
ESPEAK_FIX = (
    "error: the espeak engine is not available: espeak-ng is not installed: install espeak-ng "
    "(Debian/Ubuntu: sudo apt-get install espeak-ng; macOS: brew install espeak-ng)"
)
FFMPEG_FIX = "install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg)"


def _path_with(folder: Path, *tools: str) -> dict[str, str]:
    """A PATH holding only these tools (the tests call Python by its full path)."""
    folder.mkdir(exist_ok=True)
    for tool in tools:
        found = shutil.which(tool)
        assert found, f"{tool} is needed for this test"
        (folder / tool).symlink_to(found)
    return {"PATH": str(folder)}


def _one_line_error(proc: subprocess.CompletedProcess, code: int = 1) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def _nothing_cached() -> bool:
    return not (Path(os.environ["VOICECOACH_CACHE_DIR"]) / "speech").exists()


@pytest.fixture()
def routine(tmp_path: Path) -> Path:
    path = tmp_path / "routine.yaml"
    path.write_text(ROUTINE)
    return path


def test_no_espeak_ng(tmp_path: Path, routine: Path):
    env = _path_with(tmp_path / "bin", "ffmpeg")
    out = tmp_path / "out.mp3"
    for args in (
        ["export", str(routine), "-o", str(out)],
        ["plan", str(routine)],
        ["say", "Hello.", "-o", str(tmp_path / "x.wav")],
    ):
        assert _one_line_error(run_voicecoach(*args, "--engine", "espeak", env=env)) == ESPEAK_FIX
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "routine.yaml"]


def test_an_espeak_ng_that_does_not_run(tmp_path: Path, routine: Path):
    """Installed but broken (its data missing, or killed as it starts): not 'an unknown voice'."""
    folder = tmp_path / "bin"
    folder.mkdir()
    broken = folder / "espeak-ng"
    broken.write_text("#!/bin/sh\necho 'espeak-ng: cannot find espeak-ng-data' >&2\nexit 1\n")
    broken.chmod(0o755)
    env = {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    line = _one_line_error(
        run_voicecoach("export", str(routine), "-o", str(tmp_path / "x.mp3"), "--engine", "espeak", env=env)
    )
    assert line == (
        "error: the espeak engine is not available: espeak-ng is installed but does not run "
        "(`espeak-ng --voices` failed: espeak-ng: cannot find espeak-ng-data): reinstall espeak-ng "
        "(Debian/Ubuntu: sudo apt-get install --reinstall espeak-ng espeak-ng-data; "
        "macOS: brew reinstall espeak-ng)"
    )


def test_no_ffmpeg_for_an_m4a_export_or_a_bed_file_fails_before_any_work(tmp_path: Path, routine: Path):
    env = _path_with(tmp_path / "bin", "espeak-ng")
    out = tmp_path / "out.m4a"
    line = _one_line_error(
        run_voicecoach("export", str(routine), "-o", str(out), "--engine", "espeak", env=env)
    )
    assert line == f"error: writing .m4a files needs ffmpeg: {FFMPEG_FIX} (or export .mp3 / .wav)"
    bed = tmp_path / "rain.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=2", str(bed)], check=True)
    line = _one_line_error(
        run_voicecoach(
            "export",
            str(routine),
            "-o",
            str(tmp_path / "out.mp3"),
            "--engine",
            "espeak",
            "--bed",
            str(bed),
            env=env,
        )
    )
    assert line == (
        f"error: decoding {bed} needs ffmpeg: install it (Debian/Ubuntu: sudo apt-get install ffmpeg; "
        "macOS: brew install ffmpeg) or use a 16-bit WAV bed"
    )
    assert _nothing_cached(), "the missing ffmpeg was found before any synthesis"
    assert not out.exists() and not (tmp_path / "out.mp3").exists()


def test_a_wav_bed_and_an_mp3_need_no_ffmpeg(tmp_path: Path, routine: Path):
    env = _path_with(tmp_path / "bin", "espeak-ng")
    bed = tmp_path / "rain.wav"
    with wave.open(str(bed), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes((np.random.default_rng(0).uniform(-0.2, 0.2, 44100) * 32767).astype("<i2").tobytes())
    proc = run_voicecoach(
        "export",
        str(routine),
        "-o",
        str(tmp_path / "out.mp3"),
        "--engine",
        "espeak",
        "--bed",
        str(bed),
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.mp3").stat().st_size > 10_000


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="hides the sound device from ALSA")
def test_no_sound_device():
    proc = run_voicecoach("say", "Hello.", "--engine", "espeak", env={"ALSA_CONFIG_PATH": "/nonexistent"})
    line = _one_line_error(proc)
    assert line.startswith("error: no working sound output here (")
    assert line.endswith("); write the line to a file instead with -o FILE.wav")


FAKE_PYTTSX3 = '''"""A broken pyttsx3 (tests only): FAKE_PYTTSX3 says how it breaks."""
import os
import signal


class _Voice:
    id = name = "fake"


class _Proxy:
    _driver = object()


class _Engine:
    proxy = _Proxy()

    def getProperty(self, name):
        return {"voices": [_Voice()], "voice": "fake", "rate": 200}[name]

    def setProperty(self, name, value):
        pass

    def save_to_file(self, text, path):
        with open(path, "wb") as fh:
            fh.write(b"RIFF\\x10\\x00\\x00\\x00WAVEjunk" + os.urandom(500))

    def runAndWait(self):
        pass


def init(*args, **kwargs):
    mode = os.environ["FAKE_PYTTSX3"]
    if mode == "raise":
        raise RuntimeError("libespeak-ng.so.1: cannot open shared object file")
    if mode == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    return _Engine()
'''
DRIVER_FIX = "pyttsx3 speaks through libespeak-ng on Linux: install it (Debian/Ubuntu: sudo apt-get install "


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fix named is Linux's")
@pytest.mark.parametrize(
    "mode, expected",
    [
        (
            "raise",
            "pyttsx3 could not start a speech driver (RuntimeError: libespeak-ng.so.1: cannot open "
            "shared object file); " + DRIVER_FIX,
        ),
        (
            "crash",
            "pyttsx3 could not start a speech driver (the pyttsx3 worker failed (exit -11)); " + DRIVER_FIX,
        ),
        ("garbage", "the driver wrote audio that cannot be read"),
    ],
)
def test_a_broken_pyttsx3_driver(tmp_path: Path, mode: str, expected: str):
    (tmp_path / "pyttsx3").mkdir()
    (tmp_path / "pyttsx3" / "__init__.py").write_text(FAKE_PYTTSX3)
    env = {"PYTHONPATH": os.pathsep.join([str(REPO), str(tmp_path)]), "FAKE_PYTTSX3": mode}
    out = tmp_path / "x.wav"
    line = _one_line_error(run_voicecoach("say", "Hello.", "--engine", "system", "-o", str(out), env=env))
    assert expected in line
    if mode == "garbage":
        assert line.startswith("error: the system voice failed twice for 'Hello.': ")
        assert line.endswith("(try --engine piper or --engine espeak)")
    assert not out.exists()


def test_a_corrupt_piper_voice(tmp_path: Path):
    model = tmp_path / "corrupt.onnx"
    model.write_bytes(os.urandom(4096))
    Path(f"{model}.json").write_text(Path(f"{packaged_model()}.json").read_text())
    line = _one_line_error(
        run_voicecoach("say", "Hello.", "--voice", str(model), "-o", str(tmp_path / "x.wav"))
    )
    assert line.startswith(f"error: could not load the piper voice {model}: ")
    assert line.endswith("(is it a Piper .onnx model with its .onnx.json beside it?)")
    Path(f"{model}.json").write_text("{ not json")
    line = _one_line_error(
        run_voicecoach("say", "Hello.", "--voice", str(model), "-o", str(tmp_path / "x.wav"))
    )
    assert line.startswith(f"error: could not load the piper voice {model}: Expecting property name")


def _without_file_permission_override() -> None:
    """In the child: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so even root obeys chmod 000."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _run_unprivileged(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    preexec = _without_file_permission_override if os.geteuid() == 0 else None
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="chmod 000 and capabilities as on Linux")
def test_unreadable_voice_routine_and_bed_files(tmp_path: Path, routine: Path):
    probe = subprocess.run(
        ["true"],
        preexec_fn=_without_file_permission_override if os.geteuid() == 0 else None,
        capture_output=True,
    )
    if probe.returncode != 0:  # pragma: no cover - a container without CAP_SETPCAP
        pytest.skip("cannot drop the file-permission override here, so chmod 000 cannot be tested as root")
    model, bed, locked = tmp_path / "voice.onnx", tmp_path / "rain.wav", tmp_path / "locked.yaml"
    model.write_bytes(b"x")
    Path(f"{model}.json").write_text(json.dumps({"audio": {"sample_rate": 22050}}))
    bed.write_bytes(b"x")
    locked.write_text(ROUTINE)
    for path in (model, bed, locked):
        path.chmod(0)
    wav = str(tmp_path / "x.wav")
    line = _one_line_error(_run_unprivileged("say", "Hello.", "--voice", str(model), "-o", wav))
    assert line == (
        f"error: cannot read the piper voice file {model}: permission denied (check its "
        "permissions, or choose another voice with --voice)"
    )
    line = _one_line_error(
        _run_unprivileged(
            "export", str(routine), "-o", str(tmp_path / "x.mp3"), "--bed", str(bed), "--engine", "espeak"
        ),
        code=2,
    )
    assert line == (
        f"error: cannot read the bed file {bed}: permission denied (use --bed brown, --bed pink, "
        "--bed none or a sound file)"
    )
    proc = _run_unprivileged("plan", "--estimate", str(locked))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"{locked}:1:1: cannot read the file: Permission denied"
    assert not (tmp_path / "x.wav").exists() and not (tmp_path / "x.mp3").exists()
