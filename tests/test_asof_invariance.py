"""CONTRACT.md: ``runload analyze --as-of D`` gives the same recommendation whether or not data
dated after D is in the store (property-based: random stores and dates)."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import store as stx
from pipeline.analysis import analyze
from pipeline.config import Thresholds
from pipeline.ingest.parse.speed_profile import PERCENTILES
from tests.simulate import activities_and_pain_log, simulate_daily

TH = Thresholds(bootstrap_resamples=20)


def with_speed_profiles(activities: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each run gets a speed profile (so fast minutes follow the easy pace); later runs are
    faster, so an easy pace over every stored run would differ from the one as of D."""
    out = activities.copy()
    trend = np.linspace(0, 0.6, len(out))
    profiles = []
    for base, extra in zip(out["avg_speed_mps"].astype(float), trend):
        median = (base if np.isfinite(base) else 2.8) + extra + rng.normal(0, 0.1)
        spread = rng.uniform(0.4, 1.6)
        profiles.append(list(median + spread * (PERCENTILES - 0.5)))
    out["moving_speed_percentiles_mps"] = profiles
    return out


def _analyzed(root: Path, activities, pain_log, as_of) -> tuple[dict, pd.DataFrame]:
    store = stx.Store(root, "sim")
    stx.write_activities(store, activities)
    stx.write_pain_log(store, pain_log)
    rec = analyze(store, as_of=as_of, thresholds=TH)
    return rec, stx.read_daily(store)


STRATEGY = dict(seed=st.integers(0, 10_000), weeks=st.integers(3, 14), back=st.integers(0, 70))
SETTINGS = dict(deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=3, **SETTINGS)
@given(**STRATEGY)
def test_analyze_as_of_d_ignores_everything_dated_after_d(seed, weeks, back):
    check_as_of_invariance(seed, weeks, back)


@pytest.mark.slow
@settings(max_examples=20, **SETTINGS)
@given(**STRATEGY)
def test_analyze_as_of_d_ignores_everything_dated_after_d_many_stores(seed, weeks, back):
    check_as_of_invariance(seed, weeks, back)


def check_as_of_invariance(seed: int, weeks: int, back: int) -> None:
    daily, _ = simulate_daily(tolerated_km=30, weeks=weeks, seed=seed, missing=0.3)
    activities, pain_log = activities_and_pain_log(daily)
    activities = with_speed_profiles(activities, np.random.default_rng(seed))
    last = daily["date"].iloc[-1].date()
    as_of = max(daily["date"].iloc[0].date() + timedelta(days=1), last - timedelta(days=back))
    day = pd.Timestamp(as_of)
    early_acts = activities[pd.to_datetime(activities["local_date"]) <= day]
    early_pain = pain_log[pd.to_datetime(pain_log["date"]) <= day]
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        full, full_daily = _analyzed(Path(a), activities, pain_log, as_of)
        cut, cut_daily = _analyzed(Path(b), early_acts.reset_index(drop=True),
                                   early_pain.reset_index(drop=True), as_of)
    assert full == cut
    pd.testing.assert_series_equal(full_daily["fast_min"], cut_daily["fast_min"])
