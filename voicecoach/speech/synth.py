"""Spoken clips for lines of text: normalise, look in the cache, synthesise what is missing.

A `Synthesizer` is also the compiler's source of speech durations (`duration_s`). The engine's
model is touched only when a line is not in the cache.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

import numpy as np

from voicecoach.errors import UsageError
from voicecoach.speech.base import Clip, Engine, trim_silence
from voicecoach.speech.cache import ClipCache, cache_key
from voicecoach.speech.loudness import TARGET_LUFS, normalize_loudness
from voicecoach.speech.normalize import normalize_for_speech
from voicecoach.speech.registry import get_engine

MIN_RATE, MAX_RATE = 0.3, 3.0
#: Sample rate of the empty clip returned for a line with nothing to say.
EMPTY_SAMPLE_RATE = 22050


def check_rate(rate: float) -> float:
    """`rate` as a float, or a UsageError naming the allowed range."""
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise UsageError(f"speech rate {rate!r} is not a number: use e.g. 0.9 or 1.2") from None
    if not MIN_RATE <= value <= MAX_RATE:
        raise UsageError(f"speech rate {value:g} is out of range: use {MIN_RATE:g} to {MAX_RATE:g} "
                         "(1.0 is normal speed)")
    return value


class Synthesizer:
    """Clips of one engine and voice, through a shared on-disk cache."""

    def __init__(self, engine_name: str | None = None, voice: str | None = None,
                 cache: ClipCache | None = None, target_lufs: float = TARGET_LUFS):
        self.engine: Engine = get_engine(engine_name)
        self.voice = voice or self.engine.default_voice()
        self.cache = cache if cache is not None else ClipCache()
        self.target_lufs = target_lufs
        self.identity = self.engine.identity(self.voice)  # also checks that the voice exists
        self.synthesized = 0  # lines this synthesizer had to synthesise (the rest came from cache)
        self._memo: dict[str, Clip] = {}
        self._lock = threading.Lock()

    def key(self, spoken: str, rate: float) -> str:
        """The cache key of already-normalised text at `rate`."""
        return cache_key(self.engine.name, self.identity, self.voice, rate, spoken, self.target_lufs)

    def clip(self, text: str, rate: float = 1.0) -> Clip:
        """The spoken clip of `text` at speed factor `rate`, from the cache when it is there."""
        rate = check_rate(rate)
        spoken = normalize_for_speech(text)
        return self._lookup(spoken, rate) or self._make(spoken, rate)

    def clips(self, texts: Iterable[str], rate: float = 1.0) -> dict[str, Clip]:
        """Clips for many lines; each distinct missing line is synthesised once, in parallel."""
        rate = check_rate(rate)
        spoken = {text: normalize_for_speech(text) for text in texts}
        found: dict[str, Clip] = {}
        missing: list[str] = []
        for line in dict.fromkeys(spoken.values()):
            clip = self._lookup(line, rate)
            if clip is None:
                missing.append(line)
            else:
                found[line] = clip
        workers = min(max(1, self.engine.workers), len(missing))
        if workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="voicecoach-synth") as pool:
                made = list(pool.map(lambda line: self._make(line, rate), missing))
        else:
            made = [self._make(line, rate) for line in missing]
        found.update(zip(missing, made))
        return {text: found[line] for text, line in spoken.items()}

    def warm(self, texts: Iterable[str], rate: float = 1.0) -> int:
        """Synthesise ahead every line not cached yet; returns how many had to be synthesised."""
        before = self.synthesized
        self.clips(texts, rate)
        return self.synthesized - before

    def duration_s(self, text: str, rate: float = 1.0) -> float:
        """Seconds `text` takes to say at `rate` (what the compiler plans with)."""
        return self.clip(text, rate).duration_s

    def _lookup(self, spoken: str, rate: float) -> Clip | None:
        if not spoken:
            return Clip(np.zeros(0, dtype=np.float32), EMPTY_SAMPLE_RATE)
        key = self.key(spoken, rate)
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        clip = self.cache.get(key)
        if clip is not None:
            with self._lock:
                self._memo[key] = clip
        return clip

    def _make(self, spoken: str, rate: float) -> Clip:
        raw = self.engine.synthesize(spoken, self.voice, rate)
        trimmed = Clip(trim_silence(raw.samples, sample_rate=raw.sample_rate), raw.sample_rate)
        clip = normalize_loudness(trimmed, self.target_lufs)
        key = self.key(spoken, rate)
        self.cache.put(key, clip)
        with self._lock:
            self._memo[key] = clip
            self.synthesized += 1
        return clip


def say_clip(text: str, engine_name: str | None = None, voice: str | None = None,
             rate: float = 1.0) -> Clip:
    """One line as a clip (cached like any other), for `voicecoach say`."""
    if not normalize_for_speech(text):
        raise UsageError("there is nothing to say: give some words, e.g. voicecoach say \"Breathe in.\"")
    return Synthesizer(engine_name, voice).clip(text, rate)
