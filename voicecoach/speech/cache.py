"""A content-addressed cache of spoken clips, safe to share between processes.

An entry is one small file: a fixed header (magic, the key it belongs to, a sha256 of the
payload, sample rate, sample count, size of the facts) and the payload: the float32 samples,
then the clip's facts for the mix (`voicecoach.sound.facts`), if it has them. Entries are written
with fsutil's atomic writer (a temporary file in the same folder renamed into place), so a reader
sees a whole entry or none; the temporary files of writers that were killed are swept. An entry
that is damaged, cut short or belongs to another key is reported once (a `CacheWarning`),
deleted, and synthesised again by the caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.errors import VoicecoachError
from voicecoach.fsutil import TEMP_MARK, clean_stale_temp_files, path_kind, special_kind, write_bytes_atomic
from voicecoach.paths import cache_dir
from voicecoach.sound.clip import Clip
from voicecoach.sound.facts import SoundFacts

#: Bump when the entry layout or what goes into a clip (trim, loudness, levelling) changes.
CACHE_FORMAT = 2
MAGIC = b"VCCLIP\x00\x02"
_HEADER = struct.Struct("<8s32s32sIQI")  # magic, key, payload sha256, sample_rate, n_samples, n_fact_bytes
SUFFIX = ".clip"
#: No clip comes near this (a 2,000-character line at the slowest rate is a few minutes).
MAX_ENTRY_BYTES = 256 * 1024 * 1024


class CacheWarning(UserWarning):
    """Something in the speech cache was wrong and has been dealt with."""


def default_cache_dir() -> Path:
    """Where clips are kept: the speech folder of voicecoach's cache folder ($VOICECOACH_CACHE_DIR)."""
    return cache_dir() / "speech"


def cache_key(
    engine: str, identity: str, voice: str | None, rate: float, text: str, target_lufs: float
) -> str:
    """The hex sha256 naming a clip: everything that changes its sound goes in."""
    fields = {
        "format": CACHE_FORMAT,
        "engine": engine,
        "identity": identity,
        "voice": voice,
        "rate": f"{rate:.4f}",
        "text": text,
        "lufs": f"{target_lufs:.2f}",
    }
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    bytes: int


_reported: set[str] = set()
_reported_lock = threading.Lock()


def _warn_once(tag: str, message: str) -> None:
    with _reported_lock:
        if tag in _reported:
            return
        _reported.add(tag)
    warnings.warn(message, CacheWarning, stacklevel=3)


class ClipCache:
    """Clips by key under `root` (default: `default_cache_dir()`)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self._swept = False

    def _remove_stale_temps(self) -> None:
        """Remove what writers killed mid-write left (temporary files of processes that are gone)."""
        for folder in self.root.glob("??"):
            clean_stale_temp_files(folder)

    def entry_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{SUFFIX}"

    def get(self, key: str) -> Clip | None:
        """The clip stored under `key`, or None (a damaged or foreign entry is reported and removed)."""
        path = self.entry_path(key)
        try:
            data, problem = _read_entry(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            _warn_once(
                f"read:{path}",
                f"could not read speech cache entry {path}: {exc}; synthesising the line again",
            )
            return None
        clip, problem = _decode(data, key) if data is not None else (None, problem)
        if problem:
            _warn_once(
                f"bad:{path}",
                f"speech cache entry {path} was {problem}; it has been "
                "removed and the line is synthesised again",
            )
            try:
                if path.is_dir() and not path.is_symlink():
                    path.rmdir()  # only an empty one: nothing else of anyone's is deleted
                else:
                    path.unlink()
            except OSError:
                pass
        return clip

    def duration_s(self, key: str) -> float | None:
        """The length of the clip stored under `key`, from its header alone (None if there is no
        such entry or its header is not one): for showing lengths, not for playing."""
        path = self.entry_path(key)
        try:
            if path_kind(path):
                return None
            with open(path, "rb") as fh:
                head = fh.read(_HEADER.size)
        except OSError:
            return None
        if len(head) < _HEADER.size or head[: len(MAGIC)] != MAGIC:
            return None
        _magic, stored_key, _digest, sample_rate, n_samples, _facts = _HEADER.unpack(head)
        if stored_key != bytes.fromhex(key) or not 4000 <= sample_rate <= 384_000:
            return None
        return float(n_samples / sample_rate)

    def put(self, key: str, clip: Clip) -> bool:
        """Store `clip` under `key` atomically; whether it was stored. A cache that cannot be written
        is reported, not fatal."""
        path = self.entry_path(key)
        samples = np.ascontiguousarray(clip.samples, dtype="<f4")
        facts = clip.facts.to_bytes() if clip.facts is not None else b""
        payload = samples.tobytes() + facts
        header = _HEADER.pack(
            MAGIC,
            bytes.fromhex(key),
            hashlib.sha256(payload).digest(),
            int(clip.sample_rate),
            samples.size,
            len(facts),
        )
        if not self._swept:
            self._swept = True
            self._remove_stale_temps()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Not flushed to disk: a cache entry lost to a power cut is synthesised again.
            write_bytes_atomic(path, header + payload, durable=False)
            return True
        except (OSError, VoicecoachError) as exc:  # a folder or a pipe where the entry goes: no cache
            _warn_once(
                f"write:{self.root}",
                f"could not write to the speech cache at {self.root}: "
                f"{exc}; clips will be synthesised each time "
                "(set VOICECOACH_CACHE_DIR to a writable folder)",
            )
            return False

    def _files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [p for p in self.root.glob("*/*") if p.suffix == SUFFIX or TEMP_MARK in p.name]

    def stats(self) -> CacheStats:
        """How many entries the cache holds and their size on disk."""
        entries = total = 0
        for p in self._files():
            try:
                size = p.stat().st_size
            except OSError:
                continue
            total += size
            entries += p.suffix == SUFFIX
        return CacheStats(self.root, entries, total)

    def clear(self) -> int:
        """Delete every entry (and left-over temporary file); returns how many entries went."""
        removed = 0
        for p in self._files():
            try:
                p.unlink()
            except OSError:
                continue
            removed += p.suffix == SUFFIX
        for sub in self.root.glob("*") if self.root.is_dir() else []:
            if sub.is_dir() and len(sub.name) == 2:
                with contextlib.suppress(OSError):
                    sub.rmdir()
        return removed


def _read_entry(path: Path) -> tuple[bytes | None, str]:
    """An entry's bytes, or None and why it is not a clip file: a folder, a pipe or a device in the
    cache is never read (a pipe would block), nor a file far larger than any clip."""
    kind = path_kind(path)
    if kind:
        return None, f"{kind}, not a clip file"
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as fh:
        info = os.fstat(fh.fileno())
        if special_kind(info.st_mode):
            return None, "not a clip file"
        if info.st_size > MAX_ENTRY_BYTES:
            return None, f"{info.st_size:,} bytes, far larger than any clip"
        return fh.read(), ""


def _decode(data: bytes, key: str) -> tuple[Clip | None, str]:
    """The clip in an entry's bytes, or None and what is wrong with them."""
    if len(data) < _HEADER.size:
        return None, "cut short"
    if data[: len(MAGIC)] != MAGIC:
        return None, "not a voicecoach clip (or from another version)"
    _magic, stored_key, digest, sample_rate, n_samples, n_facts = _HEADER.unpack_from(data)
    if stored_key != bytes.fromhex(key):
        return None, "holding another line's audio"
    payload = memoryview(data)[_HEADER.size :]
    expected = 4 * n_samples + n_facts
    if len(payload) != expected:
        return None, "cut short" if len(payload) < expected else "longer than its header says"
    if hashlib.sha256(payload).digest() != digest or sample_rate <= 0:
        return None, "damaged (checksum mismatch)"
    samples = np.frombuffer(payload[: 4 * n_samples], dtype="<f4").astype(np.float32)
    if samples.size and not (np.all(np.isfinite(samples)) and float(np.max(np.abs(samples))) <= 1.0):
        return None, "holding values that are not audio (NaN, infinite or beyond full scale)"
    if not 4000 <= sample_rate <= 384_000:
        return None, f"holding an impossible sample rate ({sample_rate} Hz)"
    facts = None
    if n_facts:
        facts = SoundFacts.from_bytes(bytes(payload[4 * n_samples :]))
    return Clip(samples, int(sample_rate), facts), ""
