"""Timed track points (GPX/TCX) -> a ``schemas.Samples`` frame: positions, speed, cadence units.

Shared by the GPX and TCX readers so both derive distance, speed and steps per minute the same way.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.schemas import SAMPLE_CHANNELS, UTC

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres
# A running or walking step is 0.5-2.2 m long (slow walk to sprint); a cadence whose implied step
# length falls outside this range is in the other unit (strides vs steps per minute).
STEP_LENGTH_RANGE_M = (0.5, 2.2)
# Below this many counts/min at running speed a value cannot be steps (elite strides are ~95/min).
STRIDES_MAX_PER_MIN = 120.0
SPEED_WINDOW_POINTS = 2  # speed from positions: centred difference over +-2 points (GPS jitter)
_MOVING_SPEED_MPS = 1.0  # samples used to judge cadence units: clearly moving on foot


def haversine_steps_m(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres from each point to the next (length n - 1)."""
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    dlat = np.diff(lat)
    dlon = np.diff(lon)
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def cumulative_distance_m(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Distance along the track in metres at each point; NaN before the first position.

    Points without a position carry the distance reached at the last position before them.
    """
    n = len(lat_deg)
    out = np.full(n, np.nan)
    ok = np.isfinite(lat_deg) & np.isfinite(lon_deg)
    if ok.sum() == 0:
        return out
    idx = np.flatnonzero(ok)
    steps = haversine_steps_m(lat_deg[idx], lon_deg[idx])
    out[idx] = np.concatenate([[0.0], np.cumsum(steps)])
    return pd.Series(out).ffill().to_numpy()


def speed_from_distance_mps(elapsed_s: np.ndarray, distance_m: np.ndarray) -> np.ndarray:
    """Speed in m/s at each point: distance change over a centred window of +-2 points.

    A window rather than point-to-point differences because GPS jitter of a few metres per second
    would otherwise dominate at 1 Hz. NaN where the window spans no time or no distance.
    """
    n = len(elapsed_s)
    if n < 2:
        return np.full(n, np.nan)
    k = SPEED_WINDOW_POINTS
    lo = np.clip(np.arange(n) - k, 0, n - 1)
    hi = np.clip(np.arange(n) + k, 0, n - 1)
    dt = elapsed_s[hi] - elapsed_s[lo]
    dd = distance_m[hi] - distance_m[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, dd / dt, np.nan)
    return np.where(v >= 0, v, np.nan)


def steps_per_count(cadence: np.ndarray, speed_mps: np.ndarray) -> tuple[float, str]:
    """How many steps one recorded cadence count is (1 or 2) for a file's running cadence, and why.

    GPX ``cad`` and TCX ``RunCadence`` are usually strides per minute. Decided per file from the
    median over clearly moving samples: the factor whose implied step length
    (speed / (cadence * factor / 60)) lies in 0.5-2.2 m wins; when both do (slow running), a median
    below 120 counts/min is strides (nobody runs at under 120 steps/min); without speed, the same
    magnitude rule decides alone.
    """
    cad = np.asarray(cadence, dtype=float)
    v = np.asarray(speed_mps, dtype=float)
    has_cad = np.isfinite(cad) & (cad > 0)
    if not has_cad.any():
        return 1.0, "no cadence"
    moving = has_cad & np.isfinite(v) & (v > _MOVING_SPEED_MPS)
    cad_med = float(np.median(cad[moving] if moving.any() else cad[has_cad]))
    by_magnitude = 2.0 if cad_med < STRIDES_MAX_PER_MIN else 1.0
    if not moving.any():
        return by_magnitude, f"median cadence {cad_med:.0f}/min (no speed to check against)"
    v_med = float(np.median(v[moving]))
    lo, hi = STEP_LENGTH_RANGE_M
    plausible = [f for f in (1.0, 2.0) if lo <= v_med / (cad_med * f / 60.0) <= hi]
    if len(plausible) == 1:
        factor = plausible[0]
    else:
        factor = by_magnitude
    step = v_med / (cad_med * factor / 60.0)
    unit = "strides" if factor == 2.0 else "steps"
    return factor, f"cadence read as {unit}/min (median {cad_med:.0f}/min, step {step:.2f} m)"


_SPORT_WORDS = {
    "running": ("run", "running", "jog", "jogging", "corrida", "lauf", "laufen", "9"),
    "trail_running": ("trail",),
    "treadmill_running": ("treadmill",),
    "cycling": ("ride", "cycling", "bike", "biking", "cycle", "velo", "1"),
    "swimming": ("swim", "swimming"),
    "walking": ("walk", "walking", "hike", "hiking", "10"),
}


def sport_from_words(text: str | None) -> str | None:
    """A ``schemas.SPORTS`` value named in free text (a GPX <type>, a title, a file name), or None.

    Words are matched whole ("nike_run" -> running, "runtastic" is not). Strava's numeric GPX types
    are included: 1 ride, 9 run, 10 walk.
    """
    if not text:
        return None
    words = set(re.split(r"[^a-z0-9]+", text.lower()))
    if "trail" in words and words & {"run", "running"}:
        return "trail_running"
    if "treadmill" in words:
        return "treadmill_running"
    for sport, keys in _SPORT_WORDS.items():
        if sport in ("trail_running", "treadmill_running"):
            continue
        if words & set(keys):
            return sport
    return None


def samples_frame(
    *,
    time_us: np.ndarray,
    columns: dict[str, np.ndarray],
    cadence: np.ndarray | None = None,
    crank: bool = False,
    warnings: list[str],
) -> pd.DataFrame:
    """A ``schemas.Samples`` frame from per-point arrays; every Samples column is present.

    ``time_us`` are UTC microseconds since the epoch, in file order. Points whose time goes
    backwards (earlier than a point before them) are dropped with a warning. Distance comes from
    positions (haversine) when not given, speed from distance where not given, an all-zero altitude
    is treated as missing, heart rates outside 1-255 bpm are null. ``cadence`` is the file's raw
    count per minute: crank rpm when ``crank`` (rides), else converted to steps per minute with
    ``steps_per_count`` (the factor used is left in ``attrs["steps_per_count"]``).
    """
    time_us = np.asarray(time_us, dtype=np.int64)
    running_max = np.maximum.accumulate(time_us) if len(time_us) else time_us
    keep = time_us >= running_max
    if not keep.all():
        warnings.append(f"dropped {int((~keep).sum())} point(s) whose time goes backwards")
    time_us = time_us[keep]
    if cadence is not None:
        columns = {**columns, "_cadence": cadence}
    cols = {k: np.asarray(v, dtype=float)[keep] for k, v in columns.items()}
    n = len(time_us)
    elapsed = (time_us - time_us[0]) / 1e6 if n else np.zeros(0)
    lat = cols.get("latitude_deg", np.full(n, np.nan))
    lon = cols.get("longitude_deg", np.full(n, np.nan))
    bad_pos = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    lat = np.where(bad_pos, np.nan, lat)
    lon = np.where(bad_pos, np.nan, lon)
    cols["latitude_deg"], cols["longitude_deg"] = lat, lon

    dist = cols.get("distance_m")
    if dist is None or not np.isfinite(dist).any():
        dist = cumulative_distance_m(lat, lon)
    else:
        dist = pd.Series(dist).ffill().to_numpy()
    cols["distance_m"] = dist
    speed = cols.get("speed_mps", np.full(n, np.nan))
    if not np.isfinite(speed).all() and np.isfinite(dist).any():
        # the device's speed where it gave one, else from distance over time
        speed = np.where(np.isfinite(speed), speed, speed_from_distance_mps(elapsed, dist))
    cols["speed_mps"] = np.where(speed >= 0, speed, np.nan)

    alt = cols.get("altitude_m")
    if alt is not None and not (np.isfinite(alt) & (alt != 0)).any():
        alt = np.full(n, np.nan)  # all-zero elevations: a placeholder, not a sea-level run
    if alt is not None:
        cols["altitude_m"] = alt
    hr = cols.get("heart_rate_bpm")
    if hr is not None:
        cols["heart_rate_bpm"] = np.where((hr > 0) & (hr <= 255), hr, np.nan)

    cad = cols.pop("_cadence", None)
    steps_factor = None
    if cad is not None:
        cad = np.where(cad >= 0, cad, np.nan)
        if crank:
            cols["cadence_rpm"] = cad
        else:
            factor, _ = steps_per_count(cad, cols["speed_mps"])
            cols["cadence_spm"] = cad * factor
            steps_factor = factor

    frame = {"timestamp_utc": pd.to_datetime(time_us, unit="us", utc=True).astype(UTC)}
    for name in SAMPLE_CHANNELS:
        frame[name] = cols.get(name, np.full(n, np.nan)) if name != "elapsed_s" else elapsed
    out = pd.DataFrame(frame)
    if steps_factor is not None:
        out.attrs["steps_per_count"] = steps_factor  # for lap cadences in the same unit
    return out
