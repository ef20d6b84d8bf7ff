"""Shared helpers of the audio tests: small timelines, real speech, decoding and measuring with ffmpeg."""

from __future__ import annotations

import functools
import re
import subprocess

import numpy as np

from voicecoach.plan.timeline import Event, Hold, StepSpan, Timeline
from voicecoach.sound.clip import Clip

RATE = 48000


def tone(freq_hz: float, duration_s: float, sample_rate: int = 22050, amp: float = 0.3) -> Clip:
    """A sine clip with 5 ms fades."""
    t = np.arange(int(round(duration_s * sample_rate))) / sample_rate
    x = amp * np.sin(2 * np.pi * freq_hz * t)
    ramp = min(len(x) // 2, int(0.005 * sample_rate))
    x[:ramp] *= np.linspace(0, 1, ramp)
    x[len(x) - ramp :] *= np.linspace(1, 0, ramp)
    return Clip(x.astype(np.float32), sample_rate)


@functools.cache
def espeak(text: str) -> Clip:
    from voicecoach.speech.engines.espeak import EspeakEngine

    return EspeakEngine().synthesize(text, None, 1.0)


LINES = (
    "Find a soft surface and lie down on your back.",
    "Breathe in slowly.",
    "Let the knee fall open.",
    "And relax.",
)


def spoken_timeline(
    profile: str = "guided", loudness_lufs: float = -16.0
) -> tuple[Timeline, dict[str, Clip]]:
    """About 25 s: espeak lines, a bell, a tick, breath phases and a hold, in three steps."""
    clips = {text: espeak(text) for text in LINES}
    events, t = [], 0.4
    plan = [
        ("speech", LINES[0], 0),
        ("chime", "bell", 0),
        ("speech", LINES[1], 1),
        ("inhale", 4.0, 1),
        ("hold", 2.0, 1),
        ("exhale", 5.0, 1),
        ("speech", LINES[2], 2),
        ("chime", "tick", 2),
        ("speech", LINES[3], 2),
        ("chime", "chime", 2),
    ]
    holds = []
    for kind, what, step in plan:
        if kind == "speech":
            length = clips[what].duration_s
            events.append(Event(t, t + length, "speech", step, text=what))
        elif kind == "chime":
            from voicecoach.routine.cues import CUE_DURATIONS_S

            length = CUE_DURATIONS_S[what]
            events.append(Event(t, t + length, "chime", step, cue=what))
        else:
            length = what
            events.append(Event(t, t + length, "breath", step, phase=kind))
            if kind == "hold":
                holds.append(Hold(step, None, 1, t, t + length))
        t = round(t + length + 0.6, 3)
    starts = [0.0, events[2].start_s - 0.2, events[6].start_s - 0.2]
    steps = tuple(
        StepSpan(i, kind, title, starts[i], starts[i + 1] if i < 2 else t)
        for i, (kind, title) in enumerate(
            [("talk", "Settle In"), ("breathe", "Breathing 4-6"), ("stretch", "Knee Drop")]
        )
    )
    timeline = Timeline(
        "Test Session",
        t,
        steps,
        tuple(holds),
        tuple(events),
        profile=profile,
        loudness_lufs=loudness_lufs,
        meta={"summary": "A short test routine."},
    )
    return timeline, clips


def tone_timeline(minutes: float, bed: str = "none") -> tuple[Timeline, dict[str, Clip]]:
    """A long session of synthetic lines every 20 s, with bells and breath phases."""
    clips = {f"line {i}": tone(200 + 40 * i, 1.5) for i in range(6)}
    events, t, i = [], 0.5, 0
    duration = minutes * 60.0
    while t + 20 < duration:
        events += [
            Event(t, t + 1.5, "speech", 0, text=f"line {i % 6}"),
            Event(t + 3, t + 5.5, "chime", 0, cue="bell"),
            Event(t + 6, t + 10, "breath", 0, phase="inhale"),
            Event(t + 10, t + 16, "breath", 0, phase="exhale"),
        ]
        t, i = t + 20, i + 1
    steps = (StepSpan(0, "talk", "All", 0.0, duration),)
    return Timeline("Long", duration, steps, (), tuple(events), bed=bed), clips


def decode(path, sample_rate: int = RATE) -> np.ndarray:
    """The file decoded by ffmpeg to mono float32."""
    proc = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-i",
            str(path),
            "-f",
            "f32le",
            "-ac",
            "1",
            "-ar",
            str(sample_rate),
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(proc.stdout, dtype=np.float32)


def ebur128(path) -> tuple[float, float]:
    """(integrated loudness in LUFS, true peak in dBTP) measured by ffmpeg's ebur128 filter."""
    proc = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-nostdin",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
    )
    summary = proc.stderr[proc.stderr.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak


def envelope_db(x: np.ndarray, sample_rate: int = RATE, window_s: float = 0.002) -> np.ndarray:
    """Peak level per 2 ms window, in dB."""
    w = int(window_s * sample_rate)
    n = len(x) // w * w
    return 20 * np.log10(np.abs(x[:n]).reshape(-1, w).max(axis=1) + 1e-9)


def onset_s(
    x: np.ndarray, near_s: float, sample_rate: int = RATE, search_s: float = 0.3, drop_db: float = 30.0
) -> float:
    """When the sound starting near `near_s` first comes within `drop_db` of its own peak."""
    lo = max(0, int((near_s - search_s / 2) * sample_rate))
    seg = x[lo : lo + int(search_s * 2 * sample_rate)]
    env = envelope_db(seg, sample_rate)
    first = int(np.flatnonzero(env > env.max() - drop_db)[0])
    return (lo + first * int(0.002 * sample_rate)) / sample_rate
