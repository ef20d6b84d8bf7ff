"""The live schedule: every commit is a true prefix of the plan, and it starts after the first line."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from live_support import exact_plan, write_tiny

from voicecoach import app
from voicecoach.live.schedule import ClipSource, LiveSchedule
from voicecoach.plan.compiler import compile_routine
from voicecoach.plan.estimate import EstimatedDurations
from voicecoach.profiles.model import BUILTIN_PROFILES
from voicecoach.routine.builtin import builtin_names
from voicecoach.sound.clip import Clip
from voicecoach.speech.synth import Synthesizer


class UncachedSilence(ClipSource):
    """Every line unknown until asked for (so the schedule commits at each one), as silence of its
    estimated length: a real, deterministic source of clips that needs no engine."""

    def __init__(self) -> None:
        self.estimate = EstimatedDurations()

    def cached(self, text: str, rate: float) -> Clip | None:
        return None

    def clip(self, text: str, rate: float) -> Clip:
        return Clip(np.zeros(int(self.estimate.duration_s(text, rate) * 48000), dtype=np.float32), 48000)

    def duration_s(self, text: str, rate: float) -> float:
        return self.clip(text, rate).duration_s


def run_schedule(routine, options, source) -> tuple[LiveSchedule, list[tuple]]:
    snapshots: list[tuple] = []
    n_steps = len(routine.steps)

    def on_commit(s: LiveSchedule) -> None:
        ends = [s.step_end(i) for i in range(n_steps)]
        snapshots.append((s.frontier_s(), s.committed_events(), ends, s.synthesized))

    schedule = LiveSchedule(routine, options, source, on_commit=on_commit).start()
    schedule.join(timeout=120)
    assert schedule.error is None and schedule.final is not None
    return schedule, snapshots


@pytest.mark.parametrize("profile", sorted(BUILTIN_PROFILES))
def test_every_commit_is_a_true_prefix_of_the_plan(profile):
    for name in builtin_names():
        routine = app.load(name)
        options = app.SessionOptions(profile=profile).compile_options()
        source = UncachedSilence()
        schedule, snapshots = run_schedule(routine, options, source)
        final = compile_routine(routine, options, source)
        assert schedule.final == final and schedule.mismatches == 0
        assert len(snapshots) > 10, "a cold cache commits once per new line"
        whole = collections.Counter(final.events)
        frontiers = [s[0] for s in snapshots]
        assert frontiers == sorted(frontiers) and frontiers[-1] == final.duration_s
        for frontier_s, committed, ends, _ in snapshots:
            have = collections.Counter(committed)
            assert not have - whole, f"{name}/{profile}: a committed event is not in the plan"
            before = collections.Counter(e for e in final.events if e.start_s < frontier_s)
            assert not before - have, f"{name}/{profile}: an event before the frontier was not committed"
            for index, end in enumerate(ends):
                assert end is None or end == final.steps[index].end_s


def test_a_cold_cache_starts_after_the_first_line_and_ends_with_the_plan(tmp_path):
    routine_path = write_tiny(tmp_path)
    routine = app.load(str(routine_path))
    options = app.SessionOptions(engine="espeak")
    schedule, snapshots = run_schedule(routine, options.compile_options(), ClipSource(Synthesizer("espeak")))
    first_playable = next(s for s in snapshots if s[0] > 0)
    assert first_playable[3] == 1  # one line synthesised, and the session can start
    assert schedule.synthesized == len({e.text for e in schedule.final.speech()})
    assert schedule.final == exact_plan(routine_path)  # plan, from the cache play filled
    assert schedule.playable() == schedule.total_samples()
