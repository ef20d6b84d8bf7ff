"""The errors `voicecoach serve` reports: each says what is wrong and what to do."""

from __future__ import annotations

from voicecoach.errors import UsageError, VoicecoachError


class ServeError(VoicecoachError):
    """The server could not start or run (exit 1)."""


class PortInUseError(ServeError):
    """Another program listens on the port asked for."""

    def __init__(self, port: int) -> None:
        self.port = port
        super().__init__(
            f"port {port} is in use; try --port {port + 1 if port < 65535 else 8765} "
            "(or --port 0 for any free port)"
        )


class BadAddressError(UsageError):
    """--host names an address this machine does not have (exit 2)."""


class PublishError(ServeError):
    """The sessions folder could not be written or read."""
