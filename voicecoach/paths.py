"""Where voicecoach keeps its things: the cache, data and config folders, found here and nowhere else.

Each is the platform's own folder for voicecoach (on Linux ~/.cache/voicecoach,
~/.local/share/voicecoach and ~/.config/voicecoach), unless an environment variable moves it:
VOICECOACH_CACHE_DIR, VOICECOACH_DATA_DIR, VOICECOACH_CONFIG_DIR (tests, portable installs, a
shared cache).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import platformdirs

APP_NAME = "voicecoach"


def _folder(variable: str, platform_folder: Callable[[str], str]) -> Path:
    return Path(os.environ.get(variable) or platform_folder(APP_NAME)).expanduser()


def cache_dir() -> Path:
    """What can be made again (spoken clips, file hashes): $VOICECOACH_CACHE_DIR, else the platform's."""
    return _folder("VOICECOACH_CACHE_DIR", platformdirs.user_cache_dir)


def data_dir() -> Path:
    """What the user keeps (voices, session history): $VOICECOACH_DATA_DIR, else the platform's."""
    return _folder("VOICECOACH_DATA_DIR", platformdirs.user_data_dir)


def config_dir() -> Path:
    """The user's settings (profiles.yaml, routines/): $VOICECOACH_CONFIG_DIR, else the platform's."""
    return _folder("VOICECOACH_CONFIG_DIR", platformdirs.user_config_dir)


def routines_dir() -> Path:
    """The user's own routines, found by name like the built-ins: `routines/` in the config folder."""
    return config_dir() / "routines"
