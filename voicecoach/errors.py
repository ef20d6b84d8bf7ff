"""Typed errors. Every message says what is wrong and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass


class VoicecoachError(Exception):
    """Base of every error voicecoach reports to a person. Exit code 1 unless a kind says otherwise."""

    exit_code = 1


class UsageError(VoicecoachError):
    """Bad input on the command line (a wrong option value, an unknown routine name)."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, with a 1-based position."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class RoutineError(VoicecoachError):
    """A routine (or profile) file is wrong. Carries every problem found, each with its position."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class EngineError(VoicecoachError):
    """A speech engine or voice is missing or failed."""


class UnknownVoiceError(EngineError):
    """--voice names a voice the engine does not have: bad input, as an unknown --engine is (exit 2)."""

    exit_code = 2


class DeviceError(VoicecoachError):
    """No usable sound device, or the device failed."""


class ExportError(VoicecoachError):
    """Writing an audio file failed (encoder missing, disk full, ...)."""


class SoundFileError(VoicecoachError):
    """A sound file cannot be read: missing, damaged, or not the kind of file expected."""
