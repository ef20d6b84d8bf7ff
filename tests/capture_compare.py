"""Compare a recording of live play with the export of the same session, quarter second by quarter second.

The recording is aligned with the export by cross-correlation (one offset for the whole session),
then every 250 ms window of the export after its first sound is found again in the recording
near that offset: the best lag, and the normalised cross-correlation there. A window that sounds
in the export must match (a missing, doubled or moved buffer does not); a window that is silent
in the export must be silent in the recording too (doubled audio is not).

An output that plays in segments (simpleaudio's) may start each one a few milliseconds from
where it belongs: given where they hand over (`cuts`), each segment is first aligned as a whole,
within SEAM_SEARCH_S of the one before, and its windows are found near that.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import correlate

RATE = 48000
WINDOW_S = 0.25
SEARCH_S = 0.01  # how far from the session's (or its segment's) offset a window is looked for
SEAM_SEARCH_S = 0.05  # how far from the segment before a segment is looked for
SOUNDING = 10 ** (-60 / 20)  # a window's RMS above this sounds (int16 noise is ~-101 dBFS)


@dataclass(frozen=True)
class Window:
    start_s: float  # into the export
    sounding: bool
    ncc: float  # at the best lag (1.0 for silent windows that stayed silent)
    offset_ms: float  # the best lag, from the session's offset (0 for silent windows)
    export_rms: float
    recording_rms: float  # at the best lag, scaled to the export's level


@dataclass(frozen=True)
class Comparison:
    offset_s: float  # where the export's first sample is in the recording
    gain: float  # recording / export level
    windows: list[Window] = field(repr=False)

    @property
    def sounding(self) -> list[Window]:
        return [w for w in self.windows if w.sounding]

    @property
    def min_ncc(self) -> float:
        return min(w.ncc for w in self.sounding)

    def spread_ms(self, windows: list[Window] | None = None) -> float:
        offsets = [w.offset_ms for w in (self.sounding if windows is None else windows)]
        return max(offsets) - min(offsets) if offsets else 0.0

    def failures(self, min_ncc: float = 0.9) -> list[Window]:
        """Windows that sound and do not match, or that should be silent and are not."""
        bad = [w for w in self.sounding if w.ncc < min_ncc]
        noisy = [w for w in self.windows if not w.sounding and w.recording_rms > 2 * SOUNDING]
        return sorted(bad + noisy, key=lambda w: w.start_s)

    def summary(self) -> str:
        return (
            f"{len(self.sounding)} sounding windows of {len(self.windows)}, min NCC {self.min_ncc:.4f}, "
            f"offset spread {self.spread_ms():.3f} ms, {len(self.failures())} failing"
        )


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


def session_offset(recording: np.ndarray, export: np.ndarray) -> int:
    """The lag (samples) at which the export best matches the recording, over the whole session."""
    corr = correlate(recording, export, mode="full", method="fft")
    return int(np.argmax(corr)) - (len(export) - 1)


def _best_lag(window: np.ndarray, around: np.ndarray) -> tuple[float, float]:
    """(lag into `around` at which `window` matches best, with a parabolic sub-sample refinement;
    the normalised cross-correlation there)."""
    n = len(window)
    dots = correlate(around, window, mode="valid", method="fft")
    energy = np.convolve(around * around, np.ones(n), mode="valid")
    ncc = dots / (np.sqrt(np.maximum(energy, 1e-20)) * np.sqrt(np.sum(window * window)))
    k = int(np.argmax(ncc))
    refined = float(k)
    if 0 < k < len(ncc) - 1:
        a, b, c = ncc[k - 1], ncc[k], ncc[k + 1]
        denom = a - 2 * b + c
        if denom < 0:
            refined = k + 0.5 * (a - c) / denom
    return refined, float(ncc[k])


def _segment_shifts(
    padded: np.ndarray, export: np.ndarray, base: int, cuts: Sequence[int], rate: int
) -> list[tuple[int, int]]:
    """(export sample where a segment starts, its lag from the session's offset), for each segment:
    one that holds a second or more of sound is aligned as a whole within SEAM_SEARCH_S of the
    one before (a whole segment of speech has one clear peak; a window of a chime may not)."""
    wide = int(SEAM_SEARCH_S * rate)
    shifts, shift = [(0, 0)], 0
    bounds = sorted({c for c in cuts if 0 < c < len(export)})
    for c, d in itertools.pairwise([*bounds, len(export)]):
        part = export[c:d]
        if d - c >= rate and _rms(part) > SOUNDING:
            around = padded[base + c + shift - wide : base + d + shift + wide]
            shift += int(np.argmax(correlate(around, part, mode="valid", method="fft"))) - wide
        shifts.append((c, shift))
    return shifts


def compare(
    recording: np.ndarray, export: np.ndarray, rate: int = RATE, cuts: Sequence[int] = ()
) -> Comparison:
    """Align `recording` with `export` and compare every window after the export's first sound.

    `cuts` are export samples where the recording may change offset (where an output that plays
    in separate buffers hands over): windows end there, so each is found at one lag, near its
    segment's.
    """
    # Aligned on the first segment only: with segments a few ms apart, the whole session's
    # correlation can peak a pitch period away from all of them, outside every window's search.
    head = min(cuts, default=len(export))
    lag = session_offset(recording, export[:head] if head >= rate else export)
    size, search = int(WINDOW_S * rate), int(SEARCH_S * rate)
    margin = search + (int(SEAM_SEARCH_S * rate) * (len(cuts) + 1) if cuts else 0)
    pad = margin + max(0, -lag)
    padded = np.concatenate([np.zeros(pad), recording, np.zeros(len(export) + margin)])
    base = pad + lag  # where the export's sample 0 is in `padded`
    shifts = _segment_shifts(padded, export, base, cuts, rate)
    loud = np.flatnonzero(np.abs(export) > SOUNDING)
    first = int(loud[0]) if len(loud) else len(export)
    starts = list(range(first, len(export) - size + 1, size))
    end = starts[-1] + size if starts else first
    bounds = sorted(set(starts) | {end} | {c for c in cuts if first < c < end})
    found = []
    for a, b in itertools.pairwise(bounds):
        e = export[a:b]
        at = base + a + next(shift for c, shift in reversed(shifts) if c <= a)
        if _rms(e) <= SOUNDING:
            found.append((a, e, padded[at : at + len(e)], 0.0, 1.0))
            continue
        k, ncc = _best_lag(e, padded[at - search : at + len(e) + search])
        found.append(
            (
                a,
                e,
                padded[at + int(round(k)) - search :][: len(e)],
                (at - base - a + k - search) / rate * 1000,
                ncc,
            )
        )
    levels = [_rms(r) / _rms(e) for _, e, r, _, _ in found if _rms(e) > SOUNDING]
    gain = float(np.median(levels)) if levels else 1.0  # robust to a few windows doubled or missing
    windows = [
        Window(a / rate, _rms(e) > SOUNDING, ncc, offset, _rms(e), _rms(r) / gain)
        for a, e, r, offset, ncc in found
    ]
    # The recording outside the session must be silent (no audio doubled past either end).
    last = base + len(export) + shifts[-1][1]
    outside = np.concatenate([padded[: max(0, base - search)], padded[last + search :]])
    if _rms(outside) > SOUNDING and np.max(np.abs(outside)) > 10 * SOUNDING:
        windows.append(Window(-1.0, False, 0.0, 0.0, 0.0, float(np.max(np.abs(outside)))))
    return Comparison((lag / rate), gain, windows)


def segments(result: Comparison, seams: Sequence[int], fade: int, rate: int = RATE) -> list[list[Window]]:
    """The sounding windows of each segment of an output that hands over at `seams` (export samples)
    with a crossfade of `fade` samples (windows end at each seam and its crossfade's end, see
    `compare`'s cuts; those of the crossfades are left out)."""
    bounds = [0, *seams, 10**12]
    return [
        [
            w
            for w in result.sounding
            if bounds[k] + (fade if k else 0) <= round(w.start_s * rate) < bounds[k + 1]
        ]
        for k in range(len(bounds) - 1)
    ]


def seam_jumps(groups: Sequence[Sequence[Window]]) -> list[float]:
    """How far (ms) each segment's offset is from the one before it (segments with no sound left out)."""
    offsets = [float(np.median([w.offset_ms for w in g])) for g in groups if g]
    return [round(b - a, 3) for a, b in itertools.pairwise(offsets)]
