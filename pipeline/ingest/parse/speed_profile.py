"""An activity's moving-speed profile (``moving_speed_percentiles_mps``: the 0th..100th
percentile of speed over moving time) and what is read from it: the runner's easy pace over runs
and each run's fraction of time faster than it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from pipeline.vocabulary import RUNNING_SPORTS

PERCENTILES = np.arange(101) / 100.0


def easy_speed_mps(activities: pd.DataFrame) -> float | None:
    """The athlete's own easy pace as a speed (m/s): the median over runs of each run's median
    moving speed (50th entry of ``moving_speed_percentiles_mps``); None without any.

    Road runs (``sport == "running"``) only, when there are any: most of them are easy runs, so the
    median of medians is the easy pace and a few intervals or races barely move it. Trail runs are
    slowed by terrain and treadmill speed comes from an uncalibrated footpod; both would bias the
    reference, so they serve only when the athlete has no road runs at all.
    """
    if activities.empty or "moving_speed_percentiles_mps" not in activities:
        return None
    medians = [median_speed_mps(p) for p in activities["moving_speed_percentiles_mps"]]
    return easy_speed_of_runs(activities["sport"], medians)


def median_speed_mps(percentiles: Sequence[float] | None) -> float:
    """The median moving speed of a ``moving_speed_percentiles_mps`` entry; NaN without one."""
    return float(percentiles[50]) if _valid_percentiles(percentiles) else np.nan


def easy_speed_of_runs(sports: Sequence[str], median_speeds_mps: Sequence[float]) -> float | None:
    """``easy_speed_mps`` from each activity's sport and ``median_speed_mps``."""
    sports = sports if isinstance(sports, np.ndarray) else np.asarray(sports, dtype=object)
    medians = np.asarray(median_speeds_mps, dtype=float)
    known = np.isfinite(medians)
    runs = known & (sports == "running")
    if not runs.any():
        runs = known & np.isin(sports, list(RUNNING_SPORTS))
    medians = medians[runs & (medians > 0)]
    return float(np.median(medians)) if len(medians) else None


def fast_time_fraction(
    percentiles: Sequence[float] | None, *, easy_speed_mps: float | None, margin: float
) -> float | None:
    """Fraction (0-1) of moving time faster than ``easy_speed_mps * (1 + margin)``, interpolated
    linearly between the run's speed percentiles; None when either is missing."""
    if easy_speed_mps is None or not np.isfinite(easy_speed_mps) or not _valid_percentiles(
        percentiles
    ):
        return None
    p = np.asarray(percentiles, dtype=float)
    limit = easy_speed_mps * (1.0 + margin)
    # Percentile points at or below the limit; ties (a steady run) are handled by side="right".
    below = int(np.searchsorted(p, limit, side="right"))
    if below == 0:
        return 1.0
    if below == len(p):
        return 0.0
    lo, hi = p[below - 1], p[below]
    level = (below - 1 + (limit - lo) / (hi - lo)) / (len(p) - 1)
    return float(np.clip(1.0 - level, 0.0, 1.0))


def _valid_percentiles(p) -> bool:
    if p is None or np.ndim(p) != 1:  # None, NaN or pd.NA from a frame
        return False
    arr = np.asarray(p, dtype=float)
    return arr.ndim == 1 and len(arr) == len(PERCENTILES) and bool(np.isfinite(arr).all())
