"""The MP3 encoder's own process: lameenc holds Python's global lock while it encodes, so in the
exporting process it would stop the mixing from running on the other core. Here it does not.

Protocol: the parent writes the file's head (ID3 tag, a placeholder for the Info frame) and
starts this worker with the file's path, the offset to write at, the bitrate, LAME quality and
sample rate. It then pipes 16-bit little-endian mono PCM to stdin and closes it. The worker
writes the MP3 frames at the offset, counts them, and prints one JSON line on stdout:
`{"frames": n, "audio_bytes": n, "pending": n}` (pending: bytes after the last whole frame,
0 for a sound stream). On failure it prints the reason on stderr and exits 1.
"""

from __future__ import annotations

import json
import sys

from voicecoach.export.lametag import parse_header

CHUNK_BYTES = 1 << 17  # even: whole 16-bit samples


class FrameCounter:
    """Counts the whole MPEG frames in a byte stream fed piece by piece.

    At a bitrate and sample rate where every frame has the same size (no padding slots, e.g. any
    bitrate at 48 kHz), the count is the bytes over the frame size, once the first frame's header
    has shown that size; otherwise each header is read.
    """

    def __init__(self, frame_bytes: int | None = None) -> None:
        self.frames = 0
        self.bytes = 0
        self._pending = bytearray()
        self._fixed = frame_bytes

    def add(self, data: bytes) -> None:
        self.bytes += len(data)
        if self._fixed is not None and self.bytes > len(data):  # the first frame was checked
            self.frames, rest = divmod(self.bytes, self._fixed)
            self._pending = bytearray(rest)
            return
        self._pending += data
        pos = 0
        while len(self._pending) - pos >= 4:
            header = parse_header(self._pending, pos)
            if header is None:
                raise ValueError("the MP3 encoder produced an invalid frame (lameenc); please report this")
            if len(self._pending) - pos < header.length:
                break
            if self._fixed is not None and header.length != self._fixed:
                self._fixed = None  # not the size expected: read every header
            pos += header.length
            self.frames += 1
        del self._pending[:pos]

    @property
    def pending(self) -> int:
        return len(self._pending)


def encode(path: str, offset: int, bitrate: int, quality: int, sample_rate: int) -> dict[str, int]:
    """Encode stdin's PCM into `path` from byte `offset`; the frame count and sizes."""
    import lameenc

    lame = lameenc.Encoder()
    lame.set_bit_rate(bitrate)
    lame.set_in_sample_rate(sample_rate)
    lame.set_out_sample_rate(sample_rate)
    lame.set_channels(1)
    lame.set_quality(quality)
    padding_free = (144_000 * bitrate) % sample_rate == 0  # MPEG-1 Layer III frame size in bytes
    counter = FrameCounter(144_000 * bitrate // sample_rate if padding_free else None)
    stdin = sys.stdin.buffer
    with open(path, "r+b") as out:
        out.seek(offset)
        out.truncate()
        while chunk := stdin.read(CHUNK_BYTES):
            data = bytes(lame.encode(chunk))
            out.write(data)
            counter.add(data)
        data = bytes(lame.flush())
        out.write(data)
        counter.add(data)
    return {"frames": counter.frames, "audio_bytes": counter.bytes, "pending": counter.pending}


def main(argv: list[str]) -> int:
    path, offset, bitrate, quality, sample_rate = argv[0], *(int(a) for a in argv[1:5])
    try:
        report = encode(path, offset, bitrate, quality, sample_rate)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"{exc}", file=sys.stderr)
        return 1
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
