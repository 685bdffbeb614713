"""The breakpoint's 80 % interval on planted signals: shapes that fit about as well widen it,
a shape the data clearly reject does not."""

from __future__ import annotations

import numpy as np

from pipeline.relation.breakpoint_interval import (
    breakpoint_interval_80,
    likelihood_ratio_interval,
    rival_shapes,
)
from pipeline.relation.pain_model import best_pain_model
from tests.relation.test_pain_model import _designs, _planted


def _fit(column: int, size: float, seed: int):
    designs, planted_km, _ = _planted(_designs(seed), seed, column=column, size=size)
    return designs, planted_km, best_pain_model(designs, np.ones(len(designs.y)))


def test_a_clear_step_has_no_rising_line_for_a_rival():
    """A 3-point step (noise SD 0.8): a line rising from some breakpoint fits far worse, so it
    is not a rival and the interval is the chosen shape's own."""
    for seed in range(10):
        designs, _, model = _fit(column=1, size=3.0, seed=seed)
        assert model.related and 2 not in model.terms, model
        assert not [r for r in rival_shapes(model, designs, min_side=4) if 1 not in r.terms]


def test_rival_shapes_widen_the_interval_of_a_weak_rise_and_hold_the_truth_more_often():
    """A weak linear rise (0.06 points a km above 25 km, noise SD 0.8): a jump further up often
    fits about as well. The interval then also holds the rivals' own intervals, and it holds the
    planted load more often than the chosen shape's interval alone."""
    held_alone, held, widened = [], [], 0
    for seed in range(20):
        designs, planted_km, model = _fit(column=2, size=0.06, seed=seed)
        if not model.related:
            continue
        own = likelihood_ratio_interval(model, designs, min_side=4)
        rivals = rival_shapes(model, designs, min_side=4)
        lo, hi = breakpoint_interval_80(model, np.array([model.breakpoint_]), designs,
                                        min_side=4)
        for r in rivals:
            r_lo, r_hi = likelihood_ratio_interval(r, designs, min_side=4)
            assert lo <= r_lo and r_hi <= hi
        widened += (lo, hi) != own
        held_alone.append(own[0] <= planted_km <= own[1])
        held.append(lo <= planted_km <= hi)
    assert len(held) >= 15 and widened >= 3, (len(held), widened)
    assert np.mean(held) > np.mean(held_alone), (held, held_alone)
