"""Profiles: named sets of settings that turn one routine into the right session for a state of mind.

Built in: guided (the default), eyes-closed, bedtime. Users add or override profiles in
`profiles.yaml` in their config folder (VOICECOACH_CONFIG_DIR moves it):

    profiles:
      evening:
        base: bedtime      # start from a built-in profile (default: guided)
        rate: 0.8
        bed: pink
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import UsageError

CUE_STYLES = ("both", "voice", "tones")
BEDS = ("brown", "pink", "none")


@dataclass(frozen=True)
class Profile:
    """How a session is spoken and sounds. Command-line options override these."""

    name: str
    description: str = ""
    rate: float = 1.0  # speech speed factor
    loudness_lufs: float = -16.0  # integrated loudness of an exported track
    hold_cue: str = "chime"  # the sound that marks a hold's start and end
    closing_cue: str = "bowl"
    countdown: bool = True  # a spoken count at the end of each hold
    countdown_from: int = 3
    name_sides: bool = False  # name the side before each hold and repeat the whole setup per side
    announce_next: bool = False  # "next up: ..." during rests
    halfway_cue: bool = False  # "halfway" in holds of 40 s or more
    last_stretch_line: bool = False  # "that was the last stretch"
    exhale_growth_s: float = 0.0  # breathing prompts lengthen the exhale by up to this over the session
    cues: str = "both"  # voice, tones or both
    bed: str = "none"  # background bed: brown, pink or none
    tail_s: float = 0.0  # bed alone, fading out, after the last words
    breath_tones_in_holds: bool = False


BUILTIN_PROFILES: dict[str, Profile] = {
    "guided": Profile("guided", "Every step announced and explained, chimes and a spoken countdown."),
    "eyes-closed": Profile(
        "eyes-closed",
        "Nothing depends on a screen: sides "
        "named, next steps announced, halfway cues, a five-count before each release.",
        name_sides=True,
        announce_next=True,
        halfway_cue=True,
        countdown_from=5,
        last_stretch_line=True,
    ),
    "bedtime": Profile(
        "bedtime",
        "Slower and quieter, soft bowl cues, no counting, lengthening exhales, "
        "a brown-noise bed and a wind-down ending.",
        rate=0.85,
        loudness_lufs=-20.0,
        hold_cue="bowl",
        countdown=False,
        bed="brown",
        tail_s=180.0,
        exhale_growth_s=2.0,
        breath_tones_in_holds=True,
    ),
}

DEFAULT_PROFILE = "guided"
PROFILE_FILE = "profiles.yaml"


def config_dir() -> Path:
    """Where the user's profiles.yaml lives (VOICECOACH_CONFIG_DIR moves it)."""
    override = os.environ.get("VOICECOACH_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("voicecoach"))


def all_profiles() -> dict[str, Profile]:
    """Built-in profiles, with the user's added or overriding ones."""
    from voicecoach.profiles.file import load_profile_file

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


def settings(profile: Profile) -> dict[str, object]:
    """A profile's settings by name, for listing."""
    return {f.name: getattr(profile, f.name) for f in dataclasses.fields(profile) if f.name != "name"}
