"""The 80 % interval of the tolerated load (the breakpoint), and the bootstrap breakpoints it is
read from.

Three sources of uncertainty, joined as a union (docs/method.md, section 3):

- the choices: the 10th-90th percentile of the breakpoints of the week-block resamples, each
  with every choice (pairing, carry-over, shape, breakpoint) made afresh;
- the threshold's own: Hansen's (2000) likelihood-ratio interval of the chosen model, which
  percentile bootstraps of a breakpoint are known to understate;
- the shape: Hansen's interval of every other shape (a slope, a jump, both; with or without the
  spike term) that fits the whole history about as well as the chosen one (within Occam's
  window, ``SHAPE_WINDOW_BIC``). A rise from T and a jump at a later J can fit a noisy hinge
  almost equally; the data then do not say which onset is right, and the interval must hold
  both.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from pipeline.relation.pain_model import VARIANTS, Designs, PainModel, profile_sse

# Hansen (2000), Econometrica 68(3), eq. (22): the 80 % critical value of the threshold's LR
# statistic, -2 ln(1 - sqrt(0.80)).
LR_CRITICAL_80 = -2 * math.log(1 - math.sqrt(0.80))
# Occam's window (Madigan & Raftery 1994, JASA 89: 1535): keep the models whose posterior odds
# against the best are no worse than 1 to 20, i.e. a BIC within 2 ln 20 of the best.
SHAPE_WINDOW_BIC = 2 * math.log(20)


def breakpoint_interval_80(model: PainModel, boot_breakpoints: np.ndarray, designs: Designs, *,
                           min_side: int) -> tuple[float, float]:
    """The 80 % interval (km) of the tolerated load: the union of the resamples' 10th-90th
    percentile (``boot_breakpoints``), Hansen's interval of ``model`` and Hansen's interval of
    every other shape within Occam's window of it (see the module docstring)."""
    lo, hi = (float(v) for v in np.quantile(boot_breakpoints, [0.1, 0.9]))
    for m in (model, *rival_shapes(model, designs, min_side=min_side)):
        lr = likelihood_ratio_interval(m, designs, min_side=min_side)
        if lr is not None:
            lo, hi = min(lo, lr[0]), max(hi, lr[1])
    return lo, hi


def rival_shapes(model: PainModel, designs: Designs, *, min_side: int) -> list[PainModel]:
    """The other shapes (``pain_model.VARIANTS``) whose best fit of the whole history, with the
    model's pairing and carry-over, has a BIC within ``SHAPE_WINDOW_BIC`` of the model's (only
    ``terms`` is set on each: Hansen's profile refits the rest at every breakpoint)."""
    w = np.ones(len(designs.y))
    n = len(designs.y)
    best = float(np.min(profile_sse(model, designs, w, min_side=min_side)[1]))
    if not np.isfinite(best) or best <= 0:
        return []
    out = []
    for terms in VARIANTS:
        if terms == model.terms:
            continue
        rival = replace(model, terms=terms)
        sse = float(np.min(profile_sse(rival, designs, w, min_side=min_side)[1]))
        # the same rows, pairing and carry-over: the BIC difference is the fit's and the
        # parameter count's
        if np.isfinite(sse) and (n * math.log(sse / best)
                                 + (len(terms) - len(model.terms)) * math.log(n)
                                 <= SHAPE_WINDOW_BIC):
            out.append(rival)
    return out


def likelihood_ratio_interval(model: PainModel, designs: Designs, *,
                              min_side: int) -> tuple[float, float] | None:
    """Hansen's (2000) 80 % interval for the breakpoint: every breakpoint whose likelihood ratio
    n (SSE(c) - SSE_min) / SSE_min is within ``LR_CRITICAL_80``, widened to the gaps between
    the rated loads either side (a breakpoint is placed no finer than the loads run)."""
    grid, sse = profile_sse(model, designs, np.ones(len(designs.y)), min_side=min_side)
    if not np.isfinite(sse).any():
        return None
    best = float(np.min(sse))
    lr = len(designs.y) * (sse - best) / max(best, 1e-12)
    inside = grid[lr <= LR_CRITICAL_80]
    loads = designs.loads[designs.pairings.index(model.pairing)]
    below, above = loads[loads <= inside.min()], loads[loads > inside.max()]
    return (float(below.max()) if len(below) else float(inside.min()),
            float(above.min()) if len(above) else float(inside.max()))


def breakpoints_within_gaps(models: list[PainModel], designs: Designs, *,
                            seed: int) -> np.ndarray:
    """Each model's breakpoint, drawn uniformly within the gap between the rated loads either
    side of it: every breakpoint in that gap splits the ratings the same way and fits them
    alike, so the data place the tolerated load anywhere in it, not at the grid point the
    search happened to try first."""
    rng = np.random.default_rng(seed + 1)
    out = []
    for m in models:
        loads = designs.loads[designs.pairings.index(m.pairing)]
        below, above = loads[loads <= m.breakpoint_], loads[loads > m.breakpoint_]
        lo = below.max() if len(below) else m.breakpoint_
        hi = above.min() if len(above) else m.breakpoint_
        out.append(rng.uniform(lo, hi))
    return np.array(out)
