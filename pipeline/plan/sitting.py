"""Advice on sitting when sitting pain is high or rising (SCIENCE.md: tendon compression in hip
flexion aggravates proximal hamstring tendinopathy; Goom 2016)."""

from __future__ import annotations

from datetime import date

from pipeline.plan.days import column, last_days
from pipeline.plan.rules import PlanRules

ADVICE = (
    "Break up sitting: stand up and walk for a few minutes every 30-45 minutes.",
    "Sit on a cushion or a folded towel that takes pressure off the sit bone; avoid hard, low "
    "seats and slumped, deep hip flexion.",
    "Choose movement instead of sitting where you can: stand for calls, walk to meetings.",
)


def sitting_advice(d, *, as_of: date, rules: PlanRules) -> dict | None:
    """``{"sitting_mean_0_10", "change_0_10", "why", "advice"}`` when the last 7 days' mean
    sitting pain is at least ``sitting_high`` or rose ``sitting_rise`` on the 7 days before
    (two ratings in each); None otherwise."""
    now = column(last_days(d, as_of=as_of, days=7), "pain_sitting_0_10").dropna()
    before = column(last_days(d, as_of=as_of, days=7, offset=7), "pain_sitting_0_10").dropna()
    if len(now) < 2:
        return None
    mean = float(now.mean())
    change = float(mean - before.mean()) if len(before) >= 2 else None
    high = mean >= rules.sitting_high
    rising = change is not None and change >= rules.sitting_rise
    if not (high or rising):
        return None
    why = (f"Sitting pain averaged {mean:.1f}/10 over the last 7 days"
           + (f" ({change:+.1f} on the 7 days before)" if change is not None else "") + ".")
    return {"sitting_mean_0_10": round(mean, 1),
            "change_0_10": None if change is None else round(change, 1),
            "high": high, "rising": rising, "why": why, "advice": list(ADVICE)}
