import numpy as np

from pipeline.relation.validation import time_ordered_skill


def _linear(x, y):
    def predicted(train, test):
        slope, intercept = np.polyfit(x[train], y[train], 1)
        return intercept + slope * x[test]
    return predicted


def test_skill_is_high_for_a_planted_relation_and_near_zero_without_one():
    highs, lows = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        x = rng.uniform(0, 40, 80)
        signal = np.clip(0.15 * x + rng.normal(0, 0.5, 80), 0, 10)
        noise = np.clip(3 + rng.normal(0, 1.0, 80), 0, 10)
        highs.append(time_ordered_skill(_linear(x, signal), signal))
        lows.append(time_ordered_skill(_linear(x, noise), noise))
    assert min(highs) > 0.5
    assert np.median(lows) < 0.05 and max(lows) < 0.2


def test_predictions_are_clipped_and_too_few_rows_or_no_fold_give_none():
    y = np.full(40, 2.0)
    y[::2] = 3.0
    wild = time_ordered_skill(lambda train, test: np.full(len(test), 24.0), y)
    clipped = time_ordered_skill(lambda train, test: np.full(len(test), 10.0), y)
    assert wild == clipped  # a prediction of 24/10 counts as 10/10
    assert time_ordered_skill(lambda train, test: y[test], y[:20]) is None
    assert time_ordered_skill(lambda train, test: None, y) is None
    assert time_ordered_skill(lambda train, test: y[test], np.full(40, 2.0)) is None
