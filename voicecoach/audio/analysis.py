"""The loudness and peaks of a session from the facts of its sounds: export's first pass, without
rendering the session.

A session without a bed is silence with sounds placed in it. Its K-weighted energy in each
100 ms hop is the sum of what its sounds put there: each sound's measured energy (facts.py)
placed at its start. Where sounds overlap (a chime ringing under the next words) their energies
are added as well: the cross term of two unrelated sounds averages out over a gating block, and
overlaps are a small part of a session. The gated loudness of these hops is the session's
loudness, within a few hundredths of a LU of rendering and measuring it.

Peaks: the session is cut into *spots*, runs of overlapping sounds. A spot of one sound peaks
at that sound's true peak; a spot of several is rendered and measured (they are short). After
the gain, the spots that could come within `LIMITER_MARGIN_DB` of the ceiling are the only
places the limiter has to look at (`limit_spans`); elsewhere the audio passes through it
untouched. The loudness the limiter takes away is found by rendering just those spots with the
limiter and measuring the difference, and the gain is corrected (at most twice).

A bed (noise or a loop under everything) is not a placed sound: with a bed, export measures a
rendered stream instead (see export.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from voicecoach.audio.facts import cell_energies, cells_to_hops
from voicecoach.audio.kweight import HOP_S, TAIL_S, gated_loudness, hop_energies, k_weighted

#: Spots whose peak comes within this of the ceiling are handed to the limiter.
LIMITER_MARGIN_DB = 0.5
#: How far from a peak the limiter's gain dip reaches (hold and look-ahead, with room to spare).
LIMITER_REACH_S = 0.06
#: How long the K-weighting filters remember: a difference in the audio shows in their output for
#: this long after it (their response has decayed below 1e-15 by then).
SETTLE_S = 0.15
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

    What the limiter takes from a sound that plays alone is the same wherever it plays: each
    distinct sound is limited and measured once (`_limited_cells`), and the difference placed
    at each of its spots. A spot of overlapping sounds is rendered with a little on either side,
    limited, and K-weighted where the limiter changed something (`_limited_spot`).
    """
    hop = analysis.hop
    gain = 10 ** (gain_db / 20)
    energies = analysis.energies * (gain * gain)
    alone = [s for s in spots if len(s.voices) == 1]
    sounds = {mixer.facts_tag(s.voices[0]): s.voices[0] for s in alone}
    with ThreadPoolExecutor(2) as pool:  # rendering, limiting and FFTs leave Python's lock free
        cells = dict(zip(sounds, pool.map(lambda v: _limited_cells(mixer, v, gain, ceiling_db), sounds.values())))
        changes = list(pool.map(lambda spot: _limited_spot(mixer, spot, gain, ceiling_db, hop),
                                [s for s in spots if len(s.voices) > 1]))
    for spot in alone:
        voice = spot.voices[0]
        changes.append(cells_to_hops(cells[mixer.facts_tag(voice)], mixer.facts(voice).cell, voice.start, hop))
    for first, change in changes:
        room = max(0, min(len(change), len(energies) - first))
        energies[first:first + room] += change[:room]
    return gated_loudness(np.maximum(energies, 0.0), hop)


def _limited_cells(mixer, voice, gain: float, ceiling_db: float) -> np.ndarray:  # noqa: ANN001
    """What limiting a voice's sound alone (after `gain`) changes in its K-weighted cell energies."""
    from voicecoach.audio.loudness import TruePeakLimiter

    facts = mixer.facts(voice)
    plain = mixer.sound(voice) * np.float32(gain)
    limiter = TruePeakLimiter(mixer.sample_rate, ceiling_db)
    limited = np.concatenate([limiter.process(plain), limiter.flush()])
    if np.array_equal(limited, plain):
        return np.zeros(len(facts.energies))
    _, after = cell_energies(limited, mixer.sample_rate)
    return after - facts.energies * (gain * gain)


def _limited_spot(mixer, spot: Spot, gain: float, ceiling_db: float,  # noqa: ANN001
                  hop: int) -> tuple[int, np.ndarray]:
    """What limiting a spot of overlapping sounds (after `gain`) does to the hop energies:
    (first hop, change per hop)."""
    from voicecoach.audio.loudness import TruePeakLimiter

    rate = mixer.sample_rate
    reach, settle = int(LIMITER_REACH_S * rate), int(SETTLE_S * rate)
    lo = max(0, spot.start - reach - settle)
    plain = mixer.render_events(lo, min(mixer.total_samples, spot.end + reach + settle) - lo)
    plain *= np.float32(gain)
    a, b = max(0, spot.start - reach) - lo, min(len(plain), spot.end + reach - lo)
    limiter = TruePeakLimiter(rate, ceiling_db)
    limited = plain.copy()
    limited[a:b] = np.concatenate([limiter.process(plain[a:b]), limiter.flush()])
    changed = np.flatnonzero(limited != plain)
    if changed.size == 0:
        return 0, np.zeros(0)
    a, b = max(0, int(changed[0]) - settle), min(len(plain), int(changed[-1]) + 1 + settle)
    first, before = hop_energies(k_weighted(plain[a:b], rate, 0.0), hop, lo + a)
    _, after = hop_energies(k_weighted(limited[a:b], rate, 0.0), hop, lo + a)
    return first, after - before


@dataclass(frozen=True)
class Levels:
    """What the first pass decides: the gain, and where the limiter must look (None: everywhere)."""

    measured_lufs: float
    gain_db: float
    limit_spans: tuple[tuple[int, int], ...] | None = None


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
    return Levels(measured, gain_db, tuple((s.start, s.end) for s in hot))
