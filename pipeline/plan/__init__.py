"""Next week's plan from the recommendation: how hard (intensity caps), the week as runs,
cross-training by type, rehab, when to see an athletic trainer, last week against its advice, and
sitting. It reads only the recommendation's contract keys and the daily features, so its
invariants (runs add up inside ``weekly_run_km``, none above ``longest_run_km_max``,
cross-training adds up to ``cross_training_min``, no avoided sport suggested) hold whatever
numbers the recommendation produced. Pure: frames and dicts in, a dict out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipeline.plan.compliance import week_against_advice
from pipeline.plan.cross import NAMES, calm_reason, cross_training_plan, type_evidence
from pipeline.plan.days import by_day, last_days
from pipeline.plan.intensity import intensity_caps
from pipeline.plan.rehab_advice import rehab_plan, rehab_weeks
from pipeline.plan.rules import PlanRules
from pipeline.plan.runs import week_runs
from pipeline.plan.sitting import sitting_advice
from pipeline.plan.trainer import needs_older_advice as _needs_older
from pipeline.plan.trainer import trainer_advice

__all__ = ["PlanRules", "needs_older_advice", "next_week_plan", "plan_caps",
           "week_against_advice"]


def easy_min_per_km(d: pd.DataFrame, *, as_of: date) -> float | None:
    """Minutes per km over the last 28 days' running (None without running)."""
    w = last_days(d, as_of=as_of, days=28)
    km = float(w["run_km"].sum()) if "run_km" in w else 0.0
    return float(w["run_min"].sum()) / km if km > 0 and "run_min" in w else None


def plan_caps(rec: dict, daily: pd.DataFrame, *, as_of: date,
              rules: PlanRules = PlanRules()) -> dict:
    """The intensity caps alone (for a past week's advice)."""
    return intensity_caps(by_day(daily, as_of=as_of), rec, as_of=as_of, rules=rules)


def needs_older_advice(rec: dict, last: dict, daily: pd.DataFrame, *, as_of: date,
                       rules: PlanRules = PlanRules()) -> bool:
    """True when the advice of 14-28 days ago can change ``trainer_advice`` (see
    ``trainer.needs_older_advice``)."""
    return _needs_older(rec, last, by_day(daily, as_of=as_of), as_of=as_of, rules=rules)


def next_week_plan(rec: dict, daily: pd.DataFrame, *, pain_log: pd.DataFrame,
                   rehab_log: pd.DataFrame, as_of: date, past: list[dict] | None = None,
                   restart_km: float = 2.0, rules: PlanRules = PlanRules()) -> dict:
    """The keys the plan adds to ``recommendation.json``: ``plan``, ``trainer_advice``,
    ``last_week`` and ``sitting``.

    ``past`` holds the advice recomputed as of 7, 14, 21 and 28 days before ``as_of`` (newest
    first; each a recommendation with its ``plan`` caps), as far back as there is data."""
    d = by_day(daily, as_of=as_of)
    caps = intensity_caps(d, rec, as_of=as_of, rules=rules)
    pace = easy_min_per_km(d, as_of=as_of)
    runs = week_runs(rec, caps, easy_min_per_km=pace, restart_km=restart_km, rules=rules)
    evidence = type_evidence(d, pain_log, as_of=as_of, rules=rules)
    cross, avoid = cross_training_plan(int(rec.get("cross_training_min") or 0), evidence,
                                       rules=rules)
    rehab = rehab_plan(rehab_log, d, as_of=as_of, rules=rules)
    rehab["weeks"] = rehab_weeks(rehab_log, d, as_of=as_of)
    history = [week_against_advice(p, d) for p in reversed(past or [])]
    reasons = list(caps["reasons"])
    reasons += [f"{NAMES[a['what']].capitalize()}: {a['why']}." for a in avoid]
    calm = calm_reason(evidence, cross)
    if calm:
        reasons.append(calm)
    if rehab["compression_days_last_28_days"]:
        reasons.append(f"Compression shorts worn on {rehab['compression_days_last_28_days']} of "
                       "the last 28 days (tracked; no effect is claimed from one runner's "
                       "weeks).")
    plan = {"runs": runs,
            "uphill_min_max": caps["uphill_min_max"],
            "fast_min_max": caps["fast_min_max"],
            "long_run_min_max": caps["long_run_min_max"],
            "easy_min_per_km": None if pace is None else round(pace, 2),
            "cross_training": cross,
            "avoid": avoid,
            "rehab": rehab,
            "intensity_response": caps["intensity_response"],
            "cross_training_evidence": evidence,
            "reasons": reasons}
    return {"plan": plan,
            "trainer_advice": trainer_advice(rec, d, as_of=as_of, rehab=rehab, history=history,
                                             rules=rules),
            "last_week": history[-1] if history else None,
            "sitting": sitting_advice(d, as_of=as_of, rules=rules)}
