"""The validation study (``tests/relation/study.py``): simulated runners across designs, with
the thresholds of issue 16 asserted. docs/method.md quotes what the slow test printed.

The slow study uses 40 bootstrap resamples per runner (the analysis uses 200) to run in one to
two minutes on an idle machine; the quick variant checks the same properties on a few runners."""

from __future__ import annotations

import time

import pytest
from scipy.stats import binomtest

from tests.relation.study import DESIGNS, printed, run_study, summary

N_PER_DESIGN = 25  # 250 runners
RESAMPLES = 40


@pytest.mark.slow
def test_validation_study_meets_issue_16_thresholds():
    start = time.time()
    runners = run_study(N_PER_DESIGN, resamples=RESAMPLES)
    s = summary(runners)
    print("\n" + printed(s, resamples=RESAMPLES, seconds=time.time() - start))
    assert s["n_runners"] == N_PER_DESIGN * len(DESIGNS)
    assert abs(s["median_error"]) <= 0.05  # no bias beyond +-5 % in the median
    assert 0.70 <= s["coverage_80"] <= 0.90  # the 80 % interval holds the truth ~80 % of the time
    assert s["false_estimate_rate"] <= 0.05  # no relation: an estimate at most 5 % of the time
    assert s["within_20_of_estimates"] >= 0.80
    # "at least X" is a one-sided 90 % lower bound: X above the truth no more often than 10 %,
    # up to sampling (one-sided binomial test at 5 %)
    if s["n_at_least"]:
        assert binomtest(s["at_least_above_truth"], s["n_at_least"], 0.10,
                         alternative="greater").pvalue > 0.05
    (n_med, _, med20), (n_high, _, high20) = s["calibration"]["medium"], s["calibration"]["high"]
    if n_med >= 10 and n_high >= 10:
        assert high20 >= med20 - 0.05  # high is right at least as often as medium
    if n_high >= 10:  # high's intervals are honest too, and a confident overestimate is rare
        assert s["coverage_by_confidence"]["high"] >= 0.70
        assert s["high_overestimates"] <= 0.05 * n_high


def test_quick_validation_study():
    """A few runners per design: the same properties, loosely (seconds, not minutes)."""
    runners = run_study(2, resamples=20, seed=7,
                        designs=("linear", "step", "carry_over", "no_relation", "short_history"))
    s = summary(runners)
    print("\n" + printed(s, resamples=20, seconds=0))
    assert s["false_estimate_rate"] == 0.0
    assert s["within_20_of_estimates"] >= 0.8
    assert all(r.value is None and "not enough history yet" in r.reason
               for r in runners if r.design == "short_history")
