"""Small helpers over the daily frame (``schemas.Daily``): dates as the index and seven-day
windows ending on ``as_of``. Kept here so the plan reads only the daily features' columns."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

MORNING = "pain_next_morning_0_10"
# columns the plan reads; a daily frame without one (an older store, a hand-made frame) gets
# zeros for loads and NaN for pain, so no part of the plan has to ask
LOAD_COLUMNS = ("run_km", "run_min", "n_runs", "longest_run_km", "longest_run_min", "uphill_min",
                "fast_min", "cross_cycling_min", "cross_swimming_min", "cross_water_running_min",
                "cross_other_min", "cross_walking_min")
DAILY_PAIN = "pain_daily_0_10"
PAIN_COLUMNS = (MORNING, DAILY_PAIN, "pain_sitting_0_10")


def by_day(daily: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    """The daily frame up to ``as_of``, indexed by date with every calendar day present (load
    columns 0 on missing days, pain NaN)."""
    d = daily.copy()
    for col in LOAD_COLUMNS:
        if col not in d:
            d[col] = 0.0
    for col in PAIN_COLUMNS:
        if col not in d:
            d[col] = np.nan
    for col in ("rehab", "compression"):
        if col not in d:
            d[col] = pd.array([None] * len(d), dtype="boolean")
    d["date"] = pd.to_datetime(d["date"]).dt.normalize()
    end = pd.Timestamp(as_of).normalize()
    d = d[d["date"] <= end].sort_values("date").set_index("date")
    if len(d):
        d = d.reindex(pd.date_range(d.index.min(), end, freq="D"))
    d.index.name = "date"
    for col in d.columns:
        if col.endswith(("_km", "_min")) or col == "n_runs":
            d[col] = pd.to_numeric(d[col], errors="coerce").astype(float).fillna(0.0)
    return d


def column(d: pd.DataFrame, name: str) -> pd.Series:
    """``d[name]`` as floats, or NaN when the column is absent (an older daily frame)."""
    if name in d:
        return pd.to_numeric(d[name], errors="coerce").astype(float)
    return pd.Series(np.nan, index=d.index, dtype=float)


def morning_0_10(d: pd.DataFrame) -> pd.Series:
    """Morning pain by day: next-morning ratings, or ``daily`` ones for a runner who logs
    next-morning pain on fewer than 10 days and daily pain more often (the recommendation's
    rule, so the plan reads the same outcome)."""
    n_morning = int(column(d, MORNING).notna().sum())
    n_daily = int(column(d, DAILY_PAIN).notna().sum())
    source = MORNING if n_morning >= 10 or n_morning >= n_daily else DAILY_PAIN
    return column(d, source)


def morning_after(d: pd.DataFrame) -> pd.Series:
    """The morning rating that answers each day's load: the rating dated the day after
    (a next_morning entry dated d + 1 was made on the morning after day d)."""
    return morning_0_10(d).shift(-1)


def windows(d: pd.DataFrame, *, as_of: date, n: int) -> list[pd.DataFrame]:
    """The last ``n`` seven-day windows ending on ``as_of`` (oldest first), complete ones only."""
    end = pd.Timestamp(as_of).normalize()
    out = []
    for k in range(n - 1, -1, -1):
        last = end - pd.Timedelta(days=7 * k)
        w = d.loc[(d.index > last - pd.Timedelta(days=7)) & (d.index <= last)]
        if len(w) == 7:
            out.append(w)
    return out


def last_days(d: pd.DataFrame, *, as_of: date, days: int, offset: int = 0) -> pd.DataFrame:
    """The ``days`` days ending ``offset`` days before ``as_of``."""
    end = pd.Timestamp(as_of).normalize() - pd.Timedelta(days=offset)
    return d.loc[(d.index > end - pd.Timedelta(days=days)) & (d.index <= end)]


def mean_or_none(values: pd.Series) -> float | None:
    v = values.dropna()
    return None if v.empty else float(v.mean())
