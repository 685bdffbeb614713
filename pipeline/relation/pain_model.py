"""The load -> next-morning pain model with day-to-day carry-over, and the search over its
data-driven choices (pairing, carry-over, breakpoint, jump or not, spike term or not).

The model, per rated morning ``d``::

    pain_d = a + sum_k rho^k * (j * [L_{d-k} > c] + s * max(0, L_{d-k} - c) + g * spike_{d-k})

``L_d`` is the running km the rating ``d`` is paired with (always load *before* the rating:
``PAIRINGS``), ``spike_d`` the long-run spike excess of the day before. ``rho`` (0 <= rho < 1)
is the carry-over of pain from one day to the next: what a load provokes fades by ``rho`` a day
instead of vanishing overnight. Held for weeks, a 7-day load ``L`` gives a pain of
``a + (j + s (L - c)) / (1 - rho)`` above ``c`` and ``a`` below it, so ``c`` is the tolerated
weekly load whatever the carry-over. Without the carry-over term, pain still raised by an earlier
heavy week is blamed on the lighter week that follows, pulling ``c`` down (a bias of -2 % to
-20 % on simulated runners, issue 16).

For fixed ``(pairing, rho, c)`` the model is linear in ``a, j, s, g``, so every candidate is
solved at once by weighted least squares (weights: how often a row is drawn in a bootstrap
resample, or 0/1 for the training rows of a validation fold). Each fit of the search chooses its
candidate by BIC; a candidate whose rise (``j``, ``s``) or spike term (``g``) would be negative
is not a rise and is dropped, and "no relation" (pain flat in load) is always a candidate.
Everything is chosen again inside each resample and each fold (``tolerance``), so intervals and
validation skill include the uncertainty of these choices. A rating of 10 is censored ("10 or
more"): ``ceiling_imputed`` gives the Buckley-James step that ``tolerance``'s search applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.stats import norm

from pipeline.features.weekly import week_start
from pipeline.relation.symptoms import by_date, morning_pain_0_10

PAIRINGS = {
    "7_days_before": "the 7 days before the rating (d-7 .. d-1)",
    "previous_calendar_week": "the calendar week before the rating's week",
}
DEFAULT_PAIRING = "7_days_before"
CARRY_OVER = (0.0, 0.3, 0.5, 0.7)  # rho candidates: half-lives of 0, 0.6, 1 and 1.9 days
# columns of a candidate's design: intercept, jump, slope (km above c), spike. A rise is a slope,
# a jump, or both; with or without the spike term. The jump alone matters for a step response:
# forced to carry a slope it pays one more parameter in BIC, and a weak step then loses to "no
# relation" or to a line from the bottom of the range.
VARIANTS = ((0, 2), (0, 1), (0, 1, 2), (0, 2, 3), (0, 1, 3), (0, 1, 2, 3))
FLAT = ((0,), (0, 3))  # no relation (with or without the spike term)


@dataclass(frozen=True)
class PainModel:
    """A fitted model (see the module docstring); ``breakpoint_`` is None for "no relation".

    ``predict`` and ``rise_at`` give the steady state: the pain after a load held for weeks.
    """

    intercept_: float
    jump_: float
    slope_: float
    spike_coef_: float
    breakpoint_: float | None
    carry_over: float
    pairing: str
    terms: tuple = (0, 2)  # the design columns of the chosen variant (see VARIANTS)

    @property
    def related(self) -> bool:
        """True when pain rises with load above a breakpoint."""
        return self.breakpoint_ is not None and (self.jump_ > 0 or self.slope_ > 0)

    def rise_at(self, load_km: float) -> float:
        """Steady-state pain rise (points) at a 7-day load of ``load_km`` over the pain below
        the breakpoint."""
        if not self.related or load_km <= self.breakpoint_:
            return 0.0
        per_day = self.jump_ + self.slope_ * (load_km - self.breakpoint_)
        return float(per_day / (1 - self.carry_over))

    def predict(self, X) -> np.ndarray:
        """Steady-state next-morning pain (0-10) for rows of ``[load_7d_km, spike_excess]``."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        rise = np.array([self.rise_at(x) for x in X[:, 0]])
        spike = self.spike_coef_ * X[:, 1] / (1 - self.carry_over)
        return np.clip(self.intercept_ + rise + spike, 0, 10)


def pairing_loads(daily: pd.DataFrame) -> pd.DataFrame:
    """Per calendar day (every day, rated or not): ``pain_0_10`` (the morning rating),
    ``week_start`` (Monday), one load column per pairing (km; see ``PAIRINGS``), ``spike_excess``
    (the day before's spike ratio above 1, else 0) and ``supported``: True when every pairing's
    load lies wholly inside the history (no day before the first day counted as 0)."""
    d = by_date(daily)
    km = d["run_km"].astype(float)
    spike = (d["spike_ratio"].astype(float) if "spike_ratio" in d
             else pd.Series(np.nan, index=d.index))
    out = pd.DataFrame(index=d.index)
    out["pain_0_10"] = morning_pain_0_10(daily)
    out["week_start"] = week_start(out.index)
    out["7_days_before"] = km.rolling(7, min_periods=1).sum().shift(1).fillna(0.0)
    weekly = km.groupby(out["week_start"]).sum().shift(1, freq="7D")
    out["previous_calendar_week"] = out["week_start"].map(weekly).fillna(0.0).to_numpy()
    # a ratio over a 30-day longest of 0 is infinite: no earlier run to compare with, no spike
    spike = spike.replace([np.inf, -np.inf], np.nan)
    out["spike_excess"] = (spike.shift(1) - 1).clip(lower=0).fillna(0.0)
    first = d.index.min() if len(d) else None
    out["supported"] = ((out.index >= first + pd.Timedelta(days=7))
                        & (out["week_start"] - pd.Timedelta(days=7) >= first)) if len(d) else []
    return out


@dataclass
class Designs:
    """Every candidate's design over the rated rows, ready for batched least squares.

    ``D[p, r, g]`` is the (rows x 4) design of pairing ``p``, carry-over ``r`` and breakpoint
    ``grid[p, g]``; ``above[p, g]`` marks the rows whose load is above that breakpoint."""

    D: np.ndarray  # (P, R, G, n, 4)
    DT: np.ndarray  # (P, R, G, 4, n), D transposed (contiguous)
    above: np.ndarray  # (P, G, n) bool
    grid: np.ndarray  # (P, G) km
    loads: np.ndarray  # (P, n) km, the rated rows' load under each pairing
    spike: np.ndarray  # (R, n) the filtered spike column
    y: np.ndarray  # (n,) pain
    week: np.ndarray  # (n,) week number of each row (for block resampling)
    dates: pd.DatetimeIndex
    pairings: tuple
    carry_over: tuple


def candidate_designs(frame: pd.DataFrame, rows: pd.Index, *, n_grid: int = 40,
                      pairings=tuple(PAIRINGS), carry_over=CARRY_OVER) -> Designs:
    """The designs of every candidate for the rated ``rows`` of ``pairing_loads`` ``frame``.

    The carry-over filter runs over every calendar day (rated or not), so a row's design holds
    the loads of all the days before it. Breakpoints: ``n_grid`` points across the whole range of
    the rated rows' loads (not only between percentiles: a tolerance near the edge of what was
    run must be reachable)."""
    at = frame.index.get_indexer(rows)
    P, R = len(pairings), len(carry_over)
    loads_all = frame[list(pairings)].to_numpy(float).T  # (P, T)
    loads = loads_all[:, at]
    grid = np.stack([np.linspace(x.min(), x.max(), n_grid + 2)[1:-1] for x in loads])  # (P, G)
    spike_all = frame["spike_excess"].to_numpy(float)
    T, n = loads_all.shape[1], len(at)
    D = np.empty((P, R, n_grid, n, 4))
    spike = np.empty((R, n))
    for r, rho in enumerate(carry_over):
        spike[r] = lfilter([1.0], [1.0, -rho], spike_all)[at]
    for p in range(P):
        x = loads_all[p][None, :]  # (1, T)
        c = grid[p][:, None]  # (G, 1)
        jump = (x > c).astype(float)
        slope = np.maximum(0.0, x - c)
        for r, rho in enumerate(carry_over):
            D[p, r, :, :, 0] = 1.0
            D[p, r, :, :, 1] = lfilter([1.0], [1.0, -rho], jump, axis=1)[:, at]
            D[p, r, :, :, 2] = lfilter([1.0], [1.0, -rho], slope, axis=1)[:, at]
            D[p, r, :, :, 3] = spike[r][None, :]
    above = loads[:, None, :] > grid[:, :, None]
    week = pd.factorize(frame["week_start"].to_numpy()[at])[0]
    del T
    return Designs(D=D, DT=np.ascontiguousarray(D.swapaxes(-1, -2)), above=above, grid=grid, loads=loads, spike=spike,
                   y=frame["pain_0_10"].to_numpy(float)[at], week=week,
                   dates=frame.index[at], pairings=tuple(pairings), carry_over=tuple(carry_over))


def best_pain_model(designs: Designs, weights: np.ndarray, *, min_side: int = 4,
                    pairing_margin: float = 0.10,
                    rng: np.random.Generator | None = None) -> PainModel:
    """The candidate with the lowest BIC under row ``weights`` (see the module docstring).

    A breakpoint needs ``min_side`` weighted rows on each side. A pairing other than the default
    must cut the squared error by ``pairing_margin`` (a chance alignment can win by a little).
    With ``rng``, once a rise beats "no relation", the rising candidate is drawn with its BIC
    weight instead of taken at the lowest BIC (``tolerance`` does so inside the bootstrap)."""
    w = np.asarray(weights, dtype=float)
    y = designs.y
    n = w.sum()
    yy = float((w * y * y).sum())
    best = _flat_models(designs, w, yy, n)
    D = designs.D
    DT = designs.DT  # (P, R, G, 4, n): batched matrix products are much faster than einsum
    gram = (DT * w) @ D
    rhs = DT @ (w * y)
    side = designs.above.astype(float) @ w
    ok_side = (side >= min_side) & (n - side >= min_side)  # (P, G)
    penalty = np.array([0.0 if p == DEFAULT_PAIRING else -np.log(1 - pairing_margin)
                        for p in designs.pairings])
    fits = []  # (cols, bic (P, R, G), coefficients (P, R, G, k)) of every rising variant
    for cols in VARIANTS:
        idx = np.array(cols)
        g = gram[..., idx[:, None], idx[None, :]] + 1e-9 * np.eye(len(idx))
        b = np.linalg.solve(g, rhs[..., idx][..., None])[..., 0]  # (P, R, G, k)
        sse = yy - (b * rhs[..., idx]).sum(-1)
        valid = (b[..., 1:] >= 0).all(-1) & ok_side[:, None, :] & (sse > 0)
        k = len(cols) + 1 + (np.array(designs.carry_over) > 0)[None, :, None]
        bic = (n * np.log(np.maximum(sse, 1e-12) / n) + k * np.log(n)
               + n * penalty[:, None, None])
        fits.append((cols, np.where(valid, bic, np.inf), b))
    bics = np.stack([f[1] for f in fits])  # (V, P, R, G)
    if not np.isfinite(bics).any() or bics.min() >= best[0]:
        return best[1]
    if rng is None:
        at = np.unravel_index(int(np.argmin(bics)), bics.shape)
    else:
        # BIC's approximation to the posterior probability of each rising candidate
        # (Raftery 1995), a flat prior over them: the breakpoint is drawn from its profile
        # likelihood instead of taken at its jagged maximum
        prob = np.exp(-(bics - bics.min()) / 2).ravel()
        at = np.unravel_index(int(rng.choice(prob.size, p=prob / prob.sum())), bics.shape)
    v, p, r, gi = at
    cols, _, b = fits[v]
    coef = dict(zip(cols, b[p, r, gi]))
    return PainModel(
        intercept_=float(coef[0]), jump_=float(coef.get(1, 0.0)),
        slope_=float(coef.get(2, 0.0)), spike_coef_=float(coef.get(3, 0.0)),
        breakpoint_=float(designs.grid[p, gi]), carry_over=designs.carry_over[r],
        pairing=designs.pairings[p], terms=cols)


def _flat_models(designs: Designs, w: np.ndarray, yy: float, n: float) -> tuple:
    """(BIC, model) of the best "no relation" candidate: pain flat in load."""
    y = designs.y
    mean = float((w * y).sum() / n)
    sse = yy - n * mean**2
    best = (n * np.log(max(sse, 1e-12) / n) + 1 * np.log(n),
            PainModel(mean, 0.0, 0.0, 0.0, None, 0.0, DEFAULT_PAIRING, terms=(0,)))
    for r, rho in enumerate(designs.carry_over):
        X = np.column_stack([np.ones_like(y), designs.spike[r]])
        g = X.T @ (X * w[:, None]) + 1e-9 * np.eye(2)
        rhs = X.T @ (w * y)
        b = np.linalg.solve(g, rhs)
        if b[1] <= 0:
            continue
        sse = yy - float(b @ rhs)
        bic = n * np.log(max(sse, 1e-12) / n) + (2 + (rho > 0)) * np.log(n)
        if bic < best[0]:
            best = (bic, PainModel(float(b[0]), 0.0, 0.0, float(b[1]), None, rho,
                                   DEFAULT_PAIRING, terms=(0, 3)))
    return best


def fitted_pain(model: PainModel, designs: Designs, *, clip: bool = True) -> np.ndarray:
    """The model's pain (0-10) for each rated row of ``designs`` (its own history of loads,
    carry-over included), for validation on rows it was not fitted on; ``clip=False`` gives
    the linear predictor itself (which may pass the scale's ends)."""
    r = designs.carry_over.index(model.carry_over)
    base = model.intercept_ + model.spike_coef_ * designs.spike[r]
    if model.breakpoint_ is not None:
        p = designs.pairings.index(model.pairing)
        g = int(np.argmin(np.abs(designs.grid[p] - model.breakpoint_)))
        D = designs.D[p, r, g]
        base = base + model.jump_ * D[:, 1] + model.slope_ * D[:, 2]
    return np.clip(base, 0, 10) if clip else base


SCALE_TOP = 10.0


def ceiling_imputed(model: PainModel, designs: Designs, weights: np.ndarray) -> np.ndarray | None:
    """The pain with every 10/10 rating replaced by its expected value above 10 under ``model``
    (normal residuals): a 10 says "10 or more", and read as exactly 10 it flattens the top of
    the rise, which a later breakpoint or a jump then fits (issue 16: strong carry-over with
    ratings at 10 leaned about 11 % high). This is one step of Buckley & James's (1979)
    estimator for censored regression. None when no weighted row is at 10."""
    y = designs.y
    top = (y >= SCALE_TOP) & (weights > 0)
    if not top.any():
        return None
    mu = fitted_pain(model, designs, clip=False)
    sigma = float(np.sqrt(np.sum(weights * (y - mu) ** 2) / weights.sum()))
    if sigma <= 0:
        return None
    a = (SCALE_TOP - mu[top]) / sigma
    # E[y* | y* >= 10] = mu + sigma * phi(a) / (1 - Phi(a)), the inverse Mills ratio
    mills = np.exp(norm.logpdf(a) - norm.logsf(a))
    out = y.copy()
    out[top] = np.maximum(SCALE_TOP, mu[top] + sigma * mills)
    return out


def profile_sse(model: PainModel, designs: Designs, weights: np.ndarray, *,
                min_side: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(breakpoints, least squared error at each) for the model's pairing, carry-over and
    terms, every other coefficient refitted at each breakpoint: the profile that Hansen's (2000)
    likelihood-ratio interval for a threshold is read from. Breakpoints leaving fewer than
    ``min_side`` weighted rows on a side, or needing a negative rise, get an infinite error."""
    p = designs.pairings.index(model.pairing)
    r = designs.carry_over.index(model.carry_over)
    idx = np.array(model.terms if model.breakpoint_ is not None else (0, 2))
    w = np.asarray(weights, dtype=float)
    D = designs.D[p, r][..., idx]  # (G, n, k)
    gram = np.einsum("gni,n,gnj->gij", D, w, D) + 1e-9 * np.eye(len(idx))
    rhs = np.einsum("gni,n->gi", D, w * designs.y)
    b = np.linalg.solve(gram, rhs[..., None])[..., 0]
    sse = float((w * designs.y**2).sum()) - (b * rhs).sum(-1)
    side = designs.above[p].astype(float) @ w
    ok = (b[:, 1:] >= 0).all(-1) & (side >= min_side) & (w.sum() - side >= min_side)
    return designs.grid[p], np.where(ok, sse, np.inf)
