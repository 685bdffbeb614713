"""The plan's part of a report, as plain values for the templates (pure: the recommendation in,
dicts out): the week as a table a runner can follow, the intensity caps, cross-training choices,
rehab adherence beside the pain trend, compression days, trainer advice, last week and sitting.
"""

from __future__ import annotations

from datetime import date, timedelta

KIND_NAMES = {"easy": "easy run", "long": "long run", "hills": "hills", "tempo": "tempo",
              "strides": "easy run with strides", "run_walk": "run-walk"}
SPORT_NAMES = {"cycling": "cycling", "swimming": "swimming", "water_running": "water running",
               "elliptical": "elliptical", "walking": "walking", "other": "other"}
# which weekdays (0 = Monday) carry the runs: a rest or cross-training day between runs where
# the count allows, the long run (listed last) at the weekend
RUN_DAYS = {1: (5,), 2: (1, 5), 3: (1, 3, 5), 4: (0, 2, 4, 6), 5: (0, 1, 3, 4, 6),
            6: (0, 1, 2, 4, 5, 6), 7: tuple(range(7))}
REHAB_ORDER = (0, 2, 4, 6, 1, 3, 5)
TRAINER_TITLES = {"help_modifying": "Help modifying your activity",
                  "rehab_protocol": "A stretching and strengthening protocol"}


def _km(value) -> str:
    return "–" if value is None else f"{float(value):.1f}".removesuffix(".0")


def _run_text(run: dict) -> str:
    text = f"{KIND_NAMES.get(run.get('kind'), run.get('kind'))} {_km(run.get('km'))} km"
    if run.get("min"):
        text += f" (~{run['min']} min)"
    if run.get("uphill_min"):
        text += f", at most {run['uphill_min']} min uphill"
    if run.get("fast_min"):
        text += f", at most {run['fast_min']} min faster than easy"
    return text


def week_table(rec: dict) -> list[dict]:
    """Seven rows (Monday first) from ``week_start``: the day's run, cross-training and rehab.
    Runs in the plan's order (easy first, the long run last) fill ``RUN_DAYS``; cross-training
    sessions take the days without a run; rehab sessions spread over the week."""
    plan = rec.get("plan") or {}
    try:
        start = date.fromisoformat(str(rec.get("week_start", ""))[:10])
    except ValueError:
        return []
    runs = list(plan.get("runs") or [])
    rows = [{"day": (start + timedelta(days=i)).strftime("%a %d %b"), "run": "", "kind": "",
             "cross": "", "rehab": ""} for i in range(7)]
    days = RUN_DAYS.get(len(runs), tuple(range(min(len(runs), 7))))
    for day, run in zip(days, runs):
        rows[day]["run"], rows[day]["kind"] = _run_text(run), run.get("kind", "")
    free = [i for i in (1, 3, 5, 2, 4, 6, 0) if not rows[i]["run"]] or [1, 3, 5]
    for i, session in enumerate(plan.get("cross_training") or []):
        day = free[i % len(free)]
        name = SPORT_NAMES.get(session.get("sport"), str(session.get("sport")))
        rows[day]["cross"] = ", ".join(filter(None, [rows[day]["cross"],
                                                     f"{name} {session.get('min')} min"]))
    n_rehab = int((plan.get("rehab") or {}).get("sessions_per_week") or 0)
    for day in REHAB_ORDER[:n_rehab]:
        rows[day]["rehab"] = "rehab"
    for row in rows:
        if not (row["run"] or row["cross"]):
            row["run"] = "rest or an easy walk"  # no complete rest for days on end
    return rows


def caps_view(plan: dict) -> list[dict]:
    """The intensity caps with what each means."""
    def minutes(v) -> str:
        return "no cap" if v is None else f"at most {v} min"

    return [{"what": "Uphill running (grade > 4 %)", "cap": minutes(plan.get("uphill_min_max"))},
            {"what": "Running faster than your easy pace",
             "cap": minutes(plan.get("fast_min_max"))},
            {"what": "Long run by duration", "cap": minutes(plan.get("long_run_min_max"))}]


def rehab_view(plan: dict) -> dict | None:
    """Rehab: stage, focus, sessions (done and advised) and the adherence-and-pain weeks."""
    rehab = plan.get("rehab")
    if not rehab:
        return None
    weeks = rehab.get("weeks") or []
    advised = int(rehab.get("sessions_per_week") or 0)
    return {"stage": str(rehab.get("stage_name") or rehab.get("stage", "")),
            "stage_logged": rehab.get("stage_logged", True),
            "focus": ", ".join(rehab.get("focus") or []),
            "sessions_per_week": advised,
            "sessions_last_28_days": rehab.get("sessions_last_28_days", 0),
            "adherence": (f"{rehab.get('sessions_last_28_days', 0)} sessions in the last 28 "
                          f"days ({4 * advised} advised)" if advised else ""),
            "progress_when": rehab.get("progress_when", ""),
            "compression_days": rehab.get("compression_days_last_28_days", 0),
            "weeks": [{**w, "bar": "▮" * int(w.get("rehab_days") or 0),
                       "pain": _km(w.get("next_morning_mean_0_10"))} for w in weeks]}


def last_week_view(last: dict | None) -> dict | None:
    """Last week against its advice, with a plain verdict that matches the numbers."""
    if not last:
        return None
    over = {"km": "km", "uphill_min": "uphill minutes", "fast_min": "fast minutes"}
    exceeded = [over.get(e, e) for e in last.get("exceeded") or []]
    verdict = ("followed" if last.get("followed")
               else "exceeded: " + ", ".join(exceeded) if exceeded else "not followed")
    return {**last, "verdict": verdict,
            "km_text": f"{_km(last.get('run_km'))} km run, advised "
                       f"{_km(last.get('advised_min_km'))}–{_km(last.get('advised_max_km'))} km",
            "short": f"{'✓' if last.get('followed') else '✗'} {_km(last.get('run_km'))} of ≤ "
                     f"{_km(last.get('advised_max_km'))} km"}


def plan_content(rec: dict) -> dict:
    """Everything the plan sections of the report need (empty parts when the recommendation
    was written before the plan existed)."""
    plan = rec.get("plan") or {}
    trainer = [a for a in rec.get("trainer_advice") or [] if isinstance(a, dict)]
    return {
        "has_plan": bool(plan),
        "week": week_table(rec) if plan else [],
        "caps": caps_view(plan) if plan else [],
        "cross_training": [{"sport": SPORT_NAMES.get(c.get("sport"), c.get("sport")),
                            "min": c.get("min")} for c in plan.get("cross_training") or []],
        "avoid": [{"what": SPORT_NAMES.get(a.get("what"), a.get("what")), "why": a.get("why")}
                  for a in plan.get("avoid") or []],
        "plan_reasons": [str(r) for r in plan.get("reasons") or []],
        "rehab": rehab_view(plan),
        "trainer_advice": [{"title": TRAINER_TITLES.get(a.get("code"), a.get("code")),
                            "message": a.get("message", ""), "code": a.get("code")}
                           for a in trainer if not a.get("red_flag")],
        "last_week": last_week_view(rec.get("last_week")),
        "sitting": rec.get("sitting"),
    }
