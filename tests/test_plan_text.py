"""The plan table's time stamps: minutes, seconds and tenths that read back to the time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voicecoach.plan.text import stamp


def test_a_time_just_short_of_a_minute_rounds_up_to_the_minute():
    # Regression: 179.95 s printed as `2:60.0`.
    assert stamp(179.95) == "3:00.0"
    assert stamp(59.96) == "1:00.0"
    assert stamp(64.5) == "1:04.5"
    assert stamp(0) == "0:00.0"


@given(st.floats(min_value=0, max_value=6 * 3600, allow_nan=False))
def test_every_stamp_reads_back_to_its_time(seconds: float):
    minutes, rest = stamp(seconds).split(":")
    whole, tenth = rest.split(".")
    assert len(whole) == 2 and int(whole) < 60 and len(tenth) == 1
    assert abs(int(minutes) * 60 + float(rest) - seconds) <= 0.05 + 1e-9
