"""A private PulseAudio sound server with a virtual sound card, for tests and scripts/bench.py.

The server runs in its own runtime folder and HOME (nothing of the machine's sound set-up is
used or changed), with a `module-null-sink`: a sound card that consumes audio in real time, as
hardware does, whose monitor `parecord` records. ALSA clients (simpleaudio, PortAudio through
ALSA) reach it through the ALSA->Pulse plugin, by an ALSA configuration of its own.

This module does not import voicecoach: the benchmark uses it as well.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

RATE = 48000
SINK = "vc_sink"
ASOUNDRC = "pcm.!default { type pulse }\nctl.!default { type pulse }\n"
#: What the server needs: (command, Debian package).
TOOLS = (("pulseaudio", "pulseaudio"), ("parecord", "pulseaudio-utils"), ("pactl", "pulseaudio-utils"))


def missing_tools() -> list[str]:
    """The Debian packages to install for a private server (empty when all is there)."""
    missing = {package for tool, package in TOOLS if shutil.which(tool) is None}
    if not list(Path("/usr/lib").glob("**/alsa-lib/libasound_module_pcm_pulse.so")):
        missing.add("libasound2-plugins")
    return sorted(missing)


class SoundServer:
    """A running private PulseAudio; `env` points a process at it (Pulse and ALSA clients alike)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="vc-pulse-"))
        self.runtime = self.folder / "run"
        self.home = self.folder / "home"
        self.socket = self.runtime / "pulse.sock"
        self.asoundrc = self.folder / "asoundrc"
        self.log = self.folder / "pulseaudio.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"PULSE_SERVER": f"unix:{self.socket}", "ALSA_CONFIG_PATH": str(self.asoundrc)}

    def start(self, timeout_s: float = 15.0) -> SoundServer:
        for path in (self.runtime, self.home):
            path.mkdir(parents=True, exist_ok=True)
        self.asoundrc.write_text(ASOUNDRC, encoding="utf-8")
        env = {**os.environ, "XDG_RUNTIME_DIR": str(self.runtime), "HOME": str(self.home)}
        env.pop("PULSE_SERVER", None)
        command = [
            "pulseaudio",
            "--daemonize=no",  # a child of ours, stopped by us (as root it also runs without --system)
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "-n",  # none of the machine's default.pa: only the modules below
            f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1",
            f"--load=module-null-sink sink_name={SINK} rate={RATE} channels=1 format=s16le norewinds=1",
            "--log-target=stderr",
        ]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        end = time.monotonic() + timeout_s
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > end:
                self.stop()
                log = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"pulseaudio did not start: {log}")
            time.sleep(0.05)
        return self

    def ready(self) -> bool:
        if not self.socket.exists():
            return False
        done = subprocess.run(
            ["pactl", "info"], env={**os.environ, **self.env}, capture_output=True, text=True, timeout=10
        )
        return done.returncode == 0 and f"Default Sink: {SINK}" in done.stdout

    def kill(self) -> None:
        """Kill the server at once, as a crash or a pulled card would (for lost-device tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    @contextmanager
    def recording(self, path: Path) -> Iterator[Path]:
        """Record the sound card's output (its monitor) into the WAV file `path`, mono int16."""
        command = [
            "parecord",
            f"--device={SINK}.monitor",
            "--file-format=wav",
            f"--rate={RATE}",
            "--channels=1",
            "--format=s16le",
            "--latency-msec=5",  # the card renders in 5 ms steps: a new stream starts within 5 ms
            str(path),
        ]
        recorder = subprocess.Popen(command, env={**os.environ, **self.env}, stderr=subprocess.PIPE)
        try:
            end = time.monotonic() + 10
            while not (path.exists() and path.stat().st_size > 44 + 2 * RATE // 10):
                assert recorder.poll() is None and time.monotonic() < end, "parecord did not start"
                time.sleep(0.01)  # the recording runs (0.1 s of it written) before the sound starts
            yield path
            time.sleep(0.3)  # and catches the last of it
        finally:
            recorder.send_signal(signal.SIGINT)  # parecord finishes the WAV header on SIGINT
            try:
                recorder.wait(timeout=10)
            except subprocess.TimeoutExpired:
                recorder.kill()
                recorder.wait(timeout=10)


@contextmanager
def sound_server(folder: Path | None = None) -> Iterator[SoundServer]:
    """A started private server, stopped (with its folder kept for inspection) afterwards."""
    server = SoundServer(folder).start()
    try:
        yield server
    finally:
        server.stop()


def read_wav(path: Path) -> np.ndarray:
    """A mono 16-bit WAV file as float64 samples in [-1, 1]."""
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, path
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return data.astype(np.float64) / 32768.0


def first_sound_s(path: Path, threshold: float = 10**-3) -> float | None:
    """Seconds into the recording of its first sample above `threshold` (-60 dBFS), None if silent."""
    samples = read_wav(path)
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return float(loud[0] / RATE) if len(loud) else None
