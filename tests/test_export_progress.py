"""The export's progress bar, as a person sees it in a terminal (a real pseudo-terminal, a real
espeak export): it moves only forwards, shows a remaining time, and ends at 100% on its own line,
the result on the next. How soon it moves and how honest its remaining time is are timings: they
are measured by `python scripts/bench.py --only progress` (targets: a first move within 1 s, never
more than twice the truth once past 10%), not asserted here, where a busy machine would decide."""

from __future__ import annotations

import re
import sys
import time

import pexpect
from live_support import child_env

from voicecoach.export.progress import ExportProgress

BAR = re.compile(r"exporting\s+(\d+)%\|[^|\r\n]*\| (\d\d):(\d\d) elapsed, (?:(\d\d):(\d\d)|\?) left")


def test_the_bar_moves_only_forwards_and_ends_on_its_own_line(tmp_path):
    started = time.monotonic()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "voicecoach", "export", "desk-reset", "--engine", "espeak", "-o", "desk.mp3"],
        env=child_env(),
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=120,
        dimensions=(24, 120),
    )
    seen: list[tuple[float, int, float | None]] = []  # (seconds since spawn, percent, seconds left)
    output = ""
    while True:
        try:
            chunk = child.read_nonblocking(4096, timeout=120)
        except pexpect.EOF:
            break
        now = time.monotonic() - started
        output += chunk
        for m in BAR.finditer(chunk):
            left = None if m.group(4) is None else int(m.group(4)) * 60 + int(m.group(5))
            seen.append((now, int(m.group(1)), left))
    child.close()
    assert child.exitstatus == 0, output
    assert (tmp_path / "desk.mp3").is_file()
    percents = [p for _, p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100, percents
    assert any(0 < p < 100 for p in percents), percents  # it moved on the way, not only at the end
    assert any(left is not None for _, p, left in seen if 10 <= p < 100), seen  # a time left is shown
    assert re.search(r"exporting 100%\|[^\r\n]*\r\nwrote desk\.mp3 \(", output), output[-400:]


def test_the_fraction_creeps_between_reports_but_never_past_the_next():
    shown: list[float] = []
    now = [0.0]
    progress = ExportProgress(shown.append, clock=lambda: now[0], creep=False)
    progress.plan("synthesis", 4.0, items=4)
    progress.plan("mix", 4.0)
    now[0] = 0.5
    progress.tick()
    assert 0 < shown[-1] <= 0.95 * 1.0 / 8  # within the first line's share
    now[0] = 5.0
    progress.tick()
    assert shown[-1] <= 1.0 / 8  # however long that line takes
    progress.step("synthesis", 4)
    assert shown[-1] == 0.5
    progress.advance("mix", 0.25)
    progress.advance("mix", 0.1)  # a later, smaller report changes nothing
    assert shown[-1] == 0.625 and shown == sorted(shown)
    progress.finish()
    assert shown[-1] == 1.0
