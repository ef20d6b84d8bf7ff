"""Loudness normalisation of a streamed session, in two passes with bounded memory.

Pass 1 (`measure`) feeds the mixer's blocks through the BS.1770 K-weighting filters (pyloudnorm's
own filter coefficients, run with scipy's lfilter and its state carried from block to block).
Mean squares are summed per 100 ms hop; every four hops form one 400 ms gating block (75 %
overlap). Instead of keeping every block, each one is dropped into a histogram of 0.01 LU bins
between -70 and +10 LUFS that keeps a count and an energy sum per bin: the absolute gate
(-70 LUFS) and the relative gate (-10 LU below the mean of the blocks passing the absolute
gate) are then applied to the histogram. The gate decision is quantised to 0.01 LU, the
energies are exact, and memory is the same for a minute or for four hours.

Pass 2 (`normalise`) renders the blocks again, applies the gain that brings the measured
loudness to the target, and runs a look-ahead true-peak limiter. The limiter estimates each
sample's true peak from a 4x oversampled copy (soxr), turns it into the gain that keeps the
peak under the ceiling, spreads every gain dip over the look-ahead (a sliding minimum followed
by two moving averages, so the dip is complete before the peak arrives) and holds it briefly
so it releases smoothly. A final sample clamp at the ceiling is only a guard.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
_BIN_LU = 0.01
_MAX_LUFS = 10.0
OVERSAMPLING = 4
#: Where no sample comes within 6 dB of the limiter's ceiling, no true peak can reach it in
#: practice (band-limited audio overshoots its samples by well under 3 dB), so the limiter
#: skips the oversampling there.
QUIET_FRACTION = 0.5


def _k_weighting(sample_rate: int) -> np.ndarray:
    """The two BS.1770 K-weighting stages (high shelf, then high pass) as second-order sections."""
    import pyloudnorm

    meter = pyloudnorm.Meter(sample_rate)  # K-weighting by default
    return np.array([np.concatenate([np.asarray(f.b, dtype=np.float64), np.asarray(f.a, dtype=np.float64)])
                     for f in meter._filters.values()])


def _anti_denormal(n: int) -> np.ndarray:
    """A signal at -360 dBFS alternating in sign. Added before the filters, it keeps their state out
    of the denormal range during silence (which slows floating point badly) and adds no measurable
    energy: a block of it alone is far below the -70 LUFS absolute gate."""
    out = np.full(n, 1e-18)
    out[1::2] = -1e-18
    return out


class LoudnessMeter:
    """Integrated loudness (BS.1770-4, mono) of audio fed in consecutive blocks."""

    def __init__(self, sample_rate: int):
        from scipy.signal import sosfilt

        self._sosfilt = sosfilt
        self._sos = _k_weighting(sample_rate)
        self._state = np.zeros((len(self._sos), 2))
        self._parity = 0  # keeps the anti-denormal signal alternating across blocks
        self._hop = int(round(0.1 * sample_rate))
        self._hop_fill = 0
        self._hop_energy = 0.0
        self._recent: deque[float] = deque(maxlen=4)  # energies (sum of squares) of the last hops
        n_bins = int(round((_MAX_LUFS - ABSOLUTE_GATE_LUFS) / _BIN_LU)) + 1
        self._counts = np.zeros(n_bins, dtype=np.int64)
        self._energies = np.zeros(n_bins, dtype=np.float64)

    def add(self, block: np.ndarray) -> None:
        """Feed the next samples."""
        tiny = _anti_denormal(len(block) + 1)[self._parity:self._parity + len(block)]
        self._parity = (self._parity + len(block)) % 2
        y, self._state = self._sosfilt(self._sos, np.asarray(block, dtype=np.float64) + tiny, zi=self._state)
        squares = np.square(y)
        pos = 0
        while pos < len(squares):
            take = min(self._hop - self._hop_fill, len(squares) - pos)
            self._hop_energy += float(np.sum(squares[pos:pos + take]))
            self._hop_fill += take
            pos += take
            if self._hop_fill == self._hop:
                self._close_hop()

    def _close_hop(self) -> None:
        self._recent.append(self._hop_energy)
        self._hop_energy, self._hop_fill = 0.0, 0
        if len(self._recent) == 4:
            z = sum(self._recent) / (4 * self._hop)  # mean square of one 400 ms gating block
            if z > 0:
                lufs = -0.691 + 10 * np.log10(z)
                if lufs >= ABSOLUTE_GATE_LUFS:
                    idx = min(int((lufs - ABSOLUTE_GATE_LUFS) / _BIN_LU), len(self._counts) - 1)
                    self._counts[idx] += 1
                    self._energies[idx] += z

    def integrated(self) -> float:
        """The gated integrated loudness in LUFS (-inf for silence or under 400 ms of audio)."""
        total = int(self._counts.sum())
        if total == 0:
            return float("-inf")
        relative = -0.691 + 10 * np.log10(self._energies.sum() / total) + RELATIVE_GATE_LU
        first = max(0, int(np.floor((relative - ABSOLUTE_GATE_LUFS) / _BIN_LU)))
        count = int(self._counts[first:].sum())
        if count == 0:
            return float("-inf")
        return float(-0.691 + 10 * np.log10(self._energies[first:].sum() / count))


def k_weighted_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Ungated loudness of a whole (short) signal: -0.691 + 10 log10 of its K-weighted mean square."""
    from scipy.signal import sosfilt

    y = sosfilt(_k_weighting(sample_rate), np.asarray(samples, dtype=np.float64))
    power = float(np.mean(np.square(y))) if y.size else 0.0
    return float(-0.691 + 10 * np.log10(power)) if power > 0 else float("-inf")


def clip_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """BS.1770 loudness of a clip in memory (gated); for clips under 400 ms, ungated."""
    meter = LoudnessMeter(sample_rate)
    meter.add(samples)
    measured = meter.integrated()
    return measured if np.isfinite(measured) else k_weighted_loudness(samples, sample_rate)


def oversampled_peaks(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Per input sample, the largest magnitude among it and its 4x oversampled neighbours (soxr)."""
    import soxr

    up = soxr.resample(np.ascontiguousarray(x, dtype=np.float32), sample_rate,
                       OVERSAMPLING * sample_rate, "HQ")
    up = np.abs(np.resize(up, OVERSAMPLING * len(x)))
    peaks = np.abs(x).astype(np.float32)
    for phase in range(OVERSAMPLING):  # much faster than a max over a short axis
        np.maximum(peaks, up[phase::OVERSAMPLING], out=peaks)
    return peaks


class TruePeakMeter:
    """The true peak (dBTP) of audio fed in consecutive blocks, via a streamed 4x soxr resampler."""

    def __init__(self, sample_rate: int):
        import soxr

        self._stream = soxr.ResampleStream(sample_rate, OVERSAMPLING * sample_rate, 1,
                                           dtype="float32", quality="HQ")
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


def _moving_average(x: np.ndarray, length: int) -> np.ndarray:
    """Trailing mean over `length` samples; the result is len(x) - length + 1 long."""
    c = np.concatenate(([0.0], np.cumsum(x, dtype=np.float64)))
    return (c[length:] - c[:-length]) / length


class TruePeakLimiter:
    """Look-ahead limiter that keeps the 4x-oversampled peak under `ceiling_db` (see module doc).

    Output lags input by the look-ahead plus the oversampling margin; `flush()` returns the
    rest, so the samples out equal the samples in, in the same order and timing.
    """

    def __init__(self, sample_rate: int, ceiling_db: float, lookahead_s: float = 0.005,
                 hold_s: float = 0.04, margin: int = 512):
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

    def process(self, block: np.ndarray) -> np.ndarray:
        """Feed the next samples; returns the samples that are now final (maybe none)."""
        self._buf = np.concatenate([self._buf, np.asarray(block, dtype=np.float32)])
        self._received += len(block)
        return self._emit(self._received - self._ahead - self._margin)

    def flush(self) -> np.ndarray:
        """Everything still held back (the stream has ended)."""
        return self._emit(self._received)

    def _window(self, lo: int, hi: int) -> np.ndarray:
        """Input samples [lo, hi) in absolute indices, zeros outside what was received."""
        out = np.zeros(hi - lo, dtype=np.float32)
        a, b = max(lo, self._buf_start), min(hi, self._received)
        if b > a:
            out[a - lo:b - lo] = self._buf[a - self._buf_start:b - self._buf_start]
        return out

    def _emit(self, final_end: int) -> np.ndarray:
        from scipy.ndimage import minimum_filter1d

        start = self._emitted
        if final_end <= start:
            return np.zeros(0, dtype=np.float32)
        ahead, hold, margin = self._ahead, self._hold, self._margin
        x = self._window(start - ahead - hold - margin, final_end + ahead + margin)
        out = x[ahead + hold + margin:ahead + hold + margin + final_end - start]
        self._emitted = final_end
        keep_from = max(0, final_end - ahead - hold - margin)
        self._buf = self._buf[keep_from - self._buf_start:]
        self._buf_start = keep_from
        if np.max(np.abs(x), initial=0.0) < self._ceiling * QUIET_FRACTION:
            return out.copy()  # far below the ceiling: nothing to limit
        peaks = oversampled_peaks(x, self._rate)[margin:len(x) - margin]
        required = np.minimum(1.0, self._ceiling / np.maximum(peaks, 1e-9))
        size = hold + ahead + 1  # each gain dip covers `hold` before and `ahead` after its peak
        trailing_min = minimum_filter1d(required, size, mode="nearest", origin=(size - 1) // 2)
        dips = trailing_min[size - 1:]
        gain = _moving_average(_moving_average(dips, self._avg), self._avg)[-(final_end - start):]
        out = out * gain.astype(np.float32)
        np.clip(out, -self._ceiling, self._ceiling, out=out)
        if gain.size:
            self.min_gain = min(self.min_gain, float(gain.min()))
        return out


def normalise(blocks: Iterable[np.ndarray], sample_rate: int, gain_db: float,
              ceiling_db: float) -> Iterator[np.ndarray]:
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
