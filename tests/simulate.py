"""Simulated athletes with a planted dose-response, as ``schemas.Daily`` frames.

The truth: a tolerated weekly km ``T``. Next-morning pain (dated the morning after the load) is
the athlete's baseline plus a response to the 7-day km of the preceding days above ``T``
(``hinge``: linear above T; ``step``: a jump above T; ``smooth``: a logistic rise centred on T),
plus a response to single runs longer than 110% of the previous 30 days' longest, optional
carry-over from the day before (``persistence``), noise, integer rounding and missing ratings.
Weekly km wander around ``T`` (a random walk between ``low`` x T and ``high`` x T).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Truth:
    tolerated_km: float
    response: str
    baseline_0_10: float


def simulate_daily(
    *,
    tolerated_km: float = 25.0,
    weeks: int = 20,
    seed: int = 0,
    response: str = "hinge",
    rise_per_tolerated: float = 6.0,
    noise_sd: float = 0.7,
    missing: float = 0.2,
    persistence: float = 0.0,
    spike_effect: float = 1.5,
    baseline: float = 1.0,
    low: float = 0.6,
    high: float = 1.4,
    round_ratings: bool = True,
    flare_days: int = 0,
    weakness_days: int = 0,
    runs_per_week: int = 4,
    start: date = date(2026, 3, 2),
    noise_df: float | None = None,
) -> tuple[pd.DataFrame, Truth]:
    """A daily frame for ``weeks`` weeks from ``start`` (a Monday) and the planted truth.

    ``rise_per_tolerated`` is the next-morning pain rise (points) when the 7-day km is ``2 T``
    (hinge) or the jump at ``T`` divided by 3 (step and smooth rise to rise/3 above T).
    ``noise_df`` draws the next-morning noise from a Student t with that many degrees of freedom
    (heavy tails: occasional ratings far off), scaled to the SD ``noise_sd``; None: normal.
    """
    rng = np.random.default_rng(seed)
    n = weeks * 7
    dates = [start + timedelta(days=i) for i in range(n)]
    run_km = np.zeros(n)
    level = rng.uniform(0.8, 1.0)
    for w in range(weeks):
        level = float(np.clip(level + rng.normal(0, 0.18), low, high))
        week_km = tolerated_km * level
        days = np.sort(rng.choice(7, size=runs_per_week, replace=False))
        shares = rng.dirichlet(np.full(runs_per_week, 4.0))
        run_km[w * 7 + days] = week_km * shares
    # occasional single-run spikes: one run made 1.3-1.8 x the previous 30 days' longest planned
    # run (planned: spikes do not compound into ever longer runs)
    planned = run_km.copy()
    for i in range(35, n):
        if run_km[i] > 0 and rng.random() < 0.04:
            run_km[i] = max(run_km[i], planned[i - 30:i].max() * rng.uniform(1.3, 1.8))
    prev30 = np.array([run_km[max(0, i - 30):i].max() if i else 0.0 for i in range(n)])
    spike_ratio = np.where((run_km > 0) & (prev30 > 0),
                           run_km / np.where(prev30 > 0, prev30, 1), np.nan)

    km7_before = np.array([run_km[max(0, i - 7):i].sum() for i in range(n)])
    x = km7_before / tolerated_km
    if response == "hinge":
        dose = rise_per_tolerated * np.maximum(0.0, x - 1.0)
    elif response == "step":
        dose = rise_per_tolerated / 3 * (x > 1.0)
    elif response == "smooth":
        dose = rise_per_tolerated / 3 / (1 + np.exp(-(x - 1.0) / 0.05))
    else:
        raise ValueError(response)
    spiked_yesterday = np.r_[False, np.nan_to_num(spike_ratio[:-1]) > 1.1]
    dose = dose + spike_effect * spiked_yesterday
    state = np.zeros(n)
    for i in range(n):
        state[i] = dose[i] + (persistence * state[i - 1] if i else 0.0)
    if noise_df is None:
        noise = rng.normal(0, noise_sd, n)
    else:  # a t with df > 2 has variance df / (df - 2)
        noise = rng.standard_t(noise_df, n) * noise_sd / np.sqrt(noise_df / (noise_df - 2))
    morning = baseline + state + noise
    if flare_days:
        morning[-flare_days:] += rng.uniform(3.5, 4.5)
    during = np.where(run_km > 0, 0.5 + 0.5 * state + rng.normal(0, noise_sd, n), np.nan)
    if flare_days:
        during[-flare_days:] = np.where(run_km[-flare_days:] > 0, 6.0, np.nan)
    sitting = baseline * 0.8 + 0.6 * state + rng.normal(0, noise_sd, n)

    def rating(v: np.ndarray) -> np.ndarray:
        v = np.clip(v, 0, 10)
        v = np.round(v) if round_ratings else np.round(v, 1)
        return np.where(rng.random(n) < missing, np.nan, v)

    morning, during, sitting = rating(morning), rating(during), rating(sitting)
    if flare_days:  # a flare is rated: that is how anyone knows about it
        morning[-flare_days:] = np.clip(np.round(baseline + state[-flare_days:] + 4.0), 0, 10)

    cycling = np.where(rng.random(n) < 0.15, rng.uniform(30, 60, n), 0.0)
    run_min = run_km * 6.0
    aerobic = run_min + cycling
    rest = aerobic == 0
    streak = np.zeros(n, dtype=int)
    for i in range(n):
        streak[i] = (streak[i - 1] + 1 if i else 1) if rest[i] else 0
    weakness = np.zeros(n, dtype=bool)
    if weakness_days:
        weakness[-weakness_days:] = True
    km = pd.Series(run_km)
    daily = pd.DataFrame({
        "date": pd.to_datetime(dates).astype("datetime64[us]"),
        "run_km": run_km,
        "run_min": run_min,
        "n_runs": (run_km > 0).astype(int),
        "longest_run_km": run_km,
        "longest_run_min": run_min,
        "uphill_min": run_min * 0.1,
        "fast_min": run_min * 0.05,
        "spike_ratio": spike_ratio,
        "cross_cycling_min": cycling,
        "cross_swimming_min": 0.0,
        "cross_water_running_min": 0.0,
        "cross_other_min": 0.0,
        "aerobic_min": aerobic,
        "session_load": aerobic,
        "session_load_kind": "minutes",
        "run_km_7d": km.rolling(7, min_periods=1).sum().to_numpy(),
        "run_km_28d": km.rolling(28, min_periods=1).sum().to_numpy(),
        "acwr_ewma": np.nan,
        "monotony_7d": np.nan,
        "strain_7d": np.nan,
        "rest_day": rest,
        "rest_streak_days": streak,
        "cadence_spm": np.where(run_km > 0, 168.0, np.nan),
        "step_length_m": np.where(run_km > 0, 1.0, np.nan),
        "cadence_at_ref_spm": np.where(run_km > 0, 168.0 + rng.normal(0, 1, n), np.nan),
        "step_length_at_ref_m": np.where(run_km > 0, 1.0, np.nan),
        "stance_time_ms": np.nan,
        "vertical_oscillation_mm": np.nan,
        "pain_during_run_0_10": during,
        "pain_after_run_0_10": np.nan,
        "pain_next_morning_0_10": morning,
        "pain_sitting_0_10": sitting,
        "pain_daily_0_10": np.nan,
        "weakness": pd.array(np.where(weakness, True, pd.NA), dtype="boolean"),
        "rehab": pd.array([pd.NA] * n, dtype="boolean"),
        "compression": pd.array([pd.NA] * n, dtype="boolean"),
    })
    return daily, Truth(tolerated_km=tolerated_km, response=response, baseline_0_10=baseline)


def weekly_from_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """A minimal ``schemas.Weekly`` frame (Monday weeks) aggregated from a daily frame."""
    monday = daily["date"] - pd.to_timedelta(daily["date"].dt.day_of_week, unit="D")
    d = daily.assign(week_start=monday)
    g = d.groupby("week_start")
    return pd.DataFrame({
        "run_km": g["run_km"].sum(),
        "n_runs": g["n_runs"].sum().astype(int),
        "longest_run_km": g["longest_run_km"].max(),
        "rest_days": g["rest_day"].sum().astype(int),
        "pain_next_morning_mean_0_10": g["pain_next_morning_0_10"].mean(),
        "days_in_week": g.size(),
    }).reset_index()


def activities_and_pain_log(daily: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The simulated days as stored inputs: one activity per run or ride (validated
    ``Activities``) and one pain entry per rating (validated ``PainLog``), so a test can go
    through ``runload analyze`` end to end."""
    from tests.features.factories import activities_frame, activity, pain_entry, pain_frame

    acts, pains = [], []
    contexts = {"pain_during_run_0_10": "during_run", "pain_next_morning_0_10": "next_morning",
                "pain_sitting_0_10": "sitting"}
    for row in daily.itertuples(index=False):
        day = str(pd.Timestamp(row.date).date())
        if row.run_km > 0:
            acts.append(activity(day, km=round(row.run_km, 3), minutes=row.run_min))
        if row.cross_cycling_min > 0:
            acts.append(activity(day, "cycling", km=row.cross_cycling_min / 3,
                                 minutes=row.cross_cycling_min))
        weak = True if row.weakness is True else None
        for col, context in contexts.items():
            value = getattr(row, col)
            if not pd.isna(value):
                pains.append(pain_entry(day, value, context, weakness=weak))
    return activities_frame(acts), pain_frame(pains)
