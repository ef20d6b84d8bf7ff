"""The engines voicecoach knows, by name. Optional engines import their libraries lazily."""

from __future__ import annotations

from voicecoach.errors import EngineError, UsageError
from voicecoach.speech.base import Engine
from voicecoach.speech.espeak import EspeakEngine

DEFAULT_ENGINE = "espeak"

_ENGINES: dict[str, type[Engine]] = {
    "espeak": EspeakEngine,
}


def engine_names() -> list[str]:
    return list(_ENGINES)


def get_engine(name: str | None = None) -> Engine:
    """The engine called `name` (default engine when None), checked to work here."""
    name = name or DEFAULT_ENGINE
    if name not in _ENGINES:
        raise UsageError(f"unknown engine {name!r}: choose one of {', '.join(_ENGINES)}")
    engine = _ENGINES[name]()
    state = engine.is_available()
    if not state:
        raise EngineError(f"the {name} engine is not available: {state.reason}")
    return engine
