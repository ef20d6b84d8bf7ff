"""The block mixer: a Timeline plus speech clips rendered as a stream of float32 blocks.

Every event is placed to the sample (`start_sample = round(start_s * sample_rate)`). Only the
unique sounds are held in memory (each speech clip resampled once with soxr, each cue once);
the session itself is never materialised, so memory does not grow with its length. The same
mixer serves export (two passes over `blocks()`) and live play (`blocks(start_sample=...)`
starts anywhere, e.g. after "back to the start of the step").
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from voicecoach.audio.bed import Bed
from voicecoach.audio.cues import load_cue
from voicecoach.audio.loudness import TruePeakLimiter, clip_loudness
from voicecoach.cues import BREATH_CUES
from voicecoach.errors import ExportError
from voicecoach.speech.base import Clip
from voicecoach.timeline import Event, Timeline

DEFAULT_SAMPLE_RATE = 48000
DEFAULT_BLOCK_S = 1.0


@dataclass(frozen=True)
class MixLevels:
    """How loud each kind of sound sits in the mix, before the final loudness normalisation."""

    speech_lufs: float = -20.0  # every spoken clip is brought to this loudness (BS.1770)
    speech_peak_to_loudness_db: float = 10.0  # and its true peaks limited to this far above it
    cue_lufs: float = -23.0  # bells, chimes, bowls and ticks: a little under the voice
    breath_lufs: float = -27.0  # breath tones: soft, yet not so soft that a breathing-only
    # stretch, normalised to the loudness target on its own, would leave the voice far too loud


@dataclass(frozen=True)
class _Voice:
    """One audible event: where it starts, how long it sounds and what plays."""

    start: int
    length: int
    kind: str  # the event's kind: speech, chime, breath
    key: str  # into Mixer._sources
    breath_phase: str | None = None  # 'inhale' / 'exhale': the source is shaped by an envelope


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """High-quality resampling with soxr (a copy as float32 when the rates already match)."""
    if from_rate == to_rate:
        return np.array(samples, dtype=np.float32)
    import soxr

    return np.ascontiguousarray(soxr.resample(samples.astype(np.float32), from_rate, to_rate, "VHQ"),
                                dtype=np.float32)


def level_speech(samples: np.ndarray, sample_rate: int, levels: MixLevels) -> np.ndarray:
    """A spoken clip at the speech loudness, its high peaks limited: a steady, even voice.

    Voices differ in crest factor (espeak's peaks sit far above its loudness). Limiting each
    clip's peaks keeps the final loudness target reachable without the final limiter having
    to squash the whole mix.
    """
    ceiling_db = levels.speech_lufs + levels.speech_peak_to_loudness_db
    out = np.array(samples, dtype=np.float32)
    loud = clip_loudness(out, sample_rate)
    for _ in range(3):  # limiting lowers the loudness a little: level again (converges fast)
        if not np.isfinite(loud):
            break
        limiter = TruePeakLimiter(sample_rate, ceiling_db)
        gained = out * np.float32(10 ** ((levels.speech_lufs - loud) / 20))
        out = np.concatenate([limiter.process(gained), limiter.flush()])
        loud = clip_loudness(out, sample_rate)
        if abs(loud - levels.speech_lufs) < 0.2:
            break
    return out


def breath_envelope(index: np.ndarray, length: int, phase: str) -> np.ndarray:
    """Gain at `index` (samples into a breath phase of `length`): a swell for in, a fall for out."""
    rise_fraction = 0.7 if phase == "inhale" else 0.15
    attack = max(1, int(length * rise_fraction))
    release = max(1, length - attack)
    idx = index.astype(np.float32)
    out = np.empty(len(idx), dtype=np.float32)
    rising = idx < attack
    out[rising] = 0.5 - 0.5 * np.cos(np.float32(np.pi / attack) * idx[rising])
    falling = np.clip((idx[~rising] - attack) * np.float32(np.pi / release), 0.0, np.pi)
    out[~rising] = 0.5 + 0.5 * np.cos(falling)
    return out


class Mixer:
    """Renders one Timeline with its speech clips; see the module docstring."""

    def __init__(self, timeline: Timeline, clips: Mapping[str, Clip], *,
                 sample_rate: int = DEFAULT_SAMPLE_RATE, levels: MixLevels | None = None,
                 bed: Bed | None = None):
        self.timeline = timeline
        self.sample_rate = sample_rate
        self.levels = levels or MixLevels()
        self.total_samples = int(round(timeline.duration_s * sample_rate))
        self._sources: dict[str, np.ndarray] = {}
        self._voices: list[_Voice] = []
        for event in timeline.events:
            voice = self._voice_for(event, clips)
            if voice is not None and voice.length > 0:
                self._voices.append(voice)
        self._voices.sort(key=lambda v: v.start)
        self._starts = [v.start for v in self._voices]
        self._max_length = max((v.length for v in self._voices), default=0)
        self.speech_spans: tuple[tuple[int, int], ...] = tuple(
            (v.start, v.start + v.length) for v in self._voices if v.kind == "speech")
        self.bed = bed
        self._ducker = bed.ducker(self.speech_spans, self.total_samples, sample_rate) if bed else None

    def _voice_for(self, event: Event, clips: Mapping[str, Clip]) -> _Voice | None:
        start = int(round(event.start_s * self.sample_rate))
        if event.kind == "speech":
            if event.text is None or event.text not in clips:
                raise ExportError(f"no speech clip for the line {event.text!r} at {event.start_s:.2f} s "
                                  "(synthesise every spoken line of the timeline before mixing)")
            key = "speech:" + event.text
            if key not in self._sources:
                clip = clips[event.text]
                samples = resample(clip.samples, clip.sample_rate, self.sample_rate)
                self._sources[key] = level_speech(samples, self.sample_rate, self.levels)
            return _Voice(start, len(self._sources[key]), "speech", key)
        if event.kind == "chime":
            key = self._cue_source(event.cue or "", self.levels.cue_lufs)
            return _Voice(start, len(self._sources[key]), "chime", key)
        if event.kind == "breath" and event.phase in BREATH_CUES:
            key = self._cue_source(BREATH_CUES[event.phase], self.levels.breath_lufs)
            length = int(round(event.end_s * self.sample_rate)) - start
            return _Voice(start, min(length, len(self._sources[key])), "breath", key, event.phase)
        return None  # breath holds are silent

    def _cue_source(self, name: str, target_lufs: float) -> str:
        key = "cue:" + name
        if key not in self._sources:
            clip = load_cue(name)
            samples = resample(clip.samples, clip.sample_rate, self.sample_rate)
            gain_db = target_lufs - clip_loudness(samples, self.sample_rate)
            self._sources[key] = samples * np.float32(10 ** (gain_db / 20))
        return key

    def render_events(self, start_sample: int, n: int) -> np.ndarray:
        """The events alone (no bed) for samples [start_sample, start_sample + n): random access."""
        out = np.zeros(n, dtype=np.float32)
        end_sample = min(start_sample + n, self.total_samples)
        first = bisect.bisect_left(self._starts, start_sample - self._max_length + 1)
        last = bisect.bisect_left(self._starts, end_sample)
        for voice in self._voices[first:last]:
            a = max(voice.start, start_sample)
            b = min(voice.start + voice.length, end_sample)
            if b <= a:
                continue
            src = self._sources[voice.key][a - voice.start:b - voice.start]
            if voice.breath_phase is not None:
                src = src * breath_envelope(np.arange(a, b) - voice.start, voice.length, voice.breath_phase)
            out[a - start_sample:b - start_sample] += src
        return out

    def blocks(self, start_sample: int = 0, end_sample: int | None = None,
               block_samples: int | None = None) -> Iterator[np.ndarray]:
        """The mix from `start_sample` to `end_sample` (default: the end) as consecutive float32 blocks."""
        end = self.total_samples if end_sample is None else min(end_sample, self.total_samples)
        size = block_samples or int(DEFAULT_BLOCK_S * self.sample_rate)
        stream = self.bed.stream(self.sample_rate, start_sample) if self.bed is not None else None
        pos = max(0, start_sample)
        while pos < end:
            n = min(size, end - pos)
            block = self.render_events(pos, n)
            if stream is not None and self._ducker is not None:
                block += stream.read(n) * self._ducker.gain(pos, n)
            yield block
            pos += n
