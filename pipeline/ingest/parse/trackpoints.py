"""Timed track points (GPX/TCX) -> a ``schemas.Samples`` frame: positions, speed, cadence units.

Shared by the GPX and TCX readers so both derive distance, speed and steps per minute the same way.
"""

from __future__ import annotations

import math
import re

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from pipeline.config import Thresholds
from pipeline.ingest.parse import plausible
from pipeline.ingest.parse.altitude import altitude_without_spikes
from pipeline.ingest.parse.sample_dates import (
    far_dates_warning,
    idle_recording_warning,
    in_main_stretch,
)
from pipeline.table_rules import SAMPLE_CHANNELS
from pipeline.vocabulary import RUNNING_SPORTS

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres
# A running or walking step is 0.5-2.2 m long (slow walk to sprint); a cadence whose implied step
# length falls outside this range is in the other unit (strides vs steps per minute).
STEP_LENGTH_RANGE_M = (0.5, 2.2)
# Below this many counts/min at running speed a value cannot be steps (elite strides are ~95/min).
STRIDES_MAX_PER_MIN = 120.0
SPEED_WINDOW_POINTS = 2  # speed from positions: centred difference over +-2 points (GPS jitter)
_MOVING_SPEED_MPS = 1.0  # samples used to judge cadence units: clearly moving on foot
# A spike is confirmed by the track coming back within this many following points.
SPIKE_LOOKAHEAD_POINTS = 5
FOOT_SPORTS = (*RUNNING_SPORTS, "walking")  # sports whose cadence counts steps


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
    return forward_filled(out)


def forward_filled(values: np.ndarray) -> np.ndarray:
    """``values`` with each NaN replaced by the last number before it (NaN before the first)."""
    values = np.asarray(values, dtype=float)
    last = np.where(np.isnan(values), 0, np.arange(len(values)))
    np.maximum.accumulate(last, out=last)
    return values[last]


def pause_mask(elapsed_s: np.ndarray, *, max_gap_s: float) -> np.ndarray:
    """True at each point that follows a pause: a gap longer than ``max_gap_s`` or three typical
    spacings (sparse "smart" recordings), whichever is longer."""
    dt = np.diff(elapsed_s, prepend=elapsed_s[0]) if len(elapsed_s) else np.zeros(0)
    typical = float(np.median(dt[dt > 0])) if (dt > 0).any() else 0.0
    return dt > max(max_gap_s, 3.0 * typical)


def _haversine_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres between two points given in radians."""
    a = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def plausible_track(
    elapsed_s: np.ndarray, lat_deg: np.ndarray, lon_deg: np.ndarray, *, max_speed_mps: float,
    slack_m: float, lookahead: int = SPIKE_LOOKAHEAD_POINTS,
) -> tuple[np.ndarray, np.ndarray]:
    """Which positions are real and which steps between them are movement, as two boolean arrays.

    Walks the positions keeping an anchor (the last good point). A point that the athlete could
    not have reached from the anchor (farther than ``max_speed_mps`` x the time since it, or than
    ``slack_m`` when almost no time passed) is a spike when one of the next ``lookahead`` points
    comes back (reachable from the anchor but not from the point): it is dropped (``kept``
    False). Otherwise the track really jumped (drift corrected, a transfer): the point becomes the
    anchor but the jump to it is not counted (``counted`` False). ``counted[i]`` says whether the
    step from the previous kept point to point ``i`` counts as distance.
    """
    n = len(elapsed_s)
    kept = np.zeros(n, dtype=bool)
    counted = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(np.isfinite(lat_deg) & np.isfinite(lon_deg))
    if idx.size == 0:
        return kept, counted
    lat, lon, t = np.radians(lat_deg).tolist(), np.radians(lon_deg).tolist(), elapsed_s.tolist()

    def reachable(a: int, b: int) -> bool:
        d = _haversine_m(lat[a], lon[a], lat[b], lon[b])
        return d <= max(max_speed_mps * (t[b] - t[a]), slack_m)

    anchor = int(idx[0])
    kept[anchor] = True
    for pos in range(1, idx.size):
        i = int(idx[pos])
        if reachable(anchor, i):
            kept[i] = counted[i] = True
            anchor = i
            continue
        following = idx[pos + 1 : pos + 1 + lookahead]
        if any(reachable(anchor, int(j)) and not reachable(i, int(j)) for j in following):
            continue  # out and back: a spike
        kept[i] = True
        anchor = i
    return kept, counted


def median_moving_speed_mps(
    elapsed_s: np.ndarray, distance_m: np.ndarray, *, moving_min_mps: float, max_gap_s: float
) -> float | None:
    """Time-weighted median speed (m/s) of the steps between points while moving (at least
    ``moving_min_mps``), pauses left out; None when nothing moved."""
    if len(elapsed_s) < 2:
        return None
    dt = np.diff(elapsed_s)
    dd = np.diff(np.nan_to_num(forward_filled(distance_m), nan=0.0))
    ok = (dt > 0) & ~pause_mask(elapsed_s, max_gap_s=max_gap_s)[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(ok, dd / np.where(dt > 0, dt, 1.0), np.nan)
    moving = ok & (v >= moving_min_mps)
    if not moving.any():
        return None
    order = np.argsort(v[moving], kind="stable")
    vs, ws = v[moving][order], dt[moving][order]
    return float(vs[np.searchsorted(np.cumsum(ws), 0.5 * ws.sum())])


def _robust_median_speed_mps(t, lat, lon, *, moving_min_mps: float, max_gap_s: float) -> float:
    """The median moving speed (m/s, time-weighted) of raw positions, blind to isolated spikes:
    each point's speed is the smaller of the speed to the next point and to the one after it, so
    a spike (or a stale position written between real fixes) cannot raise it. 0 when none."""
    n = len(t)
    if n < 2:
        return 0.0
    dt1 = np.diff(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt1 > 0, haversine_steps_m(lat, lon) / np.where(dt1 > 0, dt1, 1.0), np.inf)
        if n > 2:
            dt2 = t[2:] - t[:-2]
            skip = _skip_one_m(lat, lon)
            v2 = np.where(dt2 > 0, skip / np.where(dt2 > 0, dt2, 1.0), np.inf)
            v[:-1] = np.minimum(v[:-1], v2)
    ok = (dt1 > 0) & ~pause_mask(t, max_gap_s=max_gap_s)[1:] & np.isfinite(v)
    moving = ok & (v >= moving_min_mps)
    if not moving.any():
        return 0.0
    order = np.argsort(v[moving], kind="stable")
    vs, ws = v[moving][order], dt1[moving][order]
    return float(vs[np.searchsorted(np.cumsum(ws), 0.5 * ws.sum())])


def _skip_one_m(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres from each point to the one after next (length n - 2)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    dlat, dlon = lat[2:] - lat[:-2], lon[2:] - lon[:-2]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:-2]) * np.cos(lat[2:]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def speed_ceiling_mps(sport: str | None, thresholds: Thresholds) -> float:
    """The fastest a sport moves (m/s) for spike removal; foot sports when the sport is unknown
    (the limit also scales with the activity's own speed, so fast unknowns are not cut)."""
    if sport == "cycling":
        return thresholds.cycling_speed_ceiling_mps
    if sport in (None, *FOOT_SPORTS, "swimming"):
        return thresholds.foot_speed_ceiling_mps
    return thresholds.cycling_speed_ceiling_mps


def track_distance_m(
    elapsed_s: np.ndarray, lat_deg: np.ndarray, lon_deg: np.ndarray, *, sport: str | None,
    thresholds: Thresholds,
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Distance along the track (m) at each point from positions with GPS spikes removed, the
    mask of positions kept, and a note on what was removed (None when nothing was).

    A step counts when it is plausible (``plausible_track`` with a speed limit of
    max(``gps_spike_speed_factor`` x the median moving speed, the sport's ceiling)); a jump across
    a pause faster than ``gap_speed_factor`` x the median moving speed is a transfer (a car after
    the run) and does not count. NaN before
    the first position; points without a (kept) position carry the distance reached before them.
    """
    n = len(elapsed_s)
    ok = np.isfinite(lat_deg) & np.isfinite(lon_deg)
    if ok.sum() == 0:
        return np.full(n, np.nan), ok, None
    gap_s = thresholds.max_sample_gap_s
    median = _robust_median_speed_mps(
        elapsed_s[ok], lat_deg[ok], lon_deg[ok], moving_min_mps=thresholds.moving_speed_min_mps,
        max_gap_s=gap_s,
    )
    limit = max(thresholds.gps_spike_speed_factor * median, speed_ceiling_mps(sport, thresholds))
    kept, counted = plausible_track(
        elapsed_s, lat_deg, lon_deg, max_speed_mps=limit, slack_m=thresholds.gps_position_slack_m
    )
    idx = np.flatnonzero(kept)
    steps = haversine_steps_m(lat_deg[idx], lon_deg[idx])
    dt = np.diff(elapsed_s[idx])
    paused = pause_mask(elapsed_s, max_gap_s=gap_s)[idx[1:]]
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, steps / np.where(dt > 0, dt, 1.0), np.inf)
    transfer = paused & (v > thresholds.gap_speed_factor * median)
    use = counted[idx[1:]] & ~transfer
    out = np.full(n, np.nan)
    out[idx] = np.concatenate([[0.0], np.cumsum(np.where(use, steps, 0.0))])
    out = forward_filled(out)
    spikes = int(ok.sum() - kept.sum())
    jumps = int((~counted[idx[1:]]).sum())
    transfers = int((counted[idx[1:]] & transfer).sum())
    parts = []
    if spikes:
        parts.append(f"dropped {spikes} GPS position(s) that jump away and back")
    if jumps:
        parts.append(f"did not count {jumps} step(s) faster than {limit:.1f} m/s")
    if transfers:
        parts.append(f"did not count {transfers} jump(s) across a pause faster than the activity")
    return out, kept, ("; ".join(parts) or None)


def speed_from_distance_mps(
    elapsed_s: np.ndarray, distance_m: np.ndarray, *, paused: np.ndarray | None = None
) -> np.ndarray:
    """Speed in m/s at each point: distance change over a centred window of +-2 points.

    A window rather than point-to-point differences because GPS jitter of a few metres per second
    would otherwise dominate at 1 Hz. The window never spans a pause (``paused`` marks the points
    that follow one). NaN where the window spans no time or no distance.
    """
    n = len(elapsed_s)
    if n < 2:
        return np.full(n, np.nan)
    k = SPEED_WINDOW_POINTS
    lo = np.clip(np.arange(n) - k, 0, n - 1)
    hi = np.clip(np.arange(n) + k, 0, n - 1)
    if paused is not None:
        segment = np.cumsum(paused)
        lo = np.maximum(lo, np.searchsorted(segment, segment, side="left"))
        hi = np.minimum(hi, np.searchsorted(segment, segment, side="right") - 1)
    dt = elapsed_s[hi] - elapsed_s[lo]
    dd = distance_m[hi] - distance_m[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, dd / dt, np.nan)
    return np.where(v >= 0, v, np.nan)


def sport_from_speed(median_mps: float | None, *, thresholds: Thresholds) -> tuple[str, str]:
    """The sport of an activity that does not state one, from its median moving speed (m/s), and
    the warning that says so."""
    if median_mps is None or not np.isfinite(median_mps):
        return "running", "sport not stated; assumed running (no moving speed to judge by)"
    said = f"median moving speed {median_mps:.1f} m/s ({median_mps * 3.6:.0f} km/h)"
    if median_mps > thresholds.cycling_speed_median_ceiling_mps:
        return "other", f"sport not stated; {said}: motorised, stored as other"
    if median_mps > thresholds.running_speed_ceiling_mps:
        return "cycling", f"sport not stated; {said}: too fast to run, assumed cycling"
    if median_mps < thresholds.walking_speed_ceiling_mps:
        return "walking", f"sport not stated; {said}: walking pace, assumed walking"
    return "running", f"sport not stated; {said}: assumed running"


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
    "other": ("car", "driving", "motorbike", "motorcycle"),  # motorised: never training load
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
    sport: str | None,
    warnings: list[str],
    thresholds: Thresholds | None = None,
) -> tuple[pd.DataFrame, str]:
    """A ``schemas.Samples`` frame from per-point arrays (every Samples column present) and the
    activity's sport: ``sport`` when the file states one, else inferred from the median moving
    speed (``sport_from_speed``, with a warning).

    ``time_us`` are UTC microseconds since the epoch, in file order. Points dated a day or more
    away from the rest (``sample_dates.in_main_stretch``), then points whose time goes backwards
    (earlier than a point before them) are dropped with a warning; a recording left running for
    hours is warned about. Distance comes from positions when not given, with GPS spikes removed
    (``track_distance_m``; spike positions become null), speed from distance where not given, an
    all-zero altitude is treated as missing, heart rates outside 25-250 bpm are null. ``cadence``
    is the file's raw count per minute: crank rpm for rides, else converted to steps per minute
    with ``steps_per_count`` (the factor used is left in ``attrs["steps_per_count"]``).
    """
    thresholds = thresholds or Thresholds()
    time_us = np.asarray(time_us, dtype=np.int64)
    # before the order check: a point dated a year late would make every later one go "backwards"
    near = in_main_stretch(time_us, max_gap_s=thresholds.far_sample_gap_s)
    if not near.all():
        warnings.append(far_dates_warning(int((~near).sum()), what="the rest of the recording",
                                          margin_s=thresholds.far_sample_gap_s))
        time_us = time_us[near]
        columns = {k: np.asarray(v)[near] for k, v in columns.items()}
        cadence = None if cadence is None else np.asarray(cadence)[near]
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
    idle = idle_recording_warning(elapsed, max_gap_s=thresholds.max_sample_gap_s,
                                  min_span_s=thresholds.idle_recording_span_s)
    if idle:
        warnings.append(idle)
    lat = cols.get("latitude_deg", np.full(n, np.nan))
    lon = cols.get("longitude_deg", np.full(n, np.nan))
    bad_pos = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    lat = np.where(bad_pos, np.nan, lat)
    lon = np.where(bad_pos, np.nan, lon)

    dist = cols.get("distance_m")
    from_positions = dist is None or not np.isfinite(dist).any()
    if from_positions:
        dist, kept, note = track_distance_m(elapsed, lat, lon, sport=sport, thresholds=thresholds)
    else:
        dist = forward_filled(dist)
    if sport is None:
        median = median_moving_speed_mps(
            elapsed, dist, moving_min_mps=thresholds.moving_speed_min_mps,
            max_gap_s=thresholds.max_sample_gap_s,
        )
        sport, why = sport_from_speed(median, thresholds=thresholds)
        warnings.append(why)
        if from_positions and speed_ceiling_mps(sport, thresholds) != speed_ceiling_mps(
            None, thresholds
        ):  # a ride's spikes are judged against a ride's ceiling
            dist, kept, note = track_distance_m(
                elapsed, lat, lon, sport=sport, thresholds=thresholds
            )
    if from_positions:
        lat, lon = np.where(kept, lat, np.nan), np.where(kept, lon, np.nan)
        if note:
            warnings.append(note)
    cols["latitude_deg"], cols["longitude_deg"], cols["distance_m"] = lat, lon, dist
    speed = cols.get("speed_mps", np.full(n, np.nan))
    if not np.isfinite(speed).all() and np.isfinite(dist).any():
        # the device's speed where it gave one, else from distance over time
        paused = pause_mask(elapsed, max_gap_s=thresholds.max_sample_gap_s)
        speed = np.where(
            np.isfinite(speed), speed, speed_from_distance_mps(elapsed, dist, paused=paused)
        )
    cols["speed_mps"] = np.where(speed >= 0, speed, np.nan)

    alt = cols.get("altitude_m")
    if alt is not None and not (np.isfinite(alt) & (alt != 0)).any():
        alt = np.full(n, np.nan)  # all-zero elevations: a placeholder, not a sea-level run
    if alt is not None:
        cols["altitude_m"] = altitude_without_spikes(elapsed, alt, warnings)
    hr = cols.get("heart_rate_bpm")
    if hr is not None:  # 0 and 255 are "no strap"; outside 25-250 bpm a glitch
        cols["heart_rate_bpm"] = plausible.heart_rate_bpm(hr)

    cad = cols.pop("_cadence", None)
    steps_factor = None
    if cad is not None:
        cad = np.where(cad >= 0, cad, np.nan)
        if sport == "cycling":
            cols["cadence_rpm"] = cad
        elif sport in FOOT_SPORTS:
            factor, _ = steps_per_count(cad, cols["speed_mps"])
            cols["cadence_spm"] = cad * factor
            steps_factor = factor

    import pandas as pd  # GPX and TCX readers work on frames

    frame = {"timestamp_utc": pd.to_datetime(time_us, unit="us", utc=True).as_unit("us")}
    for name in SAMPLE_CHANNELS:
        frame[name] = cols.get(name, np.full(n, np.nan)) if name != "elapsed_s" else elapsed
    out = pd.DataFrame(frame)
    if steps_factor is not None:
        out.attrs["steps_per_count"] = steps_factor  # for lap cadences in the same unit
    return out, sport
