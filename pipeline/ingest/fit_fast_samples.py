"""Fast-decoded FIT records as a ``schemas.Samples`` frame: the fast path's entry point for fit.py.

Units follow ../shared/SCIENCE.md "Units in watch files": running/walking cadence is strides/min
plus ``fractional_cadence`` (doubled to steps/min), cycling cadence crank rpm; step length mm -> m;
positions semicircles -> degrees; ``enhanced_speed``/``enhanced_altitude`` preferred.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.ingest.fit_fast import FastFit, decode_fit_fast

FIT_EPOCH_UNIX_S = 631065600  # 1989-12-31T00:00:00Z
RELATIVE_LIMIT_S = 0x10000000  # below: device-relative times (fit.py dates those)
SEMICIRCLE_DEG = 180.0 / 2**31


def _foot_sport(message: dict) -> bool:
    """Whether a session/sport/lap message's cadence counts strides (doubled to steps/min)."""
    # imported here: fit.py may import this module to use the fast path
    from pipeline.ingest.fit import FOOT_SPORTS, STRIDE_SPORTS, activity_sport, fit_name

    sport = fit_name(message.get("sport"), "sport")
    sub = fit_name(message.get("sub_sport"), "sub_sport")
    return sport in STRIDE_SPORTS or activity_sport(sport, sub) in FOOT_SPORTS


def _record_is_foot(seconds: np.ndarray, messages: dict[str, list[dict]]) -> np.ndarray:
    """Per record: whether the session it falls in (by start time) is on foot."""
    sessions = []
    for s in messages["session"]:
        start = s.get("start_time")
        if start is None and s.get("timestamp") is not None:
            start = s["timestamp"] - (s.get("total_elapsed_time") or 0.0)
        if start is not None:
            sessions.append((start, _foot_sport(s)))
    if not sessions:
        first = next((m for m in messages["sport"] + messages["lap"] if m.get("sport") is not None),
                     {})
        return np.full(len(seconds), _foot_sport(first))
    sessions.sort(key=lambda item: item[0])
    which = np.searchsorted([s for s, _ in sessions], seconds, side="right") - 1
    return np.array([foot for _, foot in sessions])[np.clip(which, 0, None)]


def _first_valid(*arrays: np.ndarray) -> np.ndarray:
    out = arrays[0]
    for a in arrays[1:]:
        out = np.where(np.isnan(out), a, out)
    return out


def samples_from_fast(fast: FastFit) -> pd.DataFrame | None:
    """The records as a ``schemas.Samples`` frame (SI units, UTC, sorted by time; ``dev_*``
    columns for developer fields), or None when the file has device-relative times.

    Only units change here: plausibility cleaning (0 bpm, sensors reading 0) stays fit.py's.
    """
    r = fast.records
    n = fast.n_records

    def col(name: str) -> np.ndarray:
        return r[name] if name in r else np.full(n, np.nan)

    seconds = col("timestamp")
    if (seconds[np.isfinite(seconds)] < RELATIVE_LIMIT_S).any():
        return None  # fit.py dates these from the activity's local timestamp
    keep = np.isfinite(seconds)
    order = np.flatnonzero(keep)[np.argsort(seconds[keep], kind="stable")]
    seconds = seconds[order]
    foot = _record_is_foot(seconds, fast.messages)
    fraction = col("fractional_cadence")[order]
    cadence = col("cadence")[order] + np.where(np.isnan(fraction), 0.0, fraction)
    lat = col("position_lat")[order] * SEMICIRCLE_DEG
    lon = col("position_long")[order] * SEMICIRCLE_DEG
    gps = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    ts = pd.DatetimeIndex(((seconds + FIT_EPOCH_UNIX_S) * 1e6).astype("datetime64[us]"), tz="UTC")
    frame = {
        "timestamp_utc": ts,
        "elapsed_s": seconds - seconds[0] if len(seconds) else seconds,
        "distance_m": col("distance")[order],
        "speed_mps": _first_valid(col("enhanced_speed"), col("speed"))[order],
        "altitude_m": _first_valid(col("enhanced_altitude"), col("altitude"))[order],
        "heart_rate_bpm": col("heart_rate")[order],
        "cadence_spm": np.where(foot, 2.0 * cadence, np.nan),
        "cadence_rpm": np.where(foot, np.nan, cadence),
        "step_length_m": col("step_length")[order] / 1000.0,
        "stance_time_ms": col("stance_time")[order],
        "vertical_oscillation_mm": col("vertical_oscillation")[order],
        "vertical_ratio_pct": col("vertical_ratio")[order],
        "stance_time_balance_pct": col("stance_time_balance")[order],
        "power_w": col("power")[order],
        "latitude_deg": np.where(gps, lat, np.nan),
        "longitude_deg": np.where(gps, lon, np.nan),
        "temperature_c": col("temperature")[order],
    }
    frame.update({k: v[order] for k, v in r.items() if k.startswith("dev_")})
    return pd.DataFrame(frame)


def fast_samples_and_messages(data: bytes) -> tuple[pd.DataFrame, dict[str, list[dict]]] | None:
    """(``schemas.Samples`` frame of all records, the other messages) of a FIT file, or None when
    the fast decoder refuses it — then fitparse decodes it.

    The messages are ``{name: [{field: value}]}`` for file_id, device_info, lap, session,
    activity, event and sport, valued as ``fit_recover`` gives fitparse's.
    """
    fast = decode_fit_fast(data)
    if fast is None:
        return None
    samples = samples_from_fast(fast)
    return None if samples is None else (samples, fast.messages)
