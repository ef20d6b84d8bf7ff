"""Audio outputs for live play: the registry, the choice of output, and what to say when none works.

`base` holds the device model every output shares (`ClockedBackend`); `null`, `sounddevice_out`
and `simpleaudio_out` are the outputs. Without a name, the first output of `AUTO_ORDER` that
works here plays: sounddevice (one stream, sample-exact), then simpleaudio.
"""

from __future__ import annotations

from typing import Any

from voicecoach.errors import DeviceError, UsageError
from voicecoach.live.backends.base import AudioBackend, Chunk, ClockedBackend, MarkCallback
from voicecoach.live.backends.null import NullBackend
from voicecoach.live.backends.simpleaudio_out import SimpleaudioBackend
from voicecoach.live.backends.sounddevice_out import SounddeviceBackend
from voicecoach.live.clock import Clock

__all__ = [
    "AUTO_ORDER",
    "BACKENDS",
    "AudioBackend",
    "Chunk",
    "ClockedBackend",
    "MarkCallback",
    "NullBackend",
    "SimpleaudioBackend",
    "SounddeviceBackend",
    "backend_names",
    "backends_report",
    "backends_table",
    "get_backend",
]

BACKENDS: dict[str, type[ClockedBackend]] = {
    "sounddevice": SounddeviceBackend,
    "simpleaudio": SimpleaudioBackend,
    "null": NullBackend,
}
#: Tried in this order when no backend is named.
AUTO_ORDER = ("sounddevice", "simpleaudio")
WAYS_ON = (
    "make a file to play elsewhere with `voicecoach export ROUTINE`, "
    "or play without sound with `--backend null`"
)
_INSTALL_MARKS = ("pip install", "apt-get install")


def backend_names() -> list[str]:
    return list(BACKENDS)


def _no_output(reasons: dict[str, str]) -> str:
    """One line: what is wrong, the package to install only when one is missing, and the ways on."""
    text = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
    installs = [r.split(": ", 1)[-1] for r in reasons.values() if any(m in r for m in _INSTALL_MARKS)]
    if any("refused" in r for r in reasons.values()):
        what = "the sound server refused the connection"
    elif len(installs) == len(reasons):  # nothing that is installed got as far as a device
        what = "no live sound output is installed"
    else:
        what = "no sound device found"
        installs = []
    fix = f"; install it with {' or '.join(dict.fromkeys(installs))}" if installs else ""
    return f"no sound output here: {what} ({text}){fix}; {WAYS_ON}"


def get_backend(name: str | None = None, clock: Clock | None = None) -> AudioBackend:
    """The backend called `name`, or the first that works here, keeping time by `clock` (the real
    one by default); DeviceError says what is wrong and what to do if none works."""
    if name is not None:
        if name not in BACKENDS:
            choices = ", ".join([*BACKENDS, "list"])
            raise UsageError(f"unknown audio backend {name!r}: choose one of {choices}")
        state = BACKENDS[name].is_available()
        if not state:
            raise DeviceError(_no_output({name: state.reason}))
        return BACKENDS[name](clock=clock)
    reasons = {}
    for candidate in AUTO_ORDER:
        state = BACKENDS[candidate].is_available()
        if state:
            return BACKENDS[candidate](clock=clock)
        reasons[candidate] = state.reason
    raise DeviceError(_no_output(reasons))


def backends_report() -> list[dict[str, Any]]:
    """Every output, whether it works here and why not, and which one plays by default."""
    rows = []
    default = None
    for name, backend in BACKENDS.items():
        state = backend.is_available()
        if state and default is None and name in AUTO_ORDER:
            default = name
        rows.append(
            {"name": name, "description": backend.description, "works": bool(state), "reason": state.reason}
        )
    for row in rows:
        row["default"] = row["name"] == default
    return rows


def backends_table(rows: list[dict[str, Any]]) -> str:
    """`voicecoach play --backend list`: one entry per output, as `voicecoach voices` lists engines."""
    lines = []
    for row in rows:
        lines.append(f"{row['name']}{' (default)' if row['default'] else ''}: {row['description']}")
        lines.append("  works here" if row["works"] else f"  does not work here: {row['reason']}")
    return "\n".join(lines)
