"""The block mixer: a Timeline plus speech clips rendered as a stream of float32 blocks.

Every event is placed to the sample (`start_sample = round(start_s * sample_rate)`). A spoken
clip is resampled (soxr) and levelled when it is first needed, and a stream lets it go after its
last line; a cue is levelled when first played, once per process. The session itself is never
materialised, so memory does not grow with its length. Each sound's facts (facts.py) tell
export's first pass its loudness and peaks without rendering. The same mixer serves export and
live play (`blocks(start_sample=...)` starts anywhere, e.g. after "back to the start of the step").
"""

from __future__ import annotations

import bisect
import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeAlias, runtime_checkable

import numpy as np

from voicecoach.errors import ExportError
from voicecoach.mix.bed import Bed
from voicecoach.mix.cuesounds import load_cue
from voicecoach.plan.timeline import Event, Timeline
from voicecoach.routine.cues import BREATH_CUES, CUE_DURATIONS_S
from voicecoach.sound.clip import Clip
from voicecoach.sound.facts import SoundFacts, facts_of
from voicecoach.sound.levels import DEFAULT_SAMPLE_RATE, MixLevels, level_speech, speech_level_of
from voicecoach.sound.loudness import clip_loudness
from voicecoach.sound.resample import fit_length, resample, resampled_length

#: What identifies the sound a sounding plays: its source key, with a breath tone's length and phase.
FactsTag: TypeAlias = "tuple[str] | tuple[str, int, str]"
DEFAULT_BLOCK_S = 1.0


@runtime_checkable
class KnowsFacts(Protocol):
    """A clip mapping that also gives a clip's facts without reading its samples (a session's
    clips, `app.SessionClips`): the mixer then reads a clip only when it plays."""

    def facts(self, text: str) -> SoundFacts | None:
        """The facts of the clip of `text` (None: measure the clip)."""


@dataclass(frozen=True)
class Sounding:
    """One audible event: where it starts, how long it sounds and what plays."""

    start: int
    length: int
    kind: str  # the event's kind: speech, chime, breath
    key: str  # into Mixer._sources
    breath_phase: str | None = None  # 'inhale' / 'exhale': the source is shaped by an envelope


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

    def __init__(
        self,
        timeline: Timeline,
        clips: Mapping[str, Clip],
        *,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        levels: MixLevels | None = None,
        bed: Bed | None = None,
    ) -> None:
        """`clips`: each spoken line's clip. A mapping that is also `KnowsFacts` spares the mixer
        reading a clip's samples before it plays."""
        self.timeline = timeline
        self.sample_rate = sample_rate
        self.levels = levels or MixLevels()
        self.total_samples = int(round(timeline.duration_s * sample_rate))
        self._clips = clips
        self._clip_facts: Callable[[str], SoundFacts | None] | None = (
            clips.facts if isinstance(clips, KnowsFacts) else None
        )
        self._sources: dict[str, np.ndarray] = {}  # prepared sounds by key, made when first needed
        self._cues: dict[str, tuple[str, float]] = {}  # cue key: (cue name, target loudness)
        self._facts: dict[FactsTag, SoundFacts] = {}
        self._soundings: list[Sounding] = []
        for event in timeline.events:
            sounding = self._sounding_for(event, clips)
            if sounding is not None and sounding.length > 0:
                self._soundings.append(sounding)
        self._soundings.sort(key=lambda v: v.start)
        self._starts = [v.start for v in self._soundings]
        self._max_length = max((v.length for v in self._soundings), default=0)
        last_end: dict[str, int] = {}
        for v in self._soundings:
            last_end[v.key] = max(last_end.get(v.key, 0), v.start + v.length)
        self._releases = sorted((end, key) for key, end in last_end.items() if key.startswith("speech:"))
        self.speech_spans: tuple[tuple[int, int], ...] = tuple(
            (v.start, v.start + v.length) for v in self._soundings if v.kind == "speech"
        )
        self.bed = bed
        self._ducker = bed.ducker(self.speech_spans, self.total_samples, sample_rate) if bed else None

    @property
    def soundings(self) -> tuple[Sounding, ...]:
        """Every audible event, in order of start."""
        return tuple(self._soundings)

    def _sounding_for(self, event: Event, clips: Mapping[str, Clip]) -> Sounding | None:
        start = int(round(event.start_s * self.sample_rate))
        if event.kind == "speech":
            if event.text is None or event.text not in clips:
                raise ExportError(
                    f"no speech clip for the line {event.text!r} at {event.start_s:.2f} s "
                    "(synthesise every spoken line of the timeline before mixing)"
                )
            facts = self._speech_facts(event.text)
            if facts is not None and facts.sample_rate == self.sample_rate:
                length = facts.length  # a synthesised clip's length at this rate
            else:
                clip = clips[event.text]
                length = resampled_length(len(clip.samples), clip.sample_rate, self.sample_rate)
            return Sounding(start, length, "speech", "speech:" + event.text)
        if event.kind == "chime":
            key, cue_length = self._cue_source(event.cue or "", self.levels.cue_lufs)
            return Sounding(start, cue_length, "chime", key)
        if event.kind == "breath" and event.phase in BREATH_CUES:
            key, cue_length = self._cue_source(BREATH_CUES[event.phase], self.levels.breath_lufs)
            length = int(round(event.end_s * self.sample_rate)) - start
            return Sounding(start, min(length, cue_length), "breath", key, event.phase)
        return None  # breath holds are silent

    def _speech_facts(self, text: str) -> SoundFacts | None:
        """A spoken clip's own facts: from the clip mapping's `facts(text)` when it has one (a
        session's clips, without reading their samples), else from the clip."""
        if self._clip_facts is not None:
            return self._clip_facts(text)
        return self._clips[text].facts

    def _cue_source(self, name: str, target_lufs: float) -> tuple[str, int]:
        """The key of a shipped cue at `target_lufs`, and its length at the mix's rate. Measuring its
        loudness waits until it is first played (or `prepare_cues`): a first sound need not wait."""
        key = "cue:" + name
        self._cues[key] = (name, target_lufs)
        return key, len(resampled_cue(name, self.sample_rate))

    def prepare_cues(self) -> None:
        """Level every cue this mixer plays now, rather than when each is first played."""
        for key in self._cues:
            self.source(key)

    def source(self, key: str, keep: bool = True) -> np.ndarray:
        """The prepared sound behind `key`: a cue levelled when first needed (and kept), or a speech
        clip resampled and levelled when first needed (kept until the stream has passed its last
        use unless `keep` is false)."""
        found = self._sources.get(key)
        if found is None:
            if key in self._cues:
                name, target_lufs = self._cues[key]
                found = self._sources[key] = levelled_cue(name, self.sample_rate, target_lufs)
                return found
            found = self._prepare_speech(key[len("speech:") :])
            if keep:
                self._sources[key] = found
        return found

    def _prepare_speech(self, text: str) -> np.ndarray:
        """A clip at the mix's rate and speech level.

        A clip from the synthesizer is already levelled (and measured at this rate): a single
        gain makes it exact. Any other clip is levelled here (loudness, then peaks limited).
        """
        clip = self._clips[text]
        length = resampled_length(len(clip.samples), clip.sample_rate, self.sample_rate)
        samples = fit_length(resample(clip.samples, clip.sample_rate, self.sample_rate), length)
        if not is_levelled(clip.facts, length, self.sample_rate, self.levels):
            return level_speech(samples, self.sample_rate, self.levels)
        return samples

    @staticmethod
    def facts_tag(sounding: Sounding) -> FactsTag:
        """What identifies the sound a sounding plays (a breath tone differs per length and phase)."""
        return (
            (sounding.key,)
            if sounding.breath_phase is None
            else (sounding.key, sounding.length, sounding.breath_phase)
        )

    def sound(self, sounding: Sounding, keep: bool = True) -> np.ndarray:
        """The whole sound `sounding` plays, from its first sample (`keep`: see `source`)."""
        return self._voice_samples(sounding, 0, sounding.length, keep)

    def facts(self, sounding: Sounding) -> SoundFacts:
        """The facts of what `sounding` plays: a levelled clip brings its own, other sounds are measured
        once each (a breath tone once per length and phase)."""
        tag = self.facts_tag(sounding)
        found = self._facts.get(tag)
        if found is None:
            if sounding.kind == "speech":
                facts = self._speech_facts(sounding.key[len("speech:") :])
                if facts is None or not is_levelled(facts, sounding.length, self.sample_rate, self.levels):
                    facts = facts_of(self.source(sounding.key), self.sample_rate)
                found = facts
            else:
                found = facts_of(self.sound(sounding), self.sample_rate)
            self._facts[tag] = found
        return found

    def _voice_samples(self, sounding: Sounding, a: int, b: int, keep: bool = True) -> np.ndarray:
        """Samples [a, b) of what `sounding` plays, counted from its start."""
        src = self.source(sounding.key, keep)[a:b]
        if sounding.breath_phase is not None:
            src = src * breath_envelope(np.arange(a, b), sounding.length, sounding.breath_phase)
        return src

    def render_events(self, start_sample: int, n: int) -> np.ndarray:
        """The events alone (no bed) for samples [start_sample, start_sample + n): random access."""
        out = np.zeros(n, dtype=np.float32)
        end_sample = min(start_sample + n, self.total_samples)
        first = bisect.bisect_left(self._starts, start_sample - self._max_length + 1)
        last = bisect.bisect_left(self._starts, end_sample)
        for sounding in self._soundings[first:last]:
            a = max(sounding.start, start_sample)
            b = min(sounding.start + sounding.length, end_sample)
            if b <= a:
                continue
            out[a - start_sample : b - start_sample] += self._voice_samples(
                sounding, a - sounding.start, b - sounding.start
            )
        return out

    def blocks(
        self, start_sample: int = 0, end_sample: int | None = None, block_samples: int | None = None
    ) -> Iterator[np.ndarray]:
        """The mix from `start_sample` to `end_sample` (default: the end) as consecutive float32 blocks.

        A spoken clip's prepared samples are let go once the stream has passed its last use, so
        memory holds only the sounds still to come soon, however long the session.
        """
        end = self.total_samples if end_sample is None else min(end_sample, self.total_samples)
        size = block_samples or int(DEFAULT_BLOCK_S * self.sample_rate)
        stream = self.bed.stream(self.sample_rate, start_sample) if self.bed is not None else None
        pos = max(0, start_sample)
        released = bisect.bisect_right(self._releases, (pos, ""))
        while pos < end:
            n = min(size, end - pos)
            block = self.render_events(pos, n)
            if stream is not None and self._ducker is not None:
                block += stream.read(n) * self._ducker.gain(pos, n)
            yield block
            pos += n
            while released < len(self._releases) and self._releases[released][0] <= pos:
                self._sources.pop(self._releases[released][1], None)
                released += 1


def is_levelled(facts: SoundFacts | None, length: int, sample_rate: int, levels: MixLevels) -> bool:
    """Whether a clip's facts say it was levelled for `levels` and measured at this rate and length."""
    return (
        facts is not None
        and facts.sample_rate == sample_rate
        and facts.length == length
        and facts.levelled_for == speech_level_of(levels)
    )


def level_all_cues(sample_rate: int = DEFAULT_SAMPLE_RATE, levels: MixLevels | None = None) -> None:
    """Level every shipped cue as a mixer at this rate will (they are kept for the process): run in
    a thread while a routine is compiled, the measuring (numpy FFTs) costs nothing on the way."""
    levels = levels or MixLevels()
    for name in CUE_DURATIONS_S:
        levelled_cue(name, sample_rate, levels.cue_lufs)
    for name in BREATH_CUES.values():
        levelled_cue(name, sample_rate, levels.breath_lufs)


def levelled_cue(name: str, sample_rate: int, target_lufs: float) -> np.ndarray:
    """A shipped cue resampled and brought to `target_lufs` (read-only, shared by every mixer).

    Made once per process; a caller asking while another thread makes it waits for that one.
    """
    with _CUE_LOCK:
        return _levelled_cue(name, sample_rate, target_lufs)


_CUE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=32)
def _levelled_cue(name: str, sample_rate: int, target_lufs: float) -> np.ndarray:
    resampled = resampled_cue(name, sample_rate)
    gain_db = target_lufs - clip_loudness(resampled, sample_rate)
    samples: np.ndarray = resampled * np.float32(10 ** (gain_db / 20))
    samples.setflags(write=False)
    return samples


@functools.lru_cache(maxsize=32)
def resampled_cue(name: str, sample_rate: int) -> np.ndarray:
    """A shipped cue at `sample_rate`, not levelled (read-only, made once per process)."""
    clip = load_cue(name)
    samples = resample(clip.samples, clip.sample_rate, sample_rate)
    samples.setflags(write=False)
    return samples
