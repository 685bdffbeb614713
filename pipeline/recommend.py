"""Next week's running load from the athlete's own pain response (``recommendation.json``).

Status: ``seek_care`` on any red flag; ``reduce`` when the last seven days were red (or
next-morning pain rose in each of the last two weeks); ``progress`` when the last seven days were
green and the seven before were not amber or red; ``hold`` otherwise (amber, or nothing rated).

Numbers (rules of thumb, each named in ``rules_applied``):

- progress: +``progress_step`` (10%) on the last seven days' km, at most 130% of the km of the
  seven days before (Nielsen 2014: > 30% over two weeks), and never above the tolerated cap;
- hold: the last seven days' km, capped; reduce and seek_care: back to the last tolerated level
  (the km of the latest green week, or the tolerated cap) and at most (1 - ``range_width``) x
  the last seven days' km;
- the tolerated cap is the estimate minus half its downside uncertainty (so a noisier estimate
  gives a more cautious cap); ``weekly_run_km.min`` is (1 - ``range_width``) x max;
- ``longest_run_km_max`` <= 110% of the longest run of the 30 days up to ``as_of`` (Frandsen 2025)
  and <= ``max(long_run_share, 1 / runs_per_week)`` of the week's max;
- ``cross_training_min`` fills the gap between the aerobic minutes of the last four weeks and
  the planned running minutes, with a floor when running is reduced: never a plan of complete rest.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.relation.symptoms import (
    by_date,
    calm_baseline_0_10,
    red_flags,
    rest_streaks,
    run_day_lights,
    weekly_pain,
)
from pipeline.relation.tolerance import Estimate, tolerated_weekly_km

CROSS_FLOOR_MIN = 30  # reduce / seek_care: at least two short sessions of cycling or swimming
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
    "single_run_cap": "no run above 110% of the longest of the previous 30 days (Frandsen 2025)",
    "long_run_share": "no single run above a third of the week (runload rule of thumb)",
    "tolerated_cap": "weekly km capped at your own tolerated load (runload estimate)",
    "red_flags": "SCIENCE.md red flags: see an athletic trainer",
    "cross_training": "cross-training keeps aerobic minutes while running is reduced "
                      "(no complete rest)",
}


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
    (``effects.load_effects``), when given, is included as ``load_effects``."""
    d = by_date(daily)
    end = pd.Timestamp(as_of).normalize()
    d = d[d.index <= end]
    hist = d.reset_index()
    if estimate is None:
        estimate = tolerated_weekly_km(hist, weekly, thresholds=thresholds)
    baseline = calm_baseline_0_10(hist, thresholds=thresholds) if len(hist) else None
    windows = (weekly_pain(hist, end=as_of, baseline=baseline, thresholds=thresholds)
               if len(hist) else pd.DataFrame())
    flags = red_flags(hist, as_of=as_of, baseline=baseline, thresholds=thresholds,
                      windows=windows) if len(hist) else []
    last = windows.iloc[-1] if len(windows) else None
    prev = windows.iloc[-2] if len(windows) > 1 else None
    status, why = _status(last, prev, flags, windows, thresholds)
    reasons = [why]
    rules = ["pain_monitoring"]

    recent_km = float(last["run_km"]) if last is not None else 0.0
    prev_km = float(prev["run_km"]) if prev is not None else None
    cap = _tolerated_cap(estimate)
    last_tolerated = _last_tolerated_km(windows, cap)
    if status == "progress":
        top = recent_km * (1 + thresholds.progress_step)
        rules.append("progress_step")
        if prev_km:
            top = min(top, prev_km * (1 + thresholds.two_week_increase_flag))
            rules.append("two_week_increase")
        low = recent_km
    elif status == "hold":
        top = low = recent_km
        # Holding a jump would keep the load that may be provoking the amber signs: after a week
        # well above the three before (Nielsen 2014: > 30 %), hold at their average instead.
        before = d.loc[(d.index > end - pd.Timedelta(days=28))
                       & (d.index <= end - pd.Timedelta(days=7)), "run_km"]
        usual = float(before.sum()) / 3 if len(before) >= 21 else 0.0
        if usual > 0 and recent_km > usual * (1 + thresholds.two_week_increase_flag):
            top = low = usual
            rules.append("two_week_increase")
            reasons.append(f"The last 7 days ({recent_km:.1f} km) were more than "
                           f"{thresholds.two_week_increase_flag:.0%} above your usual "
                           f"{usual:.1f} km a week (the 3 weeks before): hold at the usual "
                           "level rather than the jump.")
    else:
        top = min(last_tolerated if last_tolerated is not None else recent_km,
                  (1 - thresholds.range_width) * recent_km)
        low = None
        reasons.append(_reduce_reason(top, recent_km, last_tolerated))
    if cap is not None and top > cap:
        reasons.append(f"Your tolerated load is about {estimate.value:.0f} km a week; next week's "
                       f"maximum is capped at {cap:.1f} km.")
        top = cap
        rules.append("tolerated_cap")

    window30 = d.loc[d.index > end - pd.Timedelta(days=30), "longest_run_km"]
    longest30 = float(window30.max()) if len(window30) else 0.0
    longest30 = 0.0 if np.isnan(longest30) else longest30
    if longest30 <= 0 and status in ("progress", "hold"):
        top = 2 * thresholds.return_run_km
        reasons.append(f"No run in the last 30 days: restart with short runs of at most "
                       f"{thresholds.return_run_km:g} km and watch the next mornings.")
    elif top <= 0 and status in ("progress", "hold"):
        km28 = float(d.loc[d.index > end - pd.Timedelta(days=28), "run_km"].sum())
        top = max(2 * thresholds.return_run_km, km28 / 4 / 2)
        if cap is not None:
            top = min(top, cap)
        reasons.append(f"No running in the last 7 days: restart at about half your average week "
                       f"of the last 4 weeks ({km28 / 4:.1f} km), at most {top:.1f} km.")
    elif top <= 0:
        reasons.append("Pain is high even without running: pause running, keep cross-training, "
                       "and see an athletic trainer if it does not settle.")
    last28 = d[d.index > end - pd.Timedelta(days=28)]
    runs = int(min(6, max(1, round(float(last28["n_runs"].sum()) / max(1.0, len(last28) / 7)))))
    frandsen = thresholds.single_run_cap * longest30 if longest30 > 0 else thresholds.return_run_km
    rules.append("single_run_cap")
    if top > 0:
        runs = int(min(6, max(runs, math.ceil(top / frandsen - 1e-9))))
        share = max(thresholds.long_run_share, 1 / runs)
        longest = min(frandsen, top * share)
        top = min(top, runs * longest)
        rules.append("long_run_share")
    else:
        longest, runs = 0.0, 0
    longest = _floor1(longest)
    top = _floor1(max(0.0, min(top, runs * longest) if top > 0 else 0.0))
    low = (1 - thresholds.range_width) * top if low is None else min(max(low, 0.0), top)
    if status != "progress" or low >= top:  # a range, never a single number
        low = (1 - thresholds.range_width) * top
    cross = _cross_training_min(d, end=end, planned_km=(low + top) / 2, status=status, top=top,
                                default_min_per_km=thresholds.default_min_per_km)
    if cross > 0:
        rules.append("cross_training")
        reasons.append(f"Cross-train about {cross} min (cycling, swimming or water running) to "
                       "keep your aerobic minutes up; note in the pain log whether it provokes "
                       "symptoms.")
    if status == "progress":
        reasons.append(f"Progress modestly: {top:.1f} km at most, "
                       f"+{thresholds.progress_step:.0%} on "
                       f"the last 7 days' {recent_km:.1f} km (a convention), and no more than "
                       f"+{thresholds.two_week_increase_flag:.0%} over two weeks.")
    reasons.append(f"Longest run at most {longest:.1f} km: 110% of your longest run of the last "
                   f"30 days ({longest30:.1f} km) and no more than a share of the week's maximum.")
    reasons += _estimate_reasons(estimate, windows)
    reasons += _rest_reasons(hist, end=end, thresholds=thresholds)
    if flags:
        rules.append("red_flags")
        if top == 0:
            reasons.append("Running pauses until you have been assessed; keep moving with "
                           "cross-training, since complete rest is not advised.")
    acwr = d["acwr_ewma"].dropna() if "acwr_ewma" in d else pd.Series(dtype=float)
    if len(acwr):
        reasons.append(f"Acute:chronic ratio {acwr.iloc[-1]:.2f} (context only, not a risk score: "
                       "Impellizzeri 2020, Frandsen 2025).")
    out = {
        "athlete": athlete,
        "as_of": as_of.isoformat(),
        "week_start": (as_of + timedelta(days=7 - as_of.weekday())).isoformat(),
        "status": status,
        "weekly_run_km": {"min": _floor1(low), "max": top},
        "longest_run_km_max": longest,
        "runs_per_week": runs,
        "tolerated_weekly_km": None if estimate.value is None else round(estimate.value, 1),
        "cross_training_min": cross,
        "red_flags": flags,
        "reasons": reasons,
        "confidence": confidence(estimate),
        "rules_applied": [{"rule": r, "source": RULES[r]} for r in dict.fromkeys(rules)],
        "pain_zones": _pain_zones(last, baseline),
        "pain_weeks": pain_weeks(windows),
        "pain_days": pain_days(hist, end=end, baseline=baseline, thresholds=thresholds),
        "tolerance": estimate.as_dict(),
        "cadence_experiment": cadence_experiment(d, end=end),
    }
    if effects is not None:
        out["load_effects"] = effects
    return _json_ready(out)


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


def _floor1(km: float) -> float:
    """Rounded down to 0.1 km, so a rounded cap is never above the rule that set it."""
    return math.floor(km * 10 + 1e-6) / 10


def _status(last, prev, flags, windows, thresholds) -> tuple[str, str]:
    if flags:
        return "seek_care", ("One or more red flags: please contact an athletic trainer for an "
                             "assessment before building up again.")
    if last is None or last["light"] is None:
        return "hold", "No pain ratings in the last 7 days: hold the load and log pain to progress."
    changes = windows["morning_change_0_10"].tail(2).to_numpy()
    rising = (len(changes) == 2 and np.all(changes > 0)
              and changes.sum() >= 2 * thresholds.pain_trend_rise)
    summary = _window_summary(last)
    if last["light"] == "red" or rising:
        extra = (f" Next-morning pain rose two weeks in a row (+{changes.sum():.1f} points)."
                 if rising else "")
        return "reduce", f"Last 7 days were red: {summary}.{extra}"
    if last["light"] == "green" and (prev is None or prev["light"] in ("green", None)):
        return "progress", f"Last 7 days were green: {summary}."
    light = prev["light"] if prev is not None else None
    after = f" after {'an' if light == 'amber' else 'a'} {light} week" if light else ""
    return "hold", f"Last 7 days were {last['light']}{after}: {summary}."


def _window_summary(w) -> str:
    n = int(w["n_runs"])
    parts = [f"{w['run_km']:.1f} km in {n} run{'' if n == 1 else 's'}"]
    if not pd.isna(w["during_max_0_10"]):
        parts.append(f"pain during runs at most {w['during_max_0_10']:g}/10")
    if w["n_morning"]:
        parts.append(f"next-morning pain averaging {w['morning_mean_0_10']:.1f}/10")
    if not pd.isna(w["morning_change_0_10"]):
        parts.append(f"{w['morning_change_0_10']:+.1f} on the week before")
    return ", ".join(parts)


def _tolerated_cap(estimate: Estimate) -> float | None:
    """The estimate minus half its downside uncertainty (km)."""
    if estimate.value is None:
        return None
    lo = estimate.interval[0] if estimate.interval else estimate.value
    return estimate.value - max(0.0, estimate.value - lo) / 2


def _last_tolerated_km(windows: pd.DataFrame, cap: float | None) -> float | None:
    """The km of the latest green seven-day window before the last one (capped)."""
    before = windows.iloc[:-1]
    green = before[before["light"] == "green"] if len(before) else before
    km = float(green["run_km"].iloc[-1]) if len(green) else None
    if cap is not None:
        km = cap if km is None else min(km, cap)
    return km


def _reduce_reason(top: float, recent_km: float, last_tolerated: float | None) -> str:
    if last_tolerated is not None:
        return (f"Reduce to {top:.1f} km at most: back to the last load you tolerated "
                f"({last_tolerated:.1f} km) and below the last 7 days' {recent_km:.1f} km.")
    return f"Reduce to {top:.1f} km at most, below the last 7 days' {recent_km:.1f} km."


def _cross_training_min(d: pd.DataFrame, *, end, planned_km: float, status: str, top: float,
                        default_min_per_km: float) -> int:
    """Minutes of cross-training a week: usual aerobic minutes minus planned running minutes."""
    last28 = d[d.index > end - pd.Timedelta(days=28)]
    weeks = max(1.0, len(last28) / 7)
    aerobic = float(last28["aerobic_min"].sum()) / weeks if "aerobic_min" in last28 else 0.0
    km = float(last28["run_km"].sum())
    pace = (float(last28["run_min"].sum()) / km if km > 0 and "run_min" in last28
            else default_min_per_km)
    gap = max(0.0, aerobic - planned_km * pace)
    if status in ("reduce", "seek_care"):
        gap = max(gap, CROSS_FLOOR_MIN)
    if top <= 0:
        gap = max(gap, aerobic, 2 * CROSS_FLOOR_MIN)
    return int(5 * round(gap / 5))


def _estimate_reasons(estimate: Estimate, windows: pd.DataFrame) -> list[str]:
    if estimate.value is None:
        return [f"No tolerated-km estimate yet: {estimate.reason}. The rule-based model decides "
                "alone (confidence low)."]
    lo, hi = estimate.interval
    out = [f"Your tolerated load is about {estimate.value:.0f} km per 7 days (80% interval "
           f"{lo:.0f}-{hi:.0f} km, from {estimate.n_weeks} weeks and {estimate.n_rated_days} rated "
           f"mornings): above it, next-morning pain rose by about {estimate.rise_0_10:.1f} points."]
    w = windows.dropna(subset=["morning_change_0_10"])
    above = w[w["run_km"] > estimate.value]
    if len(above):
        rose = int((above["morning_change_0_10"] > 0).sum())
        each = "each" if rose == len(above) else f"{rose}"
        out.append(f"Next-morning pain rose in {each} of the {len(above)} weeks above "
                   f"{estimate.value:.0f} km.")
    return out


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


def confidence(estimate: Estimate) -> str:
    """low without an estimate; high with >= 12 rated weeks, an 80% interval within +-15% and a
    positive time-ordered validation skill; medium otherwise."""
    if estimate.value is None:
        return "low"
    lo, hi = estimate.interval
    narrow = (hi - lo) / 2 <= 0.15 * estimate.value
    if estimate.n_weeks >= 12 and narrow and (estimate.cv_skill or 0) > 0:
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
