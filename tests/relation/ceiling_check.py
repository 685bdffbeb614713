"""Ratings at 10/10 read as censored or as exactly 10, on simulated runners with strong
carry-over whose ratings reach 10 (not a test module; docs/method.md quotes what it printed)::

    PYTHONPATH=. python -m tests.relation.ceiling_check
"""

from __future__ import annotations

import numpy as np

from pipeline.config import Thresholds
from pipeline.relation import tolerance
from tests.simulate import simulate_daily


def relative_errors(seeds: range) -> list[float]:
    """Relative errors (nan without an estimate) of the runners (planted 25 km, persistence 0.6,
    weeks of 0.8-1.4 x 25 km) with at least 5 % of their ratings at 10."""
    out = []
    for seed in seeds:
        daily, _ = simulate_daily(tolerated_km=25, weeks=18, seed=seed, persistence=0.6,
                                  low=0.8, high=1.4)
        if (daily["pain_next_morning_0_10"] >= 10).mean() < 0.05:
            continue
        est = tolerance.tolerated_weekly_km(daily, thresholds=Thresholds(bootstrap_resamples=60))
        out.append(np.nan if est.value is None else est.value / 25 - 1)
    return out


if __name__ == "__main__":
    censored = relative_errors(range(60, 84))
    imputed = tolerance.ceiling_imputed
    tolerance.ceiling_imputed = lambda model, designs, weights: designs.y  # a 10 is exactly 10
    exact = relative_errors(range(60, 84))
    tolerance.ceiling_imputed = imputed
    for name, e in (("a 10 read as exactly 10", exact), ("a 10 read as censored", censored)):
        print(f"{name}: {len(e)} runners, median error {np.nanmedian(e):+.1%}, "
              f"errors {', '.join(f'{v:+.0%}' for v in e)}")
