"""Loudness of a streamed session, and the true-peak limiter, with bounded memory.

Measuring a stream (`measure`, used when a bed plays under the session; without one, export
measures from the sounds' facts, see analysis.py) feeds the mixer's blocks through the BS.1770
K-weighting filters (kweight.py's coefficients, run with scipy's sosfilt and their state
carried from block to block) and sums the squares per 100 ms hop of one grid, whatever the
block sizes. Gating those hop energies is kweight.py's (`gated_loudness`), the one meter; a
hop's energy is one number, so a four-hour session keeps about a megabyte of them.

Writing (`normalise`) applies the gain that brings the session to its target and runs a
look-ahead true-peak limiter. The limiter estimates each sample's true peak from a 4x
oversampled copy (soxr), turns it into the gain that keeps the peak under the ceiling, spreads
every gain dip over the look-ahead (a sliding minimum followed by two moving averages, so the
dip is complete before the peak arrives) and holds it briefly so it releases smoothly; it works
out that gain only around peaks that need it. A final sample clamp at the ceiling is only a
guard. Without a bed, export runs the limiter in its first pass, on just the spots that need
it, and writes with `apply_curves`.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicecoach.sound.kweight import (
    gated_loudness,
    hop_energies,
    hop_length,
    k_weighting_sos,
    loudness_of,
    ungated_loudness,
)

OVERSAMPLING = 4
#: Where no sample comes within 6 dB of the limiter's ceiling, no true peak can reach it in
#: practice (band-limited audio overshoots its samples by well under 3 dB), so the limiter
#: skips the oversampling there.
QUIET_FRACTION = 0.5


def _anti_denormal(n: int) -> np.ndarray:
    """A signal at -360 dBFS alternating in sign. Added before the filters, it keeps their state out
    of the denormal range during silence (which slows floating point badly) and adds no measurable
    energy: a block of it alone is far below the -70 LUFS absolute gate."""
    out = np.full(n, 1e-18)
    out[1::2] = -1e-18
    return out


class LoudnessMeter:
    """Integrated loudness (BS.1770-4, mono) of audio fed in consecutive blocks."""

    def __init__(self, sample_rate: int) -> None:
        from scipy.signal import sosfilt

        self._sosfilt = sosfilt
        self._sos = k_weighting_sos(sample_rate)
        self._state = np.zeros((len(self._sos), 2))
        self._hop = hop_length(sample_rate)
        self._seen = 0  # samples fed so far (the parity of the anti-denormal signal follows it)
        self._open_hop = 0.0  # energy of the hop the last block ended inside
        self._hops = array("d")  # energy (sum of squares) of each complete hop

    def add(self, block: np.ndarray) -> None:
        """Feed the next samples."""
        tiny = _anti_denormal(len(block) + 1)[self._seen % 2 : self._seen % 2 + len(block)]
        y, self._state = self._sosfilt(self._sos, np.asarray(block, dtype=np.float64) + tiny, zi=self._state)
        first, energies = hop_energies(y, self._hop, self._seen)
        self._seen += len(y)
        if len(energies) == 0:
            return
        energies[0] += self._open_hop
        complete = self._seen // self._hop - first
        self._hops.extend(energies[:complete].tolist())
        self._open_hop = float(energies[complete]) if complete < len(energies) else 0.0

    def integrated(self) -> float:
        """The gated integrated loudness in LUFS (-inf for silence or under 400 ms of audio)."""
        return gated_loudness(np.array(self._hops, dtype=np.float64), self._hop)


def clip_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """BS.1770 loudness of a clip in memory (gated); for clips under 400 ms, ungated."""
    measured = loudness_of(samples, sample_rate)
    return measured if np.isfinite(measured) else ungated_loudness(samples, sample_rate)


def oversampled_peaks(x: npt.NDArray[np.float32], sample_rate: int) -> npt.NDArray[np.float32]:
    """Per input sample, the largest magnitude among it and its 4x oversampled neighbours (soxr)."""
    import soxr

    up = soxr.resample(
        np.ascontiguousarray(x, dtype=np.float32), sample_rate, OVERSAMPLING * sample_rate, "HQ"
    )
    up = np.abs(np.resize(up, OVERSAMPLING * len(x)))
    peaks = np.abs(x).astype(np.float32)
    for phase in range(OVERSAMPLING):  # much faster than a max over a short axis
        np.maximum(peaks, up[phase::OVERSAMPLING], out=peaks)
    return peaks


class TruePeakMeter:
    """The true peak (dBTP) of audio fed in consecutive blocks, via a streamed 4x soxr resampler."""

    def __init__(self, sample_rate: int) -> None:
        import soxr

        self._stream = soxr.ResampleStream(
            sample_rate, OVERSAMPLING * sample_rate, 1, dtype="float32", quality="HQ"
        )
        self.peak = 0.0

    def add(self, block: np.ndarray, last: bool = False) -> None:
        up = self._stream.resample_chunk(np.ascontiguousarray(block, dtype=np.float32), last=last)
        if up.size:
            self.peak = max(self.peak, float(np.max(np.abs(up))))
        if block.size:
            self.peak = max(self.peak, float(np.max(np.abs(block))))

    @property
    def peak_db(self) -> float:
        return float(20 * np.log10(self.peak)) if self.peak > 0 else float("-inf")


@dataclass(frozen=True)
class Measurement:
    """What pass 1 found: integrated loudness, true peak, and how many samples were seen."""

    loudness_lufs: float
    true_peak_db: float
    samples: int


def measure(blocks: Iterable[np.ndarray], sample_rate: int, true_peak: bool = True) -> Measurement:
    """Pass 1: integrated loudness and (unless not wanted) true peak of a stream of blocks."""
    meter = LoudnessMeter(sample_rate)
    peak = TruePeakMeter(sample_rate) if true_peak else None
    samples = 0
    for block in blocks:
        meter.add(block)
        if peak is not None:
            peak.add(block)
        samples += len(block)
    if peak is None:
        return Measurement(meter.integrated(), float("nan"), samples)
    peak.add(np.zeros(0, dtype=np.float32), last=True)
    return Measurement(meter.integrated(), peak.peak_db, samples)


def sliding_min(x: np.ndarray, size: int) -> np.ndarray:
    """The minimum of each run of `size` consecutive values (len(x) - size + 1 of them), in O(n):
    per block of `size`, running minima from the left and from the right; a run spans at most
    two blocks, so its minimum is the right-running minimum where it starts and the left-running
    one where it ends (van Herk / Gil-Werman)."""
    n = len(x)
    if n < size:
        return np.zeros(0, dtype=np.asarray(x).dtype)
    padded = np.full(-(-n // size) * size, np.inf)
    padded[:n] = x
    blocks = padded.reshape(-1, size)
    from_left = np.minimum.accumulate(blocks, axis=1).ravel()
    from_right = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(from_right[: n - size + 1], from_left[size - 1 : n])


def _moving_average(x: np.ndarray, length: int) -> np.ndarray:
    """Trailing mean over `length` samples; the result is len(x) - length + 1 long."""
    c = np.concatenate(([0.0], np.cumsum(x, dtype=np.float64)))
    return (c[length:] - c[:-length]) / length


class TruePeakLimiter:
    """Look-ahead limiter that keeps the 4x-oversampled peak under `ceiling_db` (see module doc).

    Output lags input by the look-ahead plus the oversampling margin; `flush()` returns the
    rest, so the samples out equal the samples in, in the same order and timing.
    """

    def __init__(
        self,
        sample_rate: int,
        ceiling_db: float,
        lookahead_s: float = 0.005,
        hold_s: float = 0.04,
        margin: int = 512,
    ) -> None:
        self._rate = sample_rate
        self._ceiling = 10 ** (ceiling_db / 20)
        self._avg = max(1, int(round(lookahead_s * sample_rate / 2)))  # each moving average
        self._ahead = 2 * self._avg
        self._hold = max(0, int(round(hold_s * sample_rate)))
        self._margin = margin
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_start = 0  # absolute index of _buf[0]
        self._received = 0
        self._emitted = 0
        self.min_gain = 1.0  # deepest gain reduction applied so far (linear)
        self.input_peak = 0.0  # highest true peak of the input seen, where it was measured...
        self.skipped_quiet = False  # ...and whether some of it was too quiet to need measuring

    def process(self, block: np.ndarray) -> np.ndarray:
        """Feed the next samples; returns the samples that are now final (maybe none)."""
        self._buf = np.concatenate([self._buf, np.asarray(block, dtype=np.float32)])
        self._received += len(block)
        return self._emit(self._received - self._ahead - self._margin)

    def flush(self) -> np.ndarray:
        """Everything still held back (the stream has ended)."""
        return self._emit(self._received)

    def _window(self, lo: int, hi: int) -> npt.NDArray[np.float32]:
        """Input samples [lo, hi) in absolute indices, zeros outside what was received."""
        out = np.zeros(hi - lo, dtype=np.float32)
        a, b = max(lo, self._buf_start), min(hi, self._received)
        if b > a:
            out[a - lo : b - lo] = self._buf[a - self._buf_start : b - self._buf_start]
        return out

    def _emit(self, final_end: int) -> np.ndarray:
        start = self._emitted
        if final_end <= start:
            return np.zeros(0, dtype=np.float32)
        ahead, hold, margin = self._ahead, self._hold, self._margin
        x = self._window(start - ahead - hold - margin, final_end + ahead + margin)
        out = x[ahead + hold + margin : ahead + hold + margin + final_end - start]
        self._emitted = final_end
        keep_from = max(0, final_end - ahead - hold - margin)
        self._buf = self._buf[keep_from - self._buf_start :]
        self._buf_start = keep_from
        if np.max(np.abs(x), initial=0.0) < self._ceiling * QUIET_FRACTION:
            self.skipped_quiet = True
            return np.copy(out)  # far below the ceiling: nothing to limit
        peaks = oversampled_peaks(x, self._rate)[margin : len(x) - margin]
        self.input_peak = max(self.input_peak, float(np.max(peaks, initial=0.0)))
        gain = self._gain(peaks)
        if gain is None:
            return np.copy(out)  # nothing reaches the ceiling
        out = out * gain.astype(np.float32)
        np.clip(out, -self._ceiling, self._ceiling, out=out)
        self.min_gain = min(self.min_gain, float(gain.min()))
        return out

    def _gain(self, peaks: np.ndarray) -> np.ndarray | None:
        """The gain for the samples `peaks` ends `ahead` before (None: 1 throughout).

        The gain each peak over the ceiling requires is spread by a sliding minimum over `hold`
        before and `ahead` after it, then smoothed by two moving averages. A peak affects only
        the `span` samples before it, so the curve is worked out only around the peaks that
        require something, run by run; everywhere else it is exactly 1.
        """
        over = np.flatnonzero(peaks > self._ceiling)
        if over.size == 0:
            return None
        avg, size = self._avg, self._hold + self._ahead + 1
        span = size + 2 * avg - 3
        gain = np.ones(len(peaks) - span)
        runs = np.split(over, np.flatnonzero(np.diff(over) > span) + 1)
        for run in runs:
            lo, hi = max(0, int(run[0]) - span), min(len(gain), int(run[-1]) + 1)
            required = np.minimum(1.0, self._ceiling / np.maximum(peaks[lo : hi + span], 1e-9))
            gain[lo:hi] = _moving_average(_moving_average(sliding_min(required, size), avg), avg)
        return gain[2:]


def normalise(
    blocks: Iterable[np.ndarray], sample_rate: int, gain_db: float, ceiling_db: float
) -> Iterator[np.ndarray]:
    """Pass 2: apply `gain_db`, then the true-peak limiter; yields as many samples as it gets."""
    limiter = TruePeakLimiter(sample_rate, ceiling_db)
    gain = np.float32(10 ** (gain_db / 20))
    for block in blocks:
        out = limiter.process(block * gain)
        if out.size:
            yield out
    tail = limiter.flush()
    if tail.size:
        yield tail


def apply_curves(
    blocks: Iterable[np.ndarray], gain_db: float, ceiling_db: float, curves: Sequence[tuple[int, np.ndarray]]
) -> Iterator[np.ndarray]:
    """Pass 2 with the limiter's work done in advance (analysis.py): apply `gain_db`, multiply each
    curve in from its first sample (curves sorted by that), clamp at the ceiling as a guard."""
    gain, ceiling = np.float32(10 ** (gain_db / 20)), np.float32(10 ** (ceiling_db / 20))
    pos, first = 0, 0
    for block in blocks:
        out = block * gain
        end = pos + len(out)
        i = first
        while i < len(curves) and curves[i][0] < end:
            start, curve = curves[i]
            a, b = max(start, pos), min(start + len(curve), end)
            if b > a:
                out[a - pos : b - pos] *= curve[a - start : b - start]
            i += 1
        while first < len(curves) and curves[first][0] + len(curves[first][1]) <= end:
            first += 1
        np.clip(out, -ceiling, ceiling, out=out)
        pos = end
        yield out
