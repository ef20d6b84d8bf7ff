"""The clip cache: hits and misses, what the key covers, damaged entries, concurrent writers."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from voicecoach.sound.clip import Clip
from voicecoach.speech import cache as cache_module
from voicecoach.speech.cache import CacheWarning, ClipCache, cache_key, default_cache_dir
from voicecoach.speech.synth import Synthesizer

REPO = Path(__file__).resolve().parents[1]


def tone(seconds: float = 0.5, sample_rate: int = 22050, freq: float = 220.0) -> Clip:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return Clip((0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), sample_rate)


def key(
    text: str = "Breathe in.",
    rate: float = 1.0,
    voice: str | None = "en-us",
    identity: str = "espeak-ng 1.51",
) -> str:
    return cache_key("espeak", identity, voice, rate, text, -20.0)


def test_location_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere" / "speech"
    assert ClipCache().root == tmp_path / "elsewhere" / "speech"


def test_miss_then_hit_returns_the_same_samples(tmp_path: Path) -> None:
    store = ClipCache(tmp_path)
    clip = tone()
    assert store.get(key()) is None
    store.put(key(), clip)
    again = store.get(key())
    assert again is not None
    assert again.sample_rate == clip.sample_rate
    assert again.samples.dtype == np.float32
    np.testing.assert_array_equal(again.samples, clip.samples)


def test_key_changes_with_everything_that_changes_the_sound() -> None:
    base = key()
    assert key(rate=1.1) != base
    assert key(voice="en-gb") != base
    assert key(text="Breathe out.") != base
    assert key(identity="espeak-ng 1.52") != base
    assert cache_key("piper", "espeak-ng 1.51", "en-us", 1.0, "Breathe in.", -20.0) != base
    assert cache_key("espeak", "espeak-ng 1.51", "en-us", 1.0, "Breathe in.", -23.0) != base
    assert key() == base  # and nothing else: the same inputs give the same key


def test_stats_and_clear(tmp_path: Path) -> None:
    store = ClipCache(tmp_path)
    assert store.stats().entries == 0
    for i in range(3):
        store.put(key(f"line {i}"), tone(0.1 * (i + 1)))
    stats = store.stats()
    assert stats.entries == 3
    assert stats.bytes == sum(p.stat().st_size for p in tmp_path.rglob("*.clip"))
    (tmp_path / "keep-me.txt").write_text("not ours")
    assert store.clear() == 3
    assert store.stats().entries == 0
    assert store.get(key("line 0")) is None
    assert (tmp_path / "keep-me.txt").exists(), "clear deletes only cache entries"


def damage_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def damage_flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))


def damage_foreign(path: Path) -> None:
    path.write_bytes(b"RIFF....WAVEfmt " + bytes(200))


def damage_header_only(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:20])


@pytest.mark.parametrize(
    "damage,words",
    [
        (damage_truncate, "cut short"),
        (damage_flip, "checksum"),
        (damage_foreign, "not a voicecoach clip"),
        (damage_header_only, "cut short"),
    ],
)
def test_damaged_entry_is_detected_removed_and_reported_once(tmp_path: Path, damage, words: str) -> None:
    store = ClipCache(tmp_path)
    store.put(key(), tone())
    path = store.entry_path(key())
    damage(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert store.get(key()) is None
        assert store.get(key()) is None  # gone now: a plain miss, no second warning
    messages = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(messages) == 1 and words in messages[0] and str(path) in messages[0]
    assert not path.exists()


def test_entry_of_another_key_is_not_served(tmp_path: Path) -> None:
    store = ClipCache(tmp_path)
    store.put(key("one"), tone())
    wrong = store.entry_path(key("two"))
    wrong.parent.mkdir(parents=True, exist_ok=True)
    wrong.write_bytes(store.entry_path(key("one")).read_bytes())
    with pytest.warns(CacheWarning, match="another line"):
        assert store.get(key("two")) is None


def test_synthesizer_replaces_a_damaged_entry(tmp_path: Path) -> None:
    synth = Synthesizer("espeak", cache=ClipCache(tmp_path))
    first = synth.clip("Roll your shoulders.")
    entry = synth.cache.entry_path(synth.key("Roll your shoulders.", 1.0))
    damage_flip(entry)
    fresh = Synthesizer("espeak", cache=ClipCache(tmp_path))
    with pytest.warns(CacheWarning, match="damaged"):
        again = fresh.clip("Roll your shoulders.")
    assert fresh.synthesized == 1
    assert again.duration_s == pytest.approx(first.duration_s, abs=0.05)
    assert ClipCache(tmp_path).get(synth.key("Roll your shoulders.", 1.0)) is not None  # replaced, valid


def test_unwritable_cache_is_reported_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    cache_module._reported.clear()
    store = ClipCache(blocker / "speech")
    with pytest.warns(CacheWarning, match="could not write"):
        store.put(key(), tone())
    assert store.get(key()) is None


WRITER = """
import sys, numpy as np
from voicecoach.sound.clip import Clip
from voicecoach.speech.cache import ClipCache
store, key, n = ClipCache(sys.argv[1]), sys.argv[2], int(sys.argv[3])
samples = (0.25 * np.sin(np.arange(44100) / 7.0)).astype(np.float32)
for _ in range(n):
    store.put(key, Clip(samples, 22050))
"""


def test_two_processes_writing_the_same_entry_at_once(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    k = key("shared line")
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), k, "150"], env=env) for _ in range(2)
    ]
    store = ClipCache(tmp_path)
    expected = (0.25 * np.sin(np.arange(44100) / 7.0)).astype(np.float32)
    seen = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # a torn read would warn: fail instead
        while any(w.poll() is None for w in writers):
            clip = store.get(k)
            if clip is not None:
                np.testing.assert_array_equal(clip.samples, expected)
                seen += 1
    assert all(w.returncode == 0 for w in writers)
    final = store.get(k)
    assert final is not None and np.array_equal(final.samples, expected)
    assert seen > 0
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{k}.clip"], "no temporary files left"
