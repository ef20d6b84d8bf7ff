"""The block mixer: sample-exact placement, levels, breath shapes, streaming in bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pyloudnorm
import pytest
from audio_helpers import RATE, tone, tone_timeline
from scipy.signal import resample_poly

from voicecoach.errors import ExportError
from voicecoach.mix import mixer as mixer_module
from voicecoach.mix.cuesounds import load_cue
from voicecoach.mix.mixer import Mixer
from voicecoach.plan.timeline import Event, StepSpan, Timeline
from voicecoach.sound.clip import Clip
from voicecoach.sound.levels import MixLevels
from voicecoach.sound.loudness import LoudnessMeter


def _timeline(events, duration_s=6.0):
    return Timeline("T", duration_s, (StepSpan(0, "talk", "A", 0.0, duration_s),), (), tuple(events))


def _render(mixer, block=RATE):
    return np.concatenate(list(mixer.blocks(block_samples=block)))


def test_speech_lands_on_the_exact_sample():
    decay = np.exp(-np.arange(4800) / 500.0).astype(np.float32) * 0.5  # loud from its first sample
    clip = Clip(decay, RATE)
    start_s = 1.23456
    out = _render(Mixer(_timeline([Event(start_s, 1.4, "speech", 0, text="x")]), {"x": clip}))
    first = int(np.flatnonzero(np.abs(out) > 1e-6)[0])
    assert first == round(start_s * RATE)


def test_cues_land_on_the_exact_sample():
    start_s = 2.00007
    out = _render(Mixer(_timeline([Event(start_s, start_s + 2.5, "chime", 0, cue="bell")]), {}))
    bell = load_cue("bell").samples
    corr = np.correlate(out[RATE : 4 * RATE], bell[: RATE // 2], mode="valid")
    assert RATE + int(np.argmax(corr)) == round(start_s * RATE)
    assert len(out) == 6 * RATE


def test_block_size_and_start_offset_do_not_change_the_audio():
    clips = {"a": tone(300, 1.0), "b": tone(500, 0.7, sample_rate=16000)}
    events = [
        Event(0.3, 1.3, "speech", 0, text="a"),
        Event(1.5, 4.0, "chime", 0, cue="bell"),
        Event(2.0, 2.7, "speech", 0, text="b"),
        Event(3.0, 5.0, "breath", 0, phase="exhale"),
    ]
    mixer = Mixer(_timeline(events), clips)
    whole = _render(mixer)
    assert np.array_equal(whole, _render(mixer, block=777))
    tail = np.concatenate(list(mixer.blocks(start_sample=100_003, block_samples=4096)))
    assert np.array_equal(tail, whole[100_003:])
    assert np.array_equal(mixer.render_events(50_000, 1234), whole[50_000:51_234])


def test_every_spoken_clip_is_levelled_and_its_peaks_limited():
    quiet, loud = tone(220, 1.0, amp=0.02), tone(220, 1.0, amp=0.9)
    spiky = Clip(
        np.concatenate(
            [tone(220, 1.0, amp=0.1).samples, np.float32([0.95]), tone(220, 1.0, amp=0.1).samples]
        ),
        22050,
    )
    levels = MixLevels()
    meter = pyloudnorm.Meter(RATE)
    for clip in (quiet, loud, spiky):
        out = _render(Mixer(_timeline([Event(0.5, 2.6, "speech", 0, text="x")], 3.0), {"x": clip}))
        spoken = out[RATE // 2 : RATE // 2 + round(clip.duration_s * RATE)]
        assert meter.integrated_loudness(spoken.astype(np.float64)) == pytest.approx(
            levels.speech_lufs, abs=0.5
        )
        true_peak_db = 20 * np.log10(np.max(np.abs(resample_poly(out, 4, 1))))
        assert true_peak_db <= levels.speech_lufs + levels.speech_peak_to_loudness_db + 0.2


def test_breath_in_swells_breath_out_falls_and_holds_are_silent():
    events = [
        Event(0.5, 4.5, "breath", 0, phase="inhale"),
        Event(4.5, 6.5, "breath", 0, phase="hold"),
        Event(6.5, 12.5, "breath", 0, phase="exhale"),
    ]
    out = _render(Mixer(_timeline(events, 13.0), {}))

    def rms(a_s, b_s):
        return float(np.sqrt(np.mean(np.square(out[int(a_s * RATE) : int(b_s * RATE)]))))

    assert rms(3.0, 4.0) > 3 * rms(0.6, 1.2)  # in: rising
    assert rms(6.6, 7.6) > 3 * rms(11.0, 12.4)  # out: falling
    assert np.max(np.abs(out[int(4.5 * RATE) + 1 : int(6.5 * RATE)])) == 0.0  # the hold
    assert abs(out[int(4.5 * RATE) - 1]) < 1e-3 and np.max(np.abs(out[int(12.5 * RATE) :])) == 0.0


def test_a_line_without_a_clip_is_an_export_error():
    with pytest.raises(ExportError, match="no speech clip"):
        Mixer(_timeline([Event(0.0, 1.0, "speech", 0, text="missing")]), {})


def test_a_session_s_clips_give_their_facts_without_their_samples(tmp_path):
    from voicecoach.app import SessionClips
    from voicecoach.speech.cache import ClipCache
    from voicecoach.speech.synth import Synthesizer

    class CountedReads(SessionClips):
        reads = 0

        def __getitem__(self, text: str) -> Clip:
            self.reads += 1
            return super().__getitem__(text)

    synth = Synthesizer("espeak", cache=ClipCache(tmp_path))
    synth.warm(["Go."], 1.0)
    clips = CountedReads(synth, ["Go."], 1.0)
    assert isinstance(clips, mixer_module.KnowsFacts) and not isinstance({}, mixer_module.KnowsFacts)
    mixer = Mixer(_timeline([Event(0.5, 1.5, "speech", 0, text="Go.")]), clips)
    assert clips.reads == 0  # placed by its facts alone
    assert mixer.soundings[0].length == synth.facts("Go.").length
    assert np.array_equal(_render(mixer), _render(Mixer(mixer.timeline, {"Go.": synth.clip("Go.")})))
    assert clips.reads == 1  # read when it played


def _render_peak_bytes(minutes: float, bed: str | None = None) -> tuple[int, int]:
    from voicecoach.mix.bed import Bed

    timeline, clips = tone_timeline(minutes)
    mixer = Mixer(timeline, clips, bed=Bed(bed) if bed else None)
    tracemalloc.start()
    try:
        meter, samples = LoudnessMeter(RATE), 0
        for block in mixer.blocks():
            meter.add(block)
            samples += len(block)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, samples


def test_rendering_streams_in_memory_independent_of_session_length():
    _render_peak_bytes(0.5, "brown")  # imports, caches and the bed's calibration, once
    peak_10, _samples_10 = _render_peak_bytes(10)
    peak_60, samples_60 = _render_peak_bytes(60)
    assert samples_60 == 60 * 60 * RATE
    full_session_bytes = samples_60 * 4  # float32: 691 MB
    assert peak_60 < full_session_bytes / 100
    assert peak_60 < 1.5 * peak_10 + 1_000_000  # does not grow with the session


def test_a_clip_levelled_when_synthesised_is_only_resampled():
    from voicecoach.sound.levels import mix_ready
    from voicecoach.sound.resample import resample

    ready = mix_ready(tone(300, 1.0, amp=0.6))
    assert ready.facts.levelled_for == (-20.0, 10.0) and ready.facts.sample_rate == RATE
    out = _render(Mixer(_timeline([Event(0.5, 1.5, "speech", 0, text="x")], 2.0), {"x": ready}))
    expected = resample(ready.samples, ready.sample_rate, RATE)
    np.testing.assert_array_equal(out[RATE // 2 : RATE // 2 + len(expected)], expected)


def test_streaming_lets_go_of_each_clip_after_its_last_line():
    clips = {"a": tone(300, 1.0), "b": tone(500, 1.0)}
    events = [
        Event(0.2, 1.2, "speech", 0, text="a"),
        Event(2.0, 3.0, "speech", 0, text="b"),
        Event(4.0, 5.0, "speech", 0, text="a"),
    ]
    mixer = Mixer(_timeline(events), clips)
    held = []
    for _block in mixer.blocks(block_samples=RATE // 2):
        held.append(sorted(k for k in mixer._sources if k.startswith("speech:")))
    assert held[2] == ["speech:a"]  # 1.0-1.5 s: "a" comes back later
    assert held[5] == ["speech:a", "speech:b"]  # 2.5-3.0 s
    assert held[7] == ["speech:a"]  # "b" is done
    assert held[-1] == []  # everything is done
    whole = _render(mixer)  # and it all comes back for another pass
    assert np.array_equal(whole, _render(Mixer(_timeline(events), clips)))


def test_cues_are_measured_when_first_played_not_when_the_mixer_is_made():
    """Live play's first sound waits for the first window's mixer: measuring the breath tones' loudness
    there (tens of milliseconds) held it up. A mixer levels a cue when it first plays it (or when
    asked to, `prepare_cues`), and the sound is the same either way."""
    levels = MixLevels(cue_lufs=-27.7, breath_lufs=-33.3)  # levels no other test asks for
    events = [
        Event(0.0, 0.8, "speech", 0, text="a"),
        Event(1.0, 4.0, "breath", 0, phase="inhale"),
        Event(4.0, 5.5, "chime", 0, cue="bell"),
    ]
    lazy = Mixer(_timeline(events), {"a": tone(300, 0.8)}, levels=levels)
    lazy.render_events(0, RATE // 2)  # the speech at the start only
    assert not [key for key in lazy._sources if key.startswith("cue:")]
    played = _render(lazy)
    assert sorted(key for key in lazy._sources if key.startswith("cue:")) == ["cue:bell", "cue:breath-in"]
    prepared = Mixer(_timeline(events), {"a": tone(300, 0.8)}, levels=levels)
    prepared.prepare_cues()
    assert np.array_equal(_render(prepared), played)
    bell = mixer_module.levelled_cue("bell", RATE, levels.cue_lufs)
    assert np.array_equal(played[4 * RATE :], bell[: 2 * RATE])  # the bell as levelled, to the end
