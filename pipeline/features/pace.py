"""The easy pace and each run's fast minutes, as of the analysis date.

Ingest stores each run's ``moving_speed_percentiles_mps`` (its speed profile) and a
``fast_time_fraction`` measured against the easy pace of every run stored at the time: a value
that changes when later runs are imported. An analysis as of a date must use nothing recorded
after it (../shared/SCIENCE.md, "No look-ahead"; CONTRACT.md: ``analyze --as-of D`` is the same
with or without data dated after D), so the fraction is measured again here, against the easy
pace of the runs dated on or before the analysis date only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.ingest.parse.speed_profile import easy_speed_mps, fast_time_fraction
from pipeline.schemas import RUNNING_SPORTS

PROFILE = "moving_speed_percentiles_mps"


def fast_time_fraction_as_of(activities: pd.DataFrame, *, fast_margin: float) -> pd.Series:
    """Each activity's ``fast_time_fraction`` against the easy pace of the runs in
    ``activities`` (already limited to the as-of date; ``speed_profile.easy_speed_mps``).

    Runs with a speed profile get the fraction again; other sports get null, as at ingest. A
    run without a profile keeps what it holds (ingest gives such a run no fraction, so only a
    frame built by hand can hold one), and so does a frame without the profile column."""
    if PROFILE not in activities or activities.empty:
        return activities.get("fast_time_fraction", pd.Series(np.nan, index=activities.index))
    easy = easy_speed_mps(activities)
    stored = activities.get("fast_time_fraction", pd.Series(np.nan, index=activities.index))
    values = []
    for p, sport, kept in zip(activities[PROFILE], activities["sport"], stored):
        fraction = fast_time_fraction(p, easy_speed_mps=easy, margin=fast_margin)
        values.append(None if sport not in RUNNING_SPORTS
                      else kept if fraction is None else fraction)
    return pd.Series(values, index=activities.index, dtype="float64")
