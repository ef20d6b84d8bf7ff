"""espeak-ng: fast, robotic, everywhere. Text goes in on stdin, never as an argument."""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import tempfile

from voicecoach.errors import EngineError, SoundFileError, UnknownVoiceError
from voicecoach.sound.clip import Clip, trim_silence
from voicecoach.sound.wav import read_wav
from voicecoach.speech.engines.base import Availability, Engine, plain_text

#: The longest one line may take (a 2,000-character line takes a second or two).
SPEAK_TIMEOUT_S = 60.0
#: espeak-ng's own default speed in words per minute; `rate` scales it.
BASE_WPM = 165
INSTALL_HINT = (
    "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng; macOS: brew install espeak-ng)"
)
REINSTALL_HINT = (
    "reinstall espeak-ng (Debian/Ubuntu: sudo apt-get install --reinstall espeak-ng espeak-ng-data; "
    "macOS: brew reinstall espeak-ng)"
)


def _binary() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


class EspeakEngine(Engine):
    name = "espeak"
    description = "espeak-ng: fast and robotic, good for drafts and tests"
    #: Each line is its own espeak-ng process, so threads run several at once.
    workers = max(1, os.cpu_count() or 1)

    def is_available(self) -> Availability:
        if _binary() is None:
            return Availability(False, f"espeak-ng is not installed: {INSTALL_HINT}")
        problem = _voice_table()[1]
        if problem:
            return Availability(
                False, f"espeak-ng is installed but does not run ({problem}): {REINSTALL_HINT}"
            )
        return Availability(True)

    def default_voice(self) -> str | None:
        return "en-us"

    def synthesize(self, text: str, voice: str | None, rate: float) -> Clip:
        exe = _binary()
        if exe is None:
            raise EngineError(f"the espeak engine needs espeak-ng: {INSTALL_HINT}")
        self.check_voice(voice)
        wpm = max(80, min(450, int(round(BASE_WPM * rate))))
        fd, out = tempfile.mkstemp(suffix=".wav", prefix="voicecoach-espeak-")
        os.close(fd)
        try:
            # No -m: text is never parsed as SSML; on stdin it can never be an option.
            cmd = [exe, "-v", voice or "en-us", "-s", str(wpm), "-w", out, "--stdin"]
            try:
                proc = subprocess.run(
                    cmd,
                    input=plain_text(text).encode("utf-8"),
                    capture_output=True,
                    timeout=SPEAK_TIMEOUT_S,
                    check=False,  # the exit code is reported with espeak-ng's own message
                )
            except subprocess.TimeoutExpired:
                raise EngineError(
                    f"espeak-ng took over {SPEAK_TIMEOUT_S:.0f} s for one line of "
                    f"{len(text):,} characters: try a shorter line"
                ) from None
            if proc.returncode != 0:
                msg = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
                raise EngineError(
                    f"espeak-ng failed for voice {voice or 'en-us'!r}: {msg} "
                    "(see `voicecoach voices` for the voices here)"
                )
            try:
                clip = read_wav(out)
            except SoundFileError as exc:
                raise EngineError(
                    f"espeak-ng wrote audio that cannot be read ({exc}): {REINSTALL_HINT}"
                ) from None
        finally:
            os.unlink(out)
        return Clip(trim_silence(clip.samples, sample_rate=clip.sample_rate), clip.sample_rate)

    def voices(self) -> list[str]:
        return sorted({row[0] for row in _voice_table()[0]})

    def check_voice(self, voice: str | None) -> None:
        """EngineError unless espeak-ng knows `voice` (espeak-ng itself falls back silently)."""
        if not voice:
            return
        rows, problem = _voice_table()
        if problem:
            raise EngineError(f"espeak-ng does not run here ({problem}): {REINSTALL_HINT}")
        known = {name.lower() for row in rows for name in row}
        base, _, variant = voice.partition("+")
        # A variant names a file of espeak-ng's own variants folder: a word, never a path.
        if base.lower() not in known or (variant and not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", variant)):
            raise UnknownVoiceError(
                f"unknown espeak voice {voice!r}: run `voicecoach voices` to see the "
                "voices here (a variant such as en-us+f3 is allowed)"
            )

    def identity(self, voice: str | None) -> str:
        self.check_voice(voice)
        return f"espeak-ng {_version()} voice={voice or 'en-us'}"


@functools.lru_cache(maxsize=1)
def _voice_table() -> tuple[tuple[tuple[str, ...], ...], str]:
    """Per voice: its language, voice name, file and other language codes (`espeak-ng --voices`);
    and what went wrong when espeak-ng did not run ('' when it did)."""
    exe = _binary()
    if exe is None:
        return (), "espeak-ng is not installed"
    try:
        proc = subprocess.run([exe, "--voices"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return (), f"`espeak-ng --voices` failed: {exc}"
    if proc.returncode != 0:
        ended = (
            f"killed by {signal.Signals(-proc.returncode).name}"
            if proc.returncode < 0
            else f"exit {proc.returncode}"
        )
        detail = (proc.stderr.strip().splitlines() or [ended])[-1]
        return (), f"`espeak-ng --voices` failed: {detail}"
    rows = []
    for line in proc.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:
            others = re.findall(r"\(([^\s()]+)\s+\d+\)", " ".join(parts[5:]))
            rows.append((parts[1], parts[3], parts[4], *others))
    if not rows:
        return (), "`espeak-ng --voices` lists no voices (is espeak-ng-data missing?)"
    return tuple(rows), ""


@functools.lru_cache(maxsize=1)
def _version() -> str:
    exe = _binary()
    if exe is None:
        return "missing"
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    return proc.stdout.strip()
