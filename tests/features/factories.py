"""Tiny activity and pain-log frames that fill every schema column (built in code, no files)."""

from __future__ import annotations

import hashlib

import pandas as pd

from pipeline.schemas import Activities, PainLog


def activity(local_date: str, sport: str = "running", *, km: float | None = 5.0,
             minutes: float | None = 30.0, **values) -> dict:
    """One activity row with sensible defaults; ``values`` override any Activities column."""
    start = pd.Timestamp(local_date, tz="UTC") + pd.Timedelta(hours=8)
    distance = None if km is None else km * 1000.0
    seconds = None if minutes is None else minutes * 60.0
    speed = distance / seconds if distance is not None and seconds else None
    row = {
        "activity_id": "",
        "source_files": ["test.fit"],
        "format": "fit",
        "sport": sport,
        "sub_sport": None,
        "name": None,
        "gear": None,
        "device": None,
        "start_time_utc": start,
        "local_date": pd.Timestamp(local_date),
        "local_date_source": "fit_local_timestamp",
        "utc_offset_min": 0.0,
        "distance_m": distance,
        "elapsed_time_s": seconds,
        "moving_time_s": seconds,
        "ascent_m": None,
        "avg_speed_mps": speed,
        "avg_hr_bpm": None,
        "max_hr_bpm": None,
        "avg_cadence_spm": None,
        "avg_cadence_rpm": None,
        "avg_step_length_m": None,
        "avg_stance_time_ms": None,
        "avg_vertical_oscillation_mm": None,
        "avg_vertical_ratio_pct": None,
        "avg_stance_time_balance_pct": None,
        "avg_power_w": None,
        "uphill_time_fraction": None,
        "fast_time_fraction": None,
        "moving_speed_percentiles_mps": None,
        "hr_seconds_by_bpm": None,
        "timer_time_s": seconds,
        "rpe_0_10": None,
        "n_samples": 0,
        "channels": [],
        "has_gps": False,
        "summary_only": True,
        "partial": False,
        "partial_reason": None,
        "content_sha256": "0" * 64,
    }
    unknown = set(values) - set(row)
    assert not unknown, f"not an Activities column: {unknown}"
    row.update(values)
    return row


def activities_frame(rows: list[dict]) -> pd.DataFrame:
    """A validated Activities frame (ids made unique); an empty list gives an empty frame."""
    if not rows:
        rows_df = pd.DataFrame([activity("2026-01-01")]).iloc[0:0]
    else:
        rows_df = pd.DataFrame(rows)
        rows_df["activity_id"] = [
            hashlib.sha1(f"{i}".encode()).hexdigest()[:16] for i in range(len(rows_df))
        ]
    return Activities.validate(rows_df)


def pain_entry(date: str, pain: float, context: str = "daily", **flags) -> dict:
    """One pain-log row; ``flags`` may set weakness, rehab, compression, time, note."""
    row = {"date": pd.Timestamp(date), "context": context, "pain_0_10": float(pain), "time": None,
           "weakness": None, "rehab": None, "compression": None, "note": None}
    row.update(flags)
    return row


def pain_frame(rows: list[dict]) -> pd.DataFrame:
    """A validated PainLog frame; an empty list gives an empty frame."""
    df = pd.DataFrame(rows or [pain_entry("2026-01-01", 0)])
    if not rows:
        df = df.iloc[0:0]
    for flag in ("weakness", "rehab", "compression"):
        df[flag] = df[flag].astype("boolean")
    return PainLog.validate(df)


def daily_runs(start: str, n_days: int, *, km: float, minutes: float = 30.0,
               **values) -> list[dict]:
    """One identical run per day for ``n_days`` days from ``start``."""
    return [activity(str(d.date()), km=km, minutes=minutes, **values)
            for d in pd.date_range(start, periods=n_days, freq="D")]
