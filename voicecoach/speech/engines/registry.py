"""The engines voicecoach knows, by name. Optional engines import their libraries lazily."""

from __future__ import annotations

import textwrap
from typing import Any

from voicecoach.errors import EngineError, UsageError
from voicecoach.speech.engines.base import Engine
from voicecoach.speech.engines.espeak import EspeakEngine
from voicecoach.speech.engines.piper import PiperEngine
from voicecoach.speech.engines.system import SystemEngine

DEFAULT_ENGINE = "piper"

_ENGINES: dict[str, type[Engine]] = {
    "piper": PiperEngine,
    "espeak": EspeakEngine,
    "system": SystemEngine,
}


def engine_names() -> list[str]:
    return list(_ENGINES)


def engine_class(name: str) -> type[Engine]:
    """The class of the engine called `name`, without checking that it works here."""
    if name not in _ENGINES:
        raise UsageError(f"unknown engine {name!r}: choose one of {', '.join(_ENGINES)}")
    return _ENGINES[name]


def get_engine(name: str | None = None) -> Engine:
    """The engine called `name` (default engine when None), checked to work here."""
    name = name or DEFAULT_ENGINE
    engine = engine_class(name)()
    state = engine.is_available()
    if not state:
        raise EngineError(f"the {name} engine is not available: {state.reason}")
    return engine


def engines_report() -> dict[str, Any]:
    """Every engine, whether it works here (and if not, why and what to do), and its voices.

    Shape: {"default_engine": str, "engines": [{"name", "available", "reason", "voices",
    "default_voice", "description"}]}.
    """
    rows = []
    for name, cls in _ENGINES.items():
        engine = cls()
        state = engine.is_available()
        rows.append(
            {
                "name": name,
                "available": bool(state),
                "reason": state.reason,
                "voices": engine.voices() if state else [],
                "default_voice": engine.default_voice() if state else None,
                "description": engine.description,
            }
        )
    return {"default_engine": DEFAULT_ENGINE, "engines": rows}


def engines_table(report: dict[str, Any]) -> str:
    """`engines_report()` as text for a person: each engine, its state or its fix, its voices."""
    lines = []
    for row in report["engines"]:
        default = " (default)" if row["name"] == report["default_engine"] else ""
        lines.append(f"{row['name']}{default}: {row['description']}")
        if not row["available"]:
            lines.append(f"  not available: {row['reason']}")
            continue
        lines.append(f"  default voice: {row['default_voice'] or '(the engine chooses)'}")
        names = ", ".join(row["voices"]) or "(none)"
        lines += textwrap.wrap(
            f"voices ({len(row['voices'])}): {names}", width=96, initial_indent="  ", subsequent_indent="    "
        )
    lines.append("choose with --engine NAME and --voice VOICE")
    return "\n".join(lines)
