"""What the mix needs to know about one sound, measured once: its loudness, its true peak, and how
its K-weighted energy is spread over time.

With these facts the loudness of a whole session follows from where its sounds are placed,
without rendering it (see analysis.py). A spoken clip's facts are measured when it is
synthesised and kept with it in the speech cache, so an export from the cache measures
nothing but the few sounds that overlap.

The energy is kept per *cell* of `CELL_S` (1 ms): the sum of the squared K-weighted samples,
the sound's filtered decay included. Summing the cells that fall in a 100 ms hop gives the
hop's energy; a hop edge inside a cell takes the part of the cell's energy in proportion,
which moves at most a millisecond's worth of energy between neighbouring hops.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

import numpy as np

from voicecoach.audio.kweight import HOP_S, TAIL_S, gated_loudness, hop_energies, k_weighted

CELL_S = 0.001
_HEADER = struct.Struct("<IIIdd?dd")  # rate, length, cell, true_peak, loudness, levelled?, levelled_for


@dataclass(frozen=True)
class SoundFacts:
    """Facts of one sound at `sample_rate`, as it plays in the mix."""

    sample_rate: int
    length: int  # samples
    true_peak: float  # linear, 4x oversampled
    loudness_lufs: float  # gated BS.1770 of the sound alone (ungated under 400 ms); -inf if silent
    cell: int  # samples per energy cell
    energies: np.ndarray = field(repr=False, compare=False)  # float64 per cell, decay included
    #: For a spoken clip levelled for the mix: the (loudness, peak above it) it was levelled to.
    levelled_for: tuple[float, float] | None = None

    @property
    def true_peak_db(self) -> float:
        return 20 * math.log10(self.true_peak) if self.true_peak > 0 else float("-inf")

    def hop_energies(self, start: int, hop: int) -> tuple[int, np.ndarray]:
        """This sound placed at sample `start` of a grid of `hop`-sample hops: (first hop, energy per hop)."""
        span = len(self.energies) * self.cell
        first, last = start // hop, (start + span - 1) // hop
        edges = np.arange(first + 1, last + 1) * hop - start  # hop edges inside the sound
        bounds = np.concatenate(([0], edges, [span])).astype(np.float64) / self.cell
        cumulative = np.concatenate(([0.0], np.cumsum(self.energies)))
        whole = np.minimum(np.floor(bounds).astype(np.int64), len(self.energies) - 1)
        at_bounds = cumulative[whole] + (bounds - whole) * self.energies[whole]
        return first, np.diff(at_bounds)

    def to_bytes(self) -> bytes:
        levelled = self.levelled_for or (0.0, 0.0)
        return (_HEADER.pack(self.sample_rate, self.length, self.cell, self.true_peak, self.loudness_lufs,
                             self.levelled_for is not None, *levelled)
                + np.ascontiguousarray(self.energies, dtype="<f4").tobytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> "SoundFacts":
        rate, length, cell, peak, lufs, is_levelled, *levelled = _HEADER.unpack_from(data)
        energies = np.frombuffer(data, dtype="<f4", offset=_HEADER.size).astype(np.float64)
        return cls(rate, length, peak, lufs, cell, energies, tuple(levelled) if is_levelled else None)


def facts_of(samples: np.ndarray, sample_rate: int,
             levelled_for: tuple[float, float] | None = None) -> SoundFacts:
    """Measure a sound (float32 mono at the mix's rate, starting from silence)."""
    from voicecoach.audio.loudness import oversampled_peaks

    samples = np.asarray(samples, dtype=np.float32)
    cell = max(1, int(round(CELL_S * sample_rate)))
    weighted = k_weighted(samples, sample_rate, TAIL_S)
    squares = np.square(weighted)
    n_cells = -(-len(squares) // cell)
    padded = np.zeros(n_cells * cell)
    padded[:len(squares)] = squares
    energies = padded.reshape(n_cells, cell).sum(axis=1).astype(np.float32).astype(np.float64)  # as stored
    peak = float(np.max(oversampled_peaks(samples, sample_rate))) if len(samples) else 0.0
    return SoundFacts(sample_rate, len(samples), peak, _loudness(weighted[:len(samples)], sample_rate), cell,
                      energies, levelled_for)


def _loudness(weighted: np.ndarray, sample_rate: int) -> float:
    """Gated loudness of a K-weighted sound; its ungated mean square when it is under 400 ms."""
    hop = int(round(HOP_S * sample_rate))
    _, energies = hop_energies(weighted, hop)
    gated = gated_loudness(energies[:len(weighted) // hop], hop)
    if math.isfinite(gated) or len(weighted) == 0:
        return gated
    power = float(np.mean(np.square(weighted)))
    return -0.691 + 10 * math.log10(power) if power > 0 else float("-inf")
