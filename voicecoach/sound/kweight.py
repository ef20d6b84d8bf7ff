"""BS.1770 K-weighting and gated loudness: the one loudness meter, its gates and constants.

Everything that measures loudness ends here: a clip in memory (`loudness_of`), the sounds' facts
and pass 1 of export (`gated_loudness` of their hop energies), and a stream (`LoudnessMeter` in
loudness.py, which filters block by block and gates its hop energies here).

The K-weighting filter is two biquads, a high shelf (+4 dB above about 1.5 kHz) and a high pass
(38 Hz), with the coefficients of the usual audio-EQ "cookbook" designs at any sample rate (at
48 kHz they are the standard's own). A sound of finite length, starting from silence, is
filtered in one FFT: the filters' frequency response times the sound's spectrum. The response
of the high pass dies away within a few tens of milliseconds, so with `TAIL_S` of zeros after
the sound the circular convolution equals the filters' output (the wrapped-around remainder
is below 1e-15 of it) and the tail itself holds the sound's decay.

Gated loudness works on *hop energies*: the sum of squared K-weighted samples in each 100 ms
hop of a fixed grid. Four consecutive hops form a 400 ms gating block (75 % overlap), gated
at -70 LUFS and then 10 LU below the mean of what passed. This K-weighting needs numpy alone
(no scipy import on the export path).
"""

from __future__ import annotations

import functools
import math

import numpy as np

#: BS.1770's offset from a K-weighted mean square (in dB) to loudness (LUFS).
LUFS_OFFSET = -0.691
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
HOP_S = 0.1
BLOCK_HOPS = 4
#: Zeros after a sound, so its filtered decay fits and the FFT's wrap-around is negligible.
TAIL_S = 0.25
#: Samples filtered at once (a longer sound is filtered piece by piece).
PIECE = 1 << 17


def lufs(mean_square: float) -> float:
    """The loudness (LUFS) of a K-weighted mean square; -inf for silence."""
    return LUFS_OFFSET + 10 * math.log10(mean_square) if mean_square > 0 else float("-inf")


def hop_length(sample_rate: int) -> int:
    """Samples in one 100 ms hop of the gating grid."""
    return int(round(HOP_S * sample_rate))


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """The two K-weighting stages as second-order sections [b0, b1, b2, 1, a1, a2] (float64)."""
    sections = []
    # High shelf: gain 4 dB, Q 1/sqrt(2), 1500 Hz.
    a_gain = 10 ** (4.0 / 40)
    w0 = 2 * math.pi * 1500.0 / sample_rate
    alpha = math.sin(w0) / (2 * (1 / math.sqrt(2)))
    cos_w0, root = math.cos(w0), 2 * math.sqrt(a_gain) * alpha
    b = [
        a_gain * ((a_gain + 1) + (a_gain - 1) * cos_w0 + root),
        -2 * a_gain * ((a_gain - 1) + (a_gain + 1) * cos_w0),
        a_gain * ((a_gain + 1) + (a_gain - 1) * cos_w0 - root),
    ]
    a = [
        (a_gain + 1) - (a_gain - 1) * cos_w0 + root,
        2 * ((a_gain - 1) - (a_gain + 1) * cos_w0),
        (a_gain + 1) - (a_gain - 1) * cos_w0 - root,
    ]
    sections.append([*(x / a[0] for x in b), 1.0, a[1] / a[0], a[2] / a[0]])
    # High pass: Q 0.5, 38 Hz.
    w0 = 2 * math.pi * 38.0 / sample_rate
    alpha = math.sin(w0) / (2 * 0.5)
    cos_w0 = math.cos(w0)
    b = [(1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2]
    a = [1 + alpha, -2 * cos_w0, 1 - alpha]
    sections.append([*(x / a[0] for x in b), 1.0, a[1] / a[0], a[2] / a[0]])
    return np.array(sections, dtype=np.float64)


def _fft_length(n: int) -> int:
    """An FFT size >= n: a power of two, or 3 * 2^k when that is smaller (few distinct sizes, so the
    filters' response at each is worked out once)."""
    power = 1 << max(0, (n - 1).bit_length())
    three = 3 * power // 4
    return three if three >= n else power


@functools.lru_cache(maxsize=8)
def _response(sample_rate: int, size: int) -> np.ndarray:
    """The K-weighting filters' frequency response at the bins of a real FFT of `size` points."""
    z1 = np.exp(-2j * np.pi * np.arange(size // 2 + 1) / size)  # z^-1 at each bin
    response = np.ones(size // 2 + 1, dtype=np.complex128)
    for b0, b1, b2, _, a1, a2 in k_weighting_sos(sample_rate):
        response *= (b0 + z1 * (b1 + z1 * b2)) / (1 + z1 * (a1 + z1 * a2))
    return response


def k_weighted(samples: np.ndarray, sample_rate: int, tail_s: float = TAIL_S) -> np.ndarray:
    """The K-weighted signal of a sound that starts from silence, plus `tail_s` of its decay (float64).

    A long sound is filtered in pieces of `PIECE` samples whose outputs, decay included, are
    added where they overlap (overlap-add): the memory stays that of one piece.
    """
    n = len(samples) + int(round(tail_s * sample_rate))
    out = np.zeros(n)
    guard = int(TAIL_S * sample_rate)
    for start in range(0, len(samples), PIECE):
        piece = np.asarray(samples[start : start + PIECE], dtype=np.float64)
        size = _fft_length(len(piece) + 2 * guard)
        filtered = np.fft.irfft(np.fft.rfft(piece, size) * _response(sample_rate, size), size)
        end = min(n, start + len(piece) + guard)
        out[start:end] += filtered[: end - start]
    return out


def hop_energies(weighted: np.ndarray, hop: int, offset: int = 0) -> tuple[int, np.ndarray]:
    """Squared samples of a K-weighted signal summed per hop of a grid of `hop` samples, the signal
    starting `offset` samples into the grid: (index of the first hop touched, energies)."""
    if len(weighted) == 0:
        return offset // hop, np.zeros(0)
    first = offset // hop
    edges = np.arange((first + 1) * hop, offset + len(weighted), hop) - offset
    return first, np.add.reduceat(np.square(weighted, dtype=np.float64), np.concatenate(([0], edges)))


def gated_loudness(energies: np.ndarray, hop: int) -> float:
    """Integrated loudness (LUFS) from consecutive hop energies: -inf for silence or under 400 ms."""
    if len(energies) < BLOCK_HOPS:
        return float("-inf")
    blocks = np.convolve(energies, np.ones(BLOCK_HOPS), mode="valid") / (BLOCK_HOPS * hop)
    with np.errstate(divide="ignore"):
        block_lufs = LUFS_OFFSET + 10 * np.log10(blocks)
    passed = blocks[block_lufs >= ABSOLUTE_GATE_LUFS]
    if passed.size == 0:
        return float("-inf")
    relative = lufs(float(np.mean(passed))) + RELATIVE_GATE_LU
    kept = blocks[block_lufs >= max(relative, ABSOLUTE_GATE_LUFS)]
    return lufs(float(np.mean(kept))) if kept.size else float("-inf")


def loudness_of(samples: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness of a sound in memory (gated; -inf when silent or under 400 ms)."""
    hop = hop_length(sample_rate)
    weighted = k_weighted(samples, sample_rate, tail_s=0.0)
    _, energies = hop_energies(weighted, hop)
    whole = len(samples) // hop
    return gated_loudness(energies[:whole], hop)


def ungated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """The loudness of the K-weighted mean square of a whole (short) sound, ungated."""
    if len(samples) == 0:
        return float("-inf")
    return lufs(float(np.mean(np.square(k_weighted(samples, sample_rate, tail_s=0.0)))))
