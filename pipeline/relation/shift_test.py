"""The chance test of the tolerated-load estimate: the real alignment of pain and load against
whole-week shifts of the pain log (``week_shift_p_value``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.relation.pain_model import Designs, candidate_designs, fitted_pain


def _fit_share(designs: Designs, pain: np.ndarray, fit) -> float:
    """The share of pain variance the search explains over the rows of ``designs`` where
    ``pain`` is rated (0 when it finds no relation). Unrated rows get weight 0: the designs
    are shared, not copied."""
    rated = ~np.isnan(pain)
    if rated.sum() < 8 or np.ptp(designs.loads[0][rated]) <= 0:
        return 0.0
    shifted = replace(designs, y=np.where(rated, pain, 0.0))
    model = fit(shifted, rated.astype(float))
    y = pain[rated]
    flat = float(((y - y.mean()) ** 2).sum())
    if not model.related or flat <= 0:
        return 0.0
    return 1 - float(((fitted_pain(model, shifted)[rated] - y) ** 2).sum()) / flat


def n_week_shifts(n_days: int) -> int:
    """Number of whole-week shifts tried by ``week_shift_p_value`` (2 .. weeks - 2)."""
    return max(0, n_days // 7 - 3)


def week_shift_p_value(frame: pd.DataFrame, *, fit) -> float | None:
    """How often the pain log, shifted in time by whole weeks (2 .. n-2, circularly) against
    the load, is explained as well as the real log by the same search (every pairing,
    carry-over and breakpoint): (1 + count) / (1 + shifts). Shifting by whole weeks keeps the
    weekly rhythm of both series and breaks only their alignment, so this is an honest null for
    chance fits. ``frame`` is ``pain_model.pairing_loads``; None with fewer than 4 shifts.

    The candidates' designs depend on the loads only, so they are built once over every
    supported day (breakpoint grid across those days' loads) and each shifted log uses the rows
    it rates: the real and the shifted logs get exactly the same search."""
    pain = frame["pain_0_10"].to_numpy(float)
    shifts = range(2, 2 + n_week_shifts(len(frame)))
    if len(shifts) < 4:
        return None
    supported = frame["supported"].to_numpy(bool)
    if supported.sum() < 8:
        return None
    designs = candidate_designs(frame, frame.index[supported])
    observed = _fit_share(designs, pain[supported], fit)
    beaten = sum(_fit_share(designs, np.roll(pain, 7 * k)[supported], fit) >= observed - 1e-12
                 for k in shifts)
    return (1 + beaten) / (1 + len(shifts))
