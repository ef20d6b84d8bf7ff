"""The bed: coloured noise or a looped file, seamless, faded, and ducked under speech."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from audio_helpers import RATE, tone
from scipy.signal import welch

from voicecoach.errors import UsageError
from voicecoach.mix.bed import Bed, make_loop
from voicecoach.mix.mixer import Mixer
from voicecoach.plan.timeline import Event, StepSpan, Timeline


def _bed_only(bed: Bed, events=(), duration_s: float = 12.0, block: int = RATE) -> np.ndarray:
    """The bed as mixed: the whole mix minus the events rendered alone."""
    timeline = Timeline("T", duration_s, (StepSpan(0, "talk", "A", 0.0, duration_s),), (), tuple(events))
    mixer = Mixer(timeline, {"line": tone(300, 2.0)}, bed=bed)
    whole = np.concatenate(list(mixer.blocks(block_samples=block)))
    return whole - mixer.render_events(0, len(whole))


def _rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64)))))


def test_the_bed_ducks_under_speech_with_smooth_ramps():
    bed = Bed("pink", duck_db=-12.0, attack_s=0.25, release_s=0.3)
    x = _bed_only(bed, [Event(5.0, 7.0, "speech", 0, text="line")])
    open_db = _rms_db(x[int(3.0 * RATE) : int(4.5 * RATE)])
    under_db = _rms_db(x[int(5.0 * RATE) : int(7.0 * RATE)])
    assert under_db - open_db == pytest.approx(-12.0, abs=1.0)  # fully down as the line starts
    ramp_db = _rms_db(x[int(4.82 * RATE) : int(4.9 * RATE)])
    assert under_db + 2 < ramp_db < open_db - 2  # in between while ramping down
    assert _rms_db(x[int(7.5 * RATE) : int(9.0 * RATE)]) == pytest.approx(open_db, abs=1.0)  # back up
    gain_db = 20 * np.log10(bed.ducker([(5 * RATE, 7 * RATE)], 12 * RATE, RATE).gain(4 * RATE, 4 * RATE))
    assert np.max(np.abs(np.diff(gain_db))) < 12.0 / (0.25 * RATE) * 2  # no steps: a ramp


def test_the_bed_fades_in_and_out():
    x = _bed_only(Bed("brown", fade_in_s=3.0, fade_out_s=4.0))
    middle = _rms_db(x[5 * RATE : 7 * RATE])
    assert _rms_db(x[: RATE // 4]) < middle - 20
    assert _rms_db(x[-RATE // 4 :]) < middle - 20
    assert x[0] == 0.0 and abs(x[-1]) < 1e-4


@pytest.mark.parametrize(("colour", "slope_db_per_octave"), [("pink", -3.0), ("brown", -6.0)])
def test_noise_has_its_colour(colour, slope_db_per_octave):
    x = Bed(colour).stream(RATE).read(20 * RATE)
    freqs, power = welch(x, RATE, nperseg=8192)
    octaves = [200, 400, 800, 1600, 3200]
    levels = [10 * np.log10(np.mean(power[(freqs > f / 1.2) & (freqs < f * 1.2)])) for f in octaves]
    assert np.mean(np.diff(levels)) == pytest.approx(slope_db_per_octave, abs=1.0)


def test_noise_is_seamless_across_blocks():
    bed = Bed("brown")
    assert np.array_equal(_bed_only(bed, block=RATE), _bed_only(bed, block=1000))


def test_a_bed_file_loops_without_a_seam(tmp_path):
    path = tmp_path / "rain.ogg"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=331:duration=3.3",
            "-c:a",
            "libvorbis",
            str(path),
        ],
        check=True,
    )
    x = _bed_only(Bed(str(path), fade_in_s=0.5, fade_out_s=0.5), duration_s=12.0)
    steady = x[RATE : 11 * RATE]
    jumps = np.abs(np.diff(steady))
    sine_step = 2 * np.sin(np.pi * 331 / RATE) * np.max(np.abs(steady))
    assert np.max(jumps) < 1.2 * sine_step  # never a click, also across the loop points
    assert _rms_db(x[2 * RATE : 10 * RATE]) > -60


def test_make_loop_joins_end_to_start():
    ramp = np.linspace(-1, 1, 10 * RATE, dtype=np.float32)
    loop = make_loop(ramp, RATE, crossfade_s=1.0)
    assert len(loop) == 9 * RATE
    step = ramp[1] - ramp[0]
    assert abs(float(loop[0]) - float(loop[-1]) - step) < 1e-4  # the end leads straight into the start


def test_missing_or_undecodable_bed_files_are_errors(tmp_path):
    with pytest.raises(UsageError, match="bed file"):
        Bed(str(tmp_path / "nope.mp3")).stream(RATE)
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not audio at all" * 100)
    with pytest.raises(UsageError, match="bed file"):
        Bed(str(junk)).stream(RATE)
