"""The load -> next-morning pain relation and the athlete's tolerated weekly km.

Method (the README states it): each rated morning ``d`` is paired with the running km of the
seven days before it (``d-7 .. d-1``, the load that preceded the rating) and the spike of the run
the day before (how much longer it was than the previous 30 days' longest, Frandsen 2025). A
segmented ("hinge") regression

    pain_d = a + j * [km > c] + s * max(0, km - c) + k * spike_excess_{d-1},   a, j, s, k >= 0

is fitted for every candidate breakpoint ``c`` (the 10th-95th percentiles of the observed km)
and the ``c`` with the least squared error (the profile likelihood) is kept; whether the jump
``j`` is needed is decided by BIC (``hinge.HingeRegression``). The tolerated weekly km is the
load above which next-morning pain rises. Uncertainty comes from a block bootstrap that resamples
whole weeks (days within a week are not independent); the point estimate is the median of the
bootstrap breakpoints (bagging steadies the jagged profile). Other pairings of ratings with load
(``PAIRINGS``) replace the convention when they fit clearly better. The relation is validated in
time order (expanding windows, ``TimeSeriesSplit``; never shuffled) against a no-relation model,
tested against whole-week shifts of the pain log (``week_shift_p_value``), and an estimate is
given only when the history supports one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import TimeSeriesSplit

from pipeline.config import Thresholds
from pipeline.relation.hinge import HingeRegression
from pipeline.relation.symptoms import by_date, morning_pain_0_10, morning_pain_source


@dataclass
class Estimate:
    """The tolerated weekly km (km per 7 days) or None with the reason.

    ``interval`` is the 80% block-bootstrap interval; ``rise_0_10`` the modelled next-morning
    pain rise at the 90th percentile of the athlete's own 7-day km over the pain at the
    breakpoint; ``cv_skill`` is 1 - MAE(model) / MAE(no relation) in time-ordered validation.
    """

    value: float | None
    interval: tuple[float, float] | None
    n_weeks: int
    n_rated_days: int
    method: str
    reason: str | None = None
    outcome: str = "pain_next_morning_0_10"
    pairing: str = "7_days_before"  # which week's km a rating answers (see PAIRINGS)
    shift_p_value: float | None = None  # see week_shift_p_value
    rise_0_10: float | None = None
    rise_interval: tuple[float, float] | None = None
    cv_skill: float | None = None
    spike_effect_0_10: float | None = None  # points per +10% over the 30-day longest run
    load_range_km: tuple[float, float] | None = None
    model: HingeRegression | None = field(default=None, repr=False)
    boot_models: list = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        """JSON-ready summary (no fitted models)."""
        d = asdict(self)
        d.pop("model")
        d.pop("boot_models")
        return _rounded(d)


def _rounded(obj):
    if isinstance(obj, float):
        return None if np.isnan(obj) else round(obj, 2)
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v) for v in obj]
    return obj


PAIRING_MARGIN = 0.10  # another pairing must cut the squared error by 10% (rule of thumb)
PAIRINGS = {
    "7_days_before": "the 7 days before the rating (d-7 .. d-1)",
    "7_days_to_date": "the 7 days up to and including the rating's date",
    "calendar_week": "the rating's own calendar week (Monday to Sunday)",
    "previous_calendar_week": "the calendar week before the rating's week",
}


def lagged_load_frame(daily: pd.DataFrame, *, pairing: str = "7_days_before") -> pd.DataFrame:
    """Per date: ``pain_0_10`` (the morning rating), ``load_7d_km`` (running km of the week
    the rating is paired with, see ``PAIRINGS``; by default the seven days ``d-7 .. d-1``),
    ``spike_excess`` (the spike ratio above 1 of the day before, or of the same day for
    ``7_days_to_date``, else 0) and ``week_start`` (Monday); every calendar day, rated or not.

    The other pairings serve logs that date a next-morning rating with the day of the run,
    or whose pain follows the calendar week's km."""
    d = by_date(daily)
    km = d["run_km"].astype(float)
    spike = (d["spike_ratio"].astype(float) if "spike_ratio" in d
             else pd.Series(np.nan, index=d.index))
    lag = 0 if pairing == "7_days_to_date" else 1
    out = pd.DataFrame(index=d.index)
    out["pain_0_10"] = morning_pain_0_10(daily)
    out["week_start"] = out.index - pd.to_timedelta(out.index.day_of_week, unit="D")
    if pairing in ("7_days_before", "7_days_to_date"):
        out["load_7d_km"] = km.rolling(7, min_periods=1).sum().shift(lag).fillna(0.0)
    elif pairing in ("calendar_week", "previous_calendar_week"):
        weekly = km.groupby(out["week_start"]).sum()
        if pairing == "previous_calendar_week":
            weekly = weekly.shift(1, freq="7D")
        out["load_7d_km"] = out["week_start"].map(weekly).fillna(0.0).to_numpy()
    else:
        raise ValueError(f"unknown pairing {pairing!r}; one of {sorted(PAIRINGS)}")
    out["spike_excess"] = (spike.shift(lag) - 1).clip(lower=0).fillna(0.0)
    return out


def _supported_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rated mornings that have a full week of load history before them."""
    rated = frame.dropna(subset=["pain_0_10"])
    first = frame.index.min() + pd.Timedelta(days=7) if len(frame) else None
    return rated[rated.index >= first] if first is not None else rated


def tolerated_weekly_km(
    daily: pd.DataFrame,
    weekly: pd.DataFrame | None = None,
    *,
    thresholds: Thresholds = Thresholds(),
    seed: int = 0,
) -> Estimate:
    """The athlete's tolerated weekly km (km per 7 days) from their own history, or None with
    the reason (see the module docstring). Everything is derived from ``daily``; ``weekly`` is
    accepted so callers can pass the pair they hold."""
    frame = lagged_load_frame(daily)
    rows = _supported_rows(frame)
    weeks_rated = rows.groupby("week_start")["pain_0_10"].count()
    n_weeks = int((weeks_rated >= 2).sum())
    n_days = len(rows)
    base = dict(n_weeks=n_weeks, n_rated_days=n_days, outcome=morning_pain_source(daily),
                method="hinge regression, breakpoint by least squares, week block bootstrap")
    if n_weeks < thresholds.min_pain_weeks:
        return Estimate(None, None, reason=(
            # say what is counted: a week with one rating, or in the first week of history
            # (no 7-day load before it yet), does not count, so a bare "weeks with pain
            # ratings" contradicted the pain calendar
            f"only {n_weeks} week(s) with at least 2 rated mornings after the first week of"
            f" history; at least {thresholds.min_pain_weeks} are needed"), **base)
    if n_days < thresholds.min_pain_days:
        return Estimate(None, None, reason=(
            f"only {n_days} rated mornings; at least {thresholds.min_pain_days} are needed"),
            **base)
    x = rows["load_7d_km"].to_numpy()
    lo, hi = np.quantile(x, [0.1, 0.9])
    top = float(x.max())
    if hi - lo < max(2.0, 0.2 * np.median(x)):
        return Estimate(None, None, reason=(
            f"your 7-day km barely varied ({lo:.0f}-{hi:.0f} km), so the load at which pain "
            "rises cannot be told apart"), load_range_km=(float(lo), float(hi)), **base)

    # Which load a rating answers: runload's convention is the 7 days before the morning; a
    # log that dates next-morning pain with the run's day, or whose pain follows calendar weeks,
    # fits another pairing better. Same rows and parameters; another pairing replaces the
    # convention only when clearly better (PAIRING_MARGIN less squared error), since with short
    # histories a chance alignment can win by a little.
    frames = {p: lagged_load_frame(daily, pairing=p) for p in PAIRINGS}
    fits = {}
    y_all = rows["pain_0_10"].to_numpy()
    for pairing, frame in frames.items():
        paired = _supported_rows(frame).loc[rows.index]
        X = paired[["load_7d_km", "spike_excess"]].to_numpy()
        if np.ptp(X[:, 0]) > 0:
            fits[pairing] = (HingeRegression().fit(X, y_all), paired)
    pairing = min(fits, key=lambda k: fits[k][0].sse_
                  * (1 - PAIRING_MARGIN if k == "7_days_before" else 1.0))
    model, rows = fits[pairing]
    base["pairing"] = pairing
    shift_p = week_shift_p_value(frames)
    base["shift_p_value"] = shift_p
    x = rows["load_7d_km"].to_numpy()
    lo, hi = np.quantile(x, [0.1, 0.9])
    top = float(x.max())
    X = rows[["load_7d_km", "spike_excess"]].to_numpy()
    y = rows["pain_0_10"].to_numpy()
    boots = _bootstrap(rows, n=thresholds.bootstrap_resamples, seed=seed)
    bps = np.array([m.breakpoint_ for m in boots])
    rises = np.array([m.rise_at(top) for m in boots])
    rise = model.rise_at(top)
    rise_iv = (float(np.quantile(rises, 0.1)), float(np.quantile(rises, 0.9)))
    skill = time_ordered_skill(X, y)
    common = dict(rise_0_10=float(rise), rise_interval=rise_iv, cv_skill=skill,
                  spike_effect_0_10=float(model.nuisance_coef_[0] * 0.1),
                  load_range_km=(float(lo), float(hi)), model=model, boot_models=boots, **base)
    if rise < thresholds.min_pain_rise or rise_iv[0] <= 0:
        return Estimate(None, None, reason=(
            f"next-morning pain did not rise consistently with load within the range you ran "
            f"(up to {top:.0f} km in 7 days); your tolerated load is not yet known"), **common)
    if shift_p is None or shift_p > 1 / (1 + n_week_shifts(frames)) + 1e-9:
        return Estimate(None, None, reason=(
            "your pain followed your running no more closely than it follows the same running "
            f"shifted by whole weeks (p = {shift_p:.2f}), so the rise could be chance"
            if shift_p is not None else "too few weeks to test the relation against chance"),
            **common)
    supported = bps[rises > 0]
    value = float(np.median(supported))
    interval = (float(np.quantile(supported, 0.1)), float(np.quantile(supported, 0.9)))
    return Estimate(value, interval, **common)


def _fit_share(frames: dict, pain: np.ndarray) -> float:
    """The best share of pain variance explained by a hinge fit over all pairings."""
    best = 0.0
    for frame in frames.values():
        rows = _supported_rows(frame.assign(pain_0_10=pain))
        X = rows[["load_7d_km", "spike_excess"]].to_numpy()
        y = rows["pain_0_10"].to_numpy()
        flat = float(((y - y.mean()) ** 2).sum())
        if len(y) > 8 and np.ptp(X[:, 0]) > 0 and flat > 0:
            best = max(best, 1 - HingeRegression().fit(X, y).sse_ / flat)
    return best


def n_week_shifts(frames: dict) -> int:
    """Number of whole-week shifts tried by ``week_shift_p_value`` (2 .. n_weeks - 2)."""
    return max(0, len(next(iter(frames.values()))) // 7 - 3)


def week_shift_p_value(frames: dict) -> float | None:
    """How often the pain log, shifted in time by whole weeks (2 .. n-2, circularly) against
    the load, is explained as well as the real log by the same search (all pairings, every
    breakpoint): (1 + count) / (1 + shifts). Shifting by whole weeks keeps the weekly rhythm of
    both series and breaks only their alignment, so this is an honest null for chance fits.
    An estimate needs the real alignment to beat every shift (the smallest possible p).
    None with fewer than 4 shifts."""
    pain = next(iter(frames.values()))["pain_0_10"].to_numpy()
    shifts = range(2, 2 + n_week_shifts(frames))
    if len(shifts) < 4:
        return None
    observed = _fit_share(frames, pain)
    beaten = sum(_fit_share(frames, np.roll(pain, 7 * k)) >= observed - 1e-12 for k in shifts)
    return (1 + beaten) / (1 + len(shifts))


def _bootstrap(rows: pd.DataFrame, *, n: int, seed: int) -> list[HingeRegression]:
    """Hinge fits on ``n`` resamples of whole weeks (with replacement)."""
    rng = np.random.default_rng(seed)
    weeks = rows["week_start"].unique()
    groups = {w: g[["load_7d_km", "spike_excess", "pain_0_10"]].to_numpy()
              for w, g in rows.groupby("week_start")}
    fits = []
    for _ in range(n):
        sample = np.vstack([groups[w] for w in rng.choice(weeks, size=len(weeks))])
        fits.append(HingeRegression().fit(sample[:, :2], sample[:, 2]))
    return fits


def time_ordered_skill(X: np.ndarray, y: np.ndarray, *, n_splits: int = 4) -> float | None:
    """1 - MAE(hinge) / MAE(training mean) over expanding time-ordered folds (None if too few)."""
    if len(y) < 5 * (n_splits + 1):
        return None
    err_model, err_flat = [], []
    for train, test in TimeSeriesSplit(n_splits=n_splits).split(X):
        if np.ptp(X[train, 0]) == 0:
            continue
        pred = HingeRegression(min_side=3).fit(X[train], y[train]).predict(X[test])
        err_model.append(np.abs(pred - y[test]))
        err_flat.append(np.abs(y[train].mean() - y[test]))
    if not err_model:
        return None
    flat = np.concatenate(err_flat).mean()
    return float(1 - np.concatenate(err_model).mean() / flat) if flat > 0 else None


def what_if(
    history_daily: pd.DataFrame,
    planned_week,
    *,
    thresholds: Thresholds = Thresholds(),
    estimate: Estimate | None = None,
) -> dict:
    """The expected next-morning pain (0-10) after a planned week, with an 80% interval.

    ``planned_week`` is a list of planned run distances (km, one per run) or a dict with
    ``weekly_km`` and optionally ``longest_run_km``. The load is the planned weekly km; the spike
    is the planned longest run over the longest of the last 30 days of ``history_daily``. The
    interval spreads the prediction over the week-block bootstrap fits (model uncertainty, not the
    day-to-day noise of single ratings). ``expected_0_10`` is None (with ``reason``) when the
    history cannot support a relation.
    """
    if isinstance(planned_week, dict):
        weekly_km = float(planned_week["weekly_km"])
        longest = float(planned_week.get("longest_run_km") or 0.0)
    else:
        runs = [float(x) for x in planned_week]
        weekly_km, longest = float(sum(runs)), float(max(runs, default=0.0))
    d = by_date(history_daily)
    longest30 = float(d["longest_run_km"].tail(30).max()) if len(d) else 0.0
    spike = max(0.0, longest / longest30 - 1) if longest30 > 0 and longest > 0 else 0.0
    if estimate is None:
        estimate = tolerated_weekly_km(history_daily, thresholds=thresholds)
    out = {"weekly_km": round(weekly_km, 1), "longest_run_km": round(longest, 1),
           "spike_ratio": round(1 + spike, 2) if longest30 > 0 and longest > 0 else None,
           "tolerated_weekly_km": None if estimate.value is None else round(estimate.value, 1)}
    if estimate.model is None:
        return {**out, "expected_0_10": None, "interval_0_10": None, "reason": estimate.reason}
    X = np.array([[weekly_km, spike]])
    models = estimate.boot_models or [estimate.model]
    preds = np.array([m.predict(X)[0] for m in models])
    preds = np.clip(preds, 0, 10)
    expected = float(np.clip(estimate.model.predict(X)[0], 0, 10))
    calm = float(np.clip(estimate.model.intercept_, 0, 10))
    return {**out, "expected_0_10": round(expected, 1),
            "interval_0_10": [round(float(np.quantile(preds, 0.1)), 1),
                              round(float(np.quantile(preds, 0.9)), 1)],
            "calm_0_10": round(calm, 1),
            "above_calm_0_10": round(expected - calm, 1),
            "reason": estimate.reason}
