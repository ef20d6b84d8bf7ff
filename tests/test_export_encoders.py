"""Encoders: the MP3 is gapless and sample-exact when decoded; WAV, FLAC and ffmpeg formats; errors."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from audio_helpers import RATE, decode

from voicecoach.errors import ExportError, UsageError
from voicecoach.export import lametag
from voicecoach.export.encoders import format_for, open_encoder
from voicecoach.sound.wav import to_int16


def _encode(path, samples, fmt=".mp3", quality="phone", block=10_000):
    encoder = open_encoder(str(path), format_for(fmt), RATE, quality)
    for i in range(0, len(samples), block):
        encoder.write(samples[i : i + block])
    encoder.close()
    return encoder


def _clicks(n=3 * RATE + 777):
    x = np.zeros(n, dtype=np.float32)
    for pos in (0, 12_345, n // 2, n - 1):
        x[pos] = 0.5
    return x


@pytest.mark.parametrize("quality", ["phone", "high"])
def test_mp3_decodes_to_exactly_the_samples_encoded_starting_on_time(tmp_path, quality):
    x = _clicks()
    _encode(tmp_path / "c.mp3", x, quality=quality)
    y = decode(tmp_path / "c.mp3")
    assert len(y) == len(x)  # encoder delay and padding are both trimmed
    for pos in np.flatnonzero(x):
        lo = max(0, pos - 50)
        assert lo + int(np.argmax(np.abs(y[lo : pos + 50]))) == pos


def test_mp3_info_tag_is_read_by_ffprobe_and_mutagen(tmp_path):
    from mutagen.mp3 import MP3

    x = _clicks(5 * RATE + 1)
    _encode(tmp_path / "c.mp3", x, quality="high")
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(tmp_path / "c.mp3")],
        capture_output=True,
        text=True,
        check=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream["tags"]["encoder"] == "LAME3.100"  # only exported when the tag's CRC checks out
    assert (int(stream["sample_rate"]), int(stream["bit_rate"]), stream["channels"]) == (RATE, 160_000, 1)
    info = MP3(str(tmp_path / "c.mp3")).info
    assert info.length == pytest.approx(len(x) / RATE, abs=1e-6)


def test_mp3_keeps_the_level(tmp_path):
    t = np.arange(2 * RATE) / RATE
    x = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    _encode(tmp_path / "s.mp3", x)
    y = decode(tmp_path / "s.mp3")
    mid = slice(RATE // 2, 3 * RATE // 2)
    assert 20 * np.log10(np.std(y[mid]) / np.std(x[mid])) == pytest.approx(0.0, abs=0.1)


def test_info_frame_layout():
    frame = lametag.info_frame(
        96, RATE, True, audio_frames=1000, stream_bytes=288_288, delay=576, padding=1234
    )
    header = lametag.parse_header(frame)
    assert header is not None and header.length == len(frame) == 288
    assert frame[21:25] == b"Info" and frame[141:150] == b"LAME3.100"
    delay_padding = int.from_bytes(frame[141 + 21 : 141 + 24], "big")
    assert (delay_padding >> 12, delay_padding & 0xFFF) == (576, 1234)
    with pytest.raises(ValueError):
        lametag.info_frame(32, RATE, True, audio_frames=1, stream_bytes=1, delay=576, padding=0)


def test_wav_and_flac_are_lossless(tmp_path):
    rng = np.random.default_rng(3)
    x = (rng.uniform(-0.9, 0.9, RATE + 17)).astype(np.float32)
    expected = to_int16(x).astype(np.float32) / 32768
    for fmt in (".wav", ".flac"):
        _encode(tmp_path / f"x{fmt}", x, fmt=fmt)
        assert np.array_equal(decode(tmp_path / f"x{fmt}"), expected)


def test_int16_conversion_clips_instead_of_wrapping():
    assert to_int16(np.float32([1.5, -1.5, 0.5])).tolist() == [32767, -32768, 16384]


@pytest.mark.parametrize("fmt", [".m4a", ".ogg", ".opus"])
def test_ffmpeg_formats_decode_to_the_right_length(tmp_path, fmt):
    x = _clicks(2 * RATE + 333)
    _encode(tmp_path / f"c{fmt}", x, fmt=fmt)
    y = decode(tmp_path / f"c{fmt}")
    assert abs(len(y) - len(x)) / RATE < 0.05


def test_ffmpeg_formats_without_ffmpeg_say_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExportError, match="install ffmpeg"):
        open_encoder(str(tmp_path / "x.m4a"), format_for(".m4a"), RATE, "phone")
    _encode(tmp_path / "x.mp3", np.zeros(RATE, dtype=np.float32))  # MP3 and WAV need no ffmpeg
    assert (tmp_path / "x.mp3").stat().st_size > 1000


def test_unknown_formats_and_qualities_are_export_errors(tmp_path):
    with pytest.raises(UsageError, match=r"\.mp3"):
        format_for("session.aiff")
    with pytest.raises(ExportError, match="phone"):
        open_encoder(str(tmp_path / "x.mp3"), format_for(".mp3"), RATE, "studio")


@pytest.mark.parametrize("rate,bitrate", [(44100, 96), (48000, 96), (32000, 160)])
def test_mp3_worker_counts_frames_alike_by_size_and_by_header(rate, bitrate):
    import lameenc

    from voicecoach.export.mp3_worker import FrameCounter

    lame = lameenc.Encoder()
    lame.set_bit_rate(bitrate)
    lame.set_in_sample_rate(rate)
    lame.set_out_sample_rate(rate)
    lame.set_channels(1)
    noise = (np.random.default_rng(1).standard_normal(3 * rate) * 3000).astype("<i2").tobytes()
    stream = bytes(lame.encode(noise)) + bytes(lame.flush())
    fixed_size = 144_000 * bitrate // rate if (144_000 * bitrate) % rate == 0 else None
    by_size, by_header = FrameCounter(fixed_size), FrameCounter()
    for i in range(0, len(stream), 7777):
        by_size.add(stream[i : i + 7777])
        by_header.add(stream[i : i + 7777])
    assert by_size.frames == by_header.frames > 3 * rate // lametag.SAMPLES_PER_FRAME
    assert by_size.pending == by_header.pending == 0


def test_mp3_encoder_failure_is_an_export_error(tmp_path):
    encoder = open_encoder(str(tmp_path / "x.mp3"), format_for(".mp3"), RATE, "phone")
    encoder._proc.kill()  # the worker dies mid-way
    encoder._proc.wait()
    with pytest.raises(ExportError, match="MP3 encoder failed"):
        for _ in range(200):
            encoder.write(np.zeros(RATE, dtype=np.float32))
        encoder.close()
    encoder.abort()
