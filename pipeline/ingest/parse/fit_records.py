"""A FIT file's record messages -> sample columns: SI units, implausible values cleaned, the
records of each session, and ``SampleColumns`` for one activity (``session_columns``)."""

from __future__ import annotations

import numpy as np

from pipeline.config import Thresholds
from pipeline.ingest.parse.altitude import altitude_without_spikes
from pipeline.ingest.parse.fit_clock import fit_utc as _utc
from pipeline.ingest.parse.model import SampleColumns
from pipeline.ingest.parse.plausible import EARLIEST_UTC, heart_rate_bpm, latest_utc
from pipeline.ingest.parse.sample_dates import (
    STRAY_SHARE,
    far_dates_warning,
    near_session,
    without_strays,
)
from pipeline.table_rules import SAMPLE_CHANNELS

SEMICIRCLE_DEG = 180.0 / 2**31
STRIDE_SPORTS = ("running", "walking", "hiking")  # FIT cadence in strides/min
FOOT_SPORTS = ("running", "trail_running", "treadmill_running", "walking", "water_running")
MAX_SPEED_FOOT_MPS = 30.0  # faster than any human on foot: a glitch
MAX_SPEED_OTHER_MPS = 40.0  # 144 km/h: faster than a cyclist descending
EARLIEST = EARLIEST_UTC  # earlier dates come from an unset clock (plausible.py: one rule)
# (record field, sample column, factor): record values in SI units after the factor
RECORD_FIELDS = (
    ("distance", "distance_m", 1.0),
    ("heart_rate", "heart_rate_bpm", 1.0),
    ("step_length", "step_length_m", 0.001),
    ("stance_time", "stance_time_ms", 1.0),
    ("vertical_oscillation", "vertical_oscillation_mm", 1.0),
    ("vertical_ratio", "vertical_ratio_pct", 1.0),
    ("stance_time_balance", "stance_time_balance_pct", 1.0),
    ("power", "power_w", 1.0),
    ("temperature", "temperature_c", 1.0),
)


def _floats(values: list) -> np.ndarray:
    """Floats with NaN for None and anything non-numeric."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        return np.array(
            [
                v if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan
                for v in values
            ],
            dtype=float,
        )


def _first_valid(*arrays: np.ndarray) -> np.ndarray:
    out = arrays[0].copy()
    for a in arrays[1:]:
        out = np.where(np.isnan(out), a, out)
    return out


def _latest():
    return latest_utc()


def record_columns(
    records: list[dict] | dict[str, np.ndarray], shift: float, warnings: list[str]
) -> dict[str, np.ndarray]:
    """Record messages (dicts, or fit_fast's columns) as column arrays in SI units, implausible
    values cleaned to NaN/dropped.

    ``cadence_raw`` (cadence + fractional, device units) is converted per sport later.
    """

    if isinstance(records, dict):  # fit_fast's columns: fitparse's names and units
        timed = np.isfinite(records["timestamp"])
        n = int(timed.sum())

        def col(key):
            return records[key][timed] if key in records else np.full(n, np.nan)
    else:

        def col(key):
            return _floats([r.get(key) for r in records])

    ts = _utc(col("timestamp"), shift)
    cols: dict[str, np.ndarray] = {"timestamp": ts}
    cols["speed_mps"] = _first_valid(col("enhanced_speed"), col("speed"))
    cols["altitude_m"] = _first_valid(col("enhanced_altitude"), col("altitude"))
    cadence, fraction = col("cadence"), col("fractional_cadence")
    cols["cadence_raw"] = cadence + np.where(np.isnan(fraction), 0.0, fraction)
    for field, name, factor in RECORD_FIELDS:
        cols[name] = col(field) * factor
    lat, lon = col("position_lat") * SEMICIRCLE_DEG, col("position_long") * SEMICIRCLE_DEG
    bad = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    cols["latitude_deg"], cols["longitude_deg"] = (
        np.where(bad, np.nan, lat),
        np.where(bad, np.nan, lon),
    )
    names = records if isinstance(records, dict) else {k for r in records for k in r}
    dev_keys = sorted(k for k in names if k.startswith("dev_"))
    for key in dev_keys:
        values = col(key)
        if np.isfinite(values).any():
            cols[key] = values
    # a zero step length, stance time or oscillation is a sensor that is not attached
    for name in (
        "step_length_m",
        "stance_time_ms",
        "vertical_oscillation_mm",
        "vertical_ratio_pct",
    ):
        cols[name] = np.where(cols[name] <= 0, np.nan, cols[name])
    balance = cols["stance_time_balance_pct"]  # left share of stance time: a per cent
    cols["stance_time_balance_pct"] = np.where((balance <= 0) | (balance > 100), np.nan, balance)
    _clean(
        cols,
        "heart_rate_bpm",
        np.isfinite(cols["heart_rate_bpm"]) & np.isnan(heart_rate_bpm(cols["heart_rate_bpm"])),
        "heart-rate values outside 25-250 bpm",
        warnings,
    )
    _clean(cols, "distance_m", cols["distance_m"] < 0, "negative distances", warnings)
    _clean(cols, "speed_mps", cols["speed_mps"] < 0, "negative speeds", warnings)
    earliest, latest = (np.datetime64(t.replace(tzinfo=None), "us") for t in (EARLIEST, _latest()))
    keep = (ts >= earliest) & (ts <= latest)  # NaT compares False: dropped
    if (~keep).any():
        warnings.append(f"{int((~keep).sum()):,} records with missing or implausible dates dropped")
        cols = {k: v[keep] for k, v in cols.items()}
    order = np.argsort(cols["timestamp"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    # a chained FIT file can hold the same records twice: keep one of each identical record
    # (sorted, identical records share a timestamp: strictly rising times need no search)
    if (np.diff(cols["timestamp"]) > np.timedelta64(0)).all():
        return cols
    repeated = repeated_rows(cols)
    return {k: v[~repeated] for k, v in cols.items()} if repeated.any() else cols


def repeated_rows(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Whether each row (the same place in every column) repeats an earlier row exactly; NaN
    equals NaN and -0.0 equals 0.0 here, as in ``DataFrame.duplicated``."""
    keys = []
    for values in cols.values():
        if values.dtype.kind == "f":  # one bit pattern for every NaN, and for both zeros
            values = np.where(np.isnan(values), np.nan, values.astype(np.float64) + 0.0)
        keys.append(values.view(np.int64) if values.dtype.kind in "fMm"
                    else values.astype(np.int64))
    rows = np.ascontiguousarray(np.column_stack(keys)).view(
        np.dtype((np.void, 8 * len(keys)))).ravel()
    _, first = np.unique(rows, return_index=True)
    repeated = np.ones(len(rows), dtype=bool)
    repeated[first] = False
    return repeated


def _near_session(cols: dict, session: dict, start: np.datetime64, shift: float,
                  warnings: list[str]) -> dict:
    """One session's record columns without the records dated more than a day outside it (a
    damaged record with a plausible date); its start and end where known, else the main stretch
    of records (``sample_dates.near_session``)."""
    ts = cols["timestamp"].astype("datetime64[us]").astype(np.int64)
    start_us = None if np.isnat(start) else int(start.astype("datetime64[us]").astype(np.int64))
    end = session.get("timestamp")
    if end is not None:
        end = _utc(_floats([end]), shift)[0]
    elif start_us is not None and session.get("total_elapsed_time") is not None:
        end = start + np.timedelta64(int(1000 * float(session["total_elapsed_time"])), "ms")
    end_us = None if end is None or np.isnat(end) else int(
        end.astype("datetime64[us]").astype(np.int64))
    if start_us is not None and end_us is not None and end_us < start_us:
        end_us = None  # a damaged end: the records decide
    margin = Thresholds.far_sample_gap_s
    keep = near_session(ts, start_us=start_us, end_us=end_us, margin_s=margin)
    if not keep.all():
        warnings.append(f"{int((~keep).sum()):,} records dated more than a day outside the "
                        "session: implausible dates dropped")
    # a session whose end was written from a damaged record holds it within its bounds
    inside = np.flatnonzero(keep)
    stray = ~without_strays(ts[inside], max_gap_s=margin, max_share=STRAY_SHARE)
    if stray.any():
        keep[inside[stray]] = False
        warnings.append(far_dates_warning(int(stray.sum()), what="the rest of the session",
                                          margin_s=margin))
    return cols if keep.all() else {k: v[keep] for k, v in cols.items()}


def _clean(cols: dict, name: str, bad: np.ndarray, what: str, warnings: list[str]) -> None:
    if bad.any():
        warnings.append(f"{int(bad.sum()):,} {what} set to null")
        cols[name] = np.where(bad, np.nan, cols[name])


def session_columns(
    cols: dict[str, np.ndarray], sport_fit: str | None, sport: str, warnings: list[str]
) -> SampleColumns:
    """The ``schemas.Samples`` columns for one activity's slice of the record columns."""
    n = len(cols["timestamp"])
    ts = cols["timestamp"].astype("datetime64[us]")
    us = ts.astype(np.int64)
    # (as pandas' total_seconds: microseconds over 1e6)
    floats = {"elapsed_s": (us - us[0]) / 1e6 if n else np.array([], float)}
    for name in SAMPLE_CHANNELS[1:]:
        values = cols.get(name)
        floats[name] = values if values is not None else np.full(n, np.nan)
    if sport_fit in STRIDE_SPORTS or sport in FOOT_SPORTS:
        floats["cadence_spm"] = 2.0 * cols["cadence_raw"]
    else:  # crank rpm for rides; strokes or cycles per minute for other sports
        floats["cadence_rpm"] = cols["cadence_raw"]
    floats["altitude_m"] = altitude_without_spikes(floats["elapsed_s"], floats["altitude_m"],
                                                   warnings)
    limit = MAX_SPEED_FOOT_MPS if sport in FOOT_SPORTS else MAX_SPEED_OTHER_MPS
    speed = floats["speed_mps"]
    if (speed > limit).any():
        warnings.append(f"{int((speed > limit).sum()):,} speeds above {limit:.0f} m/s set to null")
        floats["speed_mps"] = np.where(speed > limit, np.nan, speed)
    for key in cols:
        if key.startswith("dev_"):
            floats[key] = cols[key]
    return SampleColumns(ts, floats)


def _elapsed_from_samples(totals: dict, samples: SampleColumns, warnings: list[str]) -> None:
    """The session's elapsed time from the records kept (in place) when it reaches more than a
    day beyond them: the device summed it up to a damaged record dated weeks late."""
    elapsed = totals.get("elapsed_time_s")
    if elapsed is None or len(samples) < 2:
        return
    span = float(samples.floats["elapsed_s"][-1])
    if elapsed > span + Thresholds.far_sample_gap_s:
        warnings.append(f"the session's elapsed time ({elapsed / 86_400:.1f} days) reaches far "
                        f"beyond its records: elapsed time taken from the records ({span:.0f} s)")
        totals["elapsed_time_s"] = span
