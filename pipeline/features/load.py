"""Session load (Banister TRIMP, session-RPE or minutes), EWMA acute:chronic ratio, monotony and
strain.

Constants come from ``config.Thresholds`` (citations there and in ../shared/SCIENCE.md).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.features.volume import activity_minutes

LOAD_KINDS = ("trimp", "srpe", "minutes", "mixed")


def _histogram(value) -> np.ndarray | None:
    """Seconds per integer bpm as a float array, or None when absent or empty."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    hist = np.asarray(value, dtype=float)
    if hist.ndim != 1 or hist.size == 0:
        return None
    hist = np.nan_to_num(hist, nan=0.0)
    return hist if hist.sum() > 0 else None


def trimp_heart_rates(activities: pd.DataFrame, profile: dict, *, thresholds: Thresholds) -> dict:
    """The heart rates and sex used for TRIMP, and where each came from.

    ``hr_rest_bpm``: the profile's value, else ``thresholds.hr_rest_default_bpm`` (source
    "default"). ``hr_max_bpm``: the profile's value, else the highest heart rate recorded in
    ``activities`` (``max_hr_bpm`` or the highest bpm with time in a histogram; source
    "highest_recorded"), else None. ``sex``: the profile's, else "male" (Banister's original
    weighting; source "assumed"). ``usable`` is False when no TRIMP can be computed.
    """
    hr_rest = profile.get("hr_rest_bpm")
    hr_rest_source = "profile" if hr_rest else "default"
    hr_rest = float(hr_rest) if hr_rest else thresholds.hr_rest_default_bpm

    hr_max = profile.get("hr_max_bpm")
    hr_max_source = "profile" if hr_max else None
    if hr_max:
        hr_max = float(hr_max)
    else:
        recorded = [float(v) for v in activities["max_hr_bpm"].dropna()]
        for value in activities["hr_seconds_by_bpm"]:
            hist = _histogram(value)
            if hist is not None:
                recorded.append(float(np.flatnonzero(hist > 0).max()))
        hr_max = max(recorded) if recorded else None
        hr_max_source = "highest_recorded" if recorded else None

    sex = profile.get("sex")
    sex_source = "profile" if sex in ("female", "male") else "assumed"
    sex = sex if sex in ("female", "male") else "male"
    return {
        "hr_rest_bpm": hr_rest,
        "hr_rest_source": hr_rest_source,
        "hr_max_bpm": hr_max,
        "hr_max_source": hr_max_source,
        "sex": sex,
        "sex_source": sex_source,
        "usable": hr_max is not None and hr_max > hr_rest,
    }


def banister_trimp(
    hr_seconds_by_bpm, *, hr_rest_bpm: float, hr_max_bpm: float, sex: str, thresholds: Thresholds
) -> float:
    """Banister TRIMP (arbitrary units) summed per sample from seconds spent at each bpm:
    Σ minutes × HRr × k·e^(c·HRr), HRr = (HR − HRrest)/(HRmax − HRrest) clipped to [0, 1]
    (below rest adds nothing; above the stated maximum counts as maximal). k, c: 0.64, 1.92 (men)
    or 0.86, 1.67 (women). NaN when there is no histogram.
    """
    hist = _histogram(hr_seconds_by_bpm)
    if hist is None:
        return float("nan")
    k, c = (
        (thresholds.trimp_female_k, thresholds.trimp_female_c)
        if sex == "female"
        else (thresholds.trimp_male_k, thresholds.trimp_male_c)
    )
    bpm = np.arange(hist.size, dtype=float)
    hrr = np.clip((bpm - hr_rest_bpm) / (hr_max_bpm - hr_rest_bpm), 0.0, 1.0)
    return float(np.sum(hist / 60.0 * hrr * k * np.exp(c * hrr)))


def activity_load(
    activities: pd.DataFrame, *, heart_rates: dict, thresholds: Thresholds
) -> pd.DataFrame:
    """Per activity: ``session_load`` and ``session_load_kind``.

    TRIMP where a heart-rate histogram exists (and usable heart rates are known), else
    session-RPE (RPE 0-10 × minutes, Foster 2001) where RPE was logged, else minutes.
    """
    minutes = activity_minutes(activities)
    loads, kinds = [], []
    for hist, rpe, mins in zip(activities["hr_seconds_by_bpm"], activities["rpe_0_10"], minutes):
        trimp = (
            banister_trimp(
                hist,
                hr_rest_bpm=heart_rates["hr_rest_bpm"],
                hr_max_bpm=heart_rates["hr_max_bpm"],
                sex=heart_rates["sex"],
                thresholds=thresholds,
            )
            if heart_rates["usable"]
            else float("nan")
        )
        if not math.isnan(trimp):
            loads.append(trimp)
            kinds.append("trimp")
        elif rpe is not None and not pd.isna(rpe):
            loads.append(float(rpe) * mins)
            kinds.append("srpe")
        else:
            loads.append(mins)
            kinds.append("minutes")
    return pd.DataFrame(
        {"session_load": loads, "session_load_kind": kinds}, index=activities.index
    )


def daily_session_load(
    loads: pd.DataFrame, dates: pd.Series, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Per day: the sum of every activity's ``session_load`` (all sports; 0 on rest days) and
    ``session_load_kind``: the one kind used that day, "mixed" when several, null on rest days.
    """
    if len(loads) == 0:
        return pd.DataFrame(
            {"session_load": 0.0, "session_load_kind": pd.Series(None, index=days, dtype="str")},
            index=days,
        )
    by_day = loads.groupby(dates.to_numpy())
    total = by_day["session_load"].sum().reindex(days, fill_value=0.0).astype(float)
    kind = by_day["session_load_kind"].agg(lambda k: k.iloc[0] if k.nunique() == 1 else "mixed")
    return pd.DataFrame(
        {"session_load": total, "session_load_kind": kind.reindex(days).astype("str")},
        index=days,
    )


def ewma(values: pd.Series, *, days: int) -> pd.Series:
    """Exponentially weighted average with λ = 2/(days + 1) (Williams 2017), started at the first
    value: EWMA_d = λ·L_d + (1 − λ)·EWMA_(d−1)."""
    return values.ewm(alpha=2.0 / (days + 1), adjust=False).mean()


def acwr_ewma(values: pd.Series, *, acute_days: int, chronic_days: int) -> pd.Series:
    """EWMA acute:chronic ratio (Williams 2017) of a daily series with one value per consecutive
    day. Null during the first ``chronic_days - 1`` days and when the chronic average is 0.
    Context only, never a risk score (Impellizzeri 2020)."""
    acute = ewma(values, days=acute_days)
    chronic = ewma(values, days=chronic_days)
    ratio = acute / chronic.where(chronic > 0)
    enough = np.arange(len(values)) >= chronic_days - 1
    return ratio.where(enough)


def monotony_7d(load: pd.Series, *, cap: float) -> pd.Series:
    """Foster 1998 monotony: mean / SD (sample SD, ddof = 1) of the last 7 days' load, rest days
    counted as 0. Capped at ``cap`` (also when SD is 0 with a non-zero mean). Null during the
    first 6 days and over a week with no load at all (monotony is undefined without training).
    """
    window = load.rolling(7, min_periods=7)
    mean, sd = window.mean(), window.std(ddof=1)
    # rolling std can leave round-off noise instead of an exact 0 for a constant window
    sd = sd.where(sd > 1e-9 * mean.abs().clip(lower=1.0), 0.0)
    monotony = (mean / sd.where(sd > 0)).clip(upper=cap)
    monotony = monotony.where(sd > 0, cap)
    return monotony.where(mean > 0).where(mean.notna())


def strain_7d(load: pd.Series, monotony: pd.Series) -> pd.Series:
    """Foster 1998 strain: the last 7 days' summed load × monotony; 0 over a week with no load,
    null during the first 6 days."""
    weekly = load.rolling(7, min_periods=7).sum()
    return (weekly * monotony).where(weekly > 0, weekly.where(weekly.notna()) * 0.0)
