"""MPEG audio frame headers and the Xing 'Info' + LAME tag frame that makes an MP3 gapless.

An MP3 encoder starts its output late (the encoder delay, 576 samples for LAME) and pads the
last frame; decoders add their own 529-sample delay. Nothing in a bare MP3 stream says how much
of this is padding, so a decoded file is longer than what went in and starts late. LAME solves
this with a first, silent frame that carries an 'Info' tag (for CBR; 'Xing' for VBR) followed
by the LAME extension, whose 12-bit delay and padding fields tell a decoder what to trim.
lameenc does not write that frame, so we do, in the layout LAME writes and decoders such as
ffmpeg's mp3 demuxer read:

    frame header (4) | side info, all zero = silence (17 mono / 32 stereo, MPEG-1)
    'Info' | flags (frames, bytes, TOC, quality) | frame count | byte count | TOC (100) | quality
    LAME extension (36): version (9) | revision+method | lowpass | peak (4) | radio gain (2)
        | audiophile gain (2) | flags+ATH | bitrate | delay:12 padding:12 | misc | mp3 gain
        | preset+surround (2) | music length (4) | music CRC (2) | tag CRC (2)

The frame count excludes the tag frame itself; the byte count includes it. The tag CRC is
CRC-16 (polynomial 0x8005, reflected) over every byte of the frame before it. The music CRC is
left at 0 (optional: no decoder relies on it).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

#: LAME's encoder delay at the settings used here (input and output at the same sample rate).
LAME_ENCODER_DELAY = 576
SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III
_BITRATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # MPEG-1 L3
_SAMPLE_RATES = (44100, 48000, 32000)  # MPEG-1
_LAME_VERSION = b"LAME3.100"
_XING_FLAGS = 0x0F  # frames | bytes | TOC | quality


@dataclass(frozen=True)
class FrameHeader:
    """The parts of an MPEG-1 Layer III frame header that matter here."""

    bitrate_kbps: int
    sample_rate: int
    padding: bool
    mono: bool

    @property
    def length(self) -> int:
        """Bytes in the whole frame, header included."""
        return 144000 * self.bitrate_kbps // self.sample_rate + int(self.padding)


def parse_header(data: bytes | bytearray | memoryview, offset: int = 0) -> FrameHeader | None:
    """The MPEG-1 Layer III header at `offset`, or None if there is none."""
    if len(data) - offset < 4:
        return None
    b1, b2, b3 = data[offset + 1], data[offset + 2], data[offset + 3]
    if data[offset] != 0xFF or (b1 & 0xFE) != 0xFA:  # sync, MPEG-1, Layer III
        return None
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 0x03
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    return FrameHeader(
        _BITRATES_KBPS[bitrate_index], _SAMPLE_RATES[rate_index], bool(b2 & 0x02), (b3 >> 6) == 3
    )


def _header_bytes(bitrate_kbps: int, sample_rate: int, mono: bool) -> bytes:
    if bitrate_kbps not in _BITRATES_KBPS[1:] or sample_rate not in _SAMPLE_RATES:
        raise ValueError(f"no MPEG-1 Layer III frame for {bitrate_kbps} kbps at {sample_rate} Hz")
    b2 = (_BITRATES_KBPS.index(bitrate_kbps) << 4) | (_SAMPLE_RATES.index(sample_rate) << 2)
    b3 = (3 << 6) if mono else (1 << 6)  # mono, or joint stereo
    return bytes([0xFF, 0xFB, b2, b3])  # MPEG-1, Layer III, no CRC


def _crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (reflected polynomial 0xA001, initial value 0) as the LAME tag uses."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def info_frame(
    bitrate_kbps: int,
    sample_rate: int,
    mono: bool,
    *,
    audio_frames: int,
    stream_bytes: int,
    delay: int,
    padding: int,
) -> bytes:
    """A silent frame holding the Info tag and LAME extension for a CBR stream.

    `audio_frames` counts the frames after this one; `stream_bytes` includes this frame.
    """
    if not (0 <= delay < 4096 and 0 <= padding < 4096):
        raise ValueError(f"delay {delay} / padding {padding} do not fit the LAME tag's 12-bit fields")
    header = _header_bytes(bitrate_kbps, sample_rate, mono)
    size = FrameHeader(bitrate_kbps, sample_rate, False, mono).length
    side_info = 17 if mono else 32
    toc = bytes(min(255, i * 256 // 100) for i in range(100))
    xing = b"Info" + struct.pack(">III", _XING_FLAGS, audio_frames, stream_bytes) + toc
    xing += struct.pack(">I", 50)  # quality indicator (informative only)
    misc = (2 if sample_rate == 48000 else 1 if sample_rate == 44100 else 0) << 6
    misc |= (0 if mono else 3) << 2
    lame = (
        _LAME_VERSION
        + bytes([0x01, 0])  # revision 0, CBR; lowpass unknown
        + struct.pack(">IHH", 0, 0, 0)  # peak and replay gains: not computed
        + bytes([0, min(bitrate_kbps, 255)])
        + bytes([delay >> 4, ((delay & 0x0F) << 4) | (padding >> 8), padding & 0xFF])
        + bytes([misc, 0])
        + struct.pack(">HIH", 0, stream_bytes, 0)
    )
    body = header + bytes(side_info) + xing + lame
    if len(body) + 2 > size:
        raise ValueError(f"a {bitrate_kbps} kbps frame at {sample_rate} Hz is too small for the LAME tag")
    body += struct.pack(">H", _crc16(body))
    return body + bytes(size - len(body))
