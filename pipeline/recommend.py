"""Next week's running load from the athlete's own pain response (``recommendation.json``).

The pain model gives the intent: ``seek_care`` on any red flag; ``reduce`` when the last seven
days were red (or next-morning pain rose in each of the last two weeks); ``progress`` when the
last seven days were green and the seven before were not amber or red; ``hold`` otherwise
(amber, or nothing rated). ``week_plan`` does the arithmetic (each rule a ``Bound``; the smallest
sets next week's maximum) and makes the status match the numbers (CONTRACT.md); the functions
here turn it into sentences that name the rule that binds, with its arithmetic:

- progress: +``progress_step`` (10%) on the last seven days' km, at most 130% of the km of the
  seven days before (Nielsen 2014: > 30% over two weeks), and never above the tolerated cap;
- hold: the last seven days' km (after a jump, the usual level of the three weeks before);
  reduce and seek_care: (1 - ``range_width``) x the last seven days' km, or back to the last green
  week; the tolerated cap is the estimate minus half its downside uncertainty (so a noisier
  estimate gives a more cautious cap); ``weekly_run_km.min`` is (1 - ``range_width``) x max;
- ``longest_run_km_max`` <= 110% of the longest run of the 30 days up to ``as_of`` (Frandsen 2025)
  and <= ``max(long_run_share, 1 / runs_per_week)`` of the week's max;
- ``cross_training_min`` fills the gap between the aerobic minutes of the last four weeks and
  the planned running minutes, with a floor when running is reduced: never a plan of complete rest;
- ``data_through`` is the last date with an activity or a pain entry; ``stale`` data (more than
  ``stale_after_days`` before ``as_of``) gets a restart plan that says since when nothing came.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.relation.symptoms import (
    PAIN_COLUMNS,
    by_date,
    calm_baseline_0_10,
    red_flags,
    rest_streaks,
    run_day_lights,
    weekly_pain,
)
from pipeline.relation.tolerance import Estimate, tolerated_weekly_km
from pipeline.week_plan import Bound, WeekPlan, floor1, week_plan

CADENCE_CAVEAT = (
    "A 5-10% higher step rate at the same speed lowers hip and knee loading (Heiderscheit 2011) "
    "but raises hamstring activity in late swing (Chumanov 2012): try it on easy runs and keep it "
    "only if your pain log stays calm. It is an experiment, not a cure."
)
RULES = {
    "pain_monitoring": "Silbernagel 2007 pain-monitoring model, Thomee's zones (0-2, 2-5, > 5)",
    "progress_step": "+10% a week: a convention only (the 10% rule did not prevent injuries, "
                     "Buist 2008)",
    "two_week_increase": "no more than +30% over two weeks (Nielsen 2014, HR 1.59)",
    "hold": "hold the last 7 days' km while the pain signs are amber (pain-monitoring model)",
    "reduce_step": "reduce below the last 7 days' km after a red week (pain-monitoring model: "
                   "reduce the load that preceded a higher next-morning pain)",
    "last_tolerated": "back to the last week whose pain signs were green (pain-monitoring model)",
    "restart": "after a week without running, restart at about half the usual week "
               "(runload rule of thumb)",
    "return_runs": "after 30 days without running, short first runs (runload rule of thumb)",
    "single_run_cap": "no run above 110% of the longest of the previous 30 days (Frandsen 2025)",
    "long_run_share": "no single run above a third of the week (runload rule of thumb)",
    "tolerated_cap": "weekly km capped at your own tolerated load (runload estimate)",
    "red_flags": "SCIENCE.md red flags: see an athletic trainer",
    "cross_training": "cross-training keeps aerobic minutes while running is reduced "
                      "(no complete rest)",
}
VERB = {"progress": "progress", "hold": "hold", "reduce": "reduce", "seek_care": "seek care"}


def recommendation(
    daily: pd.DataFrame,
    weekly: pd.DataFrame | None,
    *,
    athlete: str,
    as_of: date,
    thresholds: Thresholds = Thresholds(),
    estimate: Estimate | None = None,
    effects: dict | None = None,
) -> dict:
    """``recommendation.json`` for the week starting the Monday after ``as_of``.

    ``estimate`` (``tolerance.tolerated_weekly_km``) is computed when not given; ``effects``
    (``effects.load_effects``), when given, is included as ``load_effects``. Only rows of
    ``daily`` dated on or before ``as_of`` are used."""
    th = thresholds
    end = pd.Timestamp(as_of).normalize()
    d = daily_until(daily, end)
    hist = d.reset_index()
    if estimate is None:
        estimate = tolerated_weekly_km(hist, weekly, thresholds=th)
    through = data_through(d)
    stale = is_stale(through, end, th)
    baseline = calm_baseline_0_10(hist, thresholds=th) if len(hist) else None
    windows = (weekly_pain(hist, end=as_of, baseline=baseline, thresholds=th)
               if len(hist) else pd.DataFrame())
    flags = red_flags(hist, as_of=as_of, baseline=baseline, thresholds=th,
                      windows=windows) if len(hist) else []
    last = windows.iloc[-1] if len(windows) else None
    prev = windows.iloc[-2] if len(windows) > 1 else None
    intent, why = pain_intent(last, prev, flags, windows, th)
    plan = week_plan(d, end=end, intent=intent, windows=windows,
                     cap=tolerated_cap(estimate), thresholds=th)
    reasons = ([stale_reason(through, end)] if stale else []) + [why]
    reasons += plan_reasons(plan, th)
    reasons += estimate_reasons(estimate, windows)
    reasons += confidence_reasons(estimate, th)
    reasons += _rest_reasons(hist, end=end, thresholds=th)
    if flags and plan.max_km == 0:
        reasons.append("Running pauses until you have been assessed; keep moving with "
                       "cross-training, since complete rest is not advised.")
    acwr = d["acwr_ewma"].dropna() if "acwr_ewma" in d else pd.Series(dtype=float)
    if len(acwr) and np.isfinite(acwr.iloc[-1]):
        reasons.append(f"Acute:chronic ratio {acwr.iloc[-1]:.2f} (context only, not a risk score: "
                       "Impellizzeri 2020, Frandsen 2025).")
    rules = plan.rules + (["red_flags"] if flags else [])
    out = {
        "athlete": athlete,
        "as_of": as_of.isoformat(),
        "week_start": (as_of + timedelta(days=7 - as_of.weekday())).isoformat(),
        "status": plan.status,
        "weekly_run_km": {"min": plan.min_km, "max": plan.max_km},
        "longest_run_km_max": plan.longest_run_km,
        "runs_per_week": plan.runs_per_week,
        "tolerated_weekly_km": None if estimate.value is None else round(estimate.value, 1),
        "cross_training_min": plan.cross_training_min,
        "red_flags": flags,
        "reasons": reasons,
        "confidence": confidence(estimate, th),
        "data_through": None if through is None else through.date().isoformat(),
        "stale": stale,
        "last_7_days_run_km": plan.last_7_days_run_km,
        "binding_rule": plan.binding.rule,
        "rules_applied": [{"rule": r, "source": RULES[r]} for r in dict.fromkeys(rules)],
        "pain_zones": _pain_zones(last, baseline),
        "pain_weeks": pain_weeks(windows),
        "pain_days": pain_days(hist, end=end, baseline=baseline, thresholds=th),
        "tolerance": estimate.as_dict(),
        "cadence_experiment": cadence_experiment(d, end=end),
    }
    if effects is not None:
        out["load_effects"] = effects
    return _json_ready(out)


def daily_until(daily: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """The daily frame by date, every calendar day from the first row up to ``end`` (days after
    the last row, if any, are empty days: nothing run, nothing rated)."""
    d = by_date(daily)
    d = d[d.index <= end]
    if len(d) and d.index.max() < end:
        d = by_date(d.reindex(pd.date_range(d.index.min(), end, freq="D")).rename_axis("date")
                    .reset_index())
    return d


def data_through(d: pd.DataFrame) -> pd.Timestamp | None:
    """The last date with an activity or a pain entry (None when there is none)."""
    active = d["run_km"].fillna(0) > 0
    if "aerobic_min" in d:
        active |= d["aerobic_min"].fillna(0) > 0
    if "rest_day" in d:
        active |= ~d["rest_day"].astype("boolean").fillna(True).astype(bool)
    for col in PAIN_COLUMNS + ("weakness", "rehab", "compression"):
        if col in d:
            active |= d[col].notna()
    return d.index[active.to_numpy()].max() if active.any() else None


def is_stale(through: pd.Timestamp | None, end: pd.Timestamp, th: Thresholds) -> bool:
    """True when the last entry is more than ``stale_after_days`` before ``end`` (or none)."""
    return through is None or (end - through).days > th.stale_after_days


def stale_reason(through: pd.Timestamp | None, end: pd.Timestamp) -> str:
    if through is None:
        return "No activity or pain entry yet: this is a restart plan with short runs."
    return (f"No data since {through.date().isoformat()} ({(end - through).days} days before "
            f"{end.date().isoformat()}): this is a restart plan, built as if you had not run "
            "since; log your runs and pain to get a plan from your own response.")


def _json_ready(obj):
    """NaN and missing values become None (valid JSON); numpy scalars become Python ones."""
    if isinstance(obj, dict):
        return {k: _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, (np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, (float, np.floating)):
        return None if not np.isfinite(obj) else float(obj)
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def plan_reasons(plan: WeekPlan, th: Thresholds) -> list[str]:
    """The sentences of the plan: the maximum and the rule that binds it (with its arithmetic),
    why the status differs from the pain signs when it does, the longest run and its binding
    rule, and cross-training."""
    out = []
    b = plan.binding
    last7 = plan.last_7_days_run_km
    if plan.max_km > 0:
        out.append(f"Next week at most {plan.max_km:.1f} km (last 7 days: {last7:.1f} km), set by "
                   f"the {_rule_name(b.rule)} rule: {b.arithmetic}.")
        others = [x for x in plan.bounds if x is not b and x.km > b.km + 0.05]
        if others:
            out.append("Also considered: " + "; ".join(
                f"{_rule_name(x.rule)} {floor1(x.km):.1f} km ({x.arithmetic})"
                for x in others) + ".")
    else:
        out.append(f"No running next week: {b.arithmetic}.")
    if plan.status != plan.intent:
        lo, hi = th.hold_band
        out.append(
            f"Status {VERB[plan.status]}, not {VERB[plan.intent]}: {plan.max_km:.1f} km is "
            + (f"{plan.max_km / last7:.0%} of the last 7 days' {last7:.1f} km (hold means "
               f"{lo:.0%}-{hi:.0%}, progress above 100%)" if last7 > 0 else
               "a restart from no running in the last 7 days")
            + ".")
    if plan.max_km > 0:
        lb = plan.longest_binding
        out.append(f"Longest run at most {plan.longest_run_km:.1f} km, set by the "
                   f"{_rule_name(lb.rule)} rule: {lb.arithmetic}; {plan.runs_per_week} run"
                   f"{'' if plan.runs_per_week == 1 else 's'} a week.")
    if plan.cross_training_min > 0:
        out.append(f"Cross-train about {plan.cross_training_min} min to keep your aerobic "
                   "minutes up (the plan names the sports that stayed calm for you); note in the "
                   "pain log whether it provokes symptoms.")
    return out


def _rule_name(rule: str) -> str:
    return rule.replace("_", "-")


def tolerated_cap(estimate: Estimate) -> Bound | None:
    """The estimate minus half its downside uncertainty (km), as a bound on next week."""
    if estimate.value is None:
        return None
    lo = estimate.interval[0] if estimate.interval else estimate.value
    km = estimate.value - max(0.0, estimate.value - lo) / 2
    return Bound("tolerated_cap", km, (
        f"your tolerated load of {estimate.value:.1f} km minus half its downside uncertainty "
        f"({estimate.value:.1f} - ({estimate.value:.1f} - {lo:.1f}) / 2 = {km:.1f} km)"))


def pain_intent(last, prev, flags, windows, thresholds) -> tuple[str, str]:
    """The status the pain signs alone give (before the numbers are checked) and its reason."""
    if flags:
        return "seek_care", ("One or more red flags: please contact an athletic trainer for an "
                             "assessment before building up again.")
    if last is None or last["light"] is None or pd.isna(last["light"]):
        return "hold", ("No pain ratings in the last 7 days, so the pain signs give no reason to "
                        "change the load; log next-morning pain to progress.")
    changes = windows["morning_change_0_10"].tail(2).to_numpy()
    rising = (len(changes) == 2 and np.all(changes > 0)
              and changes.sum() >= 2 * thresholds.pain_trend_rise)
    summary = _window_summary(last)
    if last["light"] == "red" or rising:
        extra = (f" Next-morning pain rose two weeks in a row (+{changes.sum():.1f} points)."
                 if rising else "")
        return "reduce", f"Last 7 days were red: {summary}.{extra}"
    if last["light"] == "green" and (prev is None or prev["light"] in ("green", None)
                                     or pd.isna(prev["light"])):
        return "progress", f"Last 7 days were green: {summary}."
    light = prev["light"] if prev is not None and not pd.isna(prev["light"]) else None
    after = f" after {'an' if light == 'amber' else 'a'} {light} week" if light else ""
    return "hold", f"Last 7 days were {last['light']}{after}: {summary}."


def _window_summary(w) -> str:
    n = int(w["n_runs"]) if not pd.isna(w["n_runs"]) else 0
    km = float(w["run_km"]) if not pd.isna(w["run_km"]) else 0.0
    parts = [f"{km:.1f} km in {n} run{'' if n == 1 else 's'}"]
    if not pd.isna(w["during_max_0_10"]):
        parts.append(f"pain during runs at most {w['during_max_0_10']:g}/10")
    if w["n_morning"]:
        parts.append(f"next-morning pain averaging {w['morning_mean_0_10']:.1f}/10")
    if not pd.isna(w["morning_change_0_10"]):
        parts.append(f"{w['morning_change_0_10']:+.1f} on the week before")
    return ", ".join(parts)


def estimate_reasons(estimate: Estimate, windows: pd.DataFrame) -> list[str]:
    """What the tolerated-load estimate says, in words (the censored and missing cases too)."""
    if estimate.value is None and estimate.at_least_km is not None:
        return [f"Tolerated load: at least {estimate.at_least_km:.0f} km per 7 days, not a "
                f"number yet: {estimate.reason}. The rule-based model decides alone."]
    if estimate.value is None:
        return [f"No tolerated-km estimate yet: {estimate.reason}. The rule-based model decides "
                "alone (confidence low)."]
    lo, hi = estimate.interval
    out = [f"Your tolerated load is about {estimate.value:.0f} km per 7 days (80% interval "
           f"{lo:.0f}-{hi:.0f} km, from {estimate.n_weeks} weeks and {estimate.n_rated_days} rated "
           f"mornings): above it, next-morning pain rose by about {estimate.rise_0_10:.1f} points."]
    w = windows.dropna(subset=["morning_change_0_10"]) if len(windows) else windows
    above = w[w["run_km"] > estimate.value] if len(w) else w
    if len(above):
        rose = int((above["morning_change_0_10"] > 0).sum())
        each = "each" if rose == len(above) else f"{rose}"
        out.append(f"Next-morning pain rose in {each} of the {len(above)} weeks above "
                   f"{estimate.value:.0f} km.")
    return out


def confidence_reasons(estimate: Estimate, th: Thresholds) -> list[str]:
    """Why the confidence is what it is, with the numbers it rests on."""
    if estimate.value is None:
        return []
    level = confidence(estimate, th)
    skill = estimate.cv_skill
    skill_text = ("no out-of-sample check was possible" if skill is None else
                  f"out-of-sample skill {skill:+.2f} against no relation")
    lo, hi = estimate.interval
    return [f"Confidence {level}: {skill_text}, {estimate.n_weeks} rated weeks, interval "
            f"-{(estimate.value - lo) / estimate.value:.0%}/+{(hi - estimate.value) / estimate.value:.0%} "
            f"of the estimate (high needs skill above 0, {th.confidence_high_min_weeks} weeks and "
            f"both ends within +-{th.confidence_high_max_halfwidth:.0%})."]


def _rest_reasons(hist: pd.DataFrame, *, end, thresholds: Thresholds) -> list[str]:
    streaks = rest_streaks(hist)
    long = streaks[(streaks["days"] >= thresholds.rest_stretch_days)
                   & (streaks["end"] > end - pd.Timedelta(days=28))] if len(streaks) else streaks
    if not len(long):
        return []
    s = long.iloc[-1]
    return [f"{int(s['days'])} days in a row without any activity ({s['start'].date()} to "
            f"{s['end'].date()}): complete rest is not advised for tendinopathy; keep moving with "
            "cross-training and graded running."]


def confidence(estimate: Estimate, thresholds: Thresholds = Thresholds()) -> str:
    """low without an estimate or when the estimate's out-of-sample skill does not beat "no
    relation" (or could not be measured); high with >= ``confidence_high_min_weeks`` rated
    weeks and both ends of the 80% interval within +-``confidence_high_max_halfwidth`` of the
    estimate; medium otherwise.

    Both ends, not the half-width: an interval reaching far below an estimate that sits near its
    top says the data also fit a much lower tolerated load (issue 16's noisy hinge: 35.9 km in
    28.5-36.3 km for a planted 25 km, a half-width of 11 % but 21 % below), and an overestimate
    is the harmful direction. On the validation study this moved 19 estimates from high to
    medium, and high was then within +-20 % more often (docs/method.md)."""
    skill = estimate.cv_skill
    if estimate.value is None or skill is None or not skill > 0:  # NaN is not skill either
        return "low"
    lo, hi = estimate.interval
    reach = max(estimate.value - lo, hi - estimate.value)
    narrow = reach <= thresholds.confidence_high_max_halfwidth * estimate.value
    if estimate.n_weeks >= thresholds.confidence_high_min_weeks and narrow:
        return "high"
    return "medium"


def pain_weeks(windows: pd.DataFrame, *, n: int = 8) -> list[dict]:
    """The last ``n`` seven-day windows ending on ``as_of``: start, km, mean next-morning and
    sitting pain, their change on the window before, and the traffic light (None: unrated)."""
    rows = []
    for w in windows.tail(n).to_dict("records"):
        rows.append({"week_start": w["week_start"].date().isoformat(),
                     "run_km": round(float(w["run_km"]), 1),
                     "next_morning_mean_0_10": _maybe(w["morning_mean_0_10"]),
                     "next_morning_change_0_10": _maybe(w["morning_change_0_10"]),
                     "sitting_mean_0_10": _maybe(w["sitting_mean_0_10"]),
                     "light": w["light"]})
    return rows


def pain_days(hist: pd.DataFrame, *, end, baseline, thresholds: Thresholds,
              days: int = 28) -> list[dict]:
    """Run days of the last ``days`` days with their zones and light (Silbernagel)."""
    if not len(hist):
        return []
    lights = run_day_lights(hist, baseline=baseline, thresholds=thresholds)
    lights = lights[lights["date"] > end - pd.Timedelta(days=days)]
    return [{"date": r["date"].date().isoformat(), "run_km": round(float(r["run_km"]), 1),
             "pain_during_run_0_10": _maybe(r["pain_during_run_0_10"]),
             "pain_next_morning_0_10": _maybe(r["pain_next_morning_0_10"]),
             "light": r["light"]} for r in lights.to_dict("records")]


def _pain_zones(last, baseline) -> dict:
    if last is None:
        return {"last_7_days": None, "calm_baseline_0_10": baseline}
    return {
        "last_7_days": last["light"],
        "calm_baseline_0_10": None if baseline is None else round(baseline, 1),
        "next_morning_mean_0_10": _maybe(last["morning_mean_0_10"]),
        "during_run_max_0_10": _maybe(last["during_max_0_10"]),
        "red_days": int(last["red_days"]),
        "amber_days": int(last["amber_days"]),
    }


def _maybe(value) -> float | None:
    return None if pd.isna(value) else round(float(value), 1)


def cadence_experiment(d: pd.DataFrame, *, end) -> dict | None:
    """+5-10% step rate at the same speed, relative to the runner's own cadence at the reference
    speed over the last 28 days (median; None without three measured days). Never a fixed 180."""
    if "cadence_at_ref_spm" not in d:
        return None
    c = d.loc[d.index > end - pd.Timedelta(days=28), "cadence_at_ref_spm"].dropna()
    if len(c) < 3:
        return None
    now = float(c.median())
    return {"current_spm": round(now), "try_spm": [round(now * 1.05), round(now * 1.10)],
            "caveat": CADENCE_CAVEAT}
