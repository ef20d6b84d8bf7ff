"""The `sounddevice` output: one PortAudio stream, paced by the sound card itself.

The stream starts with the first audio and is stopped (after playing what it holds) whenever
the session has nothing to play (before the first line, paused, at the end): a stream left
running dry underruns, and the audio written as it recovers can be lost.
"""

from __future__ import annotations

import os

import numpy as np

from voicecoach.errors import DeviceError
from voicecoach.live.backends.base import DEVICE_LATENCY_S, ClockedBackend
from voicecoach.sound.wav import to_int16
from voicecoach.speech.engines.base import Availability
from voicecoach.speech.playback import quiet_stderr

PIP_HINT = "pip install 'voicecoach[live]'"


def _alsa_without_configuration() -> bool:
    """Whether ALSA is pointed (ALSA_CONFIG_PATH) at configuration files that are all empty or missing."""
    paths = [p for p in os.environ.get("ALSA_CONFIG_PATH", "").split(":") if p]
    return bool(paths) and all(not os.path.isfile(p) or os.path.getsize(p) == 0 for p in paths)


class SounddeviceBackend(ClockedBackend):
    """A PortAudio output stream through sounddevice (the `live` extra), paced by the device."""

    name = "sounddevice"
    description = "the sound card through sounddevice (PortAudio)"
    period_s = 0.02
    buffer_s = 1.0  # written ahead of the device thread: a stalled mixer does not starve it
    device_paced = True

    @classmethod
    def is_available(cls) -> Availability:
        if _alsa_without_configuration():  # PortAudio would abort the whole process on loading
            return Availability(False, "no sound device found (ALSA has no configuration)")
        try:
            with quiet_stderr():
                import sounddevice
        except ImportError:
            return Availability(False, f"sounddevice is not installed: {PIP_HINT}")
        except OSError:  # the PortAudio library itself is missing
            return Availability(False, "the PortAudio library is missing: sudo apt-get install libportaudio2")
        try:
            with quiet_stderr():
                sounddevice.query_devices(kind="output")
        except Exception as exc:
            return Availability(False, f"no sound device found ({exc})")
        return Availability(True)

    def _open_device(self) -> None:
        import sounddevice  # the `live` extra: imported only when this output is used

        try:
            with quiet_stderr():
                self._stream = sounddevice.OutputStream(
                    samplerate=int(round(min(self.rate, 192000))),
                    channels=1,
                    dtype="int16",
                    latency=DEVICE_LATENCY_S,
                )
        except Exception as exc:
            raise DeviceError(f"sounddevice could not open the sound output: {exc}") from None

    def _output(self, data: np.ndarray) -> None:
        if not self._stream.active:
            self._stream.start()
        self._stream.write(to_int16(data).reshape(-1, 1))

    def _idle_output(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None and stream.active:
            stream.stop()  # returns once what the stream holds has played

    def _close_device(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None:
            stream.close(ignore_errors=True)
