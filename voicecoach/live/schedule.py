"""The live schedule: the exact timeline, committed piece by piece while its speech is synthesised.

The compiler runs once, in a background thread, synthesising each new line as it asks for its length.
Before each such line all built so far is final (the builder only appends, never behind its cursor),
so it is committed, with the cursor as the frontier the player may play up to: play starts after the
first line and plays exactly what `voicecoach plan` compiles, mixed by export's `Mixer`.
"""

from __future__ import annotations

import bisect
import collections
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voicecoach.mix.bed import Bed, Ducker
from voicecoach.mix.mixer import Mixer
from voicecoach.plan.compiler import CompileOptions, CompileState, compile_routine
from voicecoach.plan.timeline import Event, Hold, StepSpan, Timeline
from voicecoach.routine.durations import MAX_DURATION_S
from voicecoach.routine.model import Routine
from voicecoach.sound.clip import Clip
from voicecoach.sound.levels import DEFAULT_SAMPLE_RATE, MixLevels
from voicecoach.speech.normalize import normalize_for_speech
from voicecoach.speech.synth import check_rate

if TYPE_CHECKING:
    from voicecoach.speech.synth import Synthesizer


class ClipSource:
    """Where the schedule gets spoken clips: `cached` is instant or None, `clip` may synthesise."""

    def __init__(self, synth: Synthesizer) -> None:
        self.synth = synth

    def cached(self, text: str, rate: float) -> Clip | None:
        spoken = normalize_for_speech(text)
        if not spoken:
            return self.synth.clip(text, rate)
        return self.synth.cache.get(self.synth.key(spoken, check_rate(rate)))

    def clip(self, text: str, rate: float) -> Clip:
        return self.synth.clip(text, rate)


def _import_mixing() -> None:
    """Import what mixing the first clip needs (its loudness meter pulls in scipy, half a second)."""
    import scipy.signal  # noqa: F401  start-up time: loaded ahead, while the first line is synthesised


class _Lockstep:
    """The compiler's duration source: known lines at once, new ones after committing the state."""

    def __init__(self, schedule: LiveSchedule) -> None:
        self.schedule = schedule

    def duration_s(self, text: str, rate: float) -> float:
        return self.schedule._line(text, rate).duration_s


@dataclass(frozen=True)
class _Segment:
    mixer: Mixer
    first: int  # samples: the span its events can sound in
    last: int


class StopSchedule(Exception):
    """Raised inside the compile thread when the session no longer needs it."""


class LiveSchedule:
    """The timeline of a session as it becomes exact, and its audio up to the frontier."""

    def __init__(
        self,
        routine: Routine,
        options: CompileOptions,
        source: ClipSource,
        *,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        levels: MixLevels | None = None,
        extras: tuple[str, ...] = (),
        on_commit: Callable[[LiveSchedule], None] | None = None,
    ) -> None:
        self.routine, self.options, self.source = routine, options, source
        self.sample_rate = sample_rate
        self.levels = levels or MixLevels()
        self.profile = options.resolved_profile()
        self.rate = self.profile.rate
        bed = options.bed or self.profile.bed
        self.bed = Bed(bed) if bed and bed != "none" else None
        # Export measures the whole mix and brings it to the profile's loudness; live play cannot
        # wait for the end, so it uses the gain that export's measurement comes to for a mix led by
        # speech at its level (the mixer puts every line there): a few dB, well within the headroom.
        self.gain = np.float32(10 ** ((self.profile.loudness_lufs - self.levels.speech_lufs) / 20))
        self.clips: dict[str, Clip] = {}
        self.extras: dict[str, Clip] = {}
        self._wanted_extras = list(extras)
        self.synthesized = 0
        self.mismatches = 0  # committed events missing from the final timeline (must stay 0)
        self._on_commit = on_commit
        self._cond = threading.Condition()
        self._segments: list[_Segment] = []
        self._events: list[Event] = []  # committed, sorted by start
        self._starts: list[int] = []
        self._built = 0  # how many of the builder's events are committed
        self._compile_state: Callable[[], CompileState] | None = None  # set by the compiler (follow)
        self._steps: list[StepSpan] = []
        self._holds: list[Hold] = []
        self._current = (0, 0.0)  # (index, start_s) of the step being built
        self._frontier_s = 0.0
        self._mixed_s = float("inf")  # every committed event starting before this is mixed
        self.final: Timeline | None = None
        self.error: BaseException | None = None
        self._stopped = False
        self._ducker: Ducker | None = None
        self._thread = threading.Thread(target=self._run, name="voicecoach-schedule", daemon=True)

    # -- the compile thread -------------------------------------------------------------------

    def start(self) -> LiveSchedule:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the compile thread to give up at its next line (the session has ended)."""
        self._stopped = True

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            timeline = compile_routine(self.routine, self.options, _Lockstep(self), follower=self)
            self._finish(timeline)
            self._make_extras()
        except StopSchedule:
            pass
        except BaseException as exc:  # handed to the player, which reports it
            with self._cond:
                self.error = exc
                self._cond.notify_all()

    def follow(self, state: Callable[[], CompileState]) -> None:
        """The compiler's view of its progress (see `CompileState`): committed before each new line."""
        self._compile_state = state

    def _line(self, text: str, rate: float) -> Clip:
        if self._stopped:
            raise StopSchedule()
        clip = self.clips.get(text)
        if clip is None:
            clip = self.source.cached(text, rate)
            if clip is None:
                if self._compile_state is not None:
                    self._commit(self._compile_state())
                if self._frontier_s > 0:
                    self._make_extras()
                if self.synthesized == 0:  # the first wait is the longest (the model loads): use it
                    threading.Thread(target=_import_mixing, name="voicecoach-import", daemon=True).start()
                clip = self.source.clip(text, rate)
                self.synthesized += 1
            self.clips[text] = clip
        return clip

    def _make_extras(self) -> None:
        while self._wanted_extras:
            text = self._wanted_extras.pop(0)
            self.extras[text] = self.source.clip(text, self.rate)

    def _commit(self, state: CompileState) -> None:
        new = state.events[self._built :]
        self._built = len(state.events)
        current_start = state.steps[-1].end_s if state.steps else 0.0
        self._publish(new, state.steps, state.holds, (state.step, current_start), state.cursor_s)

    def _finish(self, timeline: Timeline) -> None:
        remaining = collections.Counter(timeline.events)
        remaining.subtract(self._events)
        self.mismatches = -sum(n for n in remaining.values() if n < 0)
        steps = list(timeline.steps)
        self._publish(
            list(remaining.elements()),
            steps,
            list(timeline.holds),
            (len(steps), timeline.duration_s),
            timeline.duration_s,
            final=timeline,
        )

    def _publish(
        self,
        new: list[Event],
        steps: list[StepSpan],
        holds: list[Hold],
        current: tuple[int, float],
        frontier_s: float,
        final: Timeline | None = None,
    ) -> None:
        """Commit events and what is known of the steps; then mix the new events window by window,
        in time order, so the player can go on as soon as the audio it needs next is mixed."""
        windows = mix_windows(sorted(new, key=lambda e: (e.start_s, e.kind)))
        with self._cond:
            for event in new:
                start = int(round(event.start_s * self.sample_rate))
                at = bisect.bisect_right(self._starts, start)
                self._starts.insert(at, start)
                self._events.insert(at, event)
            self._steps, self._holds, self._current = steps, holds, current
            self._frontier_s = max(self._frontier_s, frontier_s)
            self.final = final or self.final
            self._mixed_s = windows[0][0].start_s if windows else float("inf")
            self._cond.notify_all()
        for i, window in enumerate(windows):
            segment = self._segment(window)
            with self._cond:
                self._segments.append(segment)
                self._mixed_s = windows[i + 1][0].start_s if i + 1 < len(windows) else float("inf")
                self._ducker = self._make_ducker()
                self._cond.notify_all()
            segment.mixer.prepare_cues()  # once playable: the first sound does not wait for it
        with self._cond:
            self._ducker = self._make_ducker()
        if self._on_commit is not None:
            self._on_commit(self)

    def _segment(self, events: list[Event]) -> _Segment:
        part = Timeline(title="", duration_s=MAX_DURATION_S + 60.0, steps=(), holds=(), events=tuple(events))
        mixer = Mixer(
            part,
            {e.text: self.clips[e.text] for e in events if e.kind == "speech" and e.text},
            sample_rate=self.sample_rate,
            levels=self.levels,
        )
        first = min(int(round(e.start_s * self.sample_rate)) for e in events)
        last = max(int(round(e.end_s * self.sample_rate)) for e in events) + self.sample_rate
        return _Segment(mixer, first, last)

    def _make_ducker(self) -> Ducker | None:
        """Under the lock: the bed's gain curve from the speech mixed so far."""
        if self.bed is None:
            return None
        spans = [span for seg in self._segments for span in seg.mixer.speech_spans]
        total = self.total_samples()  # None until the whole timeline is known
        if total is None:
            total = int((MAX_DURATION_S + 60) * self.sample_rate)
        return self.bed.ducker(spans, total, self.sample_rate)

    # -- the player's side --------------------------------------------------------------------

    def total_samples(self) -> int | None:
        """The session's length in samples, once the whole timeline is known."""
        return int(round(self.final.duration_s * self.sample_rate)) if self.final else None

    def playable(self) -> int:
        """Samples from the start that can be rendered now: up to the frontier, and to the events
        mixed so far, less the bed's look-ahead (its ducking starts before speech, its fade-out
        before the end)."""
        with self._cond:
            attack = self.bed.attack_s if self.bed is not None else 0.0
            limit_s = self._mixed_s - attack
            if self.final is None:
                fade = self.bed.fade_out_s if self.bed is not None else 0.0
                limit_s = min(limit_s, self._frontier_s - max(attack, fade))
            total = self.total_samples()
            if total is not None and limit_s * self.sample_rate >= total:
                return total
            return max(0, int(limit_s * self.sample_rate))

    def wait_playable(self, end_sample: int, timeout: float) -> bool:
        """Wait until samples up to `end_sample` can be rendered; re-raises the compile's error."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if self.error is not None:
                    raise self.error
                if self.playable() >= end_sample:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)

    def render(self, start: int, n: int) -> np.ndarray:
        """The events for samples [start, start + n) (no bed): the sum of the committed mixers."""
        out = np.zeros(n, dtype=np.float32)
        with self._cond:
            segments = list(self._segments)
        for seg in segments:
            if seg.first < start + n and seg.last > start:
                out += seg.mixer.render_events(start, n)
        return out

    def reader(self, start: int) -> LiveReader:
        return LiveReader(self, start)

    def events_in(self, start: int, end: int) -> list[tuple[int, Event]]:
        """Committed events whose first sample lies in [start, end), with that sample."""
        with self._cond:
            a = bisect.bisect_left(self._starts, start)
            b = bisect.bisect_left(self._starts, end)
            return list(zip(self._starts[a:b], self._events[a:b], strict=True))

    def step_at(self, position_s: float) -> tuple[int, float, float | None]:
        """(index, start_s, end_s or None while unknown) of the step playing at `position_s`."""
        with self._cond:
            for span in self._steps:
                if span.start_s <= position_s < span.end_s:
                    return span.index, span.start_s, span.end_s
            if self._steps and position_s >= self._steps[-1].end_s and self.final is not None:
                last = self._steps[-1]
                return last.index, last.start_s, last.end_s
            index, start = self._current
            return index, start, None

    def step_end(self, index: int) -> float | None:
        """Where step `index` ends (None while it is still being built)."""
        with self._cond:
            for span in self._steps:
                if span.index == index:
                    return span.end_s
        return None

    def hold_at(self, position_s: float) -> Hold | None:
        with self._cond:
            for hold in self._holds:
                if hold.start_s <= position_s < hold.end_s:
                    return hold
        return None

    def step_title(self, index: int) -> str:
        steps = self.routine.steps
        return steps[index].title if 0 <= index < len(steps) else ""

    def frontier_s(self) -> float:
        with self._cond:
            return self._frontier_s

    def committed_events(self) -> list[Event]:
        with self._cond:
            return list(self._events)

    def ducker(self) -> Ducker | None:
        with self._cond:
            return self._ducker


#: Committed events are mixed in windows of this much session time, in time order, so that
#: playback can start (or go on) while the rest is being mixed.
MIX_WINDOW_S = 20.0


def mix_windows(events: list[Event]) -> list[list[Event]]:
    """Events (sorted by start) in groups each starting within MIX_WINDOW_S of its first event."""
    windows: list[list[Event]] = []
    for event in events:
        if windows and event.start_s < windows[-1][0].start_s + MIX_WINDOW_S:
            windows[-1].append(event)
        else:
            windows.append([event])
    return windows


class LiveReader:
    """Consecutive blocks of the live mix from one position: events, bed and ducking, profile gain."""

    def __init__(self, schedule: LiveSchedule, start: int) -> None:
        self.schedule = schedule
        self.position = start
        bed = schedule.bed
        self._bed = bed.stream(schedule.sample_rate, start) if bed is not None else None

    def read(self, n: int) -> np.ndarray:
        return self.read_with_quiet(n)[0]

    def read_with_quiet(self, n: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """The next `n` samples, and the spans of them where no event sounds (silence or bed only)."""
        block = self.schedule.render(self.position, n)
        quiet = quiet_spans(block)
        ducker = self.schedule.ducker()
        if self._bed is not None and ducker is not None:
            block += self._bed.read(n) * ducker.gain(self.position, n)
        self.position += n
        block *= self.schedule.gain
        return block, quiet


#: Events quieter than this (-90 dBFS before the session's gain) are not heard.
QUIET = 10 ** (-90 / 20)


def quiet_spans(events: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of samples where the events are silent."""
    quiet = np.abs(events) <= QUIET
    if not quiet.any():
        return []
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    bounds = np.concatenate([[0], edges + 1, [len(events)]])
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if quiet[a]]
