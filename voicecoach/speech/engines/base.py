"""The engine interface every speech engine implements."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from voicecoach.sound.clip import Clip


@dataclass(frozen=True)
class Availability:
    """Whether an engine works here, and if not, what to do about it."""

    available: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.available


#: Characters engines could read as markup rather than text: piper's and espeak-ng's `[[phoneme]]`
#: blocks, macOS's `[[embedded commands]]`, SSML and SAPI XML (`<...>`). They become parentheses,
#: which every engine reads as a pause, as it reads the brackets themselves in plain text.
_MARKUP = str.maketrans({"[": "(", "]": ")", "<": "(", ">": ")"})
#: Control characters (C0 and C1, but tab and newline) mean nothing in speech.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def package_version(distribution: str) -> str:
    """The installed version of a Python package (as in an engine's identity), or 'unknown'."""
    # start-up time: importlib.metadata pulls in email, zipfile and csv (~8 ms), and only an
    # engine's identity needs it
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def plain_text(text: str) -> str:
    """`text` as every engine must receive it: words and punctuation only, never markup that
    could change the voice, insert silence or switch to phonemes. (It goes to an engine's input,
    never its command line, so it can never be an option either.)"""
    return _CONTROL.sub(" ", text.translate(_MARKUP))


class Engine(ABC):
    """A text-to-speech engine. Subclasses import their optional parts lazily."""

    name: str = ""
    description: str = ""
    #: How many lines `Synthesizer.clips` may synthesise at once with threads (1: one at a time).
    workers: int = 1

    @abstractmethod
    def is_available(self) -> Availability:
        """Whether this engine can speak here; when not, the reason names the fix."""

    @abstractmethod
    def synthesize(self, text: str, voice: str | None, rate: float) -> Clip:
        """Speak `text` (already normalised) with `voice` at speed factor `rate`; trimmed audio."""

    @abstractmethod
    def voices(self) -> list[str]:
        """Names of the voices this engine offers here."""

    @abstractmethod
    def identity(self, voice: str | None) -> str:
        """A string that changes whenever the sound would change: engine version, voice, model hash."""

    def default_voice(self) -> str | None:
        return None
