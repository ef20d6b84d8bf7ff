"""Synthesizer: normalise, cache, synthesise only what is missing (with espeak, the fast engine)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voicecoach.errors import EngineError, UsageError
from voicecoach.sound.loudness import clip_loudness, oversampled_peaks
from voicecoach.speech.cache import ClipCache
from voicecoach.speech.synth import Synthesizer, say_clip


def synth(tmp_path: Path, **kw) -> Synthesizer:
    return Synthesizer("espeak", cache=ClipCache(tmp_path), **kw)


def test_clip_is_trimmed_loudness_normalised_and_cached(tmp_path: Path) -> None:
    s = synth(tmp_path)
    clip = s.clip("Let your shoulders drop.")
    assert clip.samples.dtype == np.float32 and float(np.max(np.abs(clip.samples))) <= 1.0
    assert 0.5 < clip.duration_s < 4.0
    # levelled for the mix: at the speech loudness, less what limiting espeak's peaks to 10 dB
    # above it takes away
    assert -22.5 < clip_loudness(clip.samples, clip.sample_rate) < -19.5
    assert 20 * np.log10(np.max(oversampled_peaks(clip.samples, clip.sample_rate))) <= -10.0 + 0.1
    assert clip.facts.levelled_for == (-20.0, 10.0) and clip.facts.sample_rate == 48000
    assert s.synthesized == 1
    again = synth(tmp_path)
    cached = again.clip("Let your shoulders drop.")
    np.testing.assert_array_equal(cached.samples, clip.samples)
    np.testing.assert_array_equal(cached.facts.energies, clip.facts.energies.astype(np.float32))
    assert cached.facts.true_peak == clip.facts.true_peak and again.synthesized == 0


def test_lines_that_normalise_alike_share_one_clip(tmp_path: Path) -> None:
    s = synth(tmp_path)
    a = s.clip("Hold 20–30 s.")
    b = s.clip("Hold 20 to 30 seconds.")
    assert a is b and s.synthesized == 1


def test_clips_synthesises_each_missing_line_once(tmp_path: Path) -> None:
    s = synth(tmp_path)
    s.clip("Breathe in.")
    texts = ["Breathe in.", "Breathe out.", "Breathe out.", "Rest.", "Hold 45s.", "Hold 45 seconds."]
    result = s.clips(texts)
    assert set(result) == set(texts)
    assert s.synthesized == 4  # Breathe in, Breathe out, Rest, Hold 45 seconds
    assert result["Hold 45s."] is result["Hold 45 seconds."]
    assert synth(tmp_path).warm(texts) == 0


def test_rate_changes_length_and_key(tmp_path: Path) -> None:
    s = synth(tmp_path)
    slow, fast = (
        s.duration_s("Slowly roll down, one bone at a time.", 0.7),
        s.duration_s("Slowly roll down, one bone at a time.", 1.5),
    )
    assert fast < 0.75 * slow
    assert s.synthesized == 2


def test_voice_changes_the_key(tmp_path: Path) -> None:
    us, gb = synth(tmp_path, voice="en-us"), synth(tmp_path, voice="en-gb")
    assert us.key("Hello.", 1.0) != gb.key("Hello.", 1.0)
    us.clip("Hello.")
    gb.clip("Hello.")
    assert gb.synthesized == 1


def test_bad_input_is_refused(tmp_path: Path) -> None:
    s = synth(tmp_path)
    with pytest.raises(UsageError, match="out of range"):
        s.clip("Hello.", 5.0)
    assert s.clip("  ").duration_s == 0.0
    with pytest.raises(UsageError, match="nothing to say"):
        say_clip("   ", "espeak")
    with pytest.raises(EngineError):
        Synthesizer("espeak", voice="no-such-voice", cache=ClipCache(tmp_path)).clip("Hello.")


def test_lengths_and_facts_stay_known_while_clips_are_held_only_up_to_a_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicecoach.speech import synth as synth_module

    monkeypatch.setattr(synth_module, "MEMO_BYTES", 100_000)  # about one line
    s = synth(tmp_path)
    lines = ["One, two.", "Three, four.", "Five, six.", "Seven, eight."]
    lengths = {line: s.clip(line).duration_s for line in lines}
    assert s._memo_bytes <= 100_000 or len(s._memo) == 1
    ClipCache(tmp_path).clear()  # nothing left to read: what is known must come from memory
    for line in lines:
        assert s.duration_s(line) == lengths[line]
        assert s.facts(line).sample_rate == 48000
    assert s.synthesized == 4
    s.clip(lines[0])  # its samples were let go and the cache is empty: made again
    assert s.synthesized == 5
