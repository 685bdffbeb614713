"""``trainer_advice``: when to contact an athletic trainer (SCIENCE.md "When to see an athletic
trainer"). Every red flag (the alarm, status ``seek_care``), plus two softer reasons that are
advice, not alarms:

- ``help_modifying``: next-morning pain above Thomee's safe zone in each of the last
  ``settle_weeks`` rated weeks without falling by ``settle_margin``; or the advice exceeded in
  ``exceeded_weeks`` of the last four weeks while pain rose; or ``reduce`` advised in
  ``reduce_weeks`` of the last four weeks;
- ``rehab_protocol``: pain persisting (the last three rated weeks above the safe zone) with fewer
  than ``little_rehab_28d`` rehab sessions in 28 days; or no stage progress for about six weeks.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipeline.plan.days import morning_0_10, windows
from pipeline.plan.rules import PlanRules

MESSAGES = {
    "help_modifying": "Ask an athletic trainer for help modifying your activity: {why}",
    "rehab_protocol": "Ask an athletic trainer for direction with a stretching and "
                      "strengthening protocol: {why}",
}


def weekly_morning_means(d: pd.DataFrame, *, as_of: date, n: int) -> list[float | None]:
    """Mean next-morning pain of each of the last ``n`` seven-day windows (oldest first; None
    with fewer than two ratings)."""
    out = []
    morning = morning_0_10(d)
    for w in windows(d, as_of=as_of, n=n):
        m = morning.loc[w.index].dropna()
        out.append(float(m.mean()) if len(m) >= 2 else None)
    return out


def _not_settling(means: list, rules: PlanRules) -> str | None:
    rated = [m for m in means if m is not None]
    if len(means) < rules.settle_weeks or len(rated) < rules.settle_weeks - 1:
        return None
    if min(rated) > rules.pain_present and rated[-1] > rated[0] - rules.settle_margin:
        return (f"next-morning pain has stayed above {rules.pain_present:g}/10 for "
                f"{len(means)} weeks ({rated[0]:.1f} then {rated[-1]:.1f}/10 a morning on "
                "average): the plan is not settling it.")
    return None


def _exceeded(history: list[dict], means: list, rules: PlanRules) -> str | None:
    over = [h for h in history[-4:] if not h.get("followed", True)]
    rising, rated = _pain_rising(means)
    if len(over) >= rules.exceeded_weeks and rising:
        return (f"the advice was exceeded in {len(over)} of the last {len(history[-4:])} weeks "
                f"and next-morning pain rose from {rated[0]:.1f} to {rated[-1]:.1f}/10.")
    return None


def _reduces(history: list[dict], rules: PlanRules) -> str | None:
    n = sum(h.get("status") in ("reduce", "seek_care") for h in history[-4:])
    if n >= rules.reduce_weeks:
        return (f"running had to be reduced in {n} of the last {len(history[-4:])} weeks' "
                "advice.")
    return None


def _pain_rising(means: list) -> tuple[bool, list[float]]:
    rated = [m for m in means[-4:] if m is not None]
    return len(rated) >= 2 and rated[-1] - rated[0] >= 0.5, rated


def needs_older_advice(rec: dict, last: dict, d: pd.DataFrame, *, as_of: date,
                       rules: PlanRules) -> bool:
    """Whether the advice of 14-28 days ago can change the answer: "exceeded in two of four
    weeks" needs pain rising, "repeated reduce weeks" a reduce in the current or last week's
    advice (reduce weeks that ended weeks ago are not "repeated" now)."""
    rising, _ = _pain_rising(weekly_morning_means(d, as_of=as_of, n=4))
    reduced = {rec.get("status"), last.get("status")} & {"reduce", "seek_care"}
    return rising or bool(reduced)


def trainer_advice(rec: dict, d: pd.DataFrame, *, as_of: date, rehab: dict,
                   history: list[dict], rules: PlanRules) -> list[dict]:
    """Every red flag (``red_flag: true``) first, then ``help_modifying`` and
    ``rehab_protocol`` when their conditions hold; each ``{"code", "message", "red_flag"}``.
    ``history`` holds the last weeks' ``week_against_advice`` rows, oldest first."""
    out = [{"code": f.get("code"), "message": f.get("message"), "red_flag": True}
           for f in rec.get("red_flags") or []]
    means = weekly_morning_means(d, as_of=as_of, n=rules.settle_weeks)
    whys = [w for w in (_not_settling(means, rules), _exceeded(history, means, rules),
                        _reduces(history, rules)) if w]
    if whys:
        out.append({"code": "help_modifying",
                    "message": MESSAGES["help_modifying"].format(why="; ".join(w.rstrip(".") for w in whys) + "."),
                    "red_flag": False})
    last3 = [m for m in means[-3:] if m is not None]
    persisting = len(last3) == 3 and min(last3) > rules.pain_present
    why = None
    if persisting and rehab["sessions_last_28_days"] < rules.little_rehab_28d:
        why = (f"pain has persisted for 3 weeks (at least {min(last3):.1f}/10 a morning on "
               f"average) with {rehab['sessions_last_28_days']} rehab sessions logged in 28 "
               "days.")
    elif rehab.get("stage_since") and rehab.get("next_stage") and not rehab["ready_to_progress"]:
        held = (pd.Timestamp(as_of) - pd.Timestamp(rehab["stage_since"])).days
        if held >= 7 * rules.settle_weeks:
            why = (f"your rehab has stayed at the {rehab['stage']} stage for {held // 7} weeks "
                   "without the calm weeks that let it progress.")
    if why:
        out.append({"code": "rehab_protocol", "message": MESSAGES["rehab_protocol"].format(
            why=why), "red_flag": False})
    return out
