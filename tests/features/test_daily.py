"""daily_features: one validated row per local date, local dates honoured, pain per day."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.features import daily_features
from pipeline.schemas import Daily
from tests.features.factories import activities_frame, activity, pain_entry, pain_frame

T = Thresholds()


def test_rows_exist_for_every_day_from_the_first_entry_to_as_of_and_validate():
    acts = activities_frame([activity("2026-01-05"), activity("2026-01-20"),
                             activity("2026-02-10", km=30.0)])  # after as_of: ignored
    pains = pain_frame([pain_entry("2026-01-02", 2), pain_entry("2026-02-05", 9)])  # 2nd ignored
    d = daily_features(acts, pains, as_of=date(2026, 1, 31), profile={}, thresholds=T)
    Daily.validate(d)
    assert d["date"].tolist() == list(pd.date_range("2026-01-02", "2026-01-31", freq="D"))
    assert d["run_km"].sum() == pytest.approx(10.0)
    assert d["pain_daily_0_10"].max() == 2
    assert d["rest_day"].sum() == 28
    assert d["rest_streak_days"].iloc[-1] == 11  # 21..31 January


def test_an_evening_run_in_a_utc_minus_7_zone_lands_on_its_local_date():
    # 20:30 on 10 March in Denver (UTC-7 in March before DST) is 03:30 UTC on 11 March
    run = activity("2026-03-10", km=9.0, start_time_utc=pd.Timestamp("2026-03-11 03:30", tz="UTC"),
                   utc_offset_min=-420.0)
    d = daily_features(activities_frame([run]), pain_frame([pain_entry("2026-03-11", 1)]),
                       as_of="2026-03-11", profile={"timezone": "America/Denver"},
                       thresholds=T).set_index("date")
    assert d.loc["2026-03-10", "run_km"] == pytest.approx(9.0)
    assert d.loc["2026-03-11", "run_km"] == 0
    assert bool(d.loc["2026-03-11", "rest_day"])


def test_pain_is_the_days_worst_per_context_and_flags_are_any_true():
    pains = pain_frame([
        pain_entry("2026-01-01", 2, "during_run"), pain_entry("2026-01-01", 4, "during_run"),
        pain_entry("2026-01-01", 3, "after_run", weakness=False, rehab=True, compression=False),
        pain_entry("2026-01-02", 5, "next_morning", weakness=True, rehab=False),
        pain_entry("2026-01-02", 1, "sitting", weakness=False),
        pain_entry("2026-01-03", 6, "daily"),
    ])
    d = daily_features(activities_frame([]), pains, as_of="2026-01-04", profile={},
                       thresholds=T).set_index("date")
    Daily.validate(d.reset_index())
    assert d.loc["2026-01-01", "pain_during_run_0_10"] == 4
    assert d.loc["2026-01-01", "pain_after_run_0_10"] == 3
    assert pd.isna(d.loc["2026-01-01", "pain_next_morning_0_10"])
    assert d.loc["2026-01-02", "pain_next_morning_0_10"] == 5
    assert d.loc["2026-01-02", "pain_sitting_0_10"] == 1
    assert d.loc["2026-01-03", "pain_daily_0_10"] == 6
    assert d["weakness"].tolist()[:2] == [False, True]
    assert d["rehab"].tolist()[:2] == [True, False]
    assert d.loc["2026-01-01", "compression"] == False  # noqa: E712 (answered "no")
    assert pd.isna(d.loc["2026-01-02", "compression"])  # not answered
    assert pd.isna(d.loc["2026-01-03", "weakness"]) and pd.isna(d.loc["2026-01-04", "weakness"])
    assert d["rest_day"].all()  # a pain log alone: every day is a rest day


def test_no_data_gives_an_empty_frame_with_the_schema_columns():
    d = daily_features(activities_frame([]), pain_frame([]), as_of="2026-01-04", profile={},
                       thresholds=T)
    assert len(d) == 0
    assert set(Daily.to_schema().columns) <= set(d.columns)
    Daily.validate(d)


def test_as_of_before_all_data_gives_no_rows():
    d = daily_features(activities_frame([activity("2026-02-01")]), pain_frame([]),
                       as_of="2026-01-15", profile={}, thresholds=T)
    assert len(d) == 0


def test_inputs_are_not_modified():
    acts = activities_frame([activity("2026-01-01"), activity("2026-01-05")])
    pains = pain_frame([pain_entry("2026-01-03", 2)])
    before_a, before_p = acts.copy(), pains.copy()
    daily_features(acts, pains, as_of=pd.Timestamp("2026-01-04"), profile={}, thresholds=T)
    pd.testing.assert_frame_equal(acts, before_a)
    pd.testing.assert_frame_equal(pains, before_p)


def test_an_older_store_without_the_newer_columns_still_gives_the_picture():
    acts = activities_frame([activity("2026-01-01", km=7.0, minutes=42.0)]).drop(
        columns=["timer_time_s", "rpe_0_10", "hr_seconds_by_bpm"])
    pains = pain_frame([pain_entry("2026-01-02", 3)]).drop(columns=["compression"])
    d = daily_features(acts, pains, as_of="2026-01-02", profile={}, thresholds=T)
    Daily.validate(d)
    assert d["session_load"].tolist() == [42.0, 0.0]
    assert d["session_load_kind"].iloc[0] == "minutes"
    assert d["compression"].isna().all()
