"""A speech cache that lives for months on someone's disk: whatever has happened to it, exports
come out exactly as from a fresh cache.

Entries cut short, bit-flipped, swapped, replaced by junk, by NaNs with a valid checksum, by a
folder, a pipe or a link to a device, unreadable ones and leftovers of killed writers are each
detected (one warning line), replaced, and never change a sample of the result. Two exports that
share a cold cache at once both succeed with identical audio.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, run_voicecoach

from voicecoach.fsutil import TEMP_MARK, temp_path_for
from voicecoach.speech.cache import _HEADER, SUFFIX, CacheWarning, ClipCache
from voicecoach.speech.synth import Synthesizer

ROUTINE = """title: Cache Faults
defaults: {hold: 8s, transition: 2s, rest: 2s}
steps:
  - talk: Sit tall and let your shoulders drop.
  - stretch: Neck Side Bend
    setup: Tilt your {side} ear toward your shoulder.
    sides: both
  - breathe: 4-6
    cycles: 1
  - talk: Well done.
"""


def _entry_with_samples(data: bytes, value: float) -> bytes:
    """The entry with every sample set to `value`, its facts kept, its checksum made to match."""
    magic, key, _, rate, n, n_facts = _HEADER.unpack_from(data)
    facts = data[_HEADER.size + 4 * n : _HEADER.size + 4 * n + n_facts]
    payload = np.full(n, value, dtype="<f4").tobytes() + facts
    return _HEADER.pack(magic, key, hashlib.sha256(payload).digest(), rate, n, n_facts) + payload


def _nan_entry(data: bytes) -> bytes:
    return _entry_with_samples(data, np.nan)


def _loud_entry(data: bytes) -> bytes:
    return _entry_with_samples(data, 4.0)


def _flip(data: bytes) -> bytes:
    at = _HEADER.size + (len(data) - _HEADER.size) // 2
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1 :]


# each fault: (what it does to an entry, words of the warning it must produce)
FAULTS = {
    "emptied": (lambda p, d, other: p.write_bytes(b""), "cut short"),
    "cut in the header": (lambda p, d, other: p.write_bytes(d[:20]), "cut short"),
    "cut in the samples": (lambda p, d, other: p.write_bytes(d[:-100]), "cut short"),
    "grown": (lambda p, d, other: p.write_bytes(d + b"\0" * 8), "longer than its header says"),
    "bit flipped": (lambda p, d, other: p.write_bytes(_flip(d)), "checksum mismatch"),
    "another line's entry": (lambda p, d, other: p.write_bytes(other), "holding another line's audio"),
    "junk": (lambda p, d, other: p.write_bytes(os.urandom(len(d))), "not a voicecoach clip"),
    "NaN with a valid checksum": (lambda p, d, other: p.write_bytes(_nan_entry(d)), "not audio"),
    "beyond full scale": (lambda p, d, other: p.write_bytes(_loud_entry(d)), "not audio"),
    "a folder": (lambda p, d, other: (p.unlink(), p.mkdir()), "a folder, not a clip file"),
    "a pipe": (lambda p, d, other: (p.unlink(), os.mkfifo(p)), "a named pipe (FIFO), not a clip file"),
    "a link to /dev/zero": (lambda p, d, other: (p.unlink(), p.symlink_to("/dev/zero")), "a device"),
}


def _export(routine: Path, out: Path, cache: Path, **kwargs) -> subprocess.CompletedProcess:
    return run_voicecoach(
        "export",
        str(routine),
        "-o",
        str(out),
        "--engine",
        "espeak",
        env={"VOICECOACH_CACHE_DIR": str(cache)},
        **kwargs,
    )


def _warnings(stderr: str) -> list[str]:
    lines = stderr.strip().splitlines()
    assert all(line.startswith("warning: ") for line in lines), stderr
    return lines


@pytest.mark.skipif(os.name != "posix", reason="pipes and device links are POSIX files")
def test_every_kind_of_damage_is_detected_replaced_and_changes_nothing(tmp_path: Path):
    routine = tmp_path / "routine.yaml"
    routine.write_text(ROUTINE)
    cache = tmp_path / "cache"
    first = _export(routine, tmp_path / "first.wav", cache)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    entries = sorted((cache / "speech").rglob(f"*{SUFFIX}"))
    assert len(entries) >= len(FAULTS), "the routine has enough lines to damage each a different way"
    datas = [p.read_bytes() for p in entries]
    for i, (damage, _) in enumerate(FAULTS.values()):
        damage(entries[i], datas[i], datas[i - 1])
    killed = subprocess.Popen([sys.executable, "-c", "pass"])
    killed.wait()
    stale = temp_path_for(entries[0], killed.pid)  # what a writer killed mid-entry leaves
    stale.write_bytes(b"half an entry")

    second = _export(routine, tmp_path / "second.wav", cache)
    assert second.returncode == 0, second.stderr
    found = _warnings(second.stderr)
    assert len(found) == len(FAULTS), found
    for (name, (_, words)), entry in zip(FAULTS.items(), entries, strict=False):  # more entries than faults
        assert any(str(entry) in line and words in line and "synthesised again" in line for line in found), (
            name
        )
    assert (tmp_path / "second.wav").read_bytes() == (tmp_path / "first.wav").read_bytes()
    assert not stale.exists(), "the leftover of a killed writer is swept"

    third = run_voicecoach(
        "plan", str(routine), "--engine", "espeak", env={"VOICECOACH_CACHE_DIR": str(cache)}
    )
    assert third.returncode == 0 and third.stderr == "", "every damaged entry was replaced"
    assert sorted(p.read_bytes() for p in entries) == sorted(datas)


def _decoded_pcm(path: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2")


def test_two_exports_sharing_a_cold_cache_at_once_both_succeed_with_identical_audio(tmp_path: Path):
    routine = tmp_path / "routine.yaml"
    routine.write_text(ROUTINE)
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(REPO), "VOICECOACH_CACHE_DIR": str(cache)}
    outs = [tmp_path / "a.mp3", tmp_path / "b.mp3"]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voicecoach",
                "export",
                str(routine),
                "-o",
                str(out),
                "--engine",
                "espeak",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outs
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0 and stderr == "", stderr
    a, b = (_decoded_pcm(out) for out in outs)
    assert len(a) > 48000 * 30 and np.array_equal(a, b)
    entries = list((cache / "speech").rglob("*"))
    assert not [p for p in entries if TEMP_MARK in p.name]
    for entry in (p for p in entries if p.suffix == SUFFIX):
        assert ClipCache(cache / "speech").get(entry.stem) is not None


def test_a_cache_folder_that_is_a_file_costs_only_speed(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("someone else's file")
    synth = Synthesizer("espeak", cache=ClipCache(blocker))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clips = [synth.clip(text) for text in ("Breathe in.", "Breathe out.")]
    assert all(c.duration_s > 0.3 for c in clips)
    messages = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(messages) == 1 and "could not write to the speech cache" in messages[0]
    assert blocker.read_text() == "someone else's file"


def _without_file_permission_override() -> None:
    """In the child: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so even root obeys chmod 000."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="chmod 000 and capabilities as on Linux")
def test_an_unreadable_entry_is_reported_and_replaced(tmp_path: Path):
    out = tmp_path / "x.wav"
    env = {**os.environ, "PYTHONPATH": str(REPO), "VOICECOACH_CACHE_DIR": str(tmp_path / "cache")}
    preexec = _without_file_permission_override if os.geteuid() == 0 else None
    say = [sys.executable, "-m", "voicecoach", "say", "Sit tall.", "-o", str(out), "--engine", "espeak"]
    assert subprocess.run(say, env=env, capture_output=True).returncode == 0
    entry = next((tmp_path / "cache" / "speech").rglob(f"*{SUFFIX}"))
    good = entry.read_bytes()
    entry.chmod(0)
    proc = subprocess.run(say, env=env, capture_output=True, text=True, preexec_fn=preexec)
    assert proc.returncode == 0, proc.stderr
    (line,) = _warnings(proc.stderr)
    assert line.startswith(f"warning: could not read speech cache entry {entry}: ")
    assert "Permission denied" in line
    assert entry.read_bytes() == good and entry.stat().st_mode & 0o444, "replaced by a whole, readable entry"
