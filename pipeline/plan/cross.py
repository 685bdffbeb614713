"""Cross-training by type (SCIENCE.md "Cross-training and rest"): which sports stayed calm and
which were followed by more pain, and next week's minutes by sport.

Each type is judged over the last ``cross_weeks`` weeks on *cross-training-only days* (that
sport, no run), by the next-morning pain after them against the mornings after the other days
without a run (rest days and other sports), and by the pain logged during or after a session of
it (``during_cross_training``/``after_cross_training`` with ``activity``). A type goes to
``avoid`` when the mornings after it were ``cross_rise_0_10`` points higher (at least
``cross_min_days`` such days) or when pain during/after it was above Thomee's acceptable zone on
``cross_min_entries`` sessions: "If any of these activities make your symptoms worse, try a
different activity."
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipeline.plan.days import column, last_days, morning_after
from pipeline.plan.rules import PlanRules
from pipeline.schemas import CROSS_CONTEXTS, CROSS_SPORTS

# daily minutes of each sport (walking sits inside cross_other_min: subtract it for "other")
DAILY_MINUTES = {"cycling": "cross_cycling_min", "swimming": "cross_swimming_min",
                 "water_running": "cross_water_running_min", "walking": "cross_walking_min"}
# what to suggest when nothing is known, in order: no hip flexion under load first (cycling
# loads the sit bone in flexion, so it comes last)
DEFAULT_ORDER = ("swimming", "water_running", "elliptical", "cycling", "walking")
NAMES = {"cycling": "cycling", "swimming": "swimming", "water_running": "water running",
         "elliptical": "the elliptical", "walking": "walking", "other": "other cross-training"}


def sport_minutes(d: pd.DataFrame) -> pd.DataFrame:
    """Minutes of each cross-training sport per day (``elliptical`` is never in watch files)."""
    out = pd.DataFrame(index=d.index)
    for sport, col in DAILY_MINUTES.items():
        out[sport] = column(d, col).fillna(0.0)
    out["other"] = (column(d, "cross_other_min").fillna(0.0) - out["walking"]).clip(lower=0)
    out["elliptical"] = 0.0
    return out


def sport_days(d: pd.DataFrame, pain_log: pd.DataFrame) -> pd.DataFrame:
    """True where the sport was done that day: recorded minutes, or a cross-training pain entry
    naming it (a session the watch did not record)."""
    days = sport_minutes(d) > 0
    if len(pain_log) and "activity" in pain_log:
        cross = pain_log[pain_log["context"].isin(CROSS_CONTEXTS) & pain_log["activity"].notna()]
        for sport, dates in cross.groupby("activity")["date"]:
            idx = pd.DatetimeIndex(pd.to_datetime(dates).dt.normalize()).intersection(days.index)
            days.loc[idx, sport] = True
    return days


def type_evidence(d: pd.DataFrame, pain_log: pd.DataFrame, *, as_of: date,
                  rules: PlanRules) -> dict[str, dict]:
    """Per sport done in the window: cross-training-only days, the mean next-morning pain after
    them and after the other non-run days, the worst during/after pain and ``provokes``."""
    window = last_days(d, as_of=as_of, days=7 * rules.cross_weeks)
    done = sport_days(d, pain_log).loc[window.index]
    after = morning_after(d).loc[window.index]
    no_run = column(window, "run_km").fillna(0) <= 0
    start = window.index.min() if len(window) else pd.Timestamp(as_of)
    log = pain_log[pain_log["context"].isin(CROSS_CONTEXTS)] if len(pain_log) else pain_log
    if len(log):
        log = log[(pd.to_datetime(log["date"]) >= start)
                  & (pd.to_datetime(log["date"]) <= pd.Timestamp(as_of))]
    out = {}
    for sport in CROSS_SPORTS:
        mask = done[sport] & no_run if sport in done else pd.Series(False, index=window.index)
        entries = log[log["activity"] == sport]["pain_0_10"].astype(float) if len(log) else \
            pd.Series(dtype=float)
        if not mask.any() and entries.empty:
            continue
        mine, other = after[mask].dropna(), after[no_run & ~mask].dropna()
        rise = (float(mine.mean()) - float(other.mean())
                if len(mine) >= rules.cross_min_days and len(other) >= rules.cross_min_days
                else None)
        high = int((entries > rules.cross_during_max).sum())
        provokes = (rise is not None and rise >= rules.cross_rise_0_10) or \
            high >= rules.cross_min_entries
        out[sport] = {"days": int(mask.sum()), "rated_mornings": len(mine),
                      "morning_after_0_10": round(float(mine.mean()), 1) if len(mine) else None,
                      "morning_other_0_10": round(float(other.mean()), 1) if len(other) else None,
                      "rise_0_10": None if rise is None else round(rise, 1),
                      "sessions_rated": len(entries), "sessions_above_5": high,
                      "max_session_pain_0_10": float(entries.max()) if len(entries) else None,
                      "provokes": bool(provokes)}
    return out


def _why(sport: str, e: dict, rules: PlanRules) -> str:
    parts = []
    if e["rise_0_10"] is not None and e["rise_0_10"] >= rules.cross_rise_0_10:
        parts.append(f"next-morning pain was higher after {NAMES[sport]} days "
                     f"({e['morning_after_0_10']:.1f} vs {e['morning_other_0_10']:.1f}/10 after "
                     f"other days without a run, {e['rated_mornings']} mornings)")
    if e["sessions_above_5"] >= rules.cross_min_entries:
        parts.append(f"pain during or after it was above 5/10 on {e['sessions_above_5']} "
                     "sessions")
    return "; ".join(parts) + ": try a different activity"


def cross_training_plan(total_min: int, evidence: dict[str, dict], *, rules: PlanRules
                        ) -> tuple[list[dict], list[dict]]:
    """(``plan.cross_training``, ``plan.avoid``). The suggestions are the types that stayed calm
    (most used first), then untried ones in ``DEFAULT_ORDER``, never an avoided one; up to two,
    in 5-minute steps adding up to ``total_min``."""
    avoid = [{"what": s, "why": _why(s, e, rules)} for s, e in evidence.items() if e["provokes"]]
    banned = {a["what"] for a in avoid}
    calm = sorted((s for s, e in evidence.items() if not e["provokes"] and s != "other"),
                  key=lambda s: -evidence[s]["days"])
    pool = list(dict.fromkeys(calm + [s for s in DEFAULT_ORDER if s not in evidence]))
    pool = [s for s in pool if s not in banned]
    total = int(total_min or 0)
    if total <= 0 or not pool:
        return [], avoid
    chosen = pool[:2] if total >= 40 else pool[:1]  # two sessions of at least 20 min each
    first = 5 * round(total / len(chosen) / 5) if len(chosen) > 1 else total
    minutes = [first] + [total - first] * (len(chosen) - 1)
    return [{"sport": s, "min": m} for s, m in zip(chosen, minutes) if m > 0], avoid


def calm_reason(evidence: dict[str, dict], suggestions: list[dict]) -> str | None:
    """One sentence on why the suggested sports were chosen (None without suggestions)."""
    if not suggestions:
        return None
    judged = [s["sport"] for s in suggestions if s["sport"] in evidence]
    names = " and ".join(f"{s['min']} min of {NAMES[s['sport']]}" for s in suggestions)
    why = (f"{' and '.join(NAMES[s] for s in judged)} stayed calm in your log"
           if judged else "not yet tried: watch the next mornings")
    return f"Cross-training next week: {names} ({why})."
