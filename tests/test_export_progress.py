"""The export's progress bar, as a person sees it in a terminal (a real pseudo-terminal, a real
espeak export): it moves at once, only forwards, its remaining time holds (never more than twice
the truth once past 10%), and it ends at 100% on its own line, the result on the next."""

from __future__ import annotations

import re
import sys
import time

import pexpect
from live_support import child_env

from voicecoach.export.progress import ExportProgress

BAR = re.compile(r"exporting\s+(\d+)%\|[^|\r\n]*\| (\d\d):(\d\d) elapsed, (?:(\d\d):(\d\d)|\?) left")


def test_the_bar_moves_at_once_only_forwards_with_an_honest_remaining_time(tmp_path):
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
    end = time.monotonic() - started
    assert child.exitstatus == 0, output
    assert (tmp_path / "desk.mp3").is_file()
    appeared = seen[0][0]
    first_move = next(t for t, percent, _ in seen if percent > 0)
    assert first_move - appeared <= 1.0, seen[:5]  # it moves within a second of showing
    percents = [p for _, p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100, percents
    assert re.search(r"exporting 100%\|[^\r\n]*\r\nwrote desk\.mp3 \(", output), output[-400:]
    for t, percent, left in seen:
        if percent >= 10 and left is not None:  # shown to the second: a second of slack
            assert left <= 2 * (end - t) + 1.0, (t, percent, left, end)


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
