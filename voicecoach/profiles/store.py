"""The profiles there are: the built-in ones, with those the user adds or overrides.

Users keep theirs in `profiles.yaml` in their config folder (VOICECOACH_CONFIG_DIR moves it):

    profiles:
      evening:
        base: bedtime      # start from a built-in profile (default: guided)
        rate: 0.8
        bed: pink
"""

from __future__ import annotations

from voicecoach.errors import UsageError
from voicecoach.paths import config_dir
from voicecoach.profiles.file import load_profile_file
from voicecoach.profiles.model import BUILTIN_PROFILES, Profile

DEFAULT_PROFILE = "guided"
PROFILE_FILE = "profiles.yaml"


def all_profiles() -> dict[str, Profile]:
    """Built-in profiles, with the user's added or overriding ones."""
    profiles = dict(BUILTIN_PROFILES)
    path = config_dir() / PROFILE_FILE
    if path.exists():
        profiles.update(load_profile_file(path, BUILTIN_PROFILES))
    return profiles


def get_profile(name: str | None) -> Profile:
    """The profile called `name` (the default when None)."""
    key = name or DEFAULT_PROFILE
    if key in BUILTIN_PROFILES and not (config_dir() / PROFILE_FILE).exists():
        return BUILTIN_PROFILES[key]
    profiles = all_profiles()
    if key not in profiles:
        raise UsageError(
            f"unknown profile {key!r}: choose one of {', '.join(profiles)} "
            f"(or add it to {config_dir() / PROFILE_FILE})"
        )
    return profiles[key]
