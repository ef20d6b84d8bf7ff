"""The engines voicecoach knows, by name. Optional engines import their libraries lazily."""

from __future__ import annotations

from voicecoach.errors import EngineError, UsageError
from voicecoach.speech.base import Engine
from voicecoach.speech.espeak import EspeakEngine
from voicecoach.speech.piper import PiperEngine
from voicecoach.speech.system import SystemEngine

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
