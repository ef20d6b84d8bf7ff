"""The loudness and peaks of a session from the facts of its sounds: export's first pass, without
rendering the session.

A session without a bed is silence with sounds placed in it. Its K-weighted energy in each
100 ms hop is the sum of what its sounds put there: each sound's measured energy (facts.py)
placed at its start. Where sounds overlap (a chime ringing under the next words) their energies
are added as well: the cross term of two unrelated sounds averages out over a gating block, and
overlaps are a small part of a session. The gated loudness of these hops is the session's
loudness, within a few hundredths of a LU of rendering and measuring it.

Peaks: the session is cut into *spots*, runs of overlapping sounds. A spot of one sound peaks
at that sound's true peak; a spot of several at most at the sum of theirs. After the gain, the
spots that could come within `LIMITER_MARGIN_DB` of the ceiling are the only places the limiter
has work: each kind of spot is limited once, here (`limit_spots`), which tells what the limiter
takes from the loudness (the gain is corrected, at most twice) and gives the factor it applies
to each sample (`Levels.curves`). Writing then needs no limiter: the gain, those factors where
they apply, a clamp at the ceiling. Everywhere else the audio is the sounds times the gain, so
the session's true peak is known too.

A bed (noise or a loop under everything) is not a placed sound: with a bed, export measures a
rendered stream instead (see export.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voicecoach.sound.facts import cells_to_hops
from voicecoach.sound.kweight import HOP_S, TAIL_S, gated_loudness, hop_length
from voicecoach.sound.loudness import TruePeakLimiter, oversampled_peaks

if TYPE_CHECKING:
    from voicecoach.mix.mixer import FactsTag, Mixer, Sounding

    #: What a spot plays: each sound's tag and its offset in the spot.
    SpotKind = tuple[tuple[FactsTag, int], ...]

#: Spots whose peak comes within this of the ceiling are handed to the limiter.
LIMITER_MARGIN_DB = 0.5
#: Stop correcting the gain when the loudness is this close to the target.
TOLERANCE_LU = 0.1
#: How far before or after the peaks that cause it the limiter's gain dip can reach (its hold and
#: look-ahead, with room to spare).
REACH_S = 0.06


@dataclass(frozen=True)
class Spot:
    """A run of overlapping sounds [start, end) and its true peak at unit gain (linear; for several
    sounds, the sum of theirs: it can be no higher)."""

    start: int
    end: int
    peak: float
    soundings: tuple[Sounding, ...] = ()  # the mixer's soundings heard in it


@dataclass(frozen=True)
class MixAnalysis:
    """Hop energies of the whole session at unit gain, and its spots."""

    sample_rate: int
    hop: int
    energies: np.ndarray
    spots: tuple[Spot, ...]

    @property
    def loudness_lufs(self) -> float:
        return gated_loudness(self.energies, self.hop)

    @property
    def true_peak(self) -> float:
        return max((s.peak for s in self.spots), default=0.0)

    def hot_spots(self, gain_db: float, ceiling_db: float) -> list[Spot]:
        """The spots whose peak, after `gain_db`, comes within the margin of the ceiling."""
        limit = 10 ** ((ceiling_db - LIMITER_MARGIN_DB - gain_db) / 20)
        return [s for s in self.spots if s.peak > limit]


def analyse(mixer: Mixer) -> MixAnalysis:
    """Hop energies and spots of a mixer's session (no bed) from the facts of its sounds."""
    rate = mixer.sample_rate
    hop = hop_length(rate)
    whole_hops = mixer.total_samples // hop
    energies = np.zeros(whole_hops + int(math.ceil(TAIL_S / HOP_S)) + 2)
    for sounding in mixer.soundings:
        first, placed = mixer.facts(sounding).hop_energies(sounding.start, hop)
        room = max(0, min(len(placed), len(energies) - first))
        energies[first : first + room] += placed[:room]
    return MixAnalysis(rate, hop, energies[:whole_hops], tuple(_spots(mixer)))


def _spots(mixer: Mixer) -> list[Spot]:
    """Runs of overlapping soundings with their true peaks (for several, the sum: a bound)."""
    spots: list[Spot] = []
    group: list[Sounding] = []
    end = -1
    for sounding in [*mixer.soundings, None]:
        if sounding is not None and sounding.start < end:
            group.append(sounding)
            end = max(end, sounding.start + sounding.length)
            continue
        if group:
            spots.append(
                Spot(group[0].start, end, sum(mixer.facts(v).true_peak for v in group), tuple(group))
            )
        if sounding is not None:
            group, end = [sounding], sounding.start + sounding.length
    return spots


@dataclass(frozen=True)
class LimitedKind:
    """One kind of spot limited on its own after the gain: the factor the limiter applied to each
    sample from `curve_start` (relative to the spot's start; None: it changed nothing), how that
    changed each of its sounds' cell energies, and the spot's true peak after it (linear)."""

    curve_start: int
    curve: np.ndarray | None
    cells: tuple[np.ndarray, ...]
    peak: float


def limit_spots(
    mixer: Mixer,
    analysis: MixAnalysis,
    gain_db: float,
    ceiling_db: float,
    spots: Sequence[Spot],
) -> tuple[float, dict[SpotKind, LimitedKind]]:
    """The session's loudness after `gain_db` with `spots` limited, and each kind of spot limited.

    Spots of the same sounds at the same offsets (a line that often comes with the same breath
    or chime) are limited alike, so each kind is limited once (on both cores). The limiter's
    gain changes slowly (over milliseconds), so in each millisecond it scales the K-weighted
    energy as it scales the plain energy: that factor, per cell of each sound of the spot,
    gives what the limiter takes from the session's hops.
    """
    hop = analysis.hop
    gain = 10 ** (gain_db / 20)
    energies = analysis.energies * (gain * gain)
    kinds: dict[SpotKind, Spot] = {}
    for spot in spots:
        kinds.setdefault(spot_kind(mixer, spot), spot)
    with ThreadPoolExecutor(2) as pool:  # rendering and limiting leave Python's lock free
        limited = dict(
            zip(
                kinds,
                pool.map(lambda spot: _limit_kind(mixer, spot, gain, ceiling_db), kinds.values()),
                strict=True,
            )
        )
    for spot in spots:
        for sounding, cells in zip(spot.soundings, limited[spot_kind(mixer, spot)].cells, strict=True):
            first, change = cells_to_hops(cells, mixer.facts(sounding).cell, sounding.start, hop)
            room = max(0, min(len(change), len(energies) - first))
            energies[first : first + room] += change[:room]
    return gated_loudness(np.maximum(energies, 0.0), hop), limited


def spot_kind(mixer: Mixer, spot: Spot) -> SpotKind:
    """What a spot plays: its sounds and their offsets in it."""
    return tuple((mixer.facts_tag(v), v.start - spot.start) for v in spot.soundings)


def _limit_kind(mixer: Mixer, spot: Spot, gain: float, ceiling_db: float) -> LimitedKind:
    """A spot's sounds alone (with room on either side for the limiter's dips), limited after `gain`."""
    reach = int(REACH_S * mixer.sample_rate)
    plain = np.zeros(spot.end - spot.start + 2 * reach, dtype=np.float32)
    for sounding in spot.soundings:
        at = reach + sounding.start - spot.start
        plain[at : at + sounding.length] += mixer.sound(sounding, keep=False)
    plain *= np.float32(gain)
    limiter = TruePeakLimiter(mixer.sample_rate, ceiling_db)
    limited = np.concatenate([limiter.process(plain), limiter.flush()])
    changed = np.flatnonzero(limited != plain)
    if changed.size == 0:
        peak = limiter.input_peak
        if limiter.skipped_quiet:  # parts too quiet to matter to the limiter: measure them all
            peak = float(np.max(oversampled_peaks(plain, mixer.sample_rate), initial=0.0))
        return LimitedKind(
            0, None, tuple(np.zeros(len(mixer.facts(v).energies)) for v in spot.soundings), peak
        )
    peak = 10 ** (ceiling_db / 20)  # where the limiter worked it held the peaks at the ceiling
    a, b = int(changed[0]), int(changed[-1]) + 1
    curve = np.divide(limited[a:b], plain[a:b], out=np.ones(b - a, dtype=np.float32), where=plain[a:b] != 0)
    before = np.concatenate(([0.0], np.cumsum(np.square(plain, dtype=np.float64))))
    after = np.concatenate(([0.0], np.cumsum(np.square(limited, dtype=np.float64))))
    cells = []
    for sounding in spot.soundings:
        facts = mixer.facts(sounding)
        edges = np.clip(
            reach + sounding.start - spot.start + facts.cell * np.arange(len(facts.energies) + 1),
            0,
            len(plain),
        )
        plain_e, limited_e = np.diff(before[edges]), np.diff(after[edges])
        ratio = np.divide(limited_e, plain_e, out=np.ones_like(plain_e), where=plain_e > 0)
        cells.append((ratio - 1.0) * facts.energies * (gain * gain))
    return LimitedKind(a - reach, curve, tuple(cells), peak)


@dataclass(frozen=True)
class Levels:
    """What the first pass decides: the gain, and the limiter's work.

    `curves`: (first sample, factor per sample) where the limiter works, worked out in advance
    for each spot whose peaks could reach the ceiling; None when the limiter must run on the
    stream (a session with a bed). `known_peak`: the session's true peak after all that
    (linear), when the first pass knows it (with curves), else 0.
    """

    measured_lufs: float
    gain_db: float
    curves: tuple[tuple[int, np.ndarray], ...] | None = None
    known_peak: float = 0.0


def solve_levels(mixer: Mixer, target_lufs: float, ceiling_db: float) -> Levels:
    """The gain that brings the session (limited under `ceiling_db`) to `target_lufs`, and the
    limiter's work at that gain."""
    analysis = analyse(mixer)
    measured = analysis.loudness_lufs
    if not math.isfinite(measured):
        return Levels(measured, 0.0, ())
    gain_db = target_lufs - measured
    for attempt in range(3):
        hot = analysis.hot_spots(gain_db, ceiling_db)
        reached, limited = limit_spots(mixer, analysis, gain_db, ceiling_db, hot)
        if abs(target_lufs - reached) < TOLERANCE_LU or attempt == 2:
            break
        gain_db += target_lufs - reached  # the limiter took some loudness: more gain, and limit again
    gain = 10 ** (gain_db / 20)
    limit = min((s.peak for s in hot), default=math.inf)
    known = max((s.peak for s in analysis.spots if s.peak < limit), default=0.0) * gain
    curves = []
    for spot in hot:
        kind = limited[spot_kind(mixer, spot)]
        known = max(known, kind.peak)
        if kind.curve is not None:
            curves.append((spot.start + kind.curve_start, kind.curve))
    return Levels(measured, gain_db, tuple(sorted(curves, key=lambda c: c[0])), known)
