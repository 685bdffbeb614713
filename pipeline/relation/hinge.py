"""Segmented ("hinge") regression with a breakpoint chosen by least squares (a scikit-learn
estimator) for a plain ``[load, nuisance]`` matrix (``tolerance.time_ordered_skill``). The
tolerated-load estimate itself uses ``pain_model`` (carry-over, whole-range breakpoints, every
choice made inside the resampling)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls
from sklearn.base import BaseEstimator, RegressorMixin


class HingeRegression(BaseEstimator, RegressorMixin):
    """Segmented regression of pain on load with a breakpoint chosen by least squares.

    ``X[:, 0]`` is the load (km per 7 days); further columns are nuisance loads whose effect is
    constrained to be non-negative (e.g. spike excess). Learned: ``breakpoint_`` (km),
    ``intercept_``, ``jump_`` and ``slope_`` (pain points, points per km), ``nuisance_coef_``.
    """

    def __init__(self, *, n_grid: int = 40, quantiles: tuple[float, float] = (0.1, 0.95),
                 min_side: int = 4, with_jump: bool | str = "auto"):
        self.n_grid = n_grid
        self.quantiles = quantiles
        self.min_side = min_side
        self.with_jump = with_jump

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.with_jump == "auto":
            return self._fit_auto(X, y)
        x = X[:, 0]
        lo, hi = np.quantile(x, self.quantiles)
        grid = np.unique(np.round(np.linspace(lo, hi, self.n_grid), 2))
        above = (x[None, :] > grid[:, None]).sum(axis=1)
        grid = grid[(above >= self.min_side) & (len(x) - above >= self.min_side)]
        best = self._profile(X, y, grid)
        if best[1] is None:  # no load variation: a flat model
            sse = float(((y - y.mean()) ** 2).sum())
            best = (sse, float(np.max(x)), np.r_[y.mean(), np.zeros(self._n_terms(X) - 1)])
        self.breakpoint_ = float(best[1])
        coef = best[2]
        self.intercept_ = float(coef[0])
        self.jump_ = float(coef[1]) if self.with_jump else 0.0
        self.slope_ = float(coef[2 if self.with_jump else 1])
        self.nuisance_coef_ = coef[(3 if self.with_jump else 2):]
        self.coef_ = coef
        self.load_range_ = (float(x.min()), float(x.max()))
        self.sse_ = float(best[0])
        self.jump_used_ = self.with_jump
        return self

    def _profile(self, X, y, grid) -> tuple[float, float | None, np.ndarray | None]:
        """(least squared error, breakpoint, coefficients) over the candidate breakpoints.

        Least squares for all candidates at once; a candidate whose solution breaks the
        non-negativity constraint is solved again with NNLS."""
        if not len(grid):
            return (np.inf, None, None)
        D = np.stack([self._design_for(X, c, self.with_jump) for c in grid])  # (G, n, p)
        gram = np.einsum("gni,gnj->gij", D, D) + 1e-9 * np.eye(D.shape[2])
        coef = np.linalg.solve(gram, np.einsum("gni,n->gi", D, y)[..., None])[..., 0]
        sse = ((y[None, :] - np.einsum("gni,gi->gn", D, coef)) ** 2).sum(axis=1)
        for g in np.flatnonzero((coef < -1e-12).any(axis=1)):
            coef[g], rnorm = nnls(D[g], y)
            sse[g] = rnorm**2
        g = int(np.argmin(sse))
        return (float(sse[g]), float(grid[g]), coef[g])

    def _fit_auto(self, X, y):
        """Fit with and without the jump; keep the one with the lower BIC (the jump costs one
        parameter): a gradual rise is then not mistaken for a late jump, nor a jump for a slope."""
        fits = [HingeRegression(n_grid=self.n_grid, quantiles=self.quantiles,
                                min_side=self.min_side, with_jump=j).fit(X, y)
                for j in (False, True)]
        n = len(y)
        bic = [n * np.log(max(f.sse_, 1e-12) / n) + (f.coef_.size + 1) * np.log(n) for f in fits]
        chosen = fits[int(np.argmin(bic))]
        for name in ("breakpoint_", "intercept_", "jump_", "slope_", "nuisance_coef_", "coef_",
                     "load_range_", "sse_"):
            setattr(self, name, getattr(chosen, name))
        self.jump_used_ = chosen.with_jump
        return self

    def _design(self, X: np.ndarray, c: float) -> np.ndarray:
        jump = self.jump_used_ if self.with_jump == "auto" else self.with_jump
        return HingeRegression._design_for(X, c, jump)

    @staticmethod
    def _design_for(X: np.ndarray, c: float, jump: bool) -> np.ndarray:
        x = X[:, 0]
        cols = [np.ones(len(x))]
        if jump:
            cols.append((x > c).astype(float))
        cols.append(np.maximum(0.0, x - c))
        return np.column_stack(cols + [X[:, 1:]])

    def _n_terms(self, X) -> int:
        return X.shape[1] + (2 if self.with_jump else 1)

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return self._design(X, self.breakpoint_) @ self.coef_

    def rise_at(self, load_km: float) -> float:
        """Modelled pain rise (points) at ``load_km`` over the pain at the breakpoint."""
        if load_km <= self.breakpoint_:
            return 0.0
        return self.jump_ + self.slope_ * (load_km - self.breakpoint_)
