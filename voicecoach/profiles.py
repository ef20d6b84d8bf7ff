"""Profiles: named sets of settings that turn one routine into the right session for a state of mind."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.errors import UsageError


@dataclass(frozen=True)
class Profile:
    """How a session is spoken and sounds. Command-line options override these."""

    name: str
    description: str
    rate: float = 1.0  # speech speed factor
    loudness_lufs: float = -16.0  # integrated loudness of an exported track
    hold_cue: str = "chime"  # the sound that marks a hold's start and end
    closing_cue: str = "bowl"
    countdown: bool = True  # a spoken "three, two, one" at the end of each hold
    name_sides: bool = False  # "your left leg" rather than "left"
    announce_next: bool = False  # "next up: ..." during rests
    bed: str | None = None  # background bed: brown, pink, or none
    tail_s: float = 0.0  # bed alone, fading out, after the last words
    breath_tones_in_holds: bool = False


BUILTIN_PROFILES: dict[str, Profile] = {
    "guided": Profile("guided", "Every step announced and explained, chimes and a spoken countdown."),
    "eyes-closed": Profile("eyes-closed", "Nothing depends on a screen: sides named, next steps announced.",
                           name_sides=True, announce_next=True),
    "bedtime": Profile("bedtime", "Slower and quieter, soft bowl cues, no counting, brown-noise bed.",
                       rate=0.85, loudness_lufs=-20.0, hold_cue="bowl", countdown=False, bed="brown",
                       tail_s=180.0, breath_tones_in_holds=True),
}

DEFAULT_PROFILE = "guided"


def get_profile(name: str | None) -> Profile:
    """The profile called `name` (the default when None)."""
    key = name or DEFAULT_PROFILE
    if key not in BUILTIN_PROFILES:
        raise UsageError(f"unknown profile {key!r}: choose one of {', '.join(BUILTIN_PROFILES)}")
    return BUILTIN_PROFILES[key]
