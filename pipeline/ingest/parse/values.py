"""Per-activity values of ``activities.parquet`` from one parsed activity (pure, numpy on columns).

Time weighting: sample *i* stands for the interval since sample *i - 1* (FIT records speed, heart
rate and cadence as values over that interval). A gap longer than ``Thresholds.max_sample_gap_s``
(or three typical spacings, for sparse recordings) is a pause: it counts as one typical spacing, so
auto-pauses and stop-button pauses add neither moving time nor heart-rate seconds.

The device's own session totals win over values computed from the samples (the corpus is checked
against them); ``avg_speed_mps`` is the exception: it is always the average *moving* speed,
distance / moving time, so it means the same for every file.
"""

from __future__ import annotations

import numpy as np

from pipeline.config import Thresholds

from pipeline.ingest.parse.altitude import altitude_values
from pipeline.ingest.parse.model import ParsedActivity, SampleColumns
from pipeline.ingest.parse.speed_profile import PERCENTILES
from pipeline.ingest.parse.plausible import (
    MAX_CADENCE_RPM,
    MAX_CADENCE_SPM,
    MAX_MEAN_CLIMB_MPS,
    heart_rate_bpm,
    plausible_hr,
)
from pipeline.ingest.parse.trackpoints import FOOT_SPORTS, forward_filled, pause_mask

HR_BINS = 256  # integer heart rates 0..255 bpm
# Speed derived from distance or positions: change over a centred 10 s window. Over 10 s, GPS
# jitter of a standing runner (metres, wandering slowly) stays well under the moving threshold.
SPEED_WINDOW_S = 10.0
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
MAX_SPEED_MPS = 25.0  # 90 km/h: above any human-powered sport's speed

# Session keys that are the device's own measurement and win over the samples when present.
SESSION_KEYS = (
    "distance_m", "elapsed_time_s", "timer_time_s", "moving_time_s", "ascent_m",
    "avg_hr_bpm", "max_hr_bpm", "avg_cadence_spm", "avg_cadence_rpm", "avg_step_length_m",
    "avg_stance_time_ms", "avg_vertical_oscillation_mm", "avg_vertical_ratio_pct",
    "avg_stance_time_balance_pct", "avg_power_w",
)  # fmt: skip
# Above 100 m of ascent per km (a 10 % climb on every kilometre) a device's total is checked
# against its own altitude samples (rule of thumb; a vertical-kilometre run passes: it agrees).
STEEP_ASCENT_M_PER_KM = 100.0
# A device writes 0 for "no sensor" (no HR strap, no footpod): 0 is only a real value for ascent.
ZERO_IS_REAL = ("ascent_m",)


def activity_values(parsed: ParsedActivity, *, thresholds: Thresholds) -> dict:
    """The per-activity values of ``schemas.Activities`` for one parsed activity.

    Distances in metres, times in seconds, speeds in m/s, heart rate in bpm, cadence in steps/min
    (``avg_cadence_spm``) or crank rpm (``avg_cadence_rpm``). ``moving_speed_percentiles_mps`` is
    the 0th..100th percentile of speed over moving time (101 values, time-weighted),
    ``hr_seconds_by_bpm`` the seconds spent at each integer heart rate 0..255, ``channels`` the
    sample columns holding data. A value the file cannot give is None, never 0. Moving and timer
    time never exceed the elapsed time (``_times_within_elapsed``; a change of more than a second
    is added to ``parsed.warnings``).
    """
    values = _sample_values(_Columns(parsed.columns), sport=parsed.sport, thresholds=thresholds)
    samples_elapsed_s = values["elapsed_time_s"]
    session = _usable_session(parsed.session)
    covered = _samples_cover_session(values, session) >= thresholds.min_sample_coverage
    note = _implausible_ascent(session, samples_elapsed_s,
                               samples_ascent_m=values["ascent_m"] if covered else None)
    if note:
        parsed.warnings.append(note)
    if not covered:
        # Samples cut short (a damaged file) would pair the session's distance with a fraction
        # of its time: every time value comes from the session.
        for key in ("elapsed_time_s", "timer_time_s", "moving_time_s"):
            values[key] = None
        session.setdefault("moving_time_s", session.get("timer_time_s"))
    for key, value in session.items():
        values[key] = value
    values.update(_sport_only(values, parsed.sport))
    if values["moving_time_s"] and values["timer_time_s"]:
        # moving time is part of the timer time (a sample's interval can straddle a device pause)
        values["moving_time_s"] = min(values["moving_time_s"], values["timer_time_s"])
    note = _times_within_elapsed(values, samples_elapsed_s)
    if note:
        parsed.warnings.append(note)
    values["avg_speed_mps"] = _avg_speed(values, parsed.session)
    return values


def _times_within_elapsed(values: dict, samples_elapsed_s: float | None) -> str | None:
    """Makes ``moving_time_s`` and ``timer_time_s`` at most ``elapsed_time_s`` (in place), and
    says how when it changed more than a second (None otherwise).

    A device can write inverted totals, or its laps' timer can run on after the trackpoints stop:
    the samples' span then becomes the elapsed time when it covers the longer time (both from
    the samples' clock); otherwise the longer time is clamped to the elapsed time.
    """
    elapsed = values.get("elapsed_time_s")
    longest = max((values.get(k) or 0.0 for k in ("moving_time_s", "timer_time_s")), default=0.0)
    if not elapsed or longest <= elapsed:
        return None
    note = None
    if samples_elapsed_s is not None and samples_elapsed_s >= longest:
        if longest - elapsed > 1.0:
            note = (f"the device's elapsed time ({elapsed:.0f} s) is shorter than its moving "
                    f"time ({longest:.0f} s): elapsed time taken from the samples "
                    f"({samples_elapsed_s:.0f} s)")
        values["elapsed_time_s"] = float(samples_elapsed_s)
        return note
    if longest - elapsed > 1.0:
        note = (f"moving time ({longest:.0f} s) longer than the elapsed time ({elapsed:.0f} s): "
                "clamped to the elapsed time")
    for key in ("moving_time_s", "timer_time_s"):
        if values.get(key) is not None and values[key] > elapsed:
            values[key] = float(elapsed)
    return note


def _implausible_ascent(session: dict, samples_elapsed_s: float | None, *,
                        samples_ascent_m: float | None) -> str | None:
    """Drops the device's ``ascent_m`` (in place) when it is a total summed over a broken
    altimeter's jumps, and says so: when it means climbing faster than anyone can for the whole
    activity (``plausible.MAX_MEAN_CLIMB_MPS``), or when it is over 100 m per km and more than
    twice (+ 50 m) the ascent of the samples covering the session (``samples_ascent_m``, spikes
    removed), which is used instead."""
    ascent = session.get("ascent_m")
    span = session.get("elapsed_time_s") or samples_elapsed_s
    if not ascent:
        return None
    if span and ascent > MAX_MEAN_CLIMB_MPS * span:
        del session["ascent_m"]
        return (f"the device's ascent ({ascent:,.0f} m in {span / 60:.0f} min) is more than "
                "anyone climbs: computed from the altitude samples instead")
    km = (session.get("distance_m") or 0.0) / 1000.0
    if samples_ascent_m is not None and km > 0 and ascent / km > STEEP_ASCENT_M_PER_KM \
            and ascent > 2.0 * samples_ascent_m + 50.0:
        del session["ascent_m"]
        return (f"the device's ascent ({ascent:,.0f} m over {km:.1f} km) is more than twice its "
                f"altitude samples' ({samples_ascent_m:,.0f} m, jumps removed): the samples' used")
    return None


def _samples_cover_session(values: dict, session: dict) -> float:
    """Fraction (0-1) of the session's timer (else elapsed) time that the samples span; 1 when
    there is no session time to compare with."""
    for key in ("timer_time_s", "elapsed_time_s"):
        if session.get(key):
            return float((values.get(key) or 0.0) / session[key])
    return 1.0


# Values that exist only for some sports: a device writes step metrics for rides and crank
# cadence for swims (strokes) and gym machines; those are not the schema's quantities.
STEP_KEYS = (
    "avg_cadence_spm", "avg_step_length_m", "avg_stance_time_ms", "avg_vertical_oscillation_mm",
    "avg_vertical_ratio_pct", "avg_stance_time_balance_pct",
)  # fmt: skip


def _sport_only(values: dict, sport: str) -> dict:
    """None for the values that ``sport`` cannot have: step metrics outside foot sports, crank
    cadence outside cycling."""
    out = {}
    if sport not in FOOT_SPORTS:
        out.update(dict.fromkeys(STEP_KEYS))
    if sport != "cycling":
        out["avg_cadence_rpm"] = None
    return out


# --- samples -> values -------------------------------------------------------------------------


def _sample_values(samples: _Columns, *, sport: str, thresholds: Thresholds) -> dict:
    n = samples.n
    values = dict.fromkeys(
        ("distance_m", "elapsed_time_s", "timer_time_s", "moving_time_s", "ascent_m",
         "avg_speed_mps", "avg_hr_bpm", "max_hr_bpm", "avg_cadence_spm", "avg_cadence_rpm",
         "avg_step_length_m", "avg_stance_time_ms", "avg_vertical_oscillation_mm",
         "avg_vertical_ratio_pct", "avg_stance_time_balance_pct", "avg_power_w",
         "uphill_time_fraction", "moving_speed_percentiles_mps", "hr_seconds_by_bpm"),
    )  # fmt: skip
    lat, lon = samples.column("latitude_deg"), samples.column("longitude_deg")
    has_position = np.isfinite(lat) & np.isfinite(lon) & ~((lat == 0) & (lon == 0))
    values["n_samples"] = n
    values["channels"] = samples.channels
    values["has_gps"] = bool(has_position.any())
    if n == 0:
        return values

    t = samples.seconds
    dt = np.diff(t, prepend=t[0])
    typical = float(np.median(dt[dt > 0])) if (dt > 0).any() else 0.0
    in_gap = pause_mask(t, max_gap_s=thresholds.max_sample_gap_s)
    # A gap the distance crossed at moving speed is lost signal while moving (a tunnel, a
    # recorder that logs sparsely), not a pause: its time is moving time like its distance.
    gap_speed = _gap_speed(t, samples.column("distance_m"))
    through = in_gap & (gap_speed >= thresholds.moving_speed_min_mps)
    w = np.where(in_gap & ~through, min(typical, thresholds.max_sample_gap_s), dt)

    values["elapsed_time_s"] = float(t[-1] - t[0])
    values["timer_time_s"] = float(w.sum())

    cum, speed = _distance_and_speed(
        samples, t, in_gap, has_position, lat, lon,
        moving_min_mps=thresholds.moving_speed_min_mps,
    )
    if speed is not None:
        speed = np.where(through, gap_speed, speed)
        moving = np.isfinite(speed) & (speed >= thresholds.moving_speed_min_mps)
        values["moving_time_s"] = float(w[moving].sum())
        mv = moving & np.isfinite(speed) & (w > 0)
        if w[mv].sum() > 0:
            values["moving_speed_percentiles_mps"] = _weighted_percentiles(speed[mv], w[mv])
    else:
        moving = None
    if cum is not None and cum[-1] > 0:
        values["distance_m"] = float(cum[-1])

    hr = heart_rate_bpm(samples.column("heart_rate_bpm"))  # 25-250 bpm, else a glitch
    if np.isfinite(hr).any():
        values["avg_hr_bpm"] = _active_mean(hr, w, moving)
        values["max_hr_bpm"] = float(np.nanmax(hr))
        values["hr_seconds_by_bpm"] = _hr_histogram(hr, w)

    positive = {  # channels where 0 means "no reading" (cadence zeros while stopped, no pod)
        "avg_cadence_spm": "cadence_spm",
        "avg_cadence_rpm": "cadence_rpm",
        "avg_step_length_m": "step_length_m",
        "avg_stance_time_ms": "stance_time_ms",
        "avg_vertical_oscillation_mm": "vertical_oscillation_mm",
        "avg_vertical_ratio_pct": "vertical_ratio_pct",
        "avg_stance_time_balance_pct": "stance_time_balance_pct",
    }
    ceiling = {"cadence_spm": MAX_CADENCE_SPM, "cadence_rpm": MAX_CADENCE_RPM}
    for key, column in positive.items():
        x = samples.column(column)
        ok = (x > 0) & (x <= ceiling.get(column, np.inf))
        values[key] = _active_mean(np.where(ok, x, np.nan), w, moving)
    power = samples.column("power_w")
    if (power > 0).any():  # coasting at 0 W counts; a channel of only zeros is no power meter
        values["avg_power_w"] = _active_mean(power, w, moving)

    if values["avg_step_length_m"] is None and sport in FOOT_SPORTS and speed is not None:
        values["avg_step_length_m"] = _derived_step_length(
            speed, samples.column("cadence_spm"), w, moving
        )

    altitude = samples.column("altitude_m")
    if np.isfinite(altitude).any() and sport != "treadmill_running":  # a treadmill's incline is
        values.update(altitude_values(  # not in its altitude
            t, altitude, typical_s=typical, cum=cum, moving=moving, w=w, thresholds=thresholds
        ))
    return values


def _distance_and_speed(samples, t, in_gap, has_position, lat, lon, *, moving_min_mps: float):
    """Cumulative distance from the start (m, non-decreasing) and speed (m/s) per sample: the
    device's channels where present, else from positions. Either is None when the samples cannot
    give it (speed: when nothing says when the athlete moved)."""
    speed = samples.column("speed_mps")
    dist = samples.column("distance_m")
    cum = None
    if np.isfinite(dist).any():
        cum = _distance_since_start(t, dist)
        # A sparse distance (a pool swim's one value per length) says how far, not when.
        if np.isfinite(dist).mean() >= 0.5:
            derived = _windowed_rate(t, cum, in_gap, SPEED_WINDOW_S)
        else:
            derived = np.full(len(t), np.nan)
    elif has_position.sum() >= 2:
        # GPS jitter while standing adds path length: speed is the straight-line displacement
        # over the window, and distance counts only steps taken while moving at that speed.
        plat = _bfill(forward_filled(np.where(has_position, lat, np.nan)))
        plon = _bfill(forward_filled(np.where(has_position, lon, np.nan)))
        lo, hi = _window(t, in_gap, SPEED_WINDOW_S)
        span = t[hi] - t[lo]
        with np.errstate(divide="ignore", invalid="ignore"):
            derived = np.where(span > 0, _haversine(plat[lo], plon[lo], plat[hi], plon[hi]) / span,
                               np.nan)  # fmt: skip
        step = np.concatenate([[0.0], _haversine(plat[:-1], plon[:-1], plat[1:], plon[1:])])
        step_speed = np.where(np.isfinite(speed), speed, derived)
        cum = np.cumsum(np.where((step_speed >= moving_min_mps) & ~in_gap, step, 0.0))
    else:
        derived = np.full(len(t), np.nan)
    speed = np.where(np.isfinite(speed), speed, derived)
    # Without a speed for most samples (lap swimming) nothing says when the athlete moved.
    if not (np.nan_to_num(speed) > 0).any() or np.isfinite(speed).mean() < 0.5:
        return (cum if cum is not None and cum[-1] > 0 else None), None
    return cum, speed


def _gap_speed(t: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Speed (m/s) over the interval before each sample from the distance channel; NaN without."""
    filled = forward_filled(dist)
    dt = np.diff(t, prepend=t[0])
    dd = np.diff(filled, prepend=filled[0]) if len(filled) else filled
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(dt > 0, dd / np.where(dt > 0, dt, 1.0), np.nan)


def _distance_since_start(t: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Cumulative distance (m) from the activity's start at each sample, non-decreasing.

    A device's distance counts from 0 at the start, except in multisport files that carry one
    count across sessions: a first reading that could have been covered since the start (at up to
    MAX_SPEED_MPS) counts from 0 (a pool swim's first length), a larger one is the baseline."""
    first = int(np.argmax(np.isfinite(dist)))
    covered_s = t[first] + max(t[1] - t[0] if len(t) > 1 else 0.0, 1.0)
    baseline = 0.0 if dist[first] <= MAX_SPEED_MPS * covered_s else float(dist[first])
    filled = forward_filled(dist)
    filled = np.where(np.isnan(filled), baseline, filled)
    return np.maximum(np.maximum.accumulate(filled) - baseline, 0.0)


def _avg_speed(values: dict, session: dict) -> float | None:
    distance = values.get("distance_m")
    for key in ("moving_time_s", "timer_time_s", "elapsed_time_s"):
        seconds = values.get(key)
        if distance is not None and seconds:
            return float(distance / seconds)
    return _usable(session.get("avg_speed_mps"), "avg_speed_mps")


def _usable_session(session: dict) -> dict:
    """The device's totals that are measurements: heart rates outside 25-250 bpm (255 where no
    strap was paired) and cadences above ``plausible.MAX_CADENCE_*`` are left to the samples."""
    out = {
        k: float(v)
        for k in SESSION_KEYS
        if (v := _usable(session.get(k), k)) is not None
    }
    for key in ("avg_hr_bpm", "max_hr_bpm"):
        if key in out and not plausible_hr(out[key]):
            del out[key]
    for key, ceiling in (("avg_cadence_spm", MAX_CADENCE_SPM), ("avg_cadence_rpm", MAX_CADENCE_RPM)):
        if out.get(key, 0) > ceiling:
            del out[key]
    return out


def _usable(value, key: str) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(value) or value < 0 or (value == 0 and key not in ZERO_IS_REAL):
        return None
    return value


# --- numeric helpers ---------------------------------------------------------------------------


class _Columns:
    """The samples with a time, in time order: ``seconds`` since the first of them, each column
    as floats (``column``), and the ``channels`` that hold data."""

    def __init__(self, samples: SampleColumns):
        ts = samples.timestamp
        keep = ~np.isnat(ts)
        order = None if keep.all() else np.flatnonzero(keep)
        ts = ts if order is None else ts[order]
        if len(ts) > 1 and (ts[1:] < ts[:-1]).any():
            by_time = np.argsort(ts, kind="stable")
            order = by_time if order is None else order[by_time]
            ts = ts[by_time]
        self.n = len(ts)
        self._floats = samples.floats if order is None else {
            name: values[order] for name, values in samples.floats.items()}
        self.channels = [name for name, values in self._floats.items()
                         if (~np.isnan(values)).any()]
        us = ts.astype(np.int64)
        self.seconds = (us - us[0]) / 1e6 if self.n else np.array([])

    def column(self, name: str) -> np.ndarray:
        """The column as floats (NaN where missing); all NaN when the samples have none."""
        values = self._floats.get(name)
        return values if values is not None else np.full(self.n, np.nan)


def _bfill(x: np.ndarray) -> np.ndarray:
    """``x`` with each NaN replaced by the next value after it (trailing NaNs stay)."""
    return forward_filled(x[::-1])[::-1]


def _window(t: np.ndarray, in_gap: np.ndarray, width_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Index of the first and last sample of a centred time window around each sample, reaching at
    least the neighbours (sparse recordings) but never across a pause."""
    n = len(t)
    idx = np.arange(n)
    lo = np.searchsorted(t, t - width_s / 2, side="left")
    hi = np.searchsorted(t, t + width_s / 2, side="right") - 1
    prev_ok = (idx > 0) & ~in_gap
    next_ok = np.concatenate([~in_gap[1:], [False]])
    lo = np.minimum(lo, np.where(prev_ok, idx - 1, idx))
    hi = np.maximum(hi, np.where(next_ok, idx + 1, idx))
    # A window must not straddle a pause: clip it to the stretch of samples around i.
    segment = np.cumsum(in_gap)
    first_of = np.searchsorted(segment, segment, side="left")
    last_of = np.searchsorted(segment, segment, side="right") - 1
    return np.maximum(lo, first_of), np.minimum(hi, last_of)


def _windowed_rate(t, y, in_gap, width_s: float) -> np.ndarray:
    lo, hi = _window(t, in_gap, width_s)
    span = t[hi] - t[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(span > 0, (y[hi] - y[lo]) / span, np.nan)


def _haversine(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres between arrays of points in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _active_mean(x: np.ndarray, w: np.ndarray, moving: np.ndarray | None) -> float | None:
    """Time-weighted mean of ``x`` over moving time (all recorded time when the activity has no
    speed, or ``x`` has no reading while moving); None when ``x`` has no finite value."""
    ok = np.isfinite(x)
    if not ok.any():
        return None
    for mask in ((ok & moving) if moving is not None else ok, ok):
        total = w[mask].sum()
        if total > 0:
            return float((x[mask] * w[mask]).sum() / total)
    return float(x[ok].mean())  # a single reading (no time span)


def _derived_step_length(speed, cadence_spm, w, moving) -> float | None:
    """Distance per step over moving time with a cadence reading: sum(speed·dt) / sum(steps)."""
    mask = np.isfinite(speed) & (cadence_spm > 0) & (w > 0)
    if moving is not None:
        mask &= moving
    steps = (cadence_spm[mask] / 60.0 * w[mask]).sum()
    return float((speed[mask] * w[mask]).sum() / steps) if steps > 0 else None


# The two profiles are NumPy arrays, not lists: a list of Python floats costs ~10x the memory,
# and a bulk import keeps every activity's row until the end (benchmarks/ingest_benchmark.py).
def _weighted_percentiles(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum = (np.cumsum(ws) - 0.5 * ws) / ws.sum()  # each sample at the middle of its time share
    return np.interp(PERCENTILES, cum, xs)


def _hr_histogram(hr: np.ndarray, w: np.ndarray) -> np.ndarray:
    ok = np.isfinite(hr)
    bins = np.clip(np.rint(hr[ok]), 0, HR_BINS - 1).astype(int)
    return np.bincount(bins, weights=w[ok], minlength=HR_BINS).astype(float)
