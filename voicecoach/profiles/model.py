"""Profiles: named sets of settings that turn one routine into the right session for a state of mind.

Built in: guided, eyes-closed, bedtime. `profiles.store` adds the user's own from their file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

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


def settings(profile: Profile) -> dict[str, object]:
    """A profile's settings by name, for listing."""
    return {f.name: getattr(profile, f.name) for f in dataclasses.fields(profile) if f.name != "name"}
