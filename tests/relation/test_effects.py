"""Lagged load-pain relations: a planted effect is found with an interval that excludes zero."""

from __future__ import annotations

import json

import numpy as np

from pipeline.config import Thresholds
from pipeline.relation.effects import lagged_features, load_effects, weekly_relation
from tests.simulate import simulate_daily

TH = Thresholds(bootstrap_resamples=80)


def test_lagged_features_use_only_days_before_the_rating():
    daily, _ = simulate_daily(tolerated_km=25, weeks=4, seed=0)
    feats = lagged_features(daily)
    day = feats.index[10]
    i = int(np.flatnonzero(daily["date"] == day)[0])
    assert feats.loc[day, "run_km_7d"] == daily["run_km"].iloc[i - 7:i].sum()
    assert feats.loc[day, "longest_run_km_1d"] == daily["longest_run_km"].iloc[i - 1]


def test_planted_load_effect_is_clear_and_an_unrelated_feature_is_not_larger():
    daily, _ = simulate_daily(tolerated_km=25, weeks=20, seed=3, noise_sd=0.5)
    rng = np.random.default_rng(0)
    daily["uphill_min"] = rng.uniform(0, 20, len(daily))  # unrelated to pain here
    daily["fast_min"] = rng.uniform(0, 10, len(daily))
    out = load_effects(daily, thresholds=TH)
    by = {e["feature"]: e for e in out["effects"]}
    km = by["run_km_7d"]
    assert km["effect_0_10"] > 0 and km["interval"][0] > 0 and km["clear"]
    assert abs(by["uphill_min_7d"]["effect_0_10"]) < km["effect_0_10"]
    assert out["cv_skill"] > 0
    json.dumps(out)


def test_short_history_gives_no_effects_and_says_why():
    daily, _ = simulate_daily(tolerated_km=25, weeks=2, seed=1)
    out = load_effects(daily, thresholds=TH)
    assert out["effects"] == [] and "rated mornings" in out["reason"]


def test_weekly_relation_sees_pain_rise_after_big_weeks():
    daily, _ = simulate_daily(tolerated_km=25, weeks=24, seed=5, noise_sd=0.4, low=0.5, high=1.5)
    rel = weekly_relation(daily, n=100)
    assert rel["n_week_pairs"] >= 20
    assert rel["per_10_km"] > 0 and rel["interval"][0] > 0
