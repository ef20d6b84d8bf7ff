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
has to look at (`limit_spans`); elsewhere the audio passes through it untouched. What the
limiter takes from the loudness is found by limiting just those spots (each kind of spot once,
on both cores; see `limited_loudness`), and the gain is corrected (at most twice).

A bed (noise or a loop under everything) is not a placed sound: with a bed, export measures a
rendered stream instead (see export.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from voicecoach.audio.facts import cells_to_hops
from voicecoach.audio.kweight import HOP_S, TAIL_S, gated_loudness

#: Spots whose peak comes within this of the ceiling are handed to the limiter.
LIMITER_MARGIN_DB = 0.5
#: Stop correcting the gain when the loudness is this close to the target.
TOLERANCE_LU = 0.05


@dataclass(frozen=True)
class Spot:
    """A run of overlapping sounds [start, end) and its true peak at unit gain (linear; for several
    sounds, the sum of theirs: it can be no higher)."""

    start: int
    end: int
    peak: float
    voices: tuple = ()  # the mixer's voices sounding in it


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


def analyse(mixer) -> MixAnalysis:  # noqa: ANN001 (a Mixer; imported lazily to keep this module light)
    """Hop energies and spots of a mixer's session (no bed) from the facts of its sounds."""
    rate = mixer.sample_rate
    hop = int(round(HOP_S * rate))
    whole_hops = mixer.total_samples // hop
    energies = np.zeros(whole_hops + int(math.ceil(TAIL_S / HOP_S)) + 2)
    for voice in mixer.voices:
        first, placed = mixer.facts(voice).hop_energies(voice.start, hop)
        room = max(0, min(len(placed), len(energies) - first))
        energies[first:first + room] += placed[:room]
    return MixAnalysis(rate, hop, energies[:whole_hops], tuple(_spots(mixer)))


def _spots(mixer) -> list[Spot]:  # noqa: ANN001
    """Runs of overlapping voices with their true peaks (for several, the sum: a bound)."""
    spots: list[Spot] = []
    group: list = []
    end = -1
    for voice in [*mixer.voices, None]:
        if voice is not None and voice.start < end:
            group.append(voice)
            end = max(end, voice.start + voice.length)
            continue
        if group:
            spots.append(Spot(group[0].start, end, sum(mixer.facts(v).true_peak for v in group), tuple(group)))
        if voice is not None:
            group, end = [voice], voice.start + voice.length
    return spots


def limited_loudness(mixer, analysis: MixAnalysis, gain_db: float, ceiling_db: float,  # noqa: ANN001
                     spots: Sequence[Spot]) -> float:
    """The session's loudness after `gain_db` and the limiter, which works only in `spots`.

    The limiter's gain changes slowly (over milliseconds), so in each millisecond it scales the
    K-weighted energy as it scales the plain energy: rendering a spot with and without the
    limiter gives, per cell of each sound in it, the factor its energy is scaled by. Spots of
    the same sounds at the same offsets (a line that often comes with the same breath or chime)
    are limited alike, so each kind is worked out once.
    """
    hop = analysis.hop
    gain = 10 ** (gain_db / 20)
    energies = analysis.energies * (gain * gain)
    kinds: dict[tuple, Spot] = {}
    for spot in spots:
        kinds.setdefault(_kind(mixer, spot), spot)
    with ThreadPoolExecutor(2) as pool:  # rendering and limiting leave Python's lock free
        worked = dict(zip(kinds, pool.map(lambda spot: _spot_changes(mixer, spot, gain, ceiling_db),
                                          kinds.values())))
    for spot in spots:
        for voice, cells in zip(spot.voices, worked[_kind(mixer, spot)]):
            first, change = cells_to_hops(cells, mixer.facts(voice).cell, voice.start, hop)
            room = max(0, min(len(change), len(energies) - first))
            energies[first:first + room] += change[:room]
    return gated_loudness(np.maximum(energies, 0.0), hop)


def _kind(mixer, spot: Spot) -> tuple:  # noqa: ANN001
    """What a spot plays: its sounds and their offsets in it."""
    return tuple((mixer.facts_tag(v), v.start - spot.start) for v in spot.voices)


def _spot_changes(mixer, spot: Spot, gain: float, ceiling_db: float) -> list[np.ndarray]:  # noqa: ANN001
    """The change per cell of each sound of a spot when it is limited (its sounds alone)."""
    piece = np.zeros(spot.end - spot.start, dtype=np.float32)
    for voice in spot.voices:
        piece[voice.start - spot.start:voice.start - spot.start + voice.length] += mixer.sound(voice, keep=False)
    return _cell_changes(mixer, spot.start, piece, spot.voices, gain, ceiling_db)


def _cell_changes(mixer, lo: int, piece: np.ndarray, voices: Sequence, gain: float,  # noqa: ANN001
                  ceiling_db: float) -> list[np.ndarray]:
    """For each voice, how limiting `piece` (audio from sample `lo`, after `gain`) changes the
    K-weighted energy of each cell of its sound (the cell's energy times the factor the
    limiter scaled the plain energy of that millisecond by)."""
    from voicecoach.audio.loudness import TruePeakLimiter

    plain = piece * np.float32(gain)
    limiter = TruePeakLimiter(mixer.sample_rate, ceiling_db)
    limited = np.concatenate([limiter.process(plain), limiter.flush()])
    if limiter.min_gain >= 1.0:
        return [np.zeros(len(mixer.facts(v).energies)) for v in voices]
    before = np.concatenate(([0.0], np.cumsum(np.square(plain, dtype=np.float64))))
    after = np.concatenate(([0.0], np.cumsum(np.square(limited, dtype=np.float64))))
    out = []
    for voice in voices:
        facts = mixer.facts(voice)
        edges = np.clip(voice.start - lo + facts.cell * np.arange(len(facts.energies) + 1), 0, len(plain))
        plain_e, limited_e = np.diff(before[edges]), np.diff(after[edges])
        ratio = np.divide(limited_e, plain_e, out=np.ones_like(plain_e), where=plain_e > 0)
        out.append((ratio - 1.0) * facts.energies * (gain * gain))
    return out


@dataclass(frozen=True)
class Levels:
    """What the first pass decides: the gain, and where the limiter must look (None: everywhere).

    `known_peak`: the highest true peak (linear, after the gain) of everything outside the
    limiter's spans, which plays there unchanged; 0 when unknown (then it is all measured).
    """

    measured_lufs: float
    gain_db: float
    limit_spans: tuple[tuple[int, int], ...] | None = None
    known_peak: float = 0.0


def solve_levels(mixer, target_lufs: float, ceiling_db: float) -> Levels:  # noqa: ANN001
    """The gain that brings the session (limited under `ceiling_db`) to `target_lufs`."""
    analysis = analyse(mixer)
    measured = analysis.loudness_lufs
    if not math.isfinite(measured):
        return Levels(measured, 0.0, ())
    gain_db = target_lufs - measured
    for _ in range(2):
        hot = analysis.hot_spots(gain_db, ceiling_db)
        if not hot:
            break
        reached = limited_loudness(mixer, analysis, gain_db, ceiling_db, hot)
        if abs(target_lufs - reached) < TOLERANCE_LU:
            break
        gain_db += target_lufs - reached
    hot = analysis.hot_spots(gain_db, ceiling_db)
    limit = min((s.peak for s in hot), default=math.inf)
    known = max((s.peak for s in analysis.spots if s.peak < limit), default=0.0) * 10 ** (gain_db / 20)
    return Levels(measured, gain_db, tuple((s.start, s.end) for s in hot), known)
