"""The capture comparison fails when live play drops, doubles or moves a buffer.

The sound-card tests (test_live_sound_card.py) pass because the recording matches the export;
this shows they would not pass otherwise. A real export of their session is "recorded" as a
perfect player would play it (late by a steady offset, a little quieter, with the card's noise
floor), and then as a player with each of the faults that live play has had: a 0.1 s buffer
dropped, a buffer played twice, a buffer landing 1 ms late, two buffers on top of each other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from capture_compare import RATE, Comparison, compare, seam_jumps, segments
from conftest import run_voicecoach
from sound_server import read_wav
from test_live_sound_card import SHORT

BUFFER = RATE // 10  # 0.1 s, as the old simpleaudio output played it


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    folder = tmp_path_factory.mktemp("capture")
    routine = folder / "short.yaml"
    routine.write_text(SHORT, encoding="utf-8")
    wav = folder / "export.wav"
    cache = {"VOICECOACH_CACHE_DIR": str(folder / "cache")}
    done = run_voicecoach("export", str(routine), "--engine", "espeak", "-o", str(wav), env=cache)
    assert done.returncode == 0, done.stderr
    return read_wav(Path(wav))


def played(session: np.ndarray, late_s: float = 0.137) -> np.ndarray:
    """What a card records of `session`: late by a steady offset, 2 dB down, over its noise floor."""
    rng = np.random.default_rng(7)
    lead = np.zeros(int(late_s * RATE))
    out = np.concatenate([lead, session * 10 ** (-2 / 20), np.zeros(RATE // 2)])
    return out + rng.normal(0, 10**-5, len(out))


def speech_at(session: np.ndarray, after_s: float, buffers: int = 1) -> int:
    """A buffer boundary at or after `after_s` where speech sounds for `buffers` buffers on end."""
    loud = [
        np.sqrt(np.mean(session[at : at + BUFFER] ** 2)) > 0.02
        for at in range(0, len(session) - BUFFER, BUFFER)
    ]
    for first in range(int(after_s * RATE) // BUFFER, len(loud) - buffers):
        if all(loud[first : first + buffers]):
            return first * BUFFER
    raise AssertionError("no such speech after that")


def fails(result: Comparison) -> bool:
    return bool(result.failures()) or result.min_ncc < 0.9 or result.spread_ms() > 0.2


def test_a_perfect_player_passes(export: np.ndarray):
    result = compare(played(export), export)
    assert not fails(result), result.summary()
    assert abs(result.offset_s - 0.137) < 1 / RATE


def test_a_dropped_buffer_fails(export: np.ndarray):
    at = speech_at(export, 3.0)
    broken = np.concatenate([export[:at], export[at + BUFFER :], np.zeros(BUFFER)])
    assert fails(compare(played(broken), export))


def test_a_doubled_buffer_fails(export: np.ndarray):
    at = speech_at(export, 3.0)
    broken = np.concatenate([export[: at + BUFFER], export[at:]])[: len(export)]
    assert fails(compare(played(broken), export))


def test_a_buffer_moved_by_a_millisecond_fails(export: np.ndarray):
    at = speech_at(export, 3.0)
    late = RATE // 1000
    broken = np.concatenate([export[:at], np.zeros(late), export[at:]])[: len(export)]
    result = compare(played(broken), export)
    assert fails(result) and result.spread_ms() >= 0.9, result.summary()


def test_two_buffers_on_top_of_each_other_fail(export: np.ndarray):
    at = speech_at(export, 3.0, buffers=10)
    half = 5 * BUFFER  # the next half second starts before this one ends, as the old simpleaudio did
    early = np.concatenate([export[:at], export[at : at + half] + export[at + half : at + 2 * half]])
    broken = np.concatenate([early, export[at + 2 * half :], np.zeros(half)])
    assert fails(compare(played(broken), export))


def quiet_at(session: np.ndarray, after_s: float, length_s: float = 0.1) -> int:
    """A sample at or after `after_s` where `length_s` of the session is silent."""
    n = int(length_s * RATE)
    for at in range(int(after_s * RATE), len(session) - n, n // 4):
        if np.max(np.abs(session[at : at + n])) < 1e-4:
            return at
    raise AssertionError("no such silence after that")


def test_segments_that_land_apart_are_each_found_and_their_jumps_measured(export: np.ndarray):
    # As simpleaudio's output plays with short segments: 15 ms late from the first seam, then 3 ms
    # early from the second (from the first segment: 12 ms), each seam in silence.
    seams = [quiet_at(export, 6.0), quiet_at(export, 12.0)]
    moved = np.concatenate(
        [
            export[: seams[0]],
            np.zeros(RATE * 15 // 1000),
            export[seams[0] : seams[1]],
            export[seams[1] + RATE * 3 // 1000 :],
        ]
    )
    result = compare(played(moved), export, cuts=seams)
    groups = segments(result, seams, fade=0)
    assert not result.failures() and all(result.spread_ms(g) <= 0.05 for g in groups), result.summary()
    assert np.allclose(seam_jumps(groups), [15.0, -3.0], atol=0.05), seam_jumps(groups)
    # Told nothing of the seams, the comparison fails there: it looks only near the session's offset.
    assert fails(compare(played(moved), export))
