"""The built-in routines, shipped as package data and found by name."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from voicecoach.errors import UsageError

_SUFFIX = ".yaml"


def _folder() -> Path:
    return Path(str(resources.files("voicecoach.library").joinpath("routines")))


def builtin_names() -> list[str]:
    """Names of the built-in routines, sorted."""
    return sorted(p.name[: -len(_SUFFIX)] for p in _folder().glob("*" + _SUFFIX))


def builtin_path(name: str) -> Path:
    return _folder() / f"{name}{_SUFFIX}"


def resolve_routine(arg: str) -> Path:
    """A routine argument as a file: an existing path, or the name of a built-in routine."""
    path = Path(arg)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in arg:
        return path
    if arg in builtin_names():
        return builtin_path(arg)
    import difflib

    close = difflib.get_close_matches(arg, builtin_names(), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise UsageError(f"no routine file or built-in routine called {arg!r}{hint}: "
                     f"`voicecoach list` shows the built-in ones")
