"""The athlete's tolerated weekly km, from their own load -> next-morning pain history.

Method (docs/method.md gives the validation figures): every rated morning is paired with running
km *before* it (``pain_model.PAIRINGS``), and ``pain_model.PainModel`` -- a breakpoint ("hinge")
model with a jump or not, a long-run spike term and day-to-day carry-over of pain -- is chosen by
BIC among every candidate (pairing, carry-over, breakpoint, jump, spike term, or no relation at
all). The tolerated weekly km is the breakpoint: the 7-day load above which next-morning pain
rises.

Honest uncertainty: every choice is made again inside each resample of a block bootstrap of whole
weeks (days within a week are not independent) and inside each fold of a time-ordered validation
(expanding windows, never shuffled), so the 80 % interval and the skill include the uncertainty
of the choices; the interval also holds every other shape that fits about as well
(``breakpoint_interval``). The value is the median of the bootstrap breakpoints (bagging steadies
the jagged profile; issue 16's last session found the full-data fit less biased for linear rises
but less stable for weak ones: docs/method.md). Answers:

- an estimate, when pain rises in more than ``min_share_rising`` of the bootstrap resamples
  and the real alignment of pain and load beats whole-week shifts of the pain log
  (``week_shift_p_value`` <= ``shift_test_alpha``);
- "at least X km" (``at_least_km``; no value) when pain did not rise within the range run;
- no estimate with the reason otherwise, including "not enough history yet (N weeks; about M
  needed)".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.relation.breakpoint_interval import breakpoint_interval_80, breakpoints_within_gaps
from pipeline.relation.hinge import HingeRegression
from pipeline.relation.pain_model import (
    DEFAULT_PAIRING,
    PAIRINGS,
    SCALE_TOP,
    Designs,
    PainModel,
    best_pain_model,
    candidate_designs,
    ceiling_imputed,
    fitted_pain,
    pairing_loads,
)
from pipeline.relation.shift_test import week_shift_p_value
from pipeline.relation.symptoms import by_date, morning_pain_source
from pipeline.relation.validation import time_ordered_skill as skill_over_time

__all__ = ["PAIRINGS", "Estimate", "HingeRegression", "lagged_load_frame", "time_ordered_skill",
           "tolerated_weekly_km", "week_shift_p_value", "what_if"]


@dataclass
class Estimate:
    """The tolerated weekly km (km per 7 days) or None with the reason.

    ``interval`` is the 80% interval (``breakpoint_interval.breakpoint_interval_80``: the
    block bootstrap's, the threshold's own and the rival shapes'); ``at_least_km`` is set (and
    ``value`` is None) when pain did not rise within the range run; ``rise_0_10`` the modelled steady-state
    next-morning pain rise at the 90th percentile of the athlete's own 7-day km (``top``) over the
    pain below the breakpoint; ``cv_skill`` is 1 - MAE(model) / MAE(no relation) in time-ordered
    validation, every choice made inside each fold; ``carry_over`` the day-to-day carry-over of
    pain of the chosen model; ``weeks_needed`` how many weeks of history an estimate needs.
    """

    value: float | None
    interval: tuple[float, float] | None
    n_weeks: int
    n_rated_days: int
    method: str
    reason: str | None = None
    outcome: str = "pain_next_morning_0_10"
    pairing: str = DEFAULT_PAIRING  # which km a rating answers (see PAIRINGS)
    shift_p_value: float | None = None  # see week_shift_p_value
    rise_0_10: float | None = None
    rise_interval: tuple[float, float] | None = None
    cv_skill: float | None = None
    spike_effect_0_10: float | None = None  # points per +10% over the 30-day longest run
    load_range_km: tuple[float, float] | None = None
    at_least_km: float | None = None
    carry_over: float | None = None
    weeks_needed: int | None = None
    share_rising: float | None = None  # share of bootstrap fits in which pain rises
    model: PainModel | None = field(default=None, repr=False)
    boot_models: list = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        """JSON-ready summary (no fitted models)."""
        d = asdict(self)
        d.pop("model")
        d.pop("boot_models")
        return _rounded(d)


def _rounded(obj):
    if isinstance(obj, float):
        return None if not np.isfinite(obj) else round(obj, 2)
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v) for v in obj]
    return obj


METHOD = ("breakpoint model with day-to-day carry-over; pairing, carry-over, breakpoint, jump "
          "and spike term chosen by BIC inside each week-block bootstrap resample and each "
          "time-ordered validation fold")


def lagged_load_frame(daily: pd.DataFrame, *, pairing: str = DEFAULT_PAIRING) -> pd.DataFrame:
    """Per date (every calendar day, rated or not): ``pain_0_10`` (the morning rating),
    ``load_7d_km`` (running km before the rating under ``pairing``; see ``PAIRINGS``),
    ``spike_excess`` (the spike ratio above 1 of the day before, else 0) and ``week_start``."""
    if pairing not in PAIRINGS:
        raise ValueError(f"unknown pairing {pairing!r}; one of {sorted(PAIRINGS)} (only load "
                         "before a rating can explain it)")
    frame = pairing_loads(daily)
    return frame[["pain_0_10", "week_start", "spike_excess"]].assign(
        load_7d_km=frame[pairing])[["pain_0_10", "load_7d_km", "spike_excess", "week_start"]]


def weeks_needed(thresholds: Thresholds) -> int:
    """Weeks of history before the shift test can reach ``shift_test_alpha``: it tries shifts of
    2 .. weeks-2 weeks, so its smallest p-value is 1 / (weeks - 2)."""
    shifts = math.ceil(1 / thresholds.shift_test_alpha - 1 - 1e-9)
    return max(thresholds.min_pain_weeks, shifts + 3)


def _history_reason(n_weeks: int, needed: int, what: str) -> str:
    return (f"not enough history yet ({n_weeks} week{'s' if n_weeks != 1 else ''} {what}; "
            f"about {needed} needed)")


def tolerated_weekly_km(
    daily: pd.DataFrame,
    weekly: pd.DataFrame | None = None,
    *,
    thresholds: Thresholds = Thresholds(),
    seed: int = 0,
) -> Estimate:
    """The athlete's tolerated weekly km (km per 7 days) from their own history, a censored
    "at least" answer, or None with the reason (see the module docstring). Everything is derived
    from ``daily``; ``weekly`` is accepted so callers can pass the pair they hold."""
    th = thresholds
    frame = pairing_loads(daily)
    rows = frame[frame["supported"] & frame["pain_0_10"].notna()]
    weeks_rated = rows.groupby("week_start")["pain_0_10"].count()
    n_weeks = int((weeks_rated >= 2).sum())
    n_days = len(rows)
    history_weeks = len(frame) // 7
    needed = weeks_needed(th)
    base = dict(n_weeks=n_weeks, n_rated_days=n_days, outcome=morning_pain_source(daily),
                method=METHOD, weeks_needed=needed)
    if n_weeks < th.min_pain_weeks:
        return Estimate(None, None, reason=_history_reason(n_weeks, needed,
                                                           "with 2 or more rated mornings"), **base)
    if history_weeks < needed:
        return Estimate(None, None, reason=_history_reason(history_weeks, needed, "of history"),
                        **base)
    if n_days < th.min_pain_days:
        return Estimate(None, None, reason=(
            f"not enough history yet (only {n_days} rated mornings; about {th.min_pain_days} "
            "needed)"), **base)
    x = rows[DEFAULT_PAIRING].to_numpy()
    lo, top = (float(v) for v in np.quantile(x, [0.1, 0.9]))
    base["load_range_km"] = (lo, top)
    if top - lo < max(2.0, 0.2 * np.median(x)):
        return Estimate(None, None, reason=(
            f"your 7-day km barely varied ({lo:.0f}-{top:.0f} km), so the load at which pain "
            "rises cannot be told apart"), **base)

    designs = candidate_designs(frame, rows.index)
    fit = _search(th)
    model = fit(designs, np.ones(n_days))
    draw = _search(th, rng=np.random.default_rng(seed + 2))
    weights = list(_week_weights(designs, n=th.bootstrap_resamples, seed=seed))
    boots = [draw(designs, w) for w in weights]
    rises = np.array([m.rise_at(top) for m in boots])
    rise = model.rise_at(top)
    rise_iv = (float(np.quantile(rises, 0.1)), float(np.quantile(rises, 0.9)))
    rising = [m for m, r in zip(boots, rises) if r > 0]
    common = dict(rise_0_10=rise, rise_interval=rise_iv, cv_skill=time_ordered_skill_of(
        designs, fit), spike_effect_0_10=model.spike_coef_ / (1 - model.carry_over) * 0.1,
        pairing=model.pairing, carry_over=model.carry_over, model=model, boot_models=boots,
        share_rising=len(rising) / max(1, len(boots)), **base)
    if rise < th.min_pain_rise:
        at_least = censored_at_least_km(boots, weights, x, rows["pain_0_10"].to_numpy(), th)
        if at_least is not None:
            return Estimate(None, None, at_least_km=at_least, reason=(
                f"next-morning pain did not rise within the range you ran (7-day km up to about "
                f"{top:.0f} km): your tolerated load is at least {at_least:.0f} km, and above "
                "that it is not yet known"), **common)
        return Estimate(None, None, reason=(
            f"next-morning pain did not rise clearly with load within the range you ran (7-day "
            f"km up to about {top:.0f} km), but no load in it was clearly below a rise with "
            f"mornings in the safe zone (0-{th.pain_safe_max:g}/10) after it; your tolerated "
            "load is not yet known"),
            **common)
    if len(rising) <= th.min_share_rising * len(boots):
        return Estimate(None, None, reason=(
            f"next-morning pain rose with load in only {len(rising)} of {len(boots)} resamples "
            f"of your weeks, so the rise is not consistent enough to place a tolerated load"),
            **common)
    shift_p = week_shift_p_value(frame, fit=fit)
    common["shift_p_value"] = shift_p
    if shift_p is None or shift_p > th.shift_test_alpha + 1e-9:
        return Estimate(None, None, reason=(
            "your pain followed your running no more closely than it follows the same running "
            f"shifted by whole weeks (p = {shift_p:.2f}), so the rise could be chance"
            if shift_p is not None else _history_reason(history_weeks, needed, "of history")),
            **common)
    bps = breakpoints_within_gaps(rising, designs, seed=seed)
    interval = breakpoint_interval_80(model, bps, designs, min_side=th.min_side_rows)
    return Estimate(float(np.median(bps)), interval, **common)


def censored_at_least_km(boots: list[PainModel], weights: list[np.ndarray], loads: np.ndarray,
                         pain: np.ndarray, th: Thresholds) -> float | None:
    """The censored answer "at least X km": a one-sided 90 % lower confidence bound for the
    start of the rise, read from the week-block resamples (``boots``, each with every choice
    made afresh, and their row ``weights``).

    Each resample sees the range run up to the 90th percentile of *its own* loads (a resample
    that did not draw the heaviest weeks sees a lower top: X must be a level the runner reached
    repeatedly, not in one or two weeks). A resample whose model rises at all within that range
    puts the start of the rise at its breakpoint; any other sees no rise up to its top. X is
    the 10th percentile of those starts: below X, 90 % of the resamples put no rise at all.
    Taking where any rise *starts*, not where it reaches ``min_pain_rise``, keeps X below a
    real rise too small to be called one (issue 16: 10 of 35 answers overshot the planted load,
    by up to 15 %, when X was the highest load at which 90 % of the resamples put the rise
    under ``min_pain_rise``). The answer also needs the mornings after the upper half of the
    loads up to X to be in the pain-monitoring model's safe zone (mean <= ``pain_safe_max``):
    pain flat but high is no evidence of a tolerated load, it is also what a runner whose every
    week is above it reports. None when there is no such load (X below the 10th percentile of
    the loads run, or pain not in the safe zone)."""
    lo = float(np.quantile(loads, 0.1))
    starts = []
    for m, w in zip(boots, weights):
        top = _weighted_quantile(loads, w, 0.9)
        starts.append(min(m.breakpoint_, top) if m.rise_at(top) > 0 else top)
    at_least = float(np.quantile(starts, 0.1))
    if at_least < lo:
        return None
    upper = (loads >= np.median(loads)) & (loads <= at_least)
    if not upper.any() or float(np.mean(pain[upper])) > th.pain_safe_max:
        return None
    return at_least


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` with each value counted ``w`` times (the lower value)."""
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cum, q * cum[-1])])


# Buckley-James steps for ratings at 10: the imputed values settle within a few steps (each
# step is a whole search, so the count is kept small; one step left about half the correction)
CEILING_STEPS = 3


def _search(th: Thresholds, *, rng=None):
    """The model search with the thresholds' settings: ``fit(designs, weights) -> PainModel``."""
    def search(designs: Designs, weights: np.ndarray, draw) -> PainModel:
        return best_pain_model(designs, weights, min_side=th.min_side_rows,
                               pairing_margin=th.pairing_margin, rng=draw)

    def fit(designs: Designs, weights: np.ndarray) -> PainModel:
        # ratings at 10/10 are censored: search, put each 10 at its expected value above 10
        # under the model found, and search again (every choice made again)
        if not ((designs.y >= SCALE_TOP) & (weights > 0)).any():
            return search(designs, weights, rng)
        model, imputed = search(designs, weights, None), designs
        for _ in range(CEILING_STEPS):
            y = ceiling_imputed(model, designs, weights)
            if y is None:  # a perfect fit: nothing to impute
                break
            imputed = replace(designs, y=y)
            model = search(imputed, weights, None)
        return search(imputed, weights, rng) if rng is not None else model
    return fit


def _week_weights(designs: Designs, *, n: int, seed: int):
    """Row weights of ``n`` block-bootstrap resamples: whole weeks drawn with replacement (a
    row's weight is how often its week was drawn)."""
    rng = np.random.default_rng(seed)
    n_weeks = int(designs.week.max()) + 1
    for _ in range(n):
        counts = np.bincount(rng.integers(0, n_weeks, n_weeks), minlength=n_weeks)
        yield counts[designs.week].astype(float)


def time_ordered_skill_of(designs: Designs, fit, *, n_splits: int = 4) -> float | None:
    """``validation.time_ordered_skill`` of the search over the rated rows: the whole search
    (pairing, carry-over, breakpoint, jump) run inside each fold."""
    def predicted(train, test):
        w = np.zeros(len(designs.y))
        w[train] = 1.0
        return fitted_pain(fit(designs, w), designs)[test]

    return skill_over_time(predicted, designs.y, n_splits=n_splits)


def time_ordered_skill(X: np.ndarray, y: np.ndarray, *, n_splits: int = 4) -> float | None:
    """``validation.time_ordered_skill`` of a hinge on a plain ``[load, nuisance]`` matrix."""
    def predicted(train, test):
        if np.ptp(X[train, 0]) == 0:
            return None
        return HingeRegression(min_side=3).fit(X[train], y[train]).predict(X[test])

    return skill_over_time(predicted, y, n_splits=n_splits)



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
