"""Next week's caps on uphill minutes (grade > 4 %) and minutes faster than the easy pace, and
the long run by duration (SCIENCE.md "How hard, not only how much").

The runner's own response: over the last ``intensity_weeks`` seven-day windows, the mean
next-morning pain after each window's days is regressed on the window's km, uphill minutes and
fast minutes together (ordinary least squares), so hills that merely come with more km are not
blamed for what the km did. A kind of running *provokes* when its slope has t >= ``min_t_value``
and the modelled rise between the runner's 10th- and 90th-percentile weeks is
>= ``min_rise_0_10``.
Its cap then comes down to what stayed calm: the median minutes of the calmer half of the weeks,
and at most ``provoking_cap_share`` of the recent weekly minutes.

Without a provoking signal the caps follow the status (a rule of thumb): progress lets a calm
kind grow like the km (+10 %), hold keeps the usual minutes, reduce and seek_care scale them with
the planned km. In a graded return (the last 14 days had neither hills nor fast running) hills come
back first, then strides, one at a time and never in the week another kind provoked.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from pipeline.plan.days import last_days, morning_after, windows
from pipeline.plan.rules import PlanRules

KINDS = {"uphill_min": "uphill running (grade > 4 %)", "fast_min": "running faster than your "
         "easy pace"}


def weekly_response_rows(d: pd.DataFrame, *, as_of: date, rules: PlanRules) -> pd.DataFrame:
    """One row per complete seven-day window (oldest first): ``run_km``, ``uphill_min``,
    ``fast_min`` and ``morning_0_10``, the mean next-morning pain after its days (NaN with fewer
    than two ratings)."""
    after = morning_after(d)
    # each morning answers the 7 days before it (the tolerance model's pairing): a window's
    # exposure is the mean over its days of the 7-day sums, so last week's hills count too
    seven = {c: (d[c] if c in d else pd.Series(0.0, index=d.index)).rolling(7, min_periods=1)
             .sum() for c in ("run_km", "uphill_min", "fast_min")}
    rows = []
    for w in windows(d, as_of=as_of, n=rules.intensity_weeks):
        pain = after.loc[w.index].dropna()
        rows.append({"end": w.index[-1], "run_km": float(w["run_km"].sum()),
                     "uphill_min": float(w["uphill_min"].sum()) if "uphill_min" in w else 0.0,
                     "fast_min": float(w["fast_min"].sum()) if "fast_min" in w else 0.0,
                     **{f"{c}_7d": float(seven[c].loc[w.index].mean()) for c in seven},
                     "morning_0_10": float(pain.mean()) if len(pain) >= 2 else np.nan})
    return pd.DataFrame(rows, columns=["end", "run_km", "uphill_min", "fast_min", "run_km_7d",
                                       "uphill_min_7d", "fast_min_7d", "morning_0_10"])


def response(rows: pd.DataFrame, *, rules: PlanRules) -> dict:
    """Per kind (``uphill_min``, ``fast_min``): the slope (points per minute) at the same km,
    its t value, the rise between the quartile weeks and whether the kind provokes.
    ``{"n_weeks": n}`` alone when there are too few rated windows."""
    r = rows.dropna(subset=["morning_0_10"])
    out: dict = {"n_weeks": len(r)}
    if len(r) < rules.min_intensity_weeks:
        return out
    names = [c for c in ("run_km_7d", "uphill_min_7d", "fast_min_7d") if r[c].std() > 1e-9]
    x = np.column_stack([np.ones(len(r))] + [r[c].to_numpy() for c in names])
    y = r["morning_0_10"].to_numpy()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    dof = len(y) - x.shape[1]
    resid = y - x @ beta
    s2 = float(resid @ resid) / dof if dof > 0 else np.inf
    cov = s2 * np.linalg.pinv(x.T @ x)
    for kind in KINDS:
        if f"{kind}_7d" not in names:
            # the same minutes every week (often none): nothing to learn from, no sentence
            out[kind] = {"slope_per_min": 0.0, "t": 0.0, "rise_0_10": 0.0, "provokes": False,
                         "varied": False}
            continue
        i = 1 + names.index(f"{kind}_7d")
        slope = float(beta[i])
        se = math.sqrt(cov[i, i]) if cov[i, i] > 0 and np.isfinite(cov[i, i]) else np.inf
        t = slope / se if se > 0 else 0.0
        lo, hi = np.percentile(r[f"{kind}_7d"], [10, 90])
        rise = slope * float(hi - lo)
        out[kind] = {"slope_per_min": round(slope, 4), "t": round(float(t), 2),
                     "rise_0_10": round(rise, 2), "from_min": round(float(lo)),
                     "to_min": round(float(hi)),
                     "provokes": bool(t >= rules.min_t_value and rise >= rules.min_rise_0_10)}
    return out


def _calm_minutes(rows: pd.DataFrame, kind: str) -> float:
    """Median minutes of ``kind`` over the calmer half of the rated windows."""
    r = rows.dropna(subset=["morning_0_10"])
    calm = r[r["morning_0_10"] <= r["morning_0_10"].median()]
    return float(calm[kind].median())


def intensity_caps(d: pd.DataFrame, rec: dict, *, as_of: date, rules: PlanRules) -> dict:
    """``uphill_min_max``, ``fast_min_max`` and ``long_run_min_max`` (whole minutes, rounded
    down), ``intensity_response`` (what the runner's history showed) and ``reasons``."""
    rows = weekly_response_rows(d, as_of=as_of, rules=rules)
    resp = response(rows, rules=rules)
    status = rec.get("status")
    top = float((rec.get("weekly_run_km") or {}).get("max") or 0.0)
    recent4 = rows.tail(4)
    usual_km = float(recent4["run_km"].mean()) if len(recent4) else 0.0
    last14 = last_days(d, as_of=as_of, days=14)
    graded = bool(len(last14)) and float(last14.get("uphill_min", pd.Series(0.0)).sum()) <= 0 \
        and float(last14.get("fast_min", pd.Series(0.0)).sum()) <= 0
    reasons: list[str] = []
    caps: dict[str, float] = {}
    provoked = [k for k in KINDS if resp.get(k, {}).get("provokes")]
    for kind, what in KINDS.items():
        usual = float(recent4[kind].mean()) if len(recent4) else 0.0
        latest = float(rows[kind].iloc[-1]) if len(rows) else 0.0
        if kind in provoked:
            calm = _calm_minutes(rows, kind)
            cap = min(calm, rules.provoking_cap_share * usual)
            e = resp[kind]
            reasons.append(
                f"Weeks with more {what} were followed by more next-morning pain: about "
                f"+{e['rise_0_10']:.1f} points from {e['from_min']} to {e['to_min']} min a week "
                f"at the same km ({resp['n_weeks']} rated weeks). Next week's cap is "
                f"{math.floor(cap)} min: what your calmer weeks had (median {calm:.0f} min) and "
                f"below your recent {usual:.0f} min a week.")
        elif top <= 0:
            cap = 0.0
        elif status in ("reduce", "seek_care"):
            share = min(1.0, top / usual_km) if usual_km > 0 else 0.0
            cap = usual * share
            if usual > 0:
                reasons.append(f"{what.capitalize()}: at most {math.floor(cap)} min, your usual "
                               f"{usual:.0f} min a week scaled down with the km.")
        elif graded and kind == "uphill_min" and status == "progress" and not provoked:
            cap = rules.hill_restart_min
            reasons.append(f"Graded return: volume came back on flat, easy running; hills come "
                           f"back first, about {cap:.0f} min next week, then faster running "
                           "(one at a time, each watched through the next mornings).")
        elif graded:
            cap = 0.0
        elif (kind == "fast_min" and status == "progress" and not provoked
              and float(last14["fast_min"].sum()) <= 0 and float(last14["uphill_min"].sum()) > 0):
            cap = rules.fast_restart_min
            reasons.append(f"Hills are back and your mornings allow progress: add about "
                           f"{cap:.0f} min of strides (faster running comes back last).")
        elif status == "progress":
            cap = max(usual, latest) * (1 + rules.intensity_progress)
        else:
            cap = usual
        caps[kind] = max(0.0, cap)
    for kind, what in KINDS.items():
        e = resp.get(kind)
        if (e and not e["provokes"] and e.get("varied", True)
                and resp["n_weeks"] >= rules.min_intensity_weeks):
            reasons.append(f"No clear link between {what} and your next-morning pain at the "
                           f"same km ({e['rise_0_10']:+.1f} points from {e['from_min']} to "
                           f"{e['to_min']} min a week, t = {e['t']:.1f}, {resp['n_weeks']} "
                           "rated weeks).")
    if resp["n_weeks"] < rules.min_intensity_weeks:
        reasons.append(f"Only {resp['n_weeks']} rated weeks (of {rules.min_intensity_weeks} "
                       "needed) to see how hills and faster running affect your pain: the caps "
                       "follow the status (a rule of thumb).")
    long30 = last_days(d, as_of=as_of, days=30)
    longest_min = float(long30["longest_run_min"].max()) if "longest_run_min" in long30 and \
        len(long30) else 0.0
    long_min = (math.floor(rules.long_run_min_share * longest_min) if longest_min > 0 and top > 0
                else None)
    if long_min is not None:
        reasons.append(f"Long runs count by duration as well as km: at most {long_min} min "
                       f"(110% of your longest run of the last 30 days, {longest_min:.0f} min).")
    return {"uphill_min_max": math.floor(caps["uphill_min"] + 1e-9),
            "fast_min_max": math.floor(caps["fast_min"] + 1e-9),
            "long_run_min_max": long_min,
            "intensity_response": resp,
            "reasons": reasons}
