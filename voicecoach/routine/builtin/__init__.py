"""Routines found by name: the user's own (`routines/` in the config folder), then the built-ins
shipped inside the package. A bare name never means a file or folder in the current directory."""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from voicecoach.errors import UsageError
from voicecoach.paths import routines_dir

ROUTINE_SUFFIX = ".yaml"
_SUFFIXES = (ROUTINE_SUFFIX, ".yml")
_ROUTINES_DIR = "routines"


@dataclass(frozen=True)
class NamedRoutine:
    """A routine reachable by name: its file, and whether it is the user's own."""

    name: str
    path: Path
    yours: bool


def _routines_dir() -> Path:
    """The folder holding the built-in routine files (installed as plain files with the package)."""
    return Path(str(resources.files(__name__).joinpath(_ROUTINES_DIR)))


def _files_by_name(folder: Path) -> dict[str, Path]:
    """The routine files of a folder by lower-case name (the file name without its suffix)."""
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.name.lower().endswith(_SUFFIXES) and p.is_file():
            found.setdefault(_strip_suffix(p.name).lower(), p)
    return found


def _strip_suffix(text: str) -> str:
    for suffix in _SUFFIXES:
        if text.lower().endswith(suffix):
            return text[: -len(suffix)]
    return text


def builtin_names() -> list[str]:
    """The names of the built-in routines, sorted (a name is its file name without `.yaml`)."""
    return sorted(_files_by_name(_routines_dir()))


def user_names() -> list[str]:
    """The names of the user's own routines (the routines folder in the config folder), sorted."""
    return sorted(_files_by_name(routines_dir()))


def named_routines() -> list[NamedRoutine]:
    """Every routine reachable by name: the user's first, then the built-ins they do not replace."""
    mine = _files_by_name(routines_dir())
    found = [NamedRoutine(name, path, True) for name, path in sorted(mine.items())]
    builtin = _files_by_name(_routines_dir())
    found += [NamedRoutine(n, p, False) for n, p in sorted(builtin.items()) if n not in mine]
    return found


def builtin_path(name: str) -> Path:
    """The file of the built-in routine `name`; UsageError (with suggestions) when there is none."""
    key = _strip_suffix(name.strip()).lower()
    found = _files_by_name(_routines_dir()).get(key)
    if found is None:
        raise UsageError(_unknown_message(name))
    return found


def named_path(name: str) -> Path:
    """The file of the routine called `name`: the user's own first, then the built-in."""
    key = _strip_suffix(name.strip()).lower()
    found = _files_by_name(routines_dir()).get(key) or _files_by_name(_routines_dir()).get(key)
    if found is None:
        raise UsageError(_unknown_message(name))
    return found


def is_routine_name(text: str) -> bool:
    """Whether an argument is a routine's name (no folder part, no YAML suffix) rather than a path."""
    return not ("/" in text or "\\" in text or text.lower().endswith(_SUFFIXES))


def routine_handle(path: str | Path) -> str:
    """How a command line names the routine file `path` so that ROUTINE finds that very file,
    quoted for a shell where it needs it: its name (as `voicecoach list` shows it) when it is in
    your routines folder, else the path (`./physio` for a bare file name, which would be a name)."""
    path = Path(path)
    stem = _strip_suffix(path.name)
    mine = path.parent.resolve() == routines_dir().resolve() and stem != path.name
    if mine and is_routine_name(stem) and named_path(stem).resolve() == path.resolve():
        text = stem.lower()
    else:
        text = str(path)
        if is_routine_name(text) or text.startswith("-"):
            text = f"./{text}"
    return shlex.quote(text)


def resolve_routine(arg: str | Path) -> Path:
    """A ROUTINE argument as a file: a bare name is the user's routine or the built-in of that
    name; a path (a folder part or a .yaml suffix, or a Path) is the file it names."""
    text = str(arg)
    if not isinstance(arg, Path) and is_routine_name(text):
        return named_path(text)
    path = Path(arg)
    if path.is_dir():
        raise UsageError(
            f"{arg}: this is a folder, not a routine file (give a .yaml file or a routine's "
            f"name; 'voicecoach list' shows them)"
        )
    if path.exists():
        return path  # a device or pipe too: the loader refuses it without reading it
    stem = _strip_suffix(text)
    if not isinstance(arg, Path) and is_routine_name(stem) and stem.lower() in _all_names():
        return named_path(stem)  # `desk-reset.yaml` with no such file here: the routine of that name
    raise UsageError(
        f"{text}: no such routine file (check the path, or give a routine's name: {', '.join(_all_names())})"
    )


def _all_names() -> list[str]:
    return [r.name for r in named_routines()]


def _unknown_message(name: str) -> str:
    """`no routine called X (did you mean Y?); yours: ...; the built-ins: ...`."""
    names = _all_names()
    close = difflib.get_close_matches(name.strip().lower(), names, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    mine = user_names()
    yours = f"yours: {', '.join(mine)}; " if mine else ""
    builtins = ", ".join(builtin_names()) or "none are installed"
    here = ""
    if Path(name).exists():
        here = f"; to use the {'folder' if Path(name).is_dir() else 'file'} here, write ./{name}"
    return (
        f"no routine called '{name}'{hint}; {yours}the built-ins are: {builtins} "
        f"(your own go in {routines_dir()}; or give the path to a .yaml file){here}"
    )
