"""Pass 1 from the sounds' facts: the same loudness as rendering and measuring, and a gain that
brings the limited, rendered session to its target."""

from __future__ import annotations

import numpy as np
import pytest
from audio_helpers import RATE, spoken_timeline, tone

from voicecoach.export.track import OutputPeak, levelled
from voicecoach.mix import analysis
from voicecoach.mix.mixer import Mixer
from voicecoach.plan.timeline import Event, StepSpan, Timeline
from voicecoach.sound import loudness


def _rendered(
    mixer: Mixer,
    levels: analysis.Levels | None = None,
    ceiling_db: float = -1.0,
    streaming_limiter: bool = False,
) -> np.ndarray:
    """The mix; with `levels`, as export writes it (or through the streaming limiter instead)."""
    blocks = mixer.blocks(block_samples=RATE // 3)
    if levels is not None and streaming_limiter:
        blocks = loudness.normalise(blocks, RATE, levels.gain_db, ceiling_db)
    elif levels is not None:
        blocks = levelled(blocks, levels, RATE, ceiling_db)
    return np.concatenate(list(blocks))


def _overlapping(duration_s: float = 40.0) -> Timeline:
    """Lines with bells and breath tones ringing under them, and a line alone, every 8 s."""
    events, t, i = [], 0.5, 0
    while t + 8 < duration_s:
        events += [
            Event(t, t + 1.5, "speech", 0, text=f"line {i % 3}"),
            Event(t + 1.0, t + 3.5, "chime", 0, cue="bell"),
            Event(t + 2.0, t + 5.0, "breath", 0, phase="exhale"),
            Event(t + 2.5, t + 4.0, "speech", 0, text=f"line {(i + 1) % 3}"),
            Event(t + 5.5, t + 7.0, "speech", 0, text=f"line {(i + 2) % 3}"),
        ]
        t, i = t + 8.0, i + 1
    return Timeline("Overlaps", duration_s, (StepSpan(0, "talk", "All", 0.0, duration_s),), (), tuple(events))


CLIPS = {f"line {i}": tone(220 + 70 * i, 1.5, amp=0.5) for i in range(3)}


@pytest.mark.parametrize("session", ["spoken", "overlapping"])
def test_loudness_from_the_facts_is_the_rendered_loudness(session: str) -> None:
    timeline, clips = spoken_timeline() if session == "spoken" else (_overlapping(), CLIPS)
    mixer = Mixer(timeline, clips)
    meter = loudness.LoudnessMeter(RATE)
    meter.add(_rendered(mixer))
    assert analysis.analyse(mixer).loudness_lufs == pytest.approx(meter.integrated(), abs=0.03)


def test_what_the_limiter_takes_is_known_before_rendering() -> None:
    mixer = Mixer(_overlapping(), CLIPS)
    facts = analysis.analyse(mixer)
    for gain_db in (9.0, 12.0):  # the limiter shaving peaks, then squashing
        hot = facts.hot_spots(gain_db, -3.0)
        predicted, _ = analysis.limit_spots(mixer, facts, gain_db, -3.0, hot)
        meter = loudness.LoudnessMeter(RATE)
        meter.add(_rendered(mixer, analysis.Levels(0.0, gain_db), -3.0, streaming_limiter=True))
        assert predicted == pytest.approx(meter.integrated(), abs=0.05)
        assert predicted < facts.loudness_lufs + gain_db - 0.1  # it did take something


def test_a_gain_that_drives_peaks_into_the_limiter_still_reaches_the_target() -> None:
    mixer = Mixer(_overlapping(), CLIPS)
    levels = analysis.solve_levels(mixer, target_lufs=-12.0, ceiling_db=-3.0)
    assert levels.curves, "at this loudness the limiter has work to do"
    out = _rendered(mixer, levels, ceiling_db=-3.0)
    meter = loudness.LoudnessMeter(RATE)
    meter.add(out)
    assert meter.integrated() == pytest.approx(-12.0, abs=0.15)  # corrected to within 0.1 LU, as estimated
    peak = loudness.TruePeakMeter(RATE)
    peak.add(out, last=True)
    assert peak.peak_db <= -3.0 + 0.05


def test_the_limiting_worked_out_in_advance_is_the_streaming_limiters() -> None:
    mixer = Mixer(_overlapping(), CLIPS)
    levels = analysis.solve_levels(mixer, target_lufs=-12.0, ceiling_db=-3.0)
    assert 0 < len(levels.curves) < len(analysis.analyse(mixer).spots)
    ahead = _rendered(mixer, levels, -3.0)
    streamed = _rendered(mixer, levels, -3.0, streaming_limiter=True)
    assert np.max(np.abs(ahead - streamed)) < 1e-6


def test_reported_true_peak_is_the_measured_one() -> None:
    mixer = Mixer(_overlapping(), CLIPS)
    for target in (-20.0, -12.0):  # the limiter idle, then busy
        levels = analysis.solve_levels(mixer, target_lufs=target, ceiling_db=-3.0)
        out = _rendered(mixer, levels, ceiling_db=-3.0)
        reported = OutputPeak(RATE, levels)
        for i in range(0, len(out), RATE):
            reported.add(out[i : i + RATE])
        everywhere = loudness.TruePeakMeter(RATE)
        everywhere.add(out, last=True)
        assert reported.peak_db == pytest.approx(everywhere.peak_db, abs=0.05)


def test_silence_gets_no_gain() -> None:
    timeline = Timeline("Quiet", 5.0, (StepSpan(0, "rest", "Rest", 0.0, 5.0),), (), ())
    levels = analysis.solve_levels(Mixer(timeline, {}), -16.0, -1.0)
    assert levels.gain_db == 0.0 and levels.curves == ()
