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
    """``runload analyze``'s summary: the headline, the numbers, red flags and every reason."""
    lines = [recommendation_headline(rec), f"  {plan_line(rec)}", *red_flag_lines(rec)]
    lines += [f"  - {r}" for r in rec.get("reasons", [])]
    return "\n".join(lines)


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
