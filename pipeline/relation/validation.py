"""Time-ordered validation: how much better than "no relation" a model predicts pain it has not
seen (expanding folds in time order, never shuffled)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.model_selection import TimeSeriesSplit


def time_ordered_skill(predicted: Callable[[np.ndarray, np.ndarray], np.ndarray | None],
                       y: np.ndarray, *, n_splits: int = 4) -> float | None:
    """1 - MAE(model) / MAE(training mean) over ``n_splits`` expanding time-ordered folds.

    ``predicted(train, test)`` is the model's 0-10 pain for the ``test`` rows, fitted (every
    choice included) on the ``train`` rows only; None skips a fold the model cannot fit. None
    with fewer than 5 rows a fold, no fold fitted, or pain that never varied."""
    if len(y) < 5 * (n_splits + 1):
        return None
    err_model, err_flat = [], []
    for train, test in TimeSeriesSplit(n_splits=n_splits).split(y):
        pred = predicted(train, test)
        if pred is None:
            continue
        err_model.append(np.abs(np.clip(pred, 0, 10) - y[test]))
        err_flat.append(np.abs(y[train].mean() - y[test]))
    if not err_model:
        return None
    flat = np.concatenate(err_flat).mean()
    skill = 1 - np.concatenate(err_model).mean() / flat if flat > 0 else np.nan
    return float(skill) if np.isfinite(skill) else None
