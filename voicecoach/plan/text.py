"""Text renderings of a timeline for people: the plan table."""

from __future__ import annotations

from typing import Any

from voicecoach.plan.timeline import Event, Timeline
from voicecoach.routine.durations import format_duration


def stamp(seconds: float) -> str:
    """`1:04.5`: minutes, seconds and tenths (rounded before they are split: 179.95 s is `3:00.0`)."""
    minutes, tenths = divmod(int(round(seconds * 10)), 600)
    return f"{minutes}:{tenths // 10:02d}.{tenths % 10}"


def _what(event: Event) -> str:
    if event.kind == "speech":
        return event.text or ""
    if event.kind == "chime":
        return f"({event.cue})"
    return f"~ {event.phase} {event.duration_s:g} s"


def plan_table(timeline: Timeline) -> str:
    """The timeline as a readable table: a header per step, one row per event, holds marked."""
    lines = [
        f"{timeline.title}  ·  profile {timeline.profile}  ·  "
        f"{format_duration(timeline.duration_s)}{' (estimated speech lengths)' if timeline.estimated else ''}"
    ]
    holds_by_start = {h.start_s: h for h in timeline.holds}
    holds_by_end = {h.end_s: h for h in timeline.holds}
    for span in timeline.steps:
        header = f"── {span.index + 1}. {span.kind}: {span.title} "
        lines.append("")
        lines.append(f"{header:─<68} {stamp(span.start_s)} – {stamp(span.end_s)}")
        for event in (e for e in timeline.events if e.step == span.index):
            mark = ""
            if event.kind == "chime" and event.start_s in holds_by_start:
                hold = holds_by_start[event.start_s]
                mark = f"  ▶ hold {hold.side or ''} {hold.duration_s:g} s".replace("  ", " ")
            elif event.kind == "chime" and event.start_s in holds_by_end:
                mark = "  ■ end of hold"
            lines.append(f"  {stamp(event.start_s):>8}  {event.kind:<7} {_what(event)}{mark}")
    lines.append("")
    lines.append(
        f"Total: {format_duration(timeline.duration_s)} ({timeline.duration_s:.1f} s), "
        f"{len(timeline.steps)} steps, {len(timeline.holds)} holds"
    )
    return "\n".join(lines)


def render_description(info: dict[str, Any]) -> str:
    """`voicecoach show`: purpose, source, steps with times, length per profile."""
    lines = [info["title"], ""]
    if info["summary"]:
        lines += [info["summary"], ""]
    if info["source"]:
        lines.append(f"Source: {info['source']}")
    if info["tags"]:
        lines.append(f"Tags: {', '.join(info['tags'])}")
    lines.append("")
    holds: dict[int, list[dict[str, Any]]] = {}
    for hold in info["holds"]:
        holds.setdefault(hold["step"], []).append(hold)
    for step in info["steps"]:
        detail = ""
        if step["index"] in holds:
            parts = [f"{h['side'] or 'hold'} {h['duration_s']:g} s" for h in holds[step["index"]]]
            detail = "  (" + ", ".join(parts) + ")"
        lines.append(f"  {stamp(step['start_s']):>8}  {step['kind']:<8} {step['title']}{detail}")
    lines.append("")
    estimated = info.get("estimated", {})
    lines.append(
        "Length: "
        + ", ".join(
            f"{name} {'~' if estimated.get(name, True) else ''}{format_duration(s)}"
            for name, s in info["duration_s"].items()
        )
    )
    return "\n".join(lines)
