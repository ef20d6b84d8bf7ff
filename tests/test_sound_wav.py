"""The one WAV reader and writer, and the one float32 -> 16-bit conversion."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from voicecoach.errors import SoundFileError
from voicecoach.sound.wav import check_wav, from_int16, read_wav


def _write(path: Path, frames: np.ndarray, rate: int = 8000, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if frames.ndim == 1 else frames.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())
    return path


def test_channels_are_averaged_and_max_s_reads_only_the_head(tmp_path: Path):
    left = np.full(8000, 16384, dtype="<i2")
    right = np.full(8000, -8192, dtype="<i2")
    path = _write(tmp_path / "stereo.wav", np.stack([left, right], axis=1))
    clip = read_wav(path)
    assert clip.sample_rate == 8000 and clip.samples.dtype == np.float32
    assert len(clip.samples) == 8000 and np.allclose(clip.samples, (0.5 - 0.25) / 2)
    assert len(read_wav(path, max_s=0.25).samples) == 2000


def test_from_int16_spans_full_scale_and_averages_channels():
    pcm = np.array([-32768, -16384, 0, 16384, 32767], dtype="<i2")
    mono = from_int16(pcm)
    assert mono.dtype == np.float32 and mono.flags.c_contiguous
    assert mono.tolist() == [-1.0, -0.5, 0.0, 0.5, 32767 / 32768]
    stereo = np.array([16384, -8192, 0, 32767], dtype="<i2")
    assert from_int16(stereo, channels=2).tolist() == pytest.approx([0.125, 32767 / 65536])


def test_a_file_cut_inside_a_frame_keeps_its_whole_frames(tmp_path: Path):
    path = _write(tmp_path / "cut.wav", np.stack([np.arange(100, dtype="<i2")] * 2, axis=1))
    path.write_bytes(path.read_bytes()[:-3])
    assert len(read_wav(path).samples) == 99


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: _write(p, np.zeros(800, dtype=np.uint8), width=1), "8-bit audio"),
        (lambda p: p.write_bytes(b"not a wav file at all"), "convert it with ffmpeg"),
        (lambda p: p, "no such file or directory (check the path)"),
    ],
)
def test_what_cannot_be_read_is_a_sound_file_error_that_says_what_to_do(tmp_path: Path, make, words):
    path = tmp_path / "bad.wav"
    make(path)
    for reader in (read_wav, check_wav):
        with pytest.raises(SoundFileError) as info:
            reader(path)
        assert str(info.value).startswith(("cannot read", str(path))) and words in str(info.value)


def test_write_wav_to_a_path_or_an_open_file_reads_back_as_written(tmp_path: Path):
    import io

    from voicecoach.sound.clip import Clip
    from voicecoach.sound.wav import to_int16, write_wav

    samples = np.random.default_rng(2).uniform(-1, 1, 4000).astype(np.float32)
    clip = Clip(samples, 16000)
    write_wav(tmp_path / "a.wav", clip)
    buffer = io.BytesIO()
    write_wav(buffer, clip)
    assert buffer.getvalue() == (tmp_path / "a.wav").read_bytes()
    back = read_wav(tmp_path / "a.wav")
    assert back.sample_rate == 16000
    assert np.array_equal(back.samples, to_int16(samples).astype(np.float32) / 32768)
