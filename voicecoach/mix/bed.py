"""The background bed: brown or pink noise, or a looped sound file, ducked under speech.

Noise is generated block by block with a filter whose state carries over, so it is seamless
and costs no memory however long the session is. A FILE is decoded once (at most
MAX_FILE_S of it) and looped; its loop point is crossfaded with equal-power curves so the
seam cannot be heard. The Ducker turns the timeline's speech into a smooth gain curve: the bed
ramps down before each line starts (the timeline is known in advance) and back up after it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.errors import ExportError, SoundFileError, UsageError
from voicecoach.fsutil import path_kind
from voicecoach.sound.loudness import clip_loudness
from voicecoach.sound.resample import resample
from voicecoach.sound.wav import check_wav, read_wav

NOISE_COLOURS = ("brown", "pink")
#: The longest stretch of a bed FILE that is kept (it loops anyway); bounds memory.
MAX_FILE_S = 300.0
#: Widely used 3-pole/3-zero approximation of a 1/f (pink) spectrum for white noise input.
_PINK_B = (0.049922035, -0.095993537, 0.050612699, -0.004408786)
_PINK_A = (1.0, -2.494956002, 2.017265875, -0.522189400)
#: Corner of the leaky integrator that turns white noise brown (a gentle rumble above it).
_BROWN_CORNER_HZ = 40.0


@dataclass(frozen=True)
class Bed:
    """What plays under the session and how it behaves. `source` is 'brown', 'pink' or a file path."""

    source: str
    level_lufs: float = -38.0  # loudness of the bed when not ducked, before the final normalisation
    duck_db: float = -12.0  # gain under speech
    attack_s: float = 0.25  # ramp down, finishing as speech starts
    release_s: float = 0.3  # ramp up after speech ends
    fade_in_s: float = 3.0
    fade_out_s: float = 4.0
    seed: int = 1

    def stream(self, sample_rate: int, start_sample: int = 0) -> NoiseStream | LoopStream:
        """A reader of consecutive bed samples, positioned at `start_sample`."""
        if self.source in NOISE_COLOURS:
            return NoiseStream(self.source, sample_rate, self.level_lufs, self.seed, start_sample)
        loop = load_loop(self.source, sample_rate, self.level_lufs)
        return LoopStream(loop, start_sample)

    def ducker(self, speech_spans: Sequence[tuple[int, int]], total_samples: int, sample_rate: int) -> Ducker:
        return Ducker(speech_spans, total_samples, sample_rate, self)


def _noise_filter(colour: str, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    if colour == "pink":
        return np.array(_PINK_B), np.array(_PINK_A)
    pole = 1.0 - 2.0 * np.pi * _BROWN_CORNER_HZ / sample_rate
    return np.array([1.0 - pole]), np.array([1.0, -pole])


@functools.lru_cache(maxsize=8)
def _noise_loudness(colour: str, sample_rate: int) -> float:
    """Loudness (LUFS) of the filtered noise for unit-variance white input, from a fixed sample."""
    from scipy.signal import lfilter

    b, a = _noise_filter(colour, sample_rate)
    white = np.random.default_rng(0).standard_normal(10 * sample_rate)
    return clip_loudness(lfilter(b, a, white)[sample_rate:], sample_rate)


class NoiseStream:
    """Seamless coloured noise at a fixed RMS, generated on demand."""

    def __init__(
        self, colour: str, sample_rate: int, level_lufs: float, seed: int, start_sample: int
    ) -> None:
        from scipy.signal import lfilter

        self._lfilter: Callable[..., tuple[np.ndarray, np.ndarray]] = lfilter  # scipy is untyped
        b, a = _noise_filter(colour, sample_rate)
        self._b, self._a = b.astype(np.float32), a.astype(np.float32)
        self._scale = 10 ** ((level_lufs - _noise_loudness(colour, sample_rate)) / 20)
        self._rng = np.random.default_rng([seed, max(0, start_sample)])
        self._zi = np.zeros(len(self._a) - 1, dtype=np.float32)
        self.read(sample_rate // 2)  # settle the filter so the first block is already coloured

    def read(self, n: int) -> np.ndarray:
        white = self._rng.standard_normal(n, dtype=np.float32)
        out, self._zi = self._lfilter(self._b, self._a, white, zi=self._zi)
        coloured: np.ndarray = out.astype(np.float32) * np.float32(self._scale)  # numpy types this Any
        return coloured


class LoopStream:
    """Reads a prepared loop round and round."""

    def __init__(self, loop: np.ndarray, start_sample: int) -> None:
        self._loop = loop
        self._pos = max(0, start_sample) % len(loop)

    def read(self, n: int) -> np.ndarray:
        out = np.empty(n, dtype=np.float32)
        done = 0
        while done < n:
            take = min(n - done, len(self._loop) - self._pos)
            out[done : done + take] = self._loop[self._pos : self._pos + take]
            done += take
            self._pos = (self._pos + take) % len(self._loop)
        return out


def make_loop(samples: np.ndarray, sample_rate: int, crossfade_s: float = 2.0) -> np.ndarray:
    """A seamless loop: the tail is crossfaded (equal power) into the head, then dropped.

    Playing the result repeatedly, the last sample leads straight into what followed the
    tail's start, while the head fades back in: there is no jump at the seam.
    """
    fade = min(int(crossfade_s * sample_rate), len(samples) // 4)
    if fade < 2:
        return np.ascontiguousarray(samples, dtype=np.float32)
    loop = np.array(samples[: len(samples) - fade], dtype=np.float32)
    theta = np.linspace(0.0, np.pi / 2, fade, dtype=np.float32)
    loop[:fade] = samples[:fade] * np.sin(theta) + samples[len(samples) - fade :] * np.cos(theta)
    return loop


@functools.lru_cache(maxsize=2)
def _decoded_loop(path: str, mtime_ns: int, sample_rate: int, level_lufs: float, shown: str) -> np.ndarray:
    samples = decode_file(path, sample_rate, MAX_FILE_S, shown)
    loudness = clip_loudness(samples, sample_rate) if len(samples) >= sample_rate // 2 else float("-inf")
    if not np.isfinite(loudness):
        raise UsageError(f"the bed file {shown} is silent or shorter than half a second: choose another")
    loop = make_loop(samples * np.float32(10 ** ((level_lufs - loudness) / 20)), sample_rate)
    loop.setflags(write=False)
    return loop


BED_HINT = "use --bed brown, --bed pink, --bed none or a sound file"
#: The only containers ffmpeg may open for a bed: plain audio files. Playlists (HLS, concat) and
#: the like, which would make ffmpeg open other files or URLs named inside the file, are refused.
AUDIO_DEMUXERS = ("wav", "w64", "mp3", "flac", "ogg", "mov", "matroska", "aiff", "aac", "caf", "wv", "ac3")
#: How long ffmpeg may take to decode MAX_FILE_S of a bed.
DECODE_TIMEOUT_S = 120.0


def check_bed_file(path: str) -> None:
    """UsageError unless `path` is a regular file: a device (/dev/zero), a named pipe, a socket or a
    folder is never opened."""
    try:
        kind = path_kind(path)
    except OSError as exc:
        raise UsageError(
            f"cannot read the bed file {path}: {(exc.strerror or str(exc)).lower()} ({BED_HINT})"
        ) from None
    if kind:
        raise UsageError(f"the bed file {path} is {kind}, not a sound file ({BED_HINT})")
    if os.path.getsize(path) == 0:
        raise UsageError(f"the bed file {path} is empty (0 bytes), not a sound file ({BED_HINT})")
    try:
        os.close(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)))
    except OSError as exc:
        raise UsageError(
            f"cannot read the bed file {path}: {(exc.strerror or str(exc)).lower()} ({BED_HINT})"
        ) from None
    if shutil.which("ffmpeg") is None and not _plain_wav(path):
        raise ExportError(
            f"decoding {path} needs ffmpeg: install it (Debian/Ubuntu: sudo apt-get install "
            "ffmpeg; macOS: brew install ffmpeg) or use a 16-bit WAV bed"
        )


def _plain_wav(path: str) -> bool:
    """Whether `path` is a 16-bit PCM WAV voicecoach reads without ffmpeg (only the header is read)."""
    try:
        check_wav(path)
    except SoundFileError:
        return False
    return True


def load_loop(path: str, sample_rate: int, level_lufs: float) -> np.ndarray:
    """The bed file as a seamless loop at `level_lufs` (decoded once, then cached)."""
    check_bed_file(path)
    try:
        mtime_ns = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise UsageError(f"cannot read the bed file {path}: {exc.strerror} ({BED_HINT})") from exc
    return _decoded_loop(os.path.abspath(path), mtime_ns, sample_rate, level_lufs, path)


def _read_wav_head(path: str, sample_rate: int, max_s: float) -> np.ndarray | None:
    """The first `max_s` of a plain 16-bit PCM WAV, resampled; None for any other file (ffmpeg's turn)."""
    try:
        clip = read_wav(path, max_s)
    except SoundFileError:
        return None
    return resample(clip.samples, clip.sample_rate, sample_rate)


def decode_file(path: str, sample_rate: int, max_s: float, shown: str | None = None) -> np.ndarray:
    """Decode a sound file to mono float32 at `sample_rate` (at most `max_s`): a 16-bit WAV here,
    anything else with ffmpeg, which may read only this local file as plain audio.

    A file ffmpeg cannot decode is bad input (UsageError), named once as `shown` (default `path`).
    """
    shown = shown or path
    if Path(path).suffix.lower() == ".wav":
        samples = _read_wav_head(path, sample_rate, max_s)
        if samples is not None:
            return samples
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ExportError(
            f"decoding {path} needs ffmpeg: install it (Debian/Ubuntu: sudo apt-get install "
            "ffmpeg; macOS: brew install ffmpeg) or use a 16-bit WAV bed"
        )
    # "file:" and the whitelists: a name like "pipe:0" or "http:x", or a playlist inside the file,
    # can never make ffmpeg read anything but this one file as audio.
    cmd = [
        ffmpeg,
        "-v",
        "error",
        "-nostdin",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        ",".join(AUDIO_DEMUXERS),
        "-i",
        "file:" + os.path.abspath(path),
        "-t",
        str(max_s),
        "-vn",
        "-f",
        "f32le",
        "-ac",
        "1",
        "-ar",
        str(sample_rate),
        "-",
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=DECODE_TIMEOUT_S, check=False
        )  # a failed decode is reported below with ffmpeg's own message
    except subprocess.TimeoutExpired:
        raise ExportError(
            f"ffmpeg took over {DECODE_TIMEOUT_S:.0f} s decoding the bed file {path}: "
            "convert it to a WAV file first, or choose another"
        ) from None
    if proc.returncode != 0:
        raise UsageError(
            f"cannot decode the bed file {shown}: {_decode_failure(proc.stderr, path)} "
            "(use a WAV, MP3, FLAC, Ogg or M4A sound file)"
        )
    return np.frombuffer(proc.stdout, dtype="<f4").astype(np.float32)


def _decode_failure(stderr: bytes, path: str) -> str:
    """ffmpeg's reason, in a few words and without the file's name (the message names it once)."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    if any("not on whitelist" in line for line in lines):
        return "it is not a plain audio file (a playlist?)"
    detail = lines[-1] if lines else "unknown error"
    for name in ("file:" + os.path.abspath(path), os.path.abspath(path), path):
        detail = detail.replace(name + ": ", "").replace(name, "the file")
    return f"ffmpeg says {detail[:1].lower() + detail[1:]}"


class Ducker:
    """The bed's gain over time: its level, dips under speech, and the fades at both ends."""

    def __init__(
        self, speech_spans: Sequence[tuple[int, int]], total_samples: int, sample_rate: int, bed: Bed
    ) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(speech_spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = np.array([s for s, _ in merged], dtype=np.int64)
        self._ends = np.array([e for _, e in merged], dtype=np.int64)
        self._attack = max(1, int(bed.attack_s * sample_rate))
        self._release = max(1, int(bed.release_s * sample_rate))
        self._depth_db = bed.duck_db
        self._fade_in = max(1, int(bed.fade_in_s * sample_rate))
        self._fade_out = max(1, int(bed.fade_out_s * sample_rate))
        self._total = total_samples

    def _spans_near(self, start_sample: int, n: int) -> list[tuple[int, int]]:
        first = int(np.searchsorted(self._ends, start_sample - self._release, side="left"))
        last = int(np.searchsorted(self._starts, start_sample + n + self._attack, side="right"))
        return list(zip(self._starts[first:last].tolist(), self._ends[first:last].tolist(), strict=True))

    def gain(self, start_sample: int, n: int) -> np.ndarray:
        """Linear gain for samples [start_sample, start_sample + n).

        Under each line the bed dips by `duck_db`: a raised-cosine ramp (in dB) over `attack_s`
        that ends as the line starts, and one over `release_s` after it ends.
        """
        gain = np.ones(n, dtype=np.float32)
        end_sample = start_sample + n
        for s, e in self._spans_near(start_sample, n):
            lo, hi = max(start_sample, s - self._attack), min(end_sample, e + self._release)
            t = np.arange(lo, hi, dtype=np.float64)
            rise = np.clip((t - (s - self._attack)) / self._attack, 0.0, 1.0)
            fall = np.clip(((e + self._release) - t) / self._release, 0.0, 1.0)
            amount = 0.5 - 0.5 * np.cos(np.pi * np.minimum(rise, fall))
            region = gain[lo - start_sample : hi - start_sample]
            np.minimum(region, (10 ** (self._depth_db * amount / 20)).astype(np.float32), out=region)
        self._apply_fades(gain, start_sample)
        return gain

    def _apply_fades(self, gain: np.ndarray, start_sample: int) -> None:
        end_sample = start_sample + len(gain)
        if start_sample < self._fade_in:
            hi = min(end_sample, self._fade_in)
            x = np.arange(start_sample, hi) / self._fade_in
            gain[: hi - start_sample] *= (0.5 - 0.5 * np.cos(np.pi * x)).astype(np.float32)
        fade_from = self._total - self._fade_out
        if end_sample > fade_from:
            lo = max(start_sample, fade_from)
            x = np.clip((self._total - np.arange(lo, end_sample)) / self._fade_out, 0.0, 1.0)
            gain[lo - start_sample :] *= (0.5 - 0.5 * np.cos(np.pi * x)).astype(np.float32)
