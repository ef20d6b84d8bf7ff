"""Spoken clips for lines of text: normalise, look in the cache, synthesise what is missing.

A `Synthesizer` is also the compiler's source of speech durations (`duration_s`). The engine's
model is touched only when a line is not in the cache.

A synthesised clip is trimmed, brought to the speech loudness, levelled for the mix (peaks
limited) and measured for it (`voicecoach.sound.levels.mix_ready`), then cached: mixing it
later costs a resample and a gain. In memory the synthesizer keeps every line's length, but
clips only up to `MEMO_BYTES` (the most recently used): a long session's clips are read from
the cache again when needed rather than all held at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from voicecoach.errors import UsageError
from voicecoach.routine.reader import MAX_TEXT_CHARS
from voicecoach.sound.clip import Clip, trim_silence
from voicecoach.sound.facts import SoundFacts
from voicecoach.sound.levels import MixLevels, mix_ready
from voicecoach.speech.cache import ClipCache, cache_key
from voicecoach.speech.engines.base import Engine
from voicecoach.speech.engines.registry import get_engine
from voicecoach.speech.normalize import normalize_for_speech

MIN_RATE, MAX_RATE = 0.3, 3.0
#: Clips (samples) kept in memory per synthesizer, most recently used first.
MEMO_BYTES = 8 * 1024 * 1024
#: Sample rate of the empty clip returned for a line with nothing to say.
EMPTY_SAMPLE_RATE = 22050


def check_rate(rate: float) -> float:
    """`rate` as a float, or a UsageError naming the allowed range."""
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise UsageError(f"speech rate {rate!r} is not a number: use e.g. 0.9 or 1.2") from None
    if not MIN_RATE <= value <= MAX_RATE:
        raise UsageError(
            f"speech rate {value:g} is out of range: use {MIN_RATE:g} to {MAX_RATE:g} (1.0 is normal speed)"
        )
    return value


class Synthesizer:
    """Clips of one engine and voice, through a shared on-disk cache."""

    def __init__(
        self,
        engine_name: str | None = None,
        voice: str | None = None,
        cache: ClipCache | None = None,
        target_lufs: float = MixLevels().speech_lufs,
    ) -> None:
        self.engine: Engine = get_engine(engine_name)
        self.voice = voice or self.engine.default_voice()
        self.cache = cache if cache is not None else ClipCache()
        self.target_lufs = target_lufs
        self.identity = self.engine.identity(self.voice)  # also checks that the voice exists
        self.synthesized = 0  # lines this synthesizer had to synthesise (the rest came from cache)
        self._memo: OrderedDict[str, Clip] = OrderedDict()  # by key, least recently used first
        self._memo_bytes = 0
        self._durations: dict[str, float] = {}
        self._facts: dict[str, SoundFacts | None] = {}  # each line's facts for the mix (small), by key
        self._uncached: dict[str, Clip] = {}  # clips the cache could not store: kept, never remade
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, float], str] = {}
        self._normalised: dict[str, str] = {}

    def key(self, spoken: str, rate: float) -> str:
        """The cache key of already-normalised text at `rate`."""
        found = self._keys.get((spoken, rate))
        if found is None:
            found = self._keys[(spoken, rate)] = cache_key(
                self.engine.name, self.identity, self.voice, rate, spoken, self.target_lufs
            )
        return found

    def _spoken(self, text: str) -> str:
        """`text` as it is spoken (normalised once per distinct text)."""
        found = self._normalised.get(text)
        if found is None:
            found = self._normalised[text] = normalize_for_speech(text)
        return found

    def clip(self, text: str, rate: float = 1.0) -> Clip:
        """The spoken clip of `text` at speed factor `rate`, from the cache when it is there."""
        rate = check_rate(rate)
        spoken = self._spoken(text)
        return self._lookup(spoken, rate) or self._make(spoken, rate)

    def clips(self, texts: Iterable[str], rate: float = 1.0) -> dict[str, Clip]:
        """Clips for many lines; each distinct missing line is synthesised once, in parallel."""
        texts = list(texts)
        self.warm(texts, rate)
        return {text: self.clip(text, rate) for text in texts}

    def missing(self, texts: Iterable[str], rate: float = 1.0) -> list[str]:
        """The distinct lines (as spoken) neither in memory nor in the cache: what `warm` would make."""
        rate = check_rate(rate)
        found: list[str] = []
        for line in dict.fromkeys(self._spoken(text) for text in texts):
            with self._lock:
                known = not line or self.key(line, rate) in self._durations
            if not known and self._lookup(line, rate) is None:
                found.append(line)
        return found

    def warm(
        self, texts: Iterable[str], rate: float = 1.0, on_done: Callable[[str], None] | None = None
    ) -> int:
        """Make sure every line is in the cache (synthesising the missing ones at once, on every
        core the engine can use), without holding their clips; how many had to be synthesised.
        `on_done(line)` is called (from a worker thread) as each missing line is made."""
        rate = check_rate(rate)
        before = self.synthesized
        missing = self.missing(texts, rate)

        def make(line: str) -> None:
            self._make(line, rate)
            if on_done is not None:
                on_done(line)

        workers = min(max(1, self.engine.workers), len(missing))
        if workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="voicecoach-synth") as pool:
                for _ in pool.map(make, missing):
                    pass
        else:
            for line in missing:
                make(line)
        return self.synthesized - before

    def duration_s(self, text: str, rate: float = 1.0) -> float:
        """Seconds `text` takes to say at `rate` (what the compiler plans with)."""
        rate = check_rate(rate)
        spoken = self._spoken(text)
        with self._lock:
            known = self._durations.get(self.key(spoken, rate)) if spoken else 0.0
        return known if known is not None else self.clip(text, rate).duration_s

    def known_duration_s(self, text: str, rate: float = 1.0) -> float | None:
        """Seconds `text` takes at `rate` if its clip is already made (here or in the cache), else
        None; never synthesises or loads a voice."""
        rate = check_rate(rate)
        spoken = self._spoken(text)
        if not spoken:
            return 0.0
        key = self.key(spoken, rate)
        with self._lock:
            known = self._durations.get(key)
        return known if known is not None else self.cache.duration_s(key)

    def _lookup(self, spoken: str, rate: float) -> Clip | None:
        if not spoken:
            return Clip(np.zeros(0, dtype=np.float32), EMPTY_SAMPLE_RATE)
        key = self.key(spoken, rate)
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
            if key in self._uncached:
                return self._uncached[key]
        clip = self.cache.get(key)
        if clip is not None:
            self._remember(key, clip)
        return clip

    def facts(self, text: str, rate: float = 1.0) -> SoundFacts | None:
        """The facts of `text`'s clip for the mix (see `Clip.facts`), without its samples if known."""
        rate = check_rate(rate)
        spoken = self._spoken(text)
        key = self.key(spoken, rate) if spoken else ""
        with self._lock:
            if key in self._facts:
                return self._facts[key]
        return self.clip(text, rate).facts

    def _remember(self, key: str, clip: Clip, stored: bool = True) -> None:
        with self._lock:
            self._durations[key] = clip.duration_s
            self._facts[key] = clip.facts
            if not stored:
                self._uncached[key] = clip
                return
            if key not in self._memo:
                self._memo_bytes += clip.samples.nbytes
            self._memo[key] = clip
            self._memo.move_to_end(key)
            while self._memo_bytes > MEMO_BYTES and len(self._memo) > 1:
                _, dropped = self._memo.popitem(last=False)
                self._memo_bytes -= dropped.samples.nbytes

    def _make(self, spoken: str, rate: float) -> Clip:

        raw = self.engine.synthesize(spoken, self.voice, rate)
        trimmed = Clip(trim_silence(raw.samples, sample_rate=raw.sample_rate), raw.sample_rate)
        clip = mix_ready(trimmed, MixLevels(speech_lufs=self.target_lufs))  # brings it to the loudness too
        key = self.key(spoken, rate)
        stored = self.cache.put(key, clip)
        self._remember(key, clip, stored)
        with self._lock:
            self.synthesized += 1
        return clip


def say_clip(text: str, engine_name: str | None = None, voice: str | None = None, rate: float = 1.0) -> Clip:
    """One line as a clip (cached like any other), for `voicecoach say`."""
    if not normalize_for_speech(text):
        raise UsageError('there is nothing to say: give some words, e.g. voicecoach say "Breathe in."')
    if len(text) > MAX_TEXT_CHARS:
        raise UsageError(
            f"the text is {len(text):,} characters; say at most {MAX_TEXT_CHARS:,} at once, as in a routine"
        )
    return Synthesizer(engine_name, voice).clip(text, rate)
