"""The built-in routines: YAML files shipped inside the package, found by name."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from voicecoach.errors import UsageError

ROUTINE_SUFFIX = ".yaml"
_ROUTINES_DIR = "routines"


def _routines_dir() -> Path:
    """The folder holding the built-in routine files (installed as plain files with the package)."""
    return Path(str(resources.files(__name__).joinpath(_ROUTINES_DIR)))


def builtin_names() -> list[str]:
    """The names of the built-in routines, sorted (a name is its file name without `.yaml`)."""
    folder = _routines_dir()
    if not folder.is_dir():
        return []
    return sorted(
        p.name[: -len(ROUTINE_SUFFIX)]
        for p in folder.iterdir()
        if p.is_file() and p.name.endswith(ROUTINE_SUFFIX)
    )


def builtin_path(name: str) -> Path:
    """The file of the built-in routine `name`; UsageError (with suggestions) when there is none."""
    key = name.strip().lower()
    for suffix in (ROUTINE_SUFFIX, ".yml"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    names = builtin_names()
    if key not in names:
        raise UsageError(_unknown_message(name, names))
    return _routines_dir() / f"{key}{ROUTINE_SUFFIX}"


def resolve_routine(arg: str | Path) -> Path:
    """A ROUTINE argument as a file: an existing path as given, else the built-in of that name."""
    path = Path(arg)
    if path.is_file() or (path.exists() and not path.is_dir()):
        return path  # a device or pipe too: the loader refuses it without reading it
    if path.is_dir():
        raise UsageError(
            f"{arg}: this is a folder, not a routine file (give a .yaml file or a "
            f"built-in name; 'voicecoach list' shows them)"
        )
    text = str(arg)
    if _looks_like_path(text):
        raise UsageError(
            f"{text}: no such routine file (check the path, or give a built-in name: "
            f"{', '.join(builtin_names())})"
        )
    return builtin_path(text)


def _looks_like_path(text: str) -> bool:
    """Whether an argument names a file rather than a built-in (a folder part or a YAML suffix)."""
    if "/" in text or "\\" in text:
        return True
    stem, dot, suffix = text.lower().rpartition(".")
    return bool(dot) and suffix in ("yaml", "yml") and stem not in builtin_names()


def _unknown_message(name: str, names: list[str]) -> str:
    """`no built-in routine named X (did you mean Y?); the built-ins are: ...`."""
    close = difflib.get_close_matches(name.strip().lower(), names, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    listing = ", ".join(names) if names else "none are installed"
    return (
        f"no routine file or built-in routine called '{name}'{hint}; "
        f"the built-ins are: {listing} (or give the path to a .yaml file)"
    )
