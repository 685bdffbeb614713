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


def test_nothing_is_clear_when_the_model_does_not_beat_no_relation():
    """Pain unrelated to every feature: whatever the bootstrap says, validation fails, so no
    effect is called clear, across seeds."""
    for seed in range(4):
        daily, _ = simulate_daily(tolerated_km=25, weeks=16, seed=40 + seed,
                                  rise_per_tolerated=0, spike_effect=0, noise_sd=1.0)
        out = load_effects(daily, thresholds=TH)
        assert not out["validated"] or out["cv_skill"] > 0
        if not out["validated"]:
            assert not any(e["clear"] for e in out["effects"]) and out["reason"]


def test_predictions_stay_on_the_0_10_scale():
    from pipeline.relation.effects import _fitted, _predict

    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (60, 3))
    y = np.clip(5 + 4 * X[:, 0], 0, 10)
    pred = _predict(_fitted(X, y), np.array([[10.0, 0, 0], [-10.0, 0, 0]]))
    assert pred.tolist() == [10.0, 0.0]


def test_weekly_relation_uses_only_km_before_the_ratings():
    daily, _ = simulate_daily(tolerated_km=25, weeks=20, seed=5, noise_sd=0.4)
    last = daily.index[-1]  # km run on the last day: no rating comes after it
    before = weekly_relation(daily, n=50)
    daily.loc[last, "run_km"] = daily.loc[last, "run_km"] + 30
    assert weekly_relation(daily, n=50) == before
