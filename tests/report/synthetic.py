"""Synthetic athletes for the report tests, written through pipeline.store."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import schemas
from pipeline import store as st

AS_OF = date(2026, 11, 20)
# A real-looking position (Zurich); the privacy tests check none of it reaches a report.
LAT, LON = 47.376887, 8.541694


def daily_frame(*, days: int, as_of: date = AS_OF, pain: bool = True, cadence: bool = True,
                seed: int = 0) -> pd.DataFrame:
    """A schemas.Daily frame: runs on 4 days a week building from 4 to ~9 km, a spike run near
    the end, cycling on Saturdays, pain entries that rise with the spike."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=pd.Timestamp(as_of), periods=days, freq="D").astype("datetime64[us]")
    weekday = dates.dayofweek
    run_day = np.isin(weekday, [0, 2, 4, 6])
    base = 4 + 5 * np.arange(days) / max(days, 1)
    run_km = np.where(run_day, base + rng.normal(0, 0.5, days).clip(-1, 1), 0.0)
    if days > 20:
        run_km[-4] = run_km[:-4].max() * 1.6 if run_day[-4] else run_km[-4]
        run_km[-5] = run_km[:-5].max() * 1.6  # a spike: well above 110 % of the 30-day longest
    run_min = run_km * 6.0
    cycling = np.where(weekday == 5, 45.0, 0.0)
    rest = (run_km == 0) & (cycling == 0)
    streak = np.zeros(days, dtype=int)
    for i in range(days):
        streak[i] = (streak[i - 1] + 1 if i else 1) if rest[i] else 0
    km_series = pd.Series(run_km)
    acute = km_series.ewm(alpha=2 / 8, adjust=False).mean()
    chronic = km_series.ewm(alpha=2 / 29, adjust=False).mean()
    acwr = (acute / chronic).where(np.arange(days) >= 27)
    nan = np.full(days, np.nan)
    if pain:
        trend = np.linspace(1.0, 3.0, days) + np.where(np.arange(days) >= days - 5, 3.5, 0.0)
        logged = rng.random(days) > 0.15  # some days without entries
        next_morning = np.where(logged, (trend + rng.normal(0, 0.3, days)).clip(0, 10), np.nan)
        during = np.where(run_day & logged, (trend + 0.5).clip(0, 10), np.nan)
        sitting = np.where(logged, (trend - 0.5).clip(0, 10), np.nan)
    else:
        next_morning = during = sitting = nan
    cad = (170 + np.arange(days) * 0.05) if cadence else nan
    step = (1.05 - np.arange(days) * 0.0005) if cadence else nan
    cad = np.where(run_day, cad, np.nan)
    step = np.where(run_day, step, np.nan)
    frame = pd.DataFrame({
        "date": dates,
        "run_km": run_km,
        "run_min": run_min,
        "n_runs": run_day.astype(int),
        "longest_run_km": run_km,
        "longest_run_min": run_min,
        "uphill_min": run_min * 0.1,
        "fast_min": run_min * 0.05,
        "spike_ratio": nan,
        "cross_cycling_min": cycling,
        "cross_swimming_min": np.where(weekday == 1, 30.0, 0.0) * (days > 10),
        "cross_water_running_min": 0.0,
        "cross_other_min": 0.0,
        "aerobic_min": run_min + cycling,
        "session_load": run_min + cycling,
        "session_load_kind": "minutes",
        "run_km_7d": km_series.rolling(7, min_periods=1).sum(),
        "run_km_28d": km_series.rolling(28, min_periods=1).sum(),
        "acwr_ewma": acwr,
        "monotony_7d": nan,
        "strain_7d": nan,
        "rest_day": rest,
        "rest_streak_days": streak,
        "cadence_spm": cad,
        "step_length_m": step,
        "cadence_at_ref_spm": cad,
        "step_length_at_ref_m": step,
        "stance_time_ms": nan,
        "vertical_oscillation_mm": nan,
        "pain_during_run_0_10": during,
        "pain_after_run_0_10": nan,
        "pain_next_morning_0_10": next_morning,
        "pain_sitting_0_10": sitting,
        "pain_daily_0_10": nan,
        "weakness": pd.array([None] * days, dtype="boolean"),
        "rehab": pd.array([None] * days, dtype="boolean"),
        "compression": pd.array([None] * days, dtype="boolean"),
    })
    return frame


def weekly_frame(daily: pd.DataFrame) -> pd.DataFrame:
    d = daily.assign(week_start=daily["date"].dt.to_period("W-SUN").dt.start_time)
    return (d.groupby("week_start")
            .agg(run_km=("run_km", "sum"), n_runs=("n_runs", "sum"),
                 longest_run_km=("longest_run_km", "max"), rest_days=("rest_day", "sum"))
            .reset_index()
            .astype({"week_start": "datetime64[us]"}))


def activities_frame(daily: pd.DataFrame, *, hr: bool = True, cadence: bool = True) -> pd.DataFrame:
    """One running activity per run day and a ride per cycling day; a few lack HR or cadence and
    one was recovered from a damaged file."""
    rows = []
    for i, day in enumerate(daily.itertuples()):
        for sport, km, minutes in (("running", day.run_km, day.run_min),
                                   ("cycling", 0.0, day.cross_cycling_min)):
            if minutes <= 0:
                continue
            n = len(rows)  # activity number: every 7th run lacks cadence, every 9th HR
            start = pd.Timestamp(day.date).tz_localize("UTC") + pd.Timedelta(hours=17)
            rows.append({
                "activity_id": f"{sport[:3]}{i:04d}",
                "source_files": [f"exports/{sport}-{i}.fit"],
                "format": "fit",
                "sport": sport,
                "sub_sport": None, "name": None, "gear": None, "device": "forerunner",
                "start_time_utc": start,
                "local_date": pd.Timestamp(day.date),
                "local_date_source": "fit_local_timestamp",
                "utc_offset_min": 60.0,
                "distance_m": km * 1000 if sport == "running" else minutes * 450.0,
                "elapsed_time_s": minutes * 60, "moving_time_s": minutes * 60,
                "ascent_m": 30.0, "avg_speed_mps": 2.8,
                "avg_hr_bpm": 145.0 if hr and n % 9 else None,
                "max_hr_bpm": 170.0 if hr and n % 9 else None,
                "avg_cadence_spm": (172.0 if cadence and n % 7 else None)
                if sport == "running" else None,
                "avg_cadence_rpm": 85.0 if sport == "cycling" else None,
                "avg_step_length_m": 1.0 if sport == "running" and cadence else None,
                "avg_stance_time_ms": None, "avg_vertical_oscillation_mm": None,
                "avg_vertical_ratio_pct": None, "avg_stance_time_balance_pct": None,
                "avg_power_w": None, "uphill_time_fraction": 0.1, "fast_time_fraction": 0.05,
                "moving_speed_percentiles_mps": None, "hr_seconds_by_bpm": None,
                "timer_time_s": minutes * 60, "rpe_0_10": None,
                "n_samples": 100, "channels": ["distance_m", "latitude_deg", "longitude_deg"],
                "has_gps": True, "summary_only": False,
                "partial": n == 3,
                "partial_reason": "file ends mid-record; 812 of 1000 records read" if n == 3
                else None,
                "content_sha256": f"{i:064x}",
            })
    return pd.DataFrame(rows)


def route_samples(n: int = 50) -> pd.DataFrame:
    t = pd.date_range("2026-11-19 17:00", periods=n, freq="10s", tz="UTC")
    angle = np.linspace(0, 2 * np.pi, n)
    frame = pd.DataFrame({"timestamp_utc": t}
                         | {c: np.full(n, np.nan) for c in schemas.SAMPLE_CHANNELS})
    frame["elapsed_s"] = np.arange(n) * 10.0
    frame["latitude_deg"] = LAT + 0.004 * np.sin(angle)
    frame["longitude_deg"] = LON + 0.006 * np.cos(angle)
    return frame


def sources_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "sha256": ["a" * 64, "b" * 64, "c" * 64, "d" * 64, "e" * 64],
        "source_file": ["exports/running-1.fit", "exports/running-1-copy.fit",
                        "exports/broken.tcx", "exports/settings.fit", "exports/running-3.fit"],
        "raw_path": ["", "", "", "", ""],
        # the statuses the ingest ledger records (ok, partial, duplicate, quarantined, ...)
        "status": ["ok", "duplicate", "quarantined", "not_activity", "partial"],
        "reason": ["", "same content as exports/running-1.fit",
                   "invalid XML at line 3: mismatched tag", "settings file, not an activity",
                   "file ends mid-record; 812 of 1000 records read"],
        "activity_ids": [["run0001"], ["run0001"], [], [], ["run0003"]],
        "ingested_at_utc": pd.to_datetime(["2026-11-20T08:00:00Z"] * 5),
    })


def recommendation(athlete: str, *, status: str = "reduce", red_flags=None,
                   tolerated: float | None = 24.0, as_of: date = AS_OF) -> dict:
    return {
        "athlete": athlete,
        "as_of": as_of.isoformat(),
        "week_start": "2026-11-23",
        "status": status,
        "weekly_run_km": {"min": 18.0, "max": 22.5},
        "longest_run_km_max": 8.5,
        "runs_per_week": 4,
        "tolerated_weekly_km": tolerated,
        "cross_training_min": 90,
        "red_flags": red_flags or [],
        "reasons": [
            "Next-morning pain rose from 2.1 to 5.6 after the 14.2 km run on 2026-11-15.",
            "The 14.2 km run was 160% of the longest run of the previous 30 days (cap 110%).",
            "Back to 22.5 km, the last weekly load followed by settled next-morning pain.",
        ],
        "confidence": "medium",
        "rules_applied": [{"rule": "single_run_cap", "source": "Frandsen 2025"},
                          {"rule": "pain_monitoring", "source": "Silbernagel 2007"}],
        "tolerance": {"value": tolerated, "interval": [21.0, 27.5] if tolerated else None},
        "cadence_experiment": {"current_spm": 172, "try_spm": [181, 189],
                               "caveat": "An experiment, not a cure: keep it only if the pain"
                                         " log stays calm."},
    }


def write_athlete(data_dir: Path, athlete: str, *, days: int = 84, pain: bool = True,
                  cadence: bool = True, hr: bool = True, rec: dict | None = None,
                  with_sources: bool = True, plan: bool = True) -> st.Store:
    """Write one synthetic athlete's processed data through pipeline.store."""
    store = st.Store(data_dir, athlete)
    daily = daily_frame(days=days, pain=pain, cadence=cadence)
    st.write_daily(store, daily)
    st.write_weekly(store, weekly_frame(daily))
    activities = activities_frame(daily, hr=hr, cadence=cadence)
    st.write_activities(store, activities)
    runs = activities[activities["sport"] == "running"]
    st.write_samples(store, runs["activity_id"].iloc[-1], route_samples())
    if with_sources:
        st.write_sources(store, sources_frame())
    if pain:
        entries = daily.dropna(subset=["pain_next_morning_0_10"])
        st.write_pain_log(store, pd.DataFrame({
            "date": entries["date"], "context": "next_morning",
            "pain_0_10": entries["pain_next_morning_0_10"], "time": None,
            "weakness": pd.array([None] * len(entries), dtype="boolean"),
            "rehab": pd.array([None] * len(entries), dtype="boolean"),
            "compression": pd.array([None] * len(entries), dtype="boolean"), "note": None}))
    rec = rec or recommendation(athlete)
    if plan:
        rec = with_plan(rec, daily, store)
    st.write_recommendation(store, rec)
    return store


def with_plan(rec: dict, daily: pd.DataFrame, store: st.Store) -> dict:
    """The recommendation with the plan keys analyze adds (``pipeline.plan``), a week-old
    advice for ``last_week`` and cycling pain logged above 5/10 (so ``avoid`` is filled)."""
    from pipeline.plan import next_week_plan

    as_of = date.fromisoformat(rec["as_of"])
    rides = daily[daily["cross_cycling_min"] > 0]["date"].tail(3)
    pain_log = pd.concat([st.read_pain_log(store), pd.DataFrame({
        "date": rides, "context": "after_cross_training", "pain_0_10": 6.0,
        "activity": "cycling"})], ignore_index=True)
    past = {**rec, "as_of": (as_of - timedelta(days=7)).isoformat(), "status": "hold",
            "plan": {"uphill_min_max": 20, "fast_min_max": 10}}
    return {**rec, **next_week_plan(rec, daily, pain_log=pain_log, rehab_log=rehab_log(as_of),
                                    as_of=as_of, past=[past])}


def rehab_log(as_of: date) -> pd.DataFrame:
    """Two weeks of isometric holds then bridges, every other day, up to ``as_of``."""
    from pipeline.rehab.merge import rehab_log_frame
    from pipeline.rehab.parse import Entry

    entries = [Entry(as_of - timedelta(days=back),
                     "isometric bridge hold" if back > 14 else "bridge", 4, 10, None, None, 2.0,
                     None, "rehab.csv") for back in range(28, -1, -2)]
    return rehab_log_frame(entries)
