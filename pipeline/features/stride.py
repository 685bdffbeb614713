"""Stride per day, and cadence and step length at a reference speed.

Cadence and step length change with pace, so a day's raw cadence mixes technique with speed.
Per athlete, a robust line (Theil–Sen) of per-run cadence (or step length) on per-run speed is
fitted over a rolling window of runs and read at a fixed reference speed: the athlete's usual
easy speed (median run speed over the whole history up to the as-of date). Values are then
comparable over time (Heiderscheit 2011: compare step rate at the same speed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.features.volume import activity_minutes, is_run

STRIDE_COLUMNS = {  # Daily column -> per-run column
    "cadence_spm": "cadence_spm",
    "step_length_m": "step_length_m",
    "stance_time_ms": "stance_time_ms",
    "vertical_oscillation_mm": "vertical_oscillation_mm",
}


def run_stride(activities: pd.DataFrame) -> pd.DataFrame:
    """One row per run: ``local_date``, ``minutes``, ``speed_mps`` (average, else distance over
    moving time), ``cadence_spm``, ``step_length_m`` (sensor value, else speed / (cadence / 60)),
    ``stance_time_ms``, ``vertical_oscillation_mm``. Zero values are treated as not measured.
    """
    runs = activities[is_run(activities)]
    minutes = activity_minutes(runs)
    speed = runs["avg_speed_mps"].astype(float)
    derived_speed = runs["distance_m"].astype(float) / (minutes * 60.0).where(minutes > 0)
    speed = speed.fillna(derived_speed)
    cadence = runs["avg_cadence_spm"].astype(float)
    step = runs["avg_step_length_m"].astype(float)
    step = step.fillna(speed / (cadence.where(cadence > 0) / 60.0))
    out = pd.DataFrame(
        {
            "local_date": runs["local_date"],
            "minutes": minutes,
            "speed_mps": speed,
            "cadence_spm": cadence,
            "step_length_m": step,
            "stance_time_ms": runs["avg_stance_time_ms"].astype(float),
            "vertical_oscillation_mm": runs["avg_vertical_oscillation_mm"].astype(float),
        },
        index=runs.index,
    )
    measured = [c for c in out.columns if c not in ("local_date", "minutes")]
    out[measured] = out[measured].where(out[measured] > 0)
    return out


def daily_stride(runs: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Per day: moving-time-weighted means of the day's runs for ``cadence_spm`` (steps/min),
    ``step_length_m``, ``stance_time_ms`` (ground contact) and ``vertical_oscillation_mm``,
    each over the runs where it was measured (plain mean if those runs have no minutes); null when
    none was."""
    dates = runs["local_date"].to_numpy()
    minutes = runs["minutes"].fillna(0.0)
    out = pd.DataFrame(index=days)
    for daily_col, run_col in STRIDE_COLUMNS.items():
        values = runs[run_col]
        weights = minutes.where(values.notna(), 0.0)
        weighted = (values.fillna(0.0) * weights).groupby(dates).sum()
        total = weights.groupby(dates).sum()
        plain = values.groupby(dates).mean()
        mean = (weighted / total.where(total > 0)).fillna(plain)
        out[daily_col] = mean.reindex(days).astype(float)
    return out


def reference_speed_mps(runs: pd.DataFrame) -> float | None:
    """The athlete's usual easy speed (m/s): median per-run average speed over all runs given."""
    speeds = runs["speed_mps"].dropna()
    return float(speeds.median()) if len(speeds) else None


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Robust line y = intercept + slope·x: slope = median of pairwise slopes, intercept =
    median(y − slope·x). Pairs with equal x are skipped."""
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    slope = float(np.median((y[j] - y[i])[keep] / dx[keep]))
    return float(np.median(y - slope * x)), slope


def value_at_reference(
    speed: np.ndarray, value: np.ndarray, *, ref_speed_mps: float, thresholds: Thresholds
) -> float:
    """``value`` read at ``ref_speed_mps`` from a Theil–Sen line of value on speed over these runs.
    NaN with fewer than ``thresholds.stride_min_runs`` runs. When the speeds are too similar to
    give a slope (SD < ``stride_min_speed_sd_mps``), the median value if the runs' median speed is
    within ``stride_ref_tolerance`` of the reference, else NaN."""
    ok = ~(np.isnan(speed) | np.isnan(value))
    speed, value = speed[ok], value[ok]
    if len(speed) < thresholds.stride_min_runs:
        return float("nan")
    if np.std(speed) < thresholds.stride_min_speed_sd_mps:
        tolerance = thresholds.stride_ref_tolerance * ref_speed_mps
        near = abs(np.median(speed) - ref_speed_mps) <= tolerance
        return float(np.median(value)) if near else float("nan")
    intercept, slope = theil_sen(speed, value)
    return intercept + slope * ref_speed_mps


def stride_at_reference(
    runs: pd.DataFrame,
    days: pd.DatetimeIndex,
    *,
    ref_speed_mps: float | None,
    thresholds: Thresholds,
) -> pd.DataFrame:
    """Per day with at least one run: ``cadence_at_ref_spm`` and ``step_length_at_ref_m``, read at
    ``ref_speed_mps`` from the fit over the runs of the last ``thresholds.stride_window_days`` days
    (today included). Null on days without a run, with too few runs in the window, or without a
    reference speed."""
    columns = {"cadence_at_ref_spm": "cadence_spm", "step_length_at_ref_m": "step_length_m"}
    out = pd.DataFrame(np.nan, index=days, columns=list(columns), dtype=float)
    if ref_speed_mps is None or runs.empty:
        return out
    dates = runs["local_date"].to_numpy(dtype="datetime64[us]")
    speed = runs["speed_mps"].to_numpy(float)
    values = {out_col: runs[run_col].to_numpy(float) for out_col, run_col in columns.items()}
    window = np.timedelta64(thresholds.stride_window_days - 1, "D")
    run_days = pd.DatetimeIndex(np.unique(dates)).intersection(days)
    for out_col, value in values.items():
        result = []
        for day in run_days.to_numpy():
            in_window = (dates >= day - window) & (dates <= day)
            result.append(value_at_reference(speed[in_window], value[in_window],
                                             ref_speed_mps=ref_speed_mps, thresholds=thresholds))
        out.loc[run_days, out_col] = result
    return out.clip(lower=0)
