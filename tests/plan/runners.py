"""Planted runners as daily frames (the columns the plan reads), with a known answer.

Runs on Mon/Wed/Fri/Sun, cycling-only days on Tue and Sat, a swim-only day on Thursday. Each
``driver`` plants what next-morning pain follows (the rating dated the morning after the load):

- ``hills``: the 7-day uphill minutes (weekly km nearly flat, hills vary 0-40 min a week);
- ``km``: the 7-day km above 25 (km vary 18-40 a week; uphill minutes a fixed share of km);
- ``cycling``: +2 points the morning after a ride (running and hills calm);
- ``none``: nothing (noise around the baseline).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

RUN_DAYS, RIDE_DAYS, SWIM_DAYS = (0, 2, 4, 6), (1, 5), (3,)
AS_OF = date(2026, 6, 28)  # a Sunday: the last day of the planted weeks


def planted_runner(driver: str, *, seed: int, weeks: int = 16, baseline: float = 1.0,
                   noise_sd: float = 0.4, sitting: float | None = None,
                   end: date = AS_OF) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = weeks * 7
    dates = pd.date_range(end - timedelta(days=n - 1), end, freq="D")
    run_km, uphill, fast, run_min = (np.zeros(n) for _ in range(4))
    ride, swim = np.zeros(n), np.zeros(n)
    for w in range(weeks):
        if driver == "km":
            km_w = rng.uniform(18, 40)
            hill_w = 0.8 * km_w * rng.uniform(0.9, 1.1)
        else:
            km_w = rng.uniform(29, 31)
            hill_w = rng.uniform(0, 40)
        fast_w = rng.uniform(5, 15)
        shares = np.array([0.22, 0.22, 0.22, 0.34])
        for i, day in enumerate(RUN_DAYS):
            k = w * 7 + day
            run_km[k] = km_w * shares[i]
            run_min[k] = run_km[k] * 5.5
            uphill[k] = hill_w * shares[i]
            fast[k] = fast_w * shares[i]
        for day in RIDE_DAYS:
            ride[w * 7 + day] = 45.0
        for day in SWIM_DAYS:
            swim[w * 7 + day] = 30.0
    km7 = pd.Series(run_km).rolling(7, min_periods=1).sum().to_numpy()
    hill7 = pd.Series(uphill).rolling(7, min_periods=1).sum().to_numpy()
    response = np.zeros(n)  # the response to day d's load, rated on the morning of d + 1
    if driver == "hills":
        response = 0.06 * hill7
    elif driver == "km":
        response = 0.2 * np.clip(km7 - 25, 0, None)
    elif driver == "cycling":
        response = 2.0 * (ride > 0)
    morning = np.full(n, np.nan)
    morning[1:] = np.clip(np.round(2 * (baseline + response[:-1]
                                        + rng.normal(0, noise_sd, n - 1))) / 2, 0, 10)
    frame = pd.DataFrame({
        "date": dates, "run_km": run_km, "run_min": run_min, "n_runs": (run_km > 0).astype(int),
        "longest_run_km": run_km, "longest_run_min": run_min, "uphill_min": uphill,
        "fast_min": fast, "cross_cycling_min": ride, "cross_swimming_min": swim,
        "cross_water_running_min": 0.0, "cross_other_min": 0.0, "cross_walking_min": 0.0,
        "pain_next_morning_0_10": morning,
        "pain_sitting_0_10": np.nan if sitting is None else sitting,
        "rehab": pd.array([None] * n, dtype="boolean"),
        "compression": pd.array([None] * n, dtype="boolean"),
    })
    return frame


def recent_weekly(frame: pd.DataFrame, column: str, *, weeks: int = 4) -> float:
    """The mean weekly total of ``column`` over the last ``weeks`` weeks."""
    return float(frame[column].tail(7 * weeks).sum()) / weeks


def rec_for(frame: pd.DataFrame, *, status: str = "hold", runs: int = 4,
            cross_min: int = 90) -> dict:
    """A recommendation's contract keys as the recommendation would set them for a hold."""
    km = float(frame["run_km"].tail(7).sum())
    top = round(km, 1) if status != "reduce" else round(0.85 * km, 1)
    return {"status": status, "weekly_run_km": {"min": round(0.85 * top, 1), "max": top},
            "longest_run_km_max": round(max(frame["run_km"].tail(30)) * 1.1, 1),
            "runs_per_week": runs, "cross_training_min": cross_min, "red_flags": [],
            "as_of": AS_OF.isoformat()}


def empty_pain_log() -> pd.DataFrame:
    return pd.DataFrame({"date": pd.Series(dtype="datetime64[us]"),
                         "context": pd.Series(dtype="str"),
                         "pain_0_10": pd.Series(dtype="float64"),
                         "activity": pd.Series(dtype="str")})


def empty_rehab_log() -> pd.DataFrame:
    return pd.DataFrame({"date": pd.Series(dtype="datetime64[us]"),
                         "exercise": pd.Series(dtype="str"),
                         "pain_0_10": pd.Series(dtype="float64"),
                         "stage": pd.Series(dtype="str")})
