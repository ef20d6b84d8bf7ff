"""Timed text of everything spoken: LRC (lyrics-style, for music players) and SRT (subtitles)."""

from __future__ import annotations

from voicecoach.plan.timeline import Timeline

#: In LRC, a line stays on screen until the next; a blank line clears it after a pause this long.
LRC_CLEAR_GAP_S = 1.0


def _lrc_time(seconds: float) -> str:
    centis = int(round(max(0.0, seconds) * 100))
    minutes, centis = divmod(centis, 6000)
    return f"[{minutes:02d}:{centis // 100:02d}.{centis % 100:02d}]"


def _srt_time(seconds: float) -> str:
    millis = int(round(max(0.0, seconds) * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def lrc(timeline: Timeline) -> str:
    """An LRC document: one timed line per spoken event, blank lines where speech pauses."""
    minutes, seconds = divmod(int(round(timeline.duration_s)), 60)
    out = [f"[ti:{_one_line(timeline.title)}]", "[by:voicecoach]", f"[length:{minutes:02d}:{seconds:02d}]"]
    speech = timeline.speech()
    for i, event in enumerate(speech):
        out.append(_lrc_time(event.start_s) + _one_line(event.text or ""))
        next_start = speech[i + 1].start_s if i + 1 < len(speech) else timeline.duration_s
        if next_start - event.end_s >= LRC_CLEAR_GAP_S:
            out.append(_lrc_time(event.end_s))
    return "\n".join(out) + "\n"


def _no_blank_lines(text: str) -> str:
    """A cue's text without blank lines: in SRT a blank line ends a cue, so a line of a routine
    could otherwise add cues of its own."""
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())


def srt(timeline: Timeline) -> str:
    """An SRT document: one numbered cue per spoken event, shown while it is spoken."""
    blocks = []
    for number, event in enumerate(timeline.speech(), start=1):
        blocks.append(
            f"{number}\n{_srt_time(event.start_s)} --> {_srt_time(event.end_s)}\n"
            f"{_no_blank_lines(event.text or '')}\n"
        )
    return "\n".join(blocks)
