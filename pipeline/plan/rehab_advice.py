"""``plan.rehab``: how often to do rehab, the current stage and focus, sessions done, and when to
move on (SCIENCE.md "Rehab"; Goom 2016's four stages). Advice to discuss with an athletic
trainer, not a prescription.

A session day is a day with any rehab-log entry or a pain-log ``rehab = yes``. The current stage
is the highest catalogue stage done on two or more days of the last 28 (a single try does not
make a stage); with none, the plan starts at isometrics. Moving on: the stage has been done for
``rehab_calm_days`` days with at least ``rehab_min_sessions_14d`` sessions in them, exercise pain
and next-morning pain at most ``rehab_calm_pain`` throughout.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipeline.plan.days import last_days, morning_0_10
from pipeline.plan.rules import PlanRules
from pipeline.rehab.catalogue import GLUTE, RELEASE, STAGE_NAMES, STAGES

FOCUS = {"isometric": [GLUTE, "isometric hamstring holds", RELEASE],
         "isotonic": [GLUTE, "hamstring strengthening through range", RELEASE],
         "heavy_slow": [GLUTE, "heavy, slow hamstring strengthening", RELEASE],
         "energy_storage": [GLUTE, "running drills and strides", RELEASE]}


def session_days(rehab_log: pd.DataFrame, d: pd.DataFrame) -> pd.DatetimeIndex:
    """Every local date with rehab done (rehab log, or ``rehab = yes`` in the pain log)."""
    logged = pd.to_datetime(rehab_log["date"]).dt.normalize() if len(rehab_log) else []
    flagged = d.index[d["rehab"].fillna(False).astype(bool)] if "rehab" in d else []
    return pd.DatetimeIndex(sorted(set(logged) | set(flagged)))


def stage_as_of(rehab_log: pd.DataFrame, day: pd.Timestamp) -> str | None:
    """The highest stage done on two or more days of the 28 days up to ``day`` (None: none)."""
    if not len(rehab_log) or "stage" not in rehab_log:
        return None
    dates = pd.to_datetime(rehab_log["date"]).dt.normalize()
    recent = rehab_log[(dates > day - pd.Timedelta(days=28)) & (dates <= day)]
    staged = recent.dropna(subset=["stage"])
    days_per_stage = staged.groupby("stage")["date"].nunique()
    done = [s for s in STAGES if days_per_stage.get(s, 0) >= 2]
    return done[-1] if done else None


def rehab_plan(rehab_log: pd.DataFrame, d: pd.DataFrame, *, as_of: date,
               rules: PlanRules) -> dict:
    """``plan.rehab``: ``sessions_per_week``, ``stage``, ``stage_name``, ``focus``,
    ``sessions_last_28_days``, ``stage_since``, ``next_stage``, ``ready_to_progress`` and
    ``progress_when`` (a sentence with the numbers), ``compression_days_last_28_days``."""
    end = pd.Timestamp(as_of).normalize()
    log = rehab_log.copy()
    if len(log):
        log["date"] = pd.to_datetime(log["date"]).dt.normalize()
        log = log[log["date"] <= end]
    sessions = session_days(log, d)
    sessions = sessions[sessions <= end]
    last28 = sessions[sessions > end - pd.Timedelta(days=28)]
    current = stage_as_of(log, end)
    stage = current or "isometric"
    since = None
    if current:
        first = log[log["stage"] == current]["date"].min()
        since = first.date().isoformat()
    nxt = STAGES[STAGES.index(stage) + 1] if stage != STAGES[-1] else None
    calm_start = end - pd.Timedelta(days=rules.rehab_calm_days)
    window = last_days(d, as_of=as_of, days=rules.rehab_calm_days)
    morning_max = morning_0_10(d).loc[window.index].max()
    ex = log[(log["date"] > calm_start)] if len(log) else log
    ex_pain = ex["pain_0_10"].astype(float).max() if len(ex) else float("nan")
    n14 = int((sessions > calm_start).sum())
    held = since is not None and pd.Timestamp(since) <= calm_start
    calm_ex = pd.isna(ex_pain) or ex_pain <= rules.rehab_calm_pain
    calm_morning = pd.notna(morning_max) and morning_max <= rules.rehab_calm_pain
    ready = bool(current and nxt and held and n14 >= rules.rehab_min_sessions_14d and calm_ex
                 and calm_morning)
    if not current:
        when = ("No staged exercise logged in the last 28 days: start with isometric holds "
                "(e.g. bridge or prone hamstring holds, 30-45 s, several sets, pain <= 3/10) and "
                "log them with `runload rehab add`.")
    elif not nxt:
        when = "Last stage: keep two sessions a week of strength work alongside the drills."
    elif ready:
        when = (f"Ready to move to {STAGE_NAMES[nxt]}: {n14} sessions in the last "
                f"{rules.rehab_calm_days} days, exercise pain at most "
                f"{0 if pd.isna(ex_pain) else ex_pain:.1f}/10 and next-morning pain at most "
                f"{morning_max:.1f}/10.")
    else:
        missing = []
        if not held:
            missing.append(f"about {rules.rehab_calm_days} days at this stage")
        if n14 < rules.rehab_min_sessions_14d:
            missing.append(f"at least {rules.rehab_min_sessions_14d} sessions in "
                           f"{rules.rehab_calm_days} days (now {n14})")
        if not calm_ex:
            missing.append(f"exercise pain at most {rules.rehab_calm_pain:g}/10 (was "
                           f"{ex_pain:.1f})")
        if not calm_morning:
            missing.append(f"next-morning pain at most {rules.rehab_calm_pain:g}/10 (was "
                           + ("not rated" if pd.isna(morning_max) else f"{morning_max:.1f}")
                           + ")")
        when = f"Move to {STAGE_NAMES[nxt]} after " + ", ".join(missing) + "."
    per_week = (rules.rehab_sessions_isometric if stage == "isometric"
                else rules.rehab_sessions_strength)
    compression = d["compression"] if "compression" in d else pd.Series(dtype="boolean")
    comp28 = compression[compression.index > end - pd.Timedelta(days=28)]
    return {"sessions_per_week": per_week, "stage": stage, "stage_name": STAGE_NAMES[stage],
            "stage_logged": current is not None, "stage_since": since,
            "focus": FOCUS[stage], "sessions_last_28_days": len(last28),
            "sessions_last_14_days": n14, "next_stage": nxt, "ready_to_progress": ready,
            "progress_when": when,
            "compression_days_last_28_days": int(comp28.fillna(False).astype(bool).sum())}


def rehab_weeks(rehab_log: pd.DataFrame, d: pd.DataFrame, *, as_of: date, n: int = 8
                ) -> list[dict]:
    """Adherence beside the pain trend: per seven-day window ending on ``as_of`` (oldest first)
    the rehab session days, compression days and mean next-morning pain."""
    sessions = session_days(rehab_log, d)
    end = pd.Timestamp(as_of).normalize()
    morning = morning_0_10(d)
    compression = (d["compression"].fillna(False).astype(bool) if "compression" in d
                   else pd.Series(False, index=d.index))
    rows = []
    for k in range(n - 1, -1, -1):
        last = end - pd.Timedelta(days=7 * k)
        first = last - pd.Timedelta(days=6)
        if len(d) and first < d.index.min():
            continue
        inside = (d.index >= first) & (d.index <= last)
        m = morning[inside].dropna()
        rows.append({"week_start": first.date().isoformat(),
                     "rehab_days": int(((sessions >= first) & (sessions <= last)).sum()),
                     "compression_days": int(compression[inside].sum()),
                     "next_morning_mean_0_10": round(float(m.mean()), 1) if len(m) else None})
    return rows
