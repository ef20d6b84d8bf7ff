"""Live play through a real sound server, recorded from its virtual sound card and compared with the export.

Each backend that can run plays a short session (speech, cues, a hold) through `voicecoach play`
into a private PulseAudio (tests/sound_server.py); the card's output is recorded and compared,
quarter second by quarter second, with `voicecoach export` of the same session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from capture_compare import RATE, Comparison, compare, seam_jumps, segments
from conftest import REPO, run_voicecoach
from sound_server import SoundServer, first_sound_s, missing_tools, read_wav

from voicecoach.live.backends import SimpleaudioBackend

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


def play_recorded(
    server: SoundServer, folder: Path, backend: str, options: list[str], env: dict[str, str] | None = None
) -> tuple[np.ndarray, np.ndarray, str]:
    """Play the short session through `backend` into the card: (the recording, the export, play's stderr)."""
    routine = folder / "short.yaml"
    routine.write_text(SHORT, encoding="utf-8")
    exported = folder / "export.wav"
    done = run_voicecoach("export", str(routine), "--engine", "espeak", *options, "-o", str(exported))
    assert done.returncode == 0, done.stderr
    recorded = folder / f"{backend}.wav"
    with server.recording(recorded):
        played = run_voicecoach(
            "play",
            str(routine),
            "--engine",
            "espeak",
            "--backend",
            backend,
            *options,
            env={**server.env, **(env or {})},
        )
    assert played.returncode == 0 and "completed" in played.stderr, played.stderr
    return read_wav(recorded), read_wav(exported), played.stderr


def capture(server: SoundServer, folder: Path, backend: str, options: list[str]) -> Comparison:
    """Play the short session through `backend` into the card and compare it with its export."""
    recording, export, _ = play_recorded(server, folder, backend, options)
    return compare(recording, export)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("backend", ["sounddevice", "simpleaudio"])
def test_live_play_is_the_export_sample_for_sample(sound_card, tmp_path, backend, profile):
    # A segment of simpleaudio's holds 20 minutes: this session plays in one (its seams: below).
    result = capture(sound_card, tmp_path, backend, PROFILES[profile])
    print(f"{backend} {profile}: {result.summary()}")
    assert len(result.sounding) > 40
    assert not result.failures(), result.failures()[:5]  # every window matches, silence stays silence
    assert result.min_ncc >= 0.9
    assert result.spread_ms() <= 0.2  # one steady offset: nothing dropped, doubled or moved


#: simpleaudio's segments for the seam test: 9 s, each ending after 6 s at a quiet place, so the
#: short session crosses three seams (four with the bedtime tail).
SEGMENT_S = "9"
#: How far a new segment's output may land from where the previous one's frames put it. Measured
#: 0 to 6.5 ms on a quiet machine (one step of the server's 5 ms clock included; see the README),
#: 12 ms once on a loaded one. The bound is what keeps a seam unheard: under half the 50 ms
#: crossfade (the two outputs still overlap, so a bed neither gaps nor doubles), a fifth of
#: simpleaudio's 100 ms period (a write dropped or doubled there fails).
MAX_SEAM_MS = 20.0


@pytest.mark.parametrize("profile", PROFILES)
def test_simpleaudio_crosses_seams_without_a_gap_or_an_overlap(sound_card, tmp_path, profile):
    recording, export, stderr = play_recorded(
        sound_card,
        tmp_path,
        "simpleaudio",
        PROFILES[profile],
        env={SimpleaudioBackend.SEGMENT_VARIABLE: SEGMENT_S},
    )
    said = re.search(r"segments handed over at \[([\d., ]*)\] s", stderr)
    assert said, stderr
    seams = [round(float(x) * RATE) for x in said[1].split(",")]
    fade = round(SimpleaudioBackend.crossfade_s * RATE)
    result = compare(recording, export, cuts=[c for s in seams for c in (s, s + fade)])
    groups = segments(result, seams, fade)
    jumps = seam_jumps(groups)
    print(f"simpleaudio {profile}: {result.summary()}; seams at {said[1]} s, jumps (ms) {jumps}")
    assert 2 <= len(seams) <= 4 and len(result.sounding) > 40
    if profile == "guided":  # no bed: each cut, crossfade included, is in silence
        assert all(np.max(np.abs(export[s : s + fade])) < 1e-3 for s in seams), seams
    # Outside the crossfades every window matches and silence stays silent; in a crossfade the bed
    # plays from both outputs, a few ms apart: it need not match, but it must not double or gap.
    fading = {w for w in result.sounding if any(s <= round(w.start_s * RATE) < s + fade for s in seams)}
    assert not [w for w in result.failures() if w not in fading], result.failures()[:5]
    levels = {w: 20 * np.log10(w.recording_rms / w.export_rms) for w in result.sounding}
    assert all(-1.5 <= db <= 1.5 for w, db in levels.items() if w not in fading), levels
    assert all(-3.5 <= levels[w] <= 1.5 for w in fading), [levels[w] for w in fading]
    # Sample-exact inside each segment; each new segment within MAX_SEAM_MS of where it belongs.
    assert all(result.spread_ms(g) <= 0.2 for g in groups if g), [result.spread_ms(g) for g in groups]
    assert all(abs(j) <= MAX_SEAM_MS for j in jumps), jumps


def play_until_killed(server: SoundServer, folder: Path, backend: str) -> tuple[str, int, float, Path]:
    """Play the short session into `server` and kill the server a few events in: (stderr, exit code,
    where the session had got to when it was killed (s, from the log), the log)."""
    routine = folder / "short.yaml"
    routine.write_text(SHORT, encoding="utf-8")
    assert run_voicecoach("plan", str(routine), "--engine", "espeak").returncode == 0  # a warm cache
    log = folder / "log.jsonl"
    env = {**os.environ, **server.env, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "voicecoach", "play", str(routine), "--engine", "espeak"]
    command += ["--backend", backend, "--log", str(log)]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as play:
        end, seen = time.monotonic() + 30, (0, 0.0, 0.0)  # (lines, last started_s, when it was seen)
        while seen[0] < 4:
            assert play.poll() is None and time.monotonic() < end, "play did not get going"
            lines = log.read_text().splitlines() if log.exists() else []
            if len(lines) > seen[0] and lines[-1].endswith("}"):
                seen = (len(lines), json.loads(lines[-1])["started_s"], time.monotonic())
            time.sleep(0.02)
        server.kill()
        at_s = seen[1] + time.monotonic() - seen[2]
        _, stderr = play.communicate(timeout=30)
    return stderr, play.returncode, at_s, log


@pytest.mark.parametrize("backend", ["sounddevice", "simpleaudio"])
def test_a_sound_server_lost_mid_session_stops_play_where_it_got_to(sound_card, tmp_path, backend):
    stderr, returncode, killed_at_s, log = play_until_killed(sound_card, tmp_path, backend)
    assert returncode == 1, stderr
    assert "Traceback" not in stderr and "completed" not in stderr, stderr
    if backend == "simpleaudio":  # ALSA's own messages ("underrun occurred") are kept quiet
        assert "ALSA" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]  # PortAudio prints its own failed checks before it
    print(f"{backend}: killed at {killed_at_s:.2f} s: {last}")
    assert last.startswith(f"error: the {backend} sound output failed"), last
    assert "of the session, in step" in last and "voicecoach history" in last
    # It stopped where the server went: the message, the history and the log agree, within a second.
    said = re.search(r"at (\d+):(\d\d) of the session", last)
    assert said, last
    assert abs(int(said[1]) * 60 + int(said[2]) - killed_at_s) <= 1.5, (last, killed_at_s)
    [entry] = json.loads(run_voicecoach("history", "--json").stdout)["sessions"]
    assert entry["completed"] is False
    assert abs(entry["minutes_played"] * 60 - killed_at_s) <= 1.0, (entry, killed_at_s)
    heard = [json.loads(line) for line in log.read_text().splitlines()]
    assert max(d["started_s"] for d in heard) <= killed_at_s + 1.0, (heard[-1], killed_at_s)


def listed_outputs(env: dict[str, str]) -> dict[str, tuple[bool, bool]]:
    """`voicecoach play --backend list`: each output's (works here, plays by default)."""
    listed = run_voicecoach("play", "--backend", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    return {
        head.split(":")[0].split(" ")[0]: (detail.strip() == "works here", "(default)" in head.split(":")[0])
        for head, detail in zip(lines[::2], lines[1::2], strict=True)
    }


def test_play_picks_sounddevice_and_falls_back_to_simpleaudio_without_it(sound_card, tmp_path):
    outputs = listed_outputs(sound_card.env)
    assert outputs["sounddevice"] == (True, True) and outputs["simpleaudio"] == (True, False), outputs
    # Without sounddevice (as if only simpleaudio were installed), simpleaudio is the default, and plays.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "sounddevice.py").write_text("raise ImportError('not installed')\n", encoding="utf-8")
    env = {**sound_card.env, "PYTHONPATH": f"{shadow}{os.pathsep}{REPO}"}
    outputs = listed_outputs(env)
    assert outputs["sounddevice"] == (False, False) and outputs["simpleaudio"] == (True, True), outputs
    routine = tmp_path / "hello.yaml"
    routine.write_text("title: Hello\nsteps:\n  - talk: Lie down.\n", encoding="utf-8")
    with sound_card.recording(tmp_path / "fallback.wav"):
        played = run_voicecoach("play", str(routine), "--engine", "espeak", env=env)
    assert played.returncode == 0 and "completed" in played.stderr, played.stderr
    assert first_sound_s(tmp_path / "fallback.wav") is not None
