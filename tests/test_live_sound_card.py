"""Live play through a real sound server, recorded from its virtual sound card and compared with the export.

Each backend that can run plays a short session (speech, cues, a hold) through `voicecoach play`
into a private PulseAudio (tests/sound_server.py); the card's output is recorded and compared,
quarter second by quarter second, with `voicecoach export` of the same session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from capture_compare import Comparison, compare
from conftest import REPO, run_voicecoach
from sound_server import SoundServer, missing_tools, read_wav

pytestmark = pytest.mark.realtime  # played, recorded or signalled against the wall clock: run alone

# About 24 s guided (a greeting, a talk, a stretch with a 6 s hold, its chimes, the closing bowl).
SHORT = """title: Short
defaults: {transition: 1s, rest: 1s}
steps:
  - talk: Lie down.
  - stretch: Knee Hug
    setup: "Hug your knee."
    hold: 6s
    cues: Breathe slowly.
"""
PROFILES = {"guided": [], "bedtime": ["--profile", "bedtime", "--tail", "4s"]}


@pytest.fixture
def sound_card(tmp_path: Path):
    """A private PulseAudio with a virtual sound card, stopped afterwards."""
    missing = missing_tools()
    assert not missing, f"these tests need: apt-get install {' '.join(missing)} (scripts/setup.sh --dev)"
    server = SoundServer(tmp_path / "pulse").start()
    try:
        yield server
    finally:
        server.stop()
    assert server.process is None


def capture(server: SoundServer, folder: Path, backend: str, options: list[str]) -> Comparison:
    """Play the short session through `backend` into the card and compare it with its export."""
    routine = folder / "short.yaml"
    routine.write_text(SHORT, encoding="utf-8")
    exported = folder / "export.wav"
    done = run_voicecoach("export", str(routine), "--engine", "espeak", *options, "-o", str(exported))
    assert done.returncode == 0, done.stderr
    recorded = folder / f"{backend}.wav"
    with server.recording(recorded):
        played = run_voicecoach(
            "play", str(routine), "--engine", "espeak", "--backend", backend, *options, env=server.env
        )
    assert played.returncode == 0 and "completed" in played.stderr, played.stderr
    return compare(read_wav(recorded), read_wav(exported))


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("backend", ["sounddevice", "simpleaudio"])
def test_live_play_is_the_export_sample_for_sample(sound_card, tmp_path, backend, profile):
    # A segment of simpleaudio's holds a minute: this session plays in one (its seams: below).
    result = capture(sound_card, tmp_path, backend, PROFILES[profile])
    print(f"{backend} {profile}: {result.summary()}")
    assert len(result.sounding) > 40
    assert not result.failures(), result.failures()[:5]  # every window matches, silence stays silence
    assert result.min_ncc >= 0.9
    assert result.spread_ms() <= 0.2  # one steady offset: nothing dropped, doubled or moved


def test_a_sound_server_lost_mid_session_stops_play_where_it_got_to(sound_card, tmp_path):
    routine = tmp_path / "short.yaml"
    routine.write_text(SHORT, encoding="utf-8")
    assert run_voicecoach("plan", str(routine), "--engine", "espeak").returncode == 0  # a warm cache
    log = tmp_path / "log.jsonl"
    env = {**os.environ, **sound_card.env, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "voicecoach", "play", str(routine), "--engine", "espeak"]
    command += ["--backend", "sounddevice", "--log", str(log)]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as play:
        end = time.monotonic() + 30
        while not (log.exists() and len(log.read_text().splitlines()) >= 4):
            assert play.poll() is None and time.monotonic() < end, "play did not get going"
            time.sleep(0.05)
        sound_card.kill()
        _, stderr = play.communicate(timeout=30)
    assert play.returncode == 1, stderr
    assert "Traceback" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]  # PortAudio prints its own failed checks before it
    assert last.startswith("error: the sounddevice sound output failed"), last
    assert "of the session, in step" in last and "voicecoach history" in last
