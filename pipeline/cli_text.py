"""The command line's human summaries (``--json`` prints the dicts themselves)."""

from __future__ import annotations

from pathlib import Path

from pipeline.terminal import shown


def runs_text(n) -> str:
    """``"1 run"``, ``"4 runs"``."""
    return f"{n} run" if n == 1 else f"{n} runs"


def plan_line(rec: dict) -> str:
    """Next week's numbers on one line: km range, runs, longest run, cross-training."""
    km = rec.get("weekly_run_km") or {}
    return (f"run {km.get('min')}-{km.get('max')} km in {runs_text(rec.get('runs_per_week'))},"
            f" longest run <= {rec.get('longest_run_km_max')} km,"
            f" cross-training {rec.get('cross_training_min')} min")


def recommendation_headline(rec: dict) -> str:
    """``me: HOLD for the week of 2026-11-23 (confidence low)``."""
    return (f"{rec['athlete']}: {rec['status'].upper()} for the week of {rec['week_start']}"
            f" (confidence {rec['confidence']})")


def red_flag_lines(rec: dict, indent: str = "  ") -> list[str]:
    return [f"{indent}RED FLAG: {f['message']}" for f in rec.get("red_flags", [])]


def recommendation_text(rec: dict) -> str:
    """``runload analyze``'s summary: the headline, the numbers, red flags, every reason, then
    the week's plan (runs, caps, cross-training, rehab), trainer advice and last week."""
    lines = [recommendation_headline(rec), f"  {plan_line(rec)}", *red_flag_lines(rec)]
    lines += [f"  - {r}" for r in rec.get("reasons", [])]
    plan = rec.get("plan") or {}
    if plan.get("runs"):
        lines.append("  runs: " + ", ".join(f"{r['kind']} {r['km']} km" for r in plan["runs"])
                     + f"; uphill <= {plan.get('uphill_min_max')} min, faster than easy <= "
                     f"{plan.get('fast_min_max')} min")
    if plan.get("cross_training") or plan.get("avoid"):
        lines.append("  cross-training: " + (", ".join(
            f"{c['sport']} {c['min']} min" for c in plan.get("cross_training") or []) or "none")
            + "".join(f"; avoid {a['what']}" for a in plan.get("avoid") or []))
    rehab = plan.get("rehab")
    if rehab:
        lines.append(f"  rehab: {rehab['stage']} stage, {rehab['sessions_per_week']} sessions a "
                     f"week ({rehab['sessions_last_28_days']} in the last 28 days)")
    lines += [f"  - {r}" for r in plan.get("reasons", [])]
    lines += [f"  ATHLETIC TRAINER: {a['message']}" for a in rec.get("trainer_advice") or []
              if not a.get("red_flag")]
    last = rec.get("last_week")
    if last:
        lines.append(f"  last week: {last['run_km']} km run, advised at most "
                     f"{last['advised_max_km']} km: "
                     + ("followed" if last["followed"] else
                        "exceeded (" + ", ".join(last.get("exceeded") or []) + ")"))
    return "\n".join(lines)


def run_line(result: dict, *, when: str) -> str:
    """One line for a served run: when, what was new per athlete, and the status.

    ``2026-12-04 14:05 UTC  me: 3 new activities, 1 new pain entry; HOLD 23.6-27.8 km``
    """
    parts = []
    for r in result.get("athletes", []):
        ing = r.get("ingest") or {}
        new = []
        if ing.get("new"):
            new.append(f"{ing['new']} new {'activity' if ing['new'] == 1 else 'activities'}")
        pain = sum(p.get("new", 0) for p in r.get("pain_logs", []))
        if pain:
            new.append(f"{pain} new pain {'entry' if pain == 1 else 'entries'}")
        if r.get("rejected"):
            new.append(f"{len(r['rejected'])} rejected")
        rec = r.get("recommendation")
        status = "not analysed (no data)" if not rec else (
            f"{rec['status'].upper()} {(rec.get('weekly_run_km') or {}).get('min')}-"
            f"{(rec.get('weekly_run_km') or {}).get('max')} km")
        parts.append(f"{r['athlete']}: {', '.join(new) or 'nothing new'}; {status}")
    return f"{when}  " + (" | ".join(parts) or "no athletes")


def run_text(result: dict) -> str:
    """The summary of a run or demo: per athlete what was ingested and advised, and where the
    reports are (last line)."""
    lines = []
    if result.get("demo_dir"):
        lines.append(f"demo files written to {result['files']}")
    for r in result.get("athletes", []):
        ing = r.get("ingest")
        parts = []
        if ing:
            parts.append(f"{ing['new']} new activities, {ing['duplicates']} duplicates")
        for p in r.get("pain_logs", []):
            parts.append(f"{p['new']} new pain entries")
        for p in r.get("rehab_logs", []):
            parts.append(f"{p['new']} new rehab entries")
        lines.append(f"{r['athlete']}: " + (", ".join(parts) if parts else "nothing new"))
        rec = r.get("recommendation")
        if rec:
            lines.append(f"  {recommendation_headline(rec).split(': ', 1)[1]}: {plan_line(rec)}")
            lines += red_flag_lines(rec)
        else:
            lines.append("  nothing to analyse yet")
        for item in r.get("rejected", []):
            lines.append(f"  rejected {shown(item['source'])}: {shown(item['reason'])}")
    reports = [p for p in result.get("reports", []) if p.endswith(".html")]
    if reports:
        main = next((p for p in reports if p.endswith("index.html")), reports[0])
        lines.append(f"report: {Path(main).resolve()}")
    return "\n".join(lines)
