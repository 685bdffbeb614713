"""Lagged relations between load features and pain, with time-ordered validation and
week-block bootstrap intervals. Descriptive: they say what went with more pain in this
athlete's own history, not what causes it.

Daily: each rated morning ``d`` against the loads of the days before it (the 7 days
``d-7 .. d-1`` for sums and means, day ``d-1`` for the last run's length, spike and the rest
streak). Ridge regression on standardised features (missing values imputed by the median of
the training rows), its penalty chosen by expanding-window validation (``TimeSeriesSplit``).
Weekly: the change in mean next-morning pain from one week to the next against that week's km.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.config import Thresholds
from pipeline.relation.symptoms import by_date, morning_pain_0_10

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
CROSS = ("cross_cycling_min", "cross_swimming_min", "cross_water_running_min", "cross_other_min")


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
    out["week_start"] = out.index - pd.to_timedelta(out.index.day_of_week, unit="D")
    out["run_km_7d"] = past7(col("run_km").fillna(0))
    out["longest_run_km_1d"] = col("longest_run_km").fillna(0).shift(1)
    out["spike_excess_1d"] = (col("spike_ratio").shift(1) - 1).clip(lower=0).fillna(0)
    out["uphill_min_7d"] = past7(col("uphill_min"))
    out["fast_min_7d"] = past7(col("fast_min"))
    out["cadence_at_ref_spm_7d"] = mean7(col("cadence_at_ref_spm"))
    out["step_length_at_ref_m_7d"] = mean7(col("step_length_at_ref_m"))
    out["cross_min_7d"] = past7(sum(col(c).fillna(0) for c in CROSS))
    out["rest_streak_days_1d"] = col("rest_streak_days").shift(1)
    out["rehab_days_7d"] = past7(flag_days("rehab"))
    out["compression_days_7d"] = past7(flag_days("compression"))
    return out.iloc[7:]


def load_effects(daily: pd.DataFrame, *, thresholds: Thresholds = Thresholds(),
                 seed: int = 0) -> dict:
    """Effects on next-morning pain (points per +1 SD of each feature, with the SD in the
    feature's unit and an 80% week-block bootstrap interval), the time-ordered validation skill
    (1 - MAE / MAE of the training mean), and the weekly relation. ``reason`` when too little."""
    frame = lagged_features(daily).dropna(subset=["pain_0_10"])
    if (len(frame) < thresholds.min_pain_days
            or frame["week_start"].nunique() < thresholds.min_pain_weeks):
        return {"effects": [], "weekly": None, "cv_skill": None, "n_rated_days": len(frame),
                "reason": f"only {len(frame)} rated mornings; at least "
                          f"{thresholds.min_pain_days} over {thresholds.min_pain_weeks} weeks "
                          "are needed"}
    usable = [f for f in FEATURES
              if frame[f].notna().mean() >= 0.7 and frame[f].std(skipna=True) > 1e-9]
    X, y = frame[usable].to_numpy(dtype=float), frame["pain_0_10"].to_numpy(dtype=float)
    cv = TimeSeriesSplit(n_splits=4)
    search = GridSearchCV(_pipeline(1.0), {"ridge__alpha": np.logspace(-1, 3, 9)}, cv=cv,
                          scoring="neg_mean_absolute_error").fit(X, y)
    alpha = float(search.best_params_["ridge__alpha"])
    skill = _skill(X, y, alpha, cv)
    model = _pipeline(alpha).fit(X, y)
    sd = frame[usable].std().to_numpy()
    point = model[-1].coef_
    boots = _boot_coefs(frame, usable, alpha, n=thresholds.bootstrap_resamples // 2, seed=seed)
    effects = []
    for i, f in enumerate(usable):
        lo, hi = np.quantile(boots[:, i], [0.1, 0.9]) if len(boots) else (np.nan, np.nan)
        effects.append({"feature": f, "label": FEATURES[f][0], "unit": FEATURES[f][1],
                        "per": round(float(sd[i]), 3), "effect_0_10": round(float(point[i]), 2),
                        "interval": [round(float(lo), 2), round(float(hi), 2)],
                        "clear": bool(lo > 0 or hi < 0)})
    effects.sort(key=lambda e: -abs(e["effect_0_10"]))
    weekly = weekly_relation(daily, seed=seed, n=thresholds.bootstrap_resamples)
    return {"effects": effects, "weekly": weekly,
            "cv_skill": None if skill is None else round(skill, 3), "alpha": alpha,
            "n_rated_days": len(frame), "reason": None}


def _pipeline(alpha: float):
    # keep_empty_features: a feature with no value in an early time fold (cadence from a watch
    # bought later) is kept as zeros (a zero coefficient, the same predictions as dropping it)
    # instead of dropped with a UserWarning that reached the user's terminal
    return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                         StandardScaler(), Ridge(alpha=alpha))


def _skill(X, y, alpha, cv) -> float | None:
    """1 - MAE(model) / MAE(training mean) over expanding time-ordered folds."""
    err, err_flat = [], []
    for train, test in cv.split(X):
        pred = _pipeline(alpha).fit(X[train], y[train]).predict(X[test])
        err.append(np.abs(pred - y[test]))
        err_flat.append(np.abs(y[train].mean() - y[test]))
    flat = np.concatenate(err_flat).mean()
    return float(1 - np.concatenate(err).mean() / flat) if flat > 0 else None


def _boot_coefs(frame, usable, alpha, *, n, seed) -> np.ndarray:
    """Ridge coefficients (per SD) on ``n`` resamples of whole weeks."""
    rng = np.random.default_rng(seed)
    groups = [g[usable + ["pain_0_10"]].to_numpy(float) for _, g in frame.groupby("week_start")]
    out = []
    for _ in range(n):
        sample = np.vstack([groups[i] for i in rng.integers(0, len(groups), len(groups))])
        X = sample[:, :-1]
        if (np.nanstd(X, axis=0) <= 1e-9).any() or np.isnan(X).all(axis=0).any():
            continue
        out.append(_pipeline(alpha).fit(X, sample[:, -1])[-1].coef_)
    return np.array(out)


def weekly_relation(daily: pd.DataFrame, *, seed: int = 0, n: int = 200) -> dict | None:
    """The week-to-week change of mean next-morning pain per +10 km change of the week's
    running km (least squares through the week pairs), with an 80% bootstrap interval over
    week pairs. Mornings of a week answer mostly that week's running (the load of the days
    before each rating). None with fewer than 6 week pairs or no change in km."""
    d = by_date(daily)
    pain = morning_pain_0_10(daily)
    week = d.index - pd.to_timedelta(d.index.day_of_week, unit="D")
    w = pd.DataFrame({"km": d["run_km"].groupby(week).sum(), "pain": pain.groupby(week).mean()})
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
