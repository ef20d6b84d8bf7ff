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

from voicecoach.sound.kweight import TAIL_S, gated_loudness, hop_length, k_weighted, lufs
from voicecoach.sound.loudness import oversampled_peaks

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
    energies: np.ndarray = field(repr=False, compare=False)  # float32 per cell, decay included
    #: For a spoken clip levelled for the mix: the (loudness, peak above it) it was levelled to.
    levelled_for: tuple[float, float] | None = None

    @property
    def true_peak_db(self) -> float:
        return 20 * math.log10(self.true_peak) if self.true_peak > 0 else float("-inf")

    def hop_energies(self, start: int, hop: int) -> tuple[int, np.ndarray]:
        """This sound placed at sample `start` of a grid of `hop`-sample hops: (first hop, energy per hop)."""
        return cells_to_hops(self.energies, self.cell, start, hop)

    def to_bytes(self) -> bytes:
        levelled = self.levelled_for or (0.0, 0.0)
        return (
            _HEADER.pack(
                self.sample_rate,
                self.length,
                self.cell,
                self.true_peak,
                self.loudness_lufs,
                self.levelled_for is not None,
                *levelled,
            )
            + np.ascontiguousarray(self.energies, dtype="<f4").tobytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SoundFacts:
        rate, length, cell, peak, lufs, is_levelled, *levelled = _HEADER.unpack_from(data)
        energies = np.frombuffer(data, dtype="<f4", offset=_HEADER.size).astype(np.float32)
        return cls(rate, length, peak, lufs, cell, energies, tuple(levelled) if is_levelled else None)


def cells_to_hops(energies: np.ndarray, cell: int, start: int, hop: int) -> tuple[int, np.ndarray]:
    """Energy per cell of `cell` samples, placed at sample `start`, summed per `hop`-sample hop:
    (first hop, energy per hop). A hop edge inside a cell takes the cell's energy in proportion."""
    span = len(energies) * cell
    first, last = start // hop, (start + span - 1) // hop
    edges = np.arange(first + 1, last + 1) * hop - start  # hop edges inside the sound
    bounds = np.concatenate(([0], edges, [span])).astype(np.float64) / cell
    cumulative = np.concatenate(([0.0], np.cumsum(energies, dtype=np.float64)))
    whole = np.minimum(np.floor(bounds).astype(np.int64), len(energies) - 1)
    at_bounds = cumulative[whole] + (bounds - whole) * energies[whole].astype(np.float64)
    return first, np.diff(at_bounds)


def cell_energies(samples: np.ndarray, sample_rate: int) -> tuple[int, np.ndarray]:
    """(cell size, K-weighted energy per cell) of a sound that starts from silence, decay included."""
    cell = max(1, int(round(CELL_S * sample_rate)))
    squares = np.square(k_weighted(samples, sample_rate, TAIL_S))
    n_cells = -(-len(squares) // cell)
    padded = np.zeros(n_cells * cell)
    padded[: len(squares)] = squares
    return cell, padded.reshape(n_cells, cell).sum(axis=1).astype(np.float32)  # as stored


def facts_of(
    samples: np.ndarray, sample_rate: int, levelled_for: tuple[float, float] | None = None
) -> SoundFacts:
    """Measure a sound (float32 mono at the mix's rate, starting from silence)."""
    samples = np.asarray(samples, dtype=np.float32)
    cell, energies = cell_energies(samples, sample_rate)
    peak = float(np.max(oversampled_peaks(samples, sample_rate))) if len(samples) else 0.0
    return SoundFacts(
        sample_rate,
        len(samples),
        peak,
        _loudness(energies, cell, len(samples), sample_rate),
        cell,
        energies,
        levelled_for,
    )


def _loudness(energies: np.ndarray, cell: int, length: int, sample_rate: int) -> float:
    """Gated loudness of a sound from its cells; its ungated mean square when it is under 400 ms."""
    hop = hop_length(sample_rate)
    _, hops = cells_to_hops(energies, cell, 0, hop)
    gated = gated_loudness(hops[: length // hop], hop)
    if math.isfinite(gated) or length == 0:
        return gated
    whole, part = divmod(length, cell)
    power = (
        float(np.sum(energies[:whole], dtype=np.float64))
        + part / cell * float(energies[min(whole, len(energies) - 1)])
    ) / length
    return lufs(power)
