"""Lagged relations between load features and pain, with time-ordered validation and
week-block bootstrap intervals. Descriptive: they say what went with more pain in this
athlete's own history, not what causes it.

Daily: each rated morning ``d`` against the loads of the days before it (the 7 days
``d-7 .. d-1`` for sums and means, day ``d-1`` for the last run's length, spike and the rest
streak). Ridge regression on standardised features (missing values imputed by the median of
the training rows), its penalty chosen by generalised cross-validation inside every fit
(``ridge_by_gcv``); skill from expanding-window validation (``validation``).
Weekly: the change in mean next-morning pain from one week to the next against the change in the
km run in the 7 days before those ratings.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from pipeline.config import Thresholds
from pipeline.features.volume import CROSS_TRAINING_TOTAL_COLUMNS
from pipeline.features.weekly import week_start
from pipeline.relation.symptoms import by_date, morning_pain_0_10
from pipeline.relation.validation import time_ordered_skill

# feature -> (label, unit)
FEATURES = {
    "run_km_7d": ("running km in the 7 days before", "km"),
    "longest_run_km_1d": ("the previous day's longest run", "km"),
    "spike_excess_1d": ("the previous day's spike over the 30-day longest run", "ratio"),
    "uphill_min_7d": ("uphill running minutes in 7 days", "min"),
    "fast_min_7d": ("fast running minutes in 7 days", "min"),
    "cadence_at_ref_spm_7d": ("cadence at the reference speed", "steps/min"),
    "step_length_at_ref_m_7d": ("step length at the reference speed", "m"),
    "cross_min_7d": ("cross-training minutes in 7 days", "min"),
    "rest_streak_days_1d": ("days in a row without activity", "days"),
    "rehab_days_7d": ("rehab days in 7 days", "days"),
    "compression_days_7d": ("compression days in 7 days", "days"),
}


def lagged_features(daily: pd.DataFrame) -> pd.DataFrame:
    """Per date: ``pain_0_10`` (morning rating), ``week_start`` and the lagged load features
    named in ``FEATURES`` (NaN where the watch or log did not give the value)."""
    d = by_date(daily)

    def col(name):
        return d[name].astype(float) if name in d else pd.Series(np.nan, index=d.index)

    def flag_days(name):
        return d[name].astype("boolean").fillna(False).astype(float) if name in d else col(name)

    past7 = lambda s: s.rolling(7, min_periods=1).sum().shift(1)  # noqa: E731
    mean7 = lambda s: s.rolling(7, min_periods=1).mean().shift(1)  # noqa: E731
    out = pd.DataFrame(index=d.index)
    out["pain_0_10"] = morning_pain_0_10(daily)
    out["week_start"] = week_start(out.index)
    out["run_km_7d"] = past7(col("run_km").fillna(0))
    out["longest_run_km_1d"] = col("longest_run_km").fillna(0).shift(1)
    spike = col("spike_ratio").replace([np.inf, -np.inf], np.nan)  # no earlier run: no spike
    out["spike_excess_1d"] = (spike.shift(1) - 1).clip(lower=0).fillna(0)
    out["uphill_min_7d"] = past7(col("uphill_min"))
    out["fast_min_7d"] = past7(col("fast_min"))
    out["cadence_at_ref_spm_7d"] = mean7(col("cadence_at_ref_spm"))
    out["step_length_at_ref_m_7d"] = mean7(col("step_length_at_ref_m"))
    out["cross_min_7d"] = past7(sum(col(c).fillna(0) for c in CROSS_TRAINING_TOTAL_COLUMNS))
    out["rest_streak_days_1d"] = col("rest_streak_days").shift(1)
    out["rehab_days_7d"] = past7(flag_days("rehab"))
    out["compression_days_7d"] = past7(flag_days("compression"))
    return out.iloc[7:]


ALPHAS = np.logspace(-1, 3, 9)  # ridge penalties tried (standardised features)


def load_effects(daily: pd.DataFrame, *, thresholds: Thresholds = Thresholds(),
                 seed: int = 0) -> dict:
    """Effects on next-morning pain (points per +1 SD of each feature, with the SD in the
    feature's unit and an 80% week-block bootstrap interval), the time-ordered validation skill
    (1 - MAE / MAE of the training mean, predictions clipped to 0-10) and the weekly relation.

    The ridge penalty is chosen by generalised cross-validation on whatever rows a fit sees: the
    whole history for the point estimate, each resample for the interval, the training rows of
    each fold for the skill. Nothing is ``clear`` unless the model beats "no relation" out of
    sample (skill above ``effects_min_skill``) and its penalty is not the largest tried (the data
    preferring every effect shrunk to nothing); ``validated`` and ``reason`` say which.
    ``reason`` also says when the history is too short."""
    frame = lagged_features(daily).dropna(subset=["pain_0_10"])
    if (len(frame) < thresholds.min_pain_days
            or frame["week_start"].nunique() < thresholds.min_pain_weeks):
        return {"effects": [], "weekly": None, "cv_skill": None, "n_rated_days": len(frame),
                "validated": False,
                "reason": f"only {len(frame)} rated mornings; at least "
                          f"{thresholds.min_pain_days} over {thresholds.min_pain_weeks} weeks "
                          "are needed"}
    usable = [f for f in FEATURES
              if frame[f].notna().mean() >= thresholds.effects_min_present_share
              and frame[f].std(skipna=True) > 1e-9]
    X, y = frame[usable].to_numpy(dtype=float), frame["pain_0_10"].to_numpy(dtype=float)
    coef, alpha = ridge_by_gcv(X, y)
    skill = _skill(X, y)
    sd = np.nanstd(X, axis=0, ddof=1)
    boots = _boot_coefs(frame, usable, n=thresholds.bootstrap_resamples // 2, seed=seed)
    at_top = alpha >= ALPHAS[-1]
    validated = skill is not None and skill > thresholds.effects_min_skill and not at_top
    reason = None if validated else (
        "the model did not predict next-morning pain better than no relation in time-ordered "
        f"validation (skill {skill:.2f})" if skill is not None and skill <= thresholds.effects_min_skill
        else "the chosen penalty shrinks every effect to nothing" if at_top
        else "too few rated mornings to validate the model")
    effects = []
    for i, f in enumerate(usable):
        lo, hi = np.quantile(boots[:, i], [0.1, 0.9]) if len(boots) else (np.nan, np.nan)
        effects.append({"feature": f, "label": FEATURES[f][0], "unit": FEATURES[f][1],
                        "per": round(float(sd[i]), 3), "effect_0_10": round(float(coef[i]), 2),
                        "interval": [round(float(lo), 2), round(float(hi), 2)],
                        "clear": bool(validated and (lo > 0 or hi < 0))})
    effects.sort(key=lambda e: -abs(e["effect_0_10"]))
    weekly = weekly_relation(daily, seed=seed, n=thresholds.bootstrap_resamples)
    return {"effects": effects, "weekly": weekly,
            "cv_skill": None if skill is None else round(skill, 3), "alpha": alpha,
            "validated": validated, "n_rated_days": len(frame), "reason": reason}


def ridge_by_gcv(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Ridge coefficients per SD of each column (missing values imputed by the column median,
    columns standardised) and the penalty in ``ALPHAS`` with the least generalised
    cross-validation error (Golub, Heath & Wahba 1979): a choice cheap enough to be made again
    in every resample and every fold."""
    model = _fitted(X, y)
    return model["coef"], model["alpha"]


def _fitted(X: np.ndarray, y: np.ndarray) -> dict:
    with warnings.catch_warnings():  # a feature with no value yet (a later watch): median 0
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(X, axis=0)
    med = np.where(np.isnan(med), 0.0, med)
    Xi = np.where(np.isnan(X), med, X)
    mu, sd = Xi.mean(axis=0), Xi.std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    Z = (Xi - mu) / sd
    yc = y - y.mean()
    U, s, Vt = np.linalg.svd(Z, full_matrices=False)
    uy = U.T @ yc
    n = len(y)
    best = None
    for alpha in ALPHAS:
        shrink = s**2 / (s**2 + alpha)
        fit = U @ (shrink * uy)
        dof = shrink.sum() + 1  # + the intercept
        gcv = float(((yc - fit) ** 2).mean() / max(1e-12, (1 - dof / n) ** 2))
        if best is None or gcv < best[0] - 1e-12:
            best = (gcv, alpha, Vt.T @ (s / (s**2 + alpha) * uy))
    _, alpha, coef = best
    return {"coef": coef, "alpha": float(alpha), "med": med, "mu": mu, "sd": sd,
            "intercept": float(y.mean())}


def _predict(model: dict, X: np.ndarray) -> np.ndarray:
    Xi = np.where(np.isnan(X), model["med"], X)
    return np.clip(model["intercept"] + ((Xi - model["mu"]) / model["sd"]) @ model["coef"], 0, 10)


def _skill(X: np.ndarray, y: np.ndarray) -> float | None:
    """Skill over time-ordered folds (``validation.time_ordered_skill``), the penalty chosen
    inside each fold."""
    return time_ordered_skill(
        lambda train, test: _predict(_fitted(X[train], y[train]), X[test]), y)


def _boot_coefs(frame, usable, *, n, seed) -> np.ndarray:
    """Ridge coefficients (per SD) on ``n`` resamples of whole weeks, the penalty chosen again
    in each."""
    rng = np.random.default_rng(seed)
    groups = [g[usable + ["pain_0_10"]].to_numpy(float) for _, g in frame.groupby("week_start")]
    out = []
    for _ in range(n):
        sample = np.vstack([groups[i] for i in rng.integers(0, len(groups), len(groups))])
        X = sample[:, :-1]
        if (np.nanstd(X, axis=0) <= 1e-9).any() or np.isnan(X).all(axis=0).any():
            continue
        out.append(ridge_by_gcv(X, sample[:, -1])[0])
    return np.array(out)


def weekly_relation(daily: pd.DataFrame, *, seed: int = 0, n: int = 200) -> dict | None:
    """The week-to-week change of mean next-morning pain per +10 km change of the running km
    *before* those ratings (each rated morning's 7 days before it, averaged over the week's rated
    mornings), by least squares through the week pairs, with an 80% bootstrap interval over week
    pairs. Only complete calendar weeks count: a rating is never set against km run after it,
    nor a partial week against a whole one. None with fewer than 6 week pairs or no change in km.
    """
    d = by_date(daily)
    pain = morning_pain_0_10(daily)
    before = d["run_km"].rolling(7, min_periods=7).sum().shift(1)
    rated = pain.notna() & before.notna()
    week = week_start(d.index)
    w = pd.DataFrame({"km": before[rated].groupby(week[rated]).mean(),
                      "pain": pain[rated].groupby(week[rated]).mean()})
    days = pd.Series(1, index=d.index).groupby(week).size()
    w = w[days.reindex(w.index).to_numpy() == 7]
    if len(w):  # consecutive weeks only: a missing week leaves a gap, not a false pair
        w = w.reindex(pd.date_range(w.index.min(), w.index.max(), freq="7D"))
    w = w.diff().dropna()
    if len(w) < 6 or w["km"].std() <= 0:
        return None
    x, y = w[["km"]].to_numpy() / 10, w["pain"].to_numpy()
    slope = float(LinearRegression().fit(x, y).coef_[0])
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n):
        i = rng.integers(0, len(w), len(w))
        if np.ptp(x[i]) > 0:
            boots.append(LinearRegression().fit(x[i], y[i]).coef_[0])
    lo, hi = np.quantile(boots, [0.1, 0.9])
    return {"per_10_km": round(slope, 2), "interval": [round(float(lo), 2), round(float(hi), 2)],
            "n_week_pairs": len(w)}
