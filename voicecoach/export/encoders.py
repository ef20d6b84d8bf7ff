"""Encoders that take float32 blocks as they are mixed and write a file: MP3, WAV, and via ffmpeg
M4A (AAC), M4B (the same AAC as an audiobook), Ogg Vorbis, Opus and FLAC. The conversion to 16-bit
(with clipping) happens only here.

The MP3 is CBR from lameenc, preceded by an Info/LAME tag frame (see lametag.py) that records
the encoder delay and the end padding, so decoders trim both and the decoded audio is exactly
as long as what was mixed, starting on time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import IO

import numpy as np

from voicecoach.errors import ExportError, UsageError
from voicecoach.export import lametag
from voicecoach.sound.loudness import TruePeakMeter
from voicecoach.sound.wav import to_int16

#: What ffmpeg prints when it could not write its output (it may still exit 0 after some of these).
_WRITE_FAILURE = re.compile(
    r"Error (writing|closing)|No space left|File too large|Disk quota|"
    r"Input/output error"
)
FFMPEG_HINT = "install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg)"


@dataclass(frozen=True)
class Setting:
    """One --quality of one format: encoder arguments and the true-peak headroom it needs.

    Lossy codecs add quantisation noise that can push decoded peaks above the encoded ones;
    `headroom_db` is how far below the requested true peak the limiter aims, measured for
    each setting on limited speech (the worst case) with a margin.
    """

    args: tuple[str, ...]
    headroom_db: float


@dataclass(frozen=True)
class FormatSpec:
    """How one file suffix is written."""

    name: str
    suffix: str
    settings: dict[str, Setting]
    ffmpeg_muxer: str = ""  # empty: written here, not by ffmpeg
    muxer_args: tuple[str, ...] = ()  # ffmpeg output options besides the codec's
    comment_chapters: bool = False  # chapters as Vorbis comments (ffmpeg writes none for this format)
    check_peaks: bool = False  # lossy via ffmpeg: the decoded true peak is measured after encoding

    @property
    def via_ffmpeg(self) -> bool:
        return bool(self.ffmpeg_muxer)


def _both(args: tuple[str, ...], headroom_db: float) -> dict[str, Setting]:
    return {"phone": Setting(args, headroom_db), "high": Setting(args, headroom_db)}


#: ffmpeg's AAC encoder; its temporal noise shaping (TNS) now and then turns a limited speech peak
#: into a click up to 0 dBFS, past any headroom: it is off (for speech it makes no audible difference).
_AAC = ("-c:a", "aac", "-aac_tns", "0")

FORMATS: dict[str, FormatSpec] = {
    # MP3 arguments: bitrate in kbps, LAME quality (0 best .. 9 fastest). Mono voice.
    ".mp3": FormatSpec(
        "mp3", ".mp3", {"phone": Setting(("96", "5"), 1.5), "high": Setting(("160", "2"), 0.7)}
    ),
    ".wav": FormatSpec("wav", ".wav", _both((), 0.1)),
    ".flac": FormatSpec("flac", ".flac", _both(("-c:a", "flac"), 0.1), "flac", comment_chapters=True),
    ".m4a": FormatSpec(
        "m4a",
        ".m4a",
        {
            "phone": Setting((*_AAC, "-b:a", "96k"), 1.5),
            "high": Setting((*_AAC, "-b:a", "160k"), 0.7),
        },
        "ipod",
        check_peaks=True,
    ),
    # An audiobook: AAC with chapters, branded M4B and marked as an audiobook (iTunes media type 2)
    # for Apple Books and audiobook players; the index first, so a player streaming it over HTTP
    # knows its length and chapters before the audio arrives.
    ".m4b": FormatSpec(
        "m4b",
        ".m4b",
        {
            "phone": Setting((*_AAC, "-b:a", "96k"), 1.5),
            "high": Setting((*_AAC, "-b:a", "160k"), 0.7),
        },
        "ipod",
        ("-movflags", "+faststart", "-brand", "M4B ", "-metadata", "media_type=2"),
        check_peaks=True,
    ),
    ".ogg": FormatSpec(
        "ogg",
        ".ogg",
        {
            "phone": Setting(("-c:a", "libvorbis", "-q:a", "3"), 2.0),
            "high": Setting(("-c:a", "libvorbis", "-q:a", "6"), 1.0),
        },
        "ogg",
        comment_chapters=True,
        check_peaks=True,
    ),
    ".opus": FormatSpec(
        "opus",
        ".opus",
        {
            "phone": Setting(("-c:a", "libopus", "-b:a", "64k"), 3.0),
            "high": Setting(("-c:a", "libopus", "-b:a", "128k"), 1.5),
        },
        "opus",
        comment_chapters=True,  # ffmpeg's own Opus chapters can start a second late (5.1 rounds up)
        check_peaks=True,
    ),
}
QUALITIES = ("phone", "high")

#: LAME's output decodes 0.445 dB quieter than its input (a fixed 0.95 scale, measured at every
#: level, frequency and bitrate); the MP3 encoder scales its input up by as much to undo it.
LAME_LEVEL_CORRECTION = np.float32(1 / 0.95)


def format_for(path_or_format: str) -> FormatSpec:
    """The format a file name asks for by its suffix, or a format named directly ('mp3', '.wav').

    An unknown one is a UsageError (bad input, exit 2)."""
    bare = "." + path_or_format.lower().lstrip(".")
    suffix = bare if bare in FORMATS else os.path.splitext(path_or_format)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"cannot write {os.path.basename(path_or_format)!r}: unknown format "
            f"{suffix or '(no suffix)'}; use one of {', '.join(FORMATS)}"
        )
    return FORMATS[suffix]


def check_encoder(spec: FormatSpec) -> None:
    """ExportError at once when writing `spec` needs ffmpeg and there is none (before any work)."""
    if spec.via_ffmpeg and shutil.which("ffmpeg") is None:
        raise ExportError(f"writing {spec.suffix} files needs ffmpeg: {FFMPEG_HINT} (or export .mp3 / .wav)")


class Encoder(ABC):
    """Receives mono float32 blocks, writes one file. `close()` finishes it; `abort()` gives up."""

    samples_written = 0

    @abstractmethod
    def write(self, block: np.ndarray) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def abort(self) -> None:
        """Stop without finishing (the caller deletes the file)."""


class WavEncoder(Encoder):
    """16-bit PCM mono WAV."""

    def __init__(self, path: str, sample_rate: int) -> None:
        self._wav = wave.open(path, "wb")
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)
        self.samples_written = 0

    def write(self, block: np.ndarray) -> None:
        self._wav.writeframes(to_int16(block).tobytes())
        self.samples_written += len(block)

    def close(self) -> None:
        self._wav.close()

    def abort(self) -> None:
        with contextlib.suppress(OSError, wave.Error):
            self._wav.close()


class Mp3Encoder(Encoder):
    """Gapless CBR MP3 (mono) via lameenc, with the Info/LAME tag frame written in front.

    LAME runs in a worker process (mp3_worker.py): it holds Python's global lock while it
    encodes, and in its own process it encodes on one core while the mix is made on the other.
    """

    def __init__(self, path: str, sample_rate: int, quality: str = "phone", id3: bytes = b"") -> None:
        bitrate, lame_quality = FORMATS[".mp3"].settings[quality].args
        self._bitrate = int(bitrate)
        self._rate = sample_rate
        self._path = path
        self._info_offset = len(id3)
        self._tag_size = lametag.FrameHeader(self._bitrate, sample_rate, False, True).length
        try:
            self._info_frame(0, 0, 0)  # fails early if this rate or bitrate cannot hold the tag
        except ValueError as exc:
            raise ExportError(f"cannot write this MP3: {exc} (use 32000, 44100 or 48000 Hz)") from exc
        with open(path, "wb") as head:
            head.write(id3)  # the ID3v2 tag goes first; the Info frame follows it
            head.write(bytes(self._tag_size))  # placeholder, filled in by close()
        self._errors = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER_BOOT,
                _package_root(),
                path,
                str(self._info_offset + self._tag_size),
                str(self._bitrate),
                str(int(lame_quality)),
                str(sample_rate),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            start_new_session=os.name == "posix",
        )  # Ctrl-C reaches only us; abort() stops it
        self._stdin, self._stdout = _pipe(self._proc.stdin), _pipe(self._proc.stdout)
        _widen_pipe(self._stdin)
        self.samples_written = 0

    def _info_frame(self, frames: int, audio_bytes: int, padding: int) -> bytes:
        return lametag.info_frame(
            self._bitrate,
            self._rate,
            True,
            audio_frames=frames,
            stream_bytes=audio_bytes + self._tag_size,
            delay=lametag.LAME_ENCODER_DELAY,
            padding=padding,
        )

    def _failure(self) -> Exception:
        """What went wrong in the encoder process: its OSError as one (a full disk reads as such)."""
        self._proc.wait()
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        last = lines[-1] if lines else ""
        os_error = re.search(r"\[Errno (\d+)\] ([^:]+)", last)
        if os_error:
            return OSError(int(os_error.group(1)), os_error.group(2).strip())
        return ExportError(f"the MP3 encoder failed: {last or f'exit {self._proc.returncode}'}")

    def write(self, block: np.ndarray) -> None:
        try:
            self._stdin.write(to_int16(block * LAME_LEVEL_CORRECTION).tobytes())
        except BrokenPipeError:
            raise self._failure() from None
        self.samples_written += len(block)

    def close(self) -> None:
        if self.samples_written == 0:
            self.abort()
            raise ExportError("nothing to encode: the session has no audio (check its duration)")
        with contextlib.suppress(BrokenPipeError):
            self._stdin.close()
        report = self._stdout.read()
        if self._proc.wait() != 0:
            raise self._failure()
        self._errors.close()
        counts = json.loads(report)
        padding = (
            counts["frames"] * lametag.SAMPLES_PER_FRAME - lametag.LAME_ENCODER_DELAY - self.samples_written
        )
        if counts["pending"] or not 0 <= padding < 4096:
            raise ExportError(
                f"the MP3 stream did not end on a whole frame (padding {padding}); please report this"
            )
        with open(self._path, "r+b") as out:
            out.seek(self._info_offset)
            out.write(self._info_frame(counts["frames"], counts["audio_bytes"], padding))

    def abort(self) -> None:
        self._proc.kill()
        self._proc.wait()
        for stream in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self._errors.close()


#: Starts the MP3 worker from the same voicecoach package as this process, whatever the folder.
_WORKER_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); from voicecoach.export.mp3_worker import main; "
    "sys.exit(main(sys.argv[2:]))"
)


def _package_root() -> str:
    """The folder holding this voicecoach package (so a worker imports the same code)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    """A child's stdin or stdout that was asked for as a pipe (so never None)."""
    if stream is None:
        raise ValueError("the child process was started without this pipe")
    return stream


def _widen_pipe(pipe: IO[bytes]) -> None:
    """Ask for a 1 MiB pipe buffer (Linux), so the mixer runs ahead of the encoder by a few blocks."""
    try:
        import fcntl  # POSIX only: there is no fcntl on Windows

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


class FfmpegEncoder(Encoder):
    """Pipes 16-bit PCM into ffmpeg, which encodes (and muxes tags and chapters from a metadata file)."""

    def __init__(
        self, path: str, sample_rate: int, spec: FormatSpec, quality: str, metadata_file: str | None = None
    ) -> None:
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise ExportError(
                f"writing {spec.suffix} files needs ffmpeg: {FFMPEG_HINT} (or export .mp3 / .wav)"
            )
        cmd = [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-f",
            "s16le",
            "-ar",
            str(sample_rate),
            "-ac",
            "1",
            "-i",
            "pipe:0",
        ]
        if metadata_file:
            chapters_from = "-1" if spec.comment_chapters else "1"  # -1: the comments carry them
            cmd += [
                "-f",
                "ffmetadata",
                "-i",
                metadata_file,
                "-map_metadata",
                "1",
                "-map_chapters",
                chapters_from,
            ]
        cmd += ["-map", "0:a", *spec.settings[quality].args, *spec.muxer_args, "-f", spec.ffmpeg_muxer, path]
        self._errors = tempfile.TemporaryFile()
        # Its own session: Ctrl-C reaches only us, and we stop ffmpeg ourselves (abort).
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._errors,
            start_new_session=os.name == "posix",
        )
        self._stdin = _pipe(self._proc.stdin)
        self._what = spec.suffix
        self.samples_written = 0

    def _error_lines(self) -> list[str]:
        self._errors.seek(0)
        return self._errors.read().decode("utf-8", "replace").strip().splitlines()

    def _failure(self) -> ExportError:
        self._proc.wait()
        lines = self._error_lines()
        disk = [line for line in lines if _WRITE_FAILURE.search(line)]
        code = self._proc.returncode
        if not disk and code == -getattr(signal, "SIGXFSZ", 0):  # killed at the file-size limit
            disk = ["File too large"]
        if disk:
            return ExportError(
                f"ffmpeg could not write the {self._what} file: {disk[-1].rsplit(': ', 1)[-1]} "
                "(check the folder is writable and the disk has space)"
            )
        if code is not None and code < 0 and not lines:
            return ExportError(
                f"ffmpeg was stopped by signal {signal.Signals(-code).name} while writing the "
                f"{self._what} file: try again"
            )
        return ExportError(
            f"ffmpeg failed writing the {self._what} file: "
            f"{lines[-1] if lines else f'exit {self._proc.returncode}'}"
        )

    def write(self, block: np.ndarray) -> None:
        try:
            self._stdin.write(to_int16(block).tobytes())
        except BrokenPipeError:
            raise self._failure() from None
        self.samples_written += len(block)

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self._stdin.close()
        # ffmpeg can exit 0 after failing to write the end of the file (a full disk): its
        # error output, which `-v error` keeps for errors alone, is checked as well.
        if self._proc.wait() != 0 or any(_WRITE_FAILURE.search(line) for line in self._error_lines()):
            raise self._failure()
        self._errors.close()

    def abort(self) -> None:
        self._proc.kill()
        self._proc.wait()
        self._errors.close()


def decoded_true_peak_db(path: str | os.PathLike[str], sample_rate: int) -> float:
    """The true peak (dBTP, 4x oversampled) of a file as a player decodes it (ffmpeg)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ExportError(f"checking the file's peaks needs ffmpeg: {FFMPEG_HINT}")
    cmd = [ffmpeg, "-v", "error", "-nostdin", "-i", os.fspath(path), "-f", "f32le", "-ac", "1"]
    cmd += ["-ar", str(sample_rate), "-"]
    meter = TruePeakMeter(sample_rate)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        stream = _pipe(proc.stdout)
        while chunk := stream.read(1 << 20):
            usable = len(chunk) - len(chunk) % 4
            if usable < len(chunk):  # a pipe read can end inside a sample: complete it
                chunk += stream.read(4 - len(chunk) % 4)
            meter.add(np.frombuffer(chunk, dtype="<f4"))
    if proc.returncode != 0:
        raise ExportError(f"ffmpeg could not decode the file it wrote ({os.fspath(path)}): try again")
    meter.add(np.zeros(0, dtype=np.float32), last=True)
    return meter.peak_db


def open_encoder(
    path: str,
    spec: FormatSpec,
    sample_rate: int,
    quality: str,
    metadata_file: str | None = None,
    id3: bytes = b"",
) -> Encoder:
    """An encoder writing `path` (usually a temporary name) in the format `spec`.

    `id3` is a ready ID3v2 tag written at the start of an MP3; `metadata_file` an FFMETADATA
    file of tags and chapters for the ffmpeg formats.
    """
    if quality not in spec.settings:
        raise ExportError(f"unknown quality {quality!r}: use {' or '.join(QUALITIES)}")
    if spec.name == "mp3":
        return Mp3Encoder(path, sample_rate, quality, id3)
    if spec.name == "wav":
        return WavEncoder(path, sample_rate)
    return FfmpegEncoder(path, sample_rate, spec, quality, metadata_file)
