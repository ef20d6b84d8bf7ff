"""simpleaudio's seams, played through a real sound server: where one segment hands over to the next.

A segment of the `simpleaudio` output holds 20 minutes, so the session tests of
test_live_sound_card.py play in one. Here the same backend runs with 4 s segments on a 9 s
session of noise bursts (every burst unlike any other, so each window is found at one lag only)
with quiet gaps, without and with a bed under them, recorded from the card and compared with the
session itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from capture_compare import compare, seam_jumps, segments
from scipy.signal import butter, sosfilt
from sound_server import SoundServer, missing_tools, read_wav

from voicecoach.live.backends import SimpleaudioBackend
from voicecoach.live.backends.base import Chunk

pytestmark = pytest.mark.realtime  # played, recorded or signalled against the wall clock: run alone

RATE = 48000
BURST_S, EVERY_S = 0.55, 1.0  # a burst, then a 0.45 s quiet gap
#: How far a new segment's output may land from where the previous one's frames put it: the
#: start of a new ALSA->Pulse stream on the sink's 5 ms render steps, plus scheduling (the bound:
#: test_live_sound_card.MAX_SEAM_MS).
MAX_SEAM_MS = 20.0


class ShortSegments(SimpleaudioBackend):
    """The simpleaudio output with 4 s segments instead of 20 minutes: a seam every 2-3 s."""

    segment_s = 4.0
    roll_after_s = 2.0


def session(bed: bool, seconds: float = 9.0) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """(samples, quiet spans): bursts of band-limited noise every second, a brown-noise bed or not."""
    rng = np.random.default_rng(7)
    out = np.zeros(int(seconds * RATE), dtype=np.float32)
    burst = int(BURST_S * RATE)
    envelope = np.sin(np.pi * np.arange(burst) / burst) ** 2  # smooth: no edge to leak past a seam
    quiet = []
    band = butter(4, [200, 4000], btype="band", fs=RATE, output="sos")
    for at in range(int(0.3 * RATE), len(out) - burst, int(EVERY_S * RATE)):
        out[at : at + burst] = 0.3 * envelope * sosfilt(band, rng.standard_normal(burst))
        quiet.append((at + burst, min(len(out), at + int(EVERY_S * RATE))))
    quiet.insert(0, (0, int(0.3 * RATE)))
    if bed:
        brown = sosfilt(
            butter(1, 20, btype="high", fs=RATE, output="sos"), np.cumsum(rng.standard_normal(len(out)))
        )
        out += (0.03 * brown / np.max(np.abs(brown))).astype(np.float32)
    return out, quiet


def play(server: SoundServer, folder: Path, samples: np.ndarray, quiet: list[tuple[int, int]]) -> list[int]:
    """Play `samples` through ShortSegments in 0.1 s chunks, recorded into folder/card.wav; the seams."""
    backend = ShortSegments()
    step = 4447  # chunks off any grid of the card's (its 5 ms render steps): seams fall anywhere
    with server.recording(folder / "card.wav"):
        backend.open(RATE, 1.0)
        for at in range(0, len(samples), step):
            spans = [(max(a, at) - at, min(b, at + step) - at) for a, b in quiet if a < at + step and b > at]
            assert backend.write(Chunk(samples[at : at + step], at, [], spans), timeout=5.0)
        assert backend.drain(timeout=10.0)
        backend.close()
    return backend.seams


@pytest.mark.parametrize("bed", [False, True], ids=["silence", "bed"])
def test_simpleaudio_hands_over_between_segments_in_quiet_places(tmp_path, monkeypatch, bed):
    missing = missing_tools()
    assert not missing, f"these tests need: apt-get install {' '.join(missing)} (scripts/setup.sh --dev)"
    server = SoundServer(tmp_path / "pulse").start()
    try:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        samples, quiet = session(bed)
        seams = play(server, tmp_path, samples, quiet)
    finally:
        server.stop()
    fade = int(ShortSegments.crossfade_s * RATE)
    cuts = [c for s in seams for c in (s, s + fade)]
    result = compare(read_wav(tmp_path / "card.wav"), samples.astype(np.float64), cuts=cuts)
    groups = [g for g in segments(result, seams, fade) if g]
    jumps = seam_jumps(groups)
    print(
        f"bed={bed}: {result.summary()}; seams at {[round(s / RATE, 3) for s in seams]} s, jumps (ms) {jumps}"
    )
    assert len(seams) >= 2
    # Each seam, crossfade included, lies in a quiet gap between bursts.
    assert all(any(a <= s and s + fade <= b for a, b in quiet) for s in seams), (seams, quiet)
    # Outside the crossfades every window matches and silence stays silent; in a crossfade the
    # bed plays from both outputs, a few ms apart: it need not match, but it must not double or gap.
    fading = {w for w in result.sounding if any(s <= round(w.start_s * RATE) < s + fade for s in seams)}
    assert not [w for w in result.failures() if w not in fading], result.failures()[:5]
    # Nothing doubled or missing: every window as loud as the session's (1.5 dB), a crossfade of two
    # copies that no longer line up at most 3 dB softer (their powers add), never louder.
    levels = {w: 20 * np.log10(w.recording_rms / w.export_rms) for w in result.sounding}
    assert all(-1.5 <= db <= 1.5 for w, db in levels.items() if w not in fading), levels
    assert all(-3.5 <= levels[w] <= 1.5 for w in fading), [levels[w] for w in fading]
    # Sample-exact inside each segment; the next one lands within MAX_SEAM_MS of where it should.
    assert len(groups) >= 3 and all(result.spread_ms(g) <= 0.2 for g in groups), [
        result.spread_ms(g) for g in groups
    ]
    assert all(abs(j) <= MAX_SEAM_MS for j in jumps), jumps
