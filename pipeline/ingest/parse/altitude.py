"""Altitude values of one activity: metres climbed and the time fraction uphill (pure, numpy).

Physically impossible readings go first (``plausible_altitude``: outside the Earth's range, or
jumps faster than any human climbs or descends); a jump that does not come back splits the
altitude into pieces, and nothing is counted across it. Altitude is then smoothed over a window
that grows with its noise; ascent counts rises beyond a hysteresis; grade is rise over run across
``Thresholds.grade_window_m`` metres of distance.
"""

from __future__ import annotations

import numpy as np

from pipeline.config import Thresholds
from pipeline.ingest.parse.plausible import ALTITUDE_SLACK_M, MAX_VERTICAL_SPEED_MPS

# The Dead Sea shore (-430 m) to above Everest (8,849 m): no outdoor activity is recorded outside.
ALTITUDE_RANGE_M = (-500.0, 9_000.0)
# A spike is confirmed by the altitude coming back within this many following readings.
SPIKE_LOOKAHEAD = 5


def altitude_values(t: np.ndarray, altitude: np.ndarray, *, typical_s: float,
                    cum: np.ndarray | None, moving: np.ndarray | None, w: np.ndarray,
                    thresholds: Thresholds) -> dict:
    """``ascent_m`` (metres climbed) and, with a distance and a moving mask,
    ``uphill_time_fraction`` (0-1 of moving time at a grade above ``thresholds.uphill_grade``).

    ``t`` is each sample's time (s), ``altitude`` its altitude (m), ``typical_s`` the typical
    sample spacing (s), ``cum`` the cumulative distance (m) and ``w`` each sample's weight (s).
    """
    altitude, piece = plausible_altitude(t, altitude)
    width_s = _smoothing_window_s(altitude, typical_s, thresholds)
    bounds = np.flatnonzero(np.diff(piece)) + 1
    slices = [slice(a, b) for a, b in zip([0, *bounds], [*bounds, len(t)])]
    smooth = np.concatenate([_smoothed(t[p], altitude[p], width_s) for p in slices])
    rises = [_ascent(t[p], smooth[p], width_s=width_s, hysteresis_m=thresholds.ascent_hysteresis_m)
             for p in slices]
    values = {"ascent_m": None if all(r is None for r in rises)
              else float(sum(r for r in rises if r is not None))}
    if cum is not None and moving is not None:
        grade = _grade(cum, smooth, thresholds.grade_window_m, piece=piece)
        known = moving & np.isfinite(grade)
        total = w[known].sum()
        if total > 0:
            uphill = w[known & (grade > thresholds.uphill_grade)].sum()
            values["uphill_time_fraction"] = float(uphill / total)
    return values


def altitude_without_spikes(t: np.ndarray, altitude: np.ndarray, warnings: list[str]) -> np.ndarray:
    """Altitude (m) with physically impossible readings as NaN (``plausible_altitude``), for the
    stored samples; a warning says how many went. ``t`` in seconds, ascending."""
    alt = np.asarray(altitude, dtype=float)
    clean, _ = plausible_altitude(t, alt)
    dropped = int((np.isfinite(alt) & np.isnan(clean)).sum())
    if dropped:
        warnings.append(f"{dropped:,} altitude reading(s) outside the Earth's range or jumping "
                        f"faster than {MAX_VERTICAL_SPEED_MPS:g} m/s and back set to null")
    return clean


def plausible_altitude(t: np.ndarray, altitude: np.ndarray, *,
                       max_vertical_speed_mps: float = MAX_VERTICAL_SPEED_MPS,
                       slack_m: float = ALTITUDE_SLACK_M,
                       lookahead: int = SPIKE_LOOKAHEAD) -> tuple[np.ndarray, np.ndarray]:
    """(altitude in m with impossible readings as NaN, piece number of each sample).

    A reading outside ``ALTITUDE_RANGE_M`` is dropped. Then, walking the readings with an anchor
    (the last good one): a reading the athlete could not have reached from the anchor (further
    than ``max_vertical_speed_mps`` x the time since it, or ``slack_m`` when almost no time
    passed) is a spike when one of the next ``lookahead`` readings comes back (reachable from the
    anchor but not from it): dropped. Otherwise the altitude really jumped (a barometer reset, a
    GPS altitude switched on): the reading starts a new piece, so the jump is never climbed.
    ``t`` ascending, in seconds.
    """
    alt = np.asarray(altitude, dtype=float)
    lo, hi = ALTITUDE_RANGE_M
    alt = np.where((alt >= lo) & (alt <= hi), alt, np.nan)
    piece = np.zeros(len(alt), dtype=np.int64)
    idx = np.flatnonzero(np.isfinite(alt))
    if idx.size < 2:
        return alt, piece
    dz, dt = np.abs(np.diff(alt[idx])), np.diff(t[idx])
    if not (dz > np.maximum(max_vertical_speed_mps * dt, slack_m)).any():
        return alt, piece  # the usual case: no loop
    z, tt = alt.tolist(), np.asarray(t, dtype=float).tolist()

    def reachable(a: int, b: int) -> bool:
        return abs(z[b] - z[a]) <= max(max_vertical_speed_mps * abs(tt[b] - tt[a]), slack_m)

    dropped = np.zeros(len(alt), dtype=bool)
    starts = np.zeros(len(alt), dtype=bool)
    anchor = int(idx[0])
    for pos in range(1, idx.size):
        i = int(idx[pos])
        if reachable(anchor, i):
            anchor = i
            continue
        following = idx[pos + 1: pos + 1 + lookahead]
        if any(reachable(anchor, int(j)) and not reachable(i, int(j)) for j in following):
            dropped[i] = True  # out and back: a spike
            continue
        starts[i] = True
        anchor = i
    return np.where(dropped, np.nan, alt), np.cumsum(starts)


def _altitude_noise_m(altitude: np.ndarray) -> float:
    """Sample-to-sample altitude noise (m, one standard deviation): robust spread of second
    differences, which a steady slope does not affect (MAD x 1.4826, / sqrt(6) for white noise)."""
    second = np.diff(altitude[np.isfinite(altitude)], 2)
    if second.size == 0:
        return 0.0
    return float(np.median(np.abs(second)) * 1.4826 / np.sqrt(6.0))


def _smoothing_window_s(altitude: np.ndarray, typical_s: float, thresholds: Thresholds) -> float:
    """Altitude smoothing window (s): the full ``altitude_smoothing_s`` when the noise reaches the
    ascent hysteresis, shrinking in proportion down to ``altitude_smoothing_min_s``, but always
    spanning three typical sample spacings (sparse "smart" recordings)."""
    full = float(thresholds.altitude_smoothing_s)
    scale = _altitude_noise_m(altitude) / thresholds.ascent_hysteresis_m
    floor = max(float(thresholds.altitude_smoothing_min_s), 3.0 * typical_s)
    return float(min(full, max(full * scale, floor)))


def _smoothed(t: np.ndarray, y: np.ndarray, width_s: float) -> np.ndarray:
    """Centred moving mean of ``y`` over ``width_s`` seconds (NaN readings skipped)."""
    ok = np.isfinite(y)
    sums = np.concatenate([[0.0], np.cumsum(np.where(ok, y, 0.0))])
    counts = np.concatenate([[0], np.cumsum(ok)])
    lo = np.searchsorted(t, t - width_s / 2, side="left")
    hi = np.searchsorted(t, t + width_s / 2, side="right")
    n = counts[hi] - counts[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (sums[hi] - sums[lo]) / n, np.nan)


def _ascent(t: np.ndarray, smooth: np.ndarray, *, width_s: float, hysteresis_m: float):
    """Metres climbed: rises of the smoothed altitude read every half window, each counted once it
    exceeds ``hysteresis_m`` above the last low. Consecutive smoothed samples differ by residual
    noise of either sign, which a per-sample sum of rises would add up as climbing."""
    ok = np.isfinite(smooth)
    if not ok.any():
        return None
    tt, aa = t[ok], smooth[ok]
    points = aa[_first_of_each_bin(tt, width_s / 2)].tolist()
    # A loop over one point per half window (~240 an hour), not over samples.
    gained, low = 0.0, points[0]
    for altitude in points[1:]:
        if altitude < low:
            low = altitude
        elif altitude - low > hysteresis_m:
            gained += altitude - low
            low = altitude
    return gained


def _first_of_each_bin(t: np.ndarray, step_s: float) -> np.ndarray:
    """Indices of the first sample at or after each time ``t[0] + k * step_s`` (k = 0, 1, ...),
    and of the last sample; ``t`` ascending (s).

    The first sample of each occupied ``step_s`` bin: O(n) in the samples, whatever the span (a
    grid over the span needs gigabytes when one sample is dated years away).
    """
    step = (t[0] + step_s) - t[0]  # the edges exactly as np.arange(t[0], ..., step_s) has them
    k = np.floor((t - t[0]) / step)
    k -= t < t[0] + k * step  # a sample within rounding of an edge: on the edge's side
    k += t >= t[0] + (k + 1) * step
    first = np.concatenate([[True], k[1:] > k[:-1]])
    first[-1] = True
    return np.flatnonzero(first)


def _grade(cum: np.ndarray, smooth: np.ndarray, window_m: float, *,
           piece: np.ndarray | None = None) -> np.ndarray:
    """Grade (rise / run, 0.06 = 6 %) over ``window_m`` metres of distance centred on each sample;
    NaN where the window spans less than half that distance, altitude is missing, or the window
    crosses from one ``piece`` of altitude to another (``plausible_altitude``)."""
    lo = np.searchsorted(cum, cum - window_m / 2, side="left")
    hi = np.minimum(np.searchsorted(cum, cum + window_m / 2, side="right") - 1, len(cum) - 1)
    run = cum[hi] - cum[lo]
    ok = run >= window_m / 2
    if piece is not None:
        ok &= piece[lo] == piece[hi]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, (smooth[hi] - smooth[lo]) / run, np.nan)
