"""Last week against its advice: the advice recomputed as of a week earlier (only data on or
before that date, so no history file is needed) against what was run in the seven days since."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from pipeline.plan.days import column


def week_against_advice(past: dict, d: pd.DataFrame) -> dict:
    """``last_week`` for one past advice (a recommendation with its ``plan`` caps): the advised
    km and caps, what was run in the 7 days after its ``as_of``, ``followed`` (km within the
    advised maximum and minutes within each cap, compared as shown: km to 0.1, minutes whole)
    and ``exceeded`` (what was over)."""
    start = date.fromisoformat(str(past["as_of"])[:10])
    first, last = pd.Timestamp(start + timedelta(days=1)), pd.Timestamp(start + timedelta(days=7))
    week = d.loc[(d.index >= first) & (d.index <= last)]
    run_km = round(float(column(week, "run_km").fillna(0).sum()), 1)
    advised = past.get("weekly_run_km") or {}
    plan = past.get("plan") or {}
    out = {"as_of": start.isoformat(), "status": past.get("status"),
           "advised_min_km": advised.get("min"), "advised_max_km": advised.get("max"),
           "run_km": run_km, "days": len(week)}
    exceeded = []
    if advised.get("max") is not None and run_km > float(advised["max"]):
        exceeded.append("km")
    for kind in ("uphill_min", "fast_min"):
        cap = plan.get(f"{kind}_max")
        done = round(float(column(week, kind).fillna(0).sum()))
        out[f"{kind}_max"], out[kind] = cap, done
        if cap is not None and done > cap:
            exceeded.append(kind)
    out["exceeded"] = exceeded
    out["followed"] = not exceeded
    return out
