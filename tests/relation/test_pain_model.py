"""The pain model's search on planted signals: jump-only rises and ratings censored at 10."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from pipeline.relation.pain_model import (
    best_pain_model,
    candidate_designs,
    ceiling_imputed,
    pairing_loads,
)
from tests.simulate import simulate_daily


def _designs(seed: int, **kw):
    daily, _ = simulate_daily(tolerated_km=25, weeks=20, seed=seed, **kw)
    frame = pairing_loads(daily)
    return candidate_designs(frame, frame.index[frame["supported"]])


def _planted(designs, seed: int, *, column: int, size: float, breakpoint_km: float = 25.0):
    """Pain planted in the model's own family (no carry-over, the default pairing): 1 + size x
    the design's column at the grid point nearest ``breakpoint_km``, normal noise, clipped to
    0-10 and rounded like a rating. Returns (designs with that pain, grid breakpoint, latent)."""
    g = int(np.argmin(np.abs(designs.grid[0] - breakpoint_km)))
    rng = np.random.default_rng(seed)
    latent = 1 + size * designs.D[0, 0, g][:, column] + rng.normal(0, 0.8, len(designs.y))
    return replace(designs, y=np.round(np.clip(latent, 0, 10))), designs.grid[0, g], latent


def test_ratings_at_ten_are_read_as_ten_or_more():
    """Buckley-James: across seeds, the slope refitted with each 10 put at its expected value
    above 10 is closer to the planted slope than the fit that reads a 10 as exactly 10."""
    naive_err, censored_err = [], []
    for seed in range(10):
        designs, _, latent = _planted(_designs(seed, low=0.9, high=1.8), seed, column=2,
                                      size=0.6)
        at_ten = designs.y >= 10
        assert at_ten.sum() >= 5  # the planted rise does reach the ceiling
        w = np.ones(len(designs.y))
        model = best_pain_model(designs, w)
        naive_err.append(abs(model.slope_ - 0.6))
        for _ in range(3):
            imputed = ceiling_imputed(model, designs, w)
            assert np.all(imputed[at_ten] >= 10) and np.array_equal(imputed[~at_ten],
                                                                    designs.y[~at_ten])
            model = best_pain_model(replace(designs, y=imputed), w)
        censored_err.append(abs(model.slope_ - 0.6))
        assert np.mean(latent[at_ten]) > 10  # what the 10s hid
    assert np.median(censored_err) < np.median(naive_err), (censored_err, naive_err)


def test_no_rating_at_ten_needs_no_imputation():
    designs, _, _ = _planted(_designs(3), 3, column=2, size=0.05)
    w = np.ones(len(designs.y))
    assert (designs.y < 10).all()
    assert ceiling_imputed(best_pain_model(designs, w), designs, w) is None


def test_a_weak_step_is_fitted_as_a_jump_at_its_load():
    """A step of 0.8 points (noise SD 0.8): the jump alone is a candidate, so the search places
    it near the planted load in most seeds (with the jump forced to carry a slope: 8 of 20)
    instead of "no relation" or a line from the bottom of the range."""
    found = []
    for seed in range(20):
        designs, planted_km, _ = _planted(_designs(seed), seed, column=1, size=0.8)
        model = best_pain_model(designs, np.ones(len(designs.y)))
        found.append(model.related and abs(model.breakpoint_ / planted_km - 1) <= 0.15)
    assert np.mean(found) >= 0.75, found
