"""The format contract's guarantees, checked on a compiled timeline (shared by several tests)."""

from __future__ import annotations

import itertools

from voicecoach.plan.timeline import Timeline


def assert_guarantees(timeline: Timeline) -> None:
    """No overlapping speech, everything inside the session, no speech across a hold's edge."""
    speech = sorted(timeline.speech(), key=lambda e: e.start_s)
    for a, b in itertools.pairwise(speech):
        assert a.end_s <= b.start_s, f"speech overlaps: {a} / {b}"
    for e in timeline.events:
        assert 0 <= e.start_s < e.end_s <= timeline.duration_s, f"outside the session: {e}"
    for h in timeline.holds:
        for e in speech:
            assert not e.start_s < h.start_s < e.end_s, f"{e.text!r} runs across the start of {h}"
            assert not e.start_s < h.end_s < e.end_s, f"{e.text!r} runs across the end of {h}"
    spans = timeline.steps
    assert spans[0].start_s == 0 and spans[-1].end_s == timeline.duration_s
    for a, b in itertools.pairwise(spans):
        assert a.end_s == b.start_s
    for e in timeline.events:
        span = spans[e.step]
        assert span.start_s <= e.start_s <= span.end_s, f"{e} is outside its step {span}"
