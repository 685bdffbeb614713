"""The pain-monitoring model: zones, calm baseline, run-day and weekly lights, red flags."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.relation.symptoms import (
    calm_baseline_0_10,
    morning_pain_0_10,
    morning_pain_source,
    red_flags,
    rest_streaks,
    run_day_lights,
    weekly_pain,
    zone_after_run,
    zone_during_run,
    zone_next_morning,
)
from tests.simulate import simulate_daily

TH = Thresholds()


def calm(weeks: int = 8, **kw) -> pd.DataFrame:
    """A calm athlete: no dose-response, no noise, every rating present (morning pain 1)."""
    daily, _ = simulate_daily(weeks=weeks, rise_per_tolerated=0, spike_effect=0, noise_sd=0,
                              missing=0, baseline=1.0, seed=3, **kw)
    return daily


def last_day(daily: pd.DataFrame) -> date:
    return daily["date"].iloc[-1].date()


@pytest.mark.parametrize("pain, zone", [(0, "green"), (2, "green"), (2.5, "amber"),
                                        (5, "amber"), (5.5, "red"), (np.nan, None)])
def test_during_run_zones_follow_thomee(pain, zone):
    assert zone_during_run(pain, thresholds=TH) == zone


def test_after_run_pain_may_reach_five():
    assert zone_after_run(5, thresholds=TH) == "green"
    assert zone_after_run(6, thresholds=TH) == "red"


def test_next_morning_is_judged_against_the_baseline():
    assert zone_next_morning(3, baseline=2, thresholds=TH) == "green"  # +1: rating noise
    assert zone_next_morning(4, baseline=2, thresholds=TH) == "amber"
    assert zone_next_morning(5, baseline=2, thresholds=TH) == "red"
    assert zone_next_morning(3, baseline=0, thresholds=TH) == "red"  # same 3/10, calmer athlete
    assert zone_next_morning(3, baseline=None, thresholds=TH) == "amber"  # absolute zones


def test_calm_baseline_ignores_a_flare_week():
    daily = calm(weeks=8)
    daily.loc[daily.index[-7:], "pain_next_morning_0_10"] = 6.0
    assert calm_baseline_0_10(daily, thresholds=TH) == pytest.approx(1.0)


def test_daily_pain_is_the_outcome_only_when_next_morning_is_rarely_logged():
    daily = calm(weeks=4)
    assert morning_pain_source(daily) == "pain_next_morning_0_10"
    daily["pain_daily_0_10"] = 2.0
    daily["pain_next_morning_0_10"] = np.nan
    daily.loc[daily.index[:3], "pain_next_morning_0_10"] = 1.0
    assert morning_pain_source(daily) == "pain_daily_0_10"
    assert morning_pain_0_10(daily).dropna().eq(2.0).all()


def test_a_run_day_is_judged_by_the_rating_of_the_next_morning():
    daily = calm(weeks=3)
    run_day = daily.index[daily["run_km"] > 0][3]
    daily.loc[run_day + 1, "pain_next_morning_0_10"] = 5.0  # the morning after that run
    lights = run_day_lights(daily, baseline=1.0, thresholds=TH).set_index("date")
    day = daily.loc[run_day, "date"]
    assert lights.loc[day, "pain_next_morning_0_10"] == 5.0
    assert lights.loc[day, "zone_morning"] == "red" and lights.loc[day, "light"] == "red"
    assert (lights.drop(index=day)["light"] != "red").all()


def test_weekly_windows_end_on_the_given_day_and_turn_red_on_during_pain_above_five():
    daily = calm(weeks=4)
    end = last_day(daily)
    w = weekly_pain(daily, end=end, baseline=1.0, thresholds=TH)
    assert w["week_end"].iloc[-1] == pd.Timestamp(end)
    assert (w["week_end"] - w["week_start"]).dt.days.eq(6).all()
    assert w["run_km"].sum() == pytest.approx(daily["run_km"].sum())
    assert (w["light"] == "green").all()
    run_day = daily.index[daily["run_km"] > 0][-1]
    daily.loc[run_day, "pain_during_run_0_10"] = 6.0
    w = weekly_pain(daily, end=end, baseline=1.0, thresholds=TH)
    assert w["light"].iloc[-1] == "red"


def test_rising_morning_pain_turns_the_week_amber_then_red():
    daily = calm(weeks=4)
    end = last_day(daily)
    daily.loc[daily.index[-7:], "pain_next_morning_0_10"] = 2.0  # +1 on the week before
    w = weekly_pain(daily, end=end, baseline=1.0, thresholds=TH)
    assert w["morning_change_0_10"].iloc[-1] == pytest.approx(1.0)
    assert w["light"].iloc[-1] == "amber"
    daily.loc[daily.index[-7:], "pain_next_morning_0_10"] = 4.0
    assert weekly_pain(daily, end=end, baseline=1.0, thresholds=TH)["light"].iloc[-1] == "red"


def test_calm_history_raises_no_red_flag():
    daily = calm(weeks=6)
    assert red_flags(daily, as_of=last_day(daily), baseline=1.0, thresholds=TH) == []


def test_weakness_and_pain_above_seven_are_red_flags_that_name_an_athletic_trainer():
    daily = calm(weeks=6)
    daily["weakness"] = daily["weakness"].astype("boolean")
    daily.loc[daily.index[-2], "weakness"] = True
    daily.loc[daily.index[-3], "pain_sitting_0_10"] = 8.0
    flags = red_flags(daily, as_of=last_day(daily), baseline=1.0, thresholds=TH)
    assert [f["code"] for f in flags] == ["weakness_reported", "pain_above_7"]
    assert all("athletic trainer" in f["message"] for f in flags)
    assert "8/10" in flags[1]["message"]


def test_weakness_three_weeks_ago_is_still_a_flag():
    daily = calm(weeks=6)
    daily["weakness"] = daily["weakness"].astype("boolean")
    daily.loc[daily.index[-21], "weakness"] = True
    flags = red_flags(daily, as_of=last_day(daily), baseline=1.0, thresholds=TH)
    assert [f["code"] for f in flags] == ["weakness_reported"]


def test_old_weakness_is_no_longer_a_flag():
    daily = calm(weeks=6)
    daily["weakness"] = daily["weakness"].astype("boolean")
    daily.loc[daily.index[-30], "weakness"] = True  # more than four weeks ago
    assert red_flags(daily, as_of=last_day(daily), baseline=1.0, thresholds=TH) == []


def test_pain_rising_for_two_weeks_while_load_fell_is_a_red_flag():
    daily = calm(weeks=6)
    n = len(daily)
    for k, (pain, scale) in enumerate([(1.0, 1.0), (2.0, 0.8), (3.0, 0.6)]):
        rows = daily.index[n - 21 + 7 * k: n - 14 + 7 * k]
        daily.loc[rows, "pain_next_morning_0_10"] = pain
        daily.loc[rows, "run_km"] = daily.loc[rows, "run_km"] * scale
    flags = red_flags(daily, as_of=last_day(daily), baseline=1.0, thresholds=TH)
    codes = [f["code"] for f in flags]
    assert "pain_rising_despite_less_load" in codes


def test_morning_pain_that_does_not_settle_after_rest_days_is_a_red_flag():
    daily = calm(weeks=6)
    rows = daily.index[-5:]
    daily.loc[rows, "run_km"] = 0.0
    daily.loc[rows, "pain_next_morning_0_10"] = 5.0
    flags = red_flags(daily, as_of=last_day(daily), baseline=1.0, thresholds=TH)
    codes = [f["code"] for f in flags]
    assert "morning_pain_not_settling" in codes
    daily.loc[rows, "pain_next_morning_0_10"] = 1.0  # settled after the rest: no flag
    assert red_flags(daily, as_of=last_day(daily), baseline=1.0, thresholds=TH) == []


def test_rest_streaks_are_counted():
    daily = calm(weeks=4)
    daily["rest_day"] = False
    daily.loc[daily.index[5:14], "rest_day"] = True
    streaks = rest_streaks(daily)
    assert streaks["days"].tolist() == [9]
    assert streaks["start"].iloc[0] == daily["date"].iloc[5]
