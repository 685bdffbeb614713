"""Fast minutes are measured against the easy pace as of the analysis date (no look-ahead)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from pipeline.config import Thresholds
from pipeline.features.daily import daily_features
from pipeline.features.pace import fast_time_fraction_as_of
from pipeline.ingest.parse.speed_profile import PERCENTILES
from tests.features.factories import activities_frame, activity, pain_frame

TH = Thresholds()


def _profile(median_mps: float, spread: float = 1.2) -> list[float]:
    """A speed profile (0th..100th percentile) around ``median_mps``."""
    return list(median_mps + spread * (PERCENTILES - 0.5))


def _runs(start: date, days: int, median_mps: float) -> list[dict]:
    return [activity(str(start + timedelta(days=i)), km=8.0, minutes=40.0,
                     moving_speed_percentiles_mps=_profile(median_mps),
                     fast_time_fraction=0.99)  # what a later ingest might have stored
            for i in range(0, days, 2)]


def test_later_faster_runs_do_not_change_an_earlier_analysis():
    early = _runs(date(2026, 5, 4), 42, 2.6)
    later = _runs(date(2026, 6, 15), 42, 3.4)  # a faster block: it would move the easy pace
    as_of = date(2026, 6, 14)
    alone = daily_features(activities_frame(early), pain_frame([]), as_of=as_of, profile={},
                           thresholds=TH)
    with_later = daily_features(activities_frame(early + later), pain_frame([]), as_of=as_of,
                                profile={}, thresholds=TH)
    assert alone["fast_min"].sum() > 0
    np.testing.assert_allclose(alone["fast_min"], with_later["fast_min"])
    # the stored fraction (0.99) was replaced by the one measured against the as-of easy pace
    assert alone["fast_min"].max() < 0.99 * 40


def test_fraction_follows_the_easy_pace_of_the_runs_given():
    runs = activities_frame(_runs(date(2026, 5, 4), 20, 2.6))
    easy = fast_time_fraction_as_of(runs, fast_margin=0.15)
    # every run has the same profile: the share of it above 1.15 x the median
    expected = 1 - (0.5 + 0.15 * 2.6 / 1.2)  # uniform over median +- 0.6 m/s
    assert easy.to_numpy() == pytest.approx(np.full(len(runs), expected), abs=0.02)


def test_other_sports_get_no_fast_fraction_and_hand_built_rows_keep_theirs():
    rows = [activity("2026-05-04", "cycling", moving_speed_percentiles_mps=_profile(7.0)),
            activity("2026-05-05", fast_time_fraction=0.3)]
    out = fast_time_fraction_as_of(activities_frame(rows), fast_margin=0.15)
    assert np.isnan(out.iloc[0]) and out.iloc[1] == pytest.approx(0.3)
