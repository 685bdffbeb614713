"""The coach's overview (index.html): one row per athlete, read at a glance."""

from __future__ import annotations

from html import escape

from pipeline.report.content import km

# red flags as short labels (the report has the full sentence); unknown codes fall back to it
FLAG_LABELS = {
    "weakness_reported": "weakness",
    "pain_above_7": "pain > 7/10",
    "pain_rising_despite_less_load": "pain rising on less load",
    "morning_pain_not_settling": "not settling overnight",
}
SPARK_W, SPARK_H = 96, 22


def flag_label(flag: dict) -> str:
    """A red flag in two or three words."""
    code = str(flag.get("code") or "")
    if code in FLAG_LABELS:
        return FLAG_LABELS[code]
    message = str(flag.get("message") or code.replace("_", " "))
    return message if len(message) <= 28 else message[:27].rstrip() + "…"


def sparkline_svg(values: list[float | None], *, top: float, colour: str, label: str) -> str:
    """An inline SVG polyline of ``values`` (None: a gap) on 0..``top``; "" with fewer than two
    values. Inline, so the index stays one self-contained file."""
    if sum(v is not None for v in values) < 2 or top <= 0:
        return ""
    step = SPARK_W / max(len(values) - 1, 1)
    runs, run = [], []
    for i, v in enumerate(values):
        if v is None:
            if run:
                runs.append(run)
            run = []
            continue
        y = SPARK_H - 2 - (SPARK_H - 4) * min(max(v / top, 0.0), 1.0)
        run.append(f"{i * step:.1f},{y:.1f}")
    if run:
        runs.append(run)
    lines = "".join(
        f'<polyline points="{" ".join(r)}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
        if len(r) > 1 else
        f'<circle cx="{r[0].split(",")[0]}" cy="{r[0].split(",")[1]}" r="1.5" fill="{colour}"/>'
        for r in runs)
    return (f'<svg class="spark" width="{SPARK_W}" height="{SPARK_H}" role="img"'
            f' aria-label="{escape(label)}"><title>{escape(label)}</title>{lines}</svg>')


def compliance_text(last_week: dict | None) -> tuple[str, str]:
    """Last week's advice against what was run: (short text, css class)."""
    if not last_week or last_week.get("advised_max_km") is None:
        return "–", "none"
    ran, advised = last_week.get("run_km"), last_week.get("advised_max_km")
    followed = last_week.get("followed")
    text = f"{km(ran)} of ≤ {km(advised)} km"
    if followed is True:
        return f"followed ({text})", "followed"
    if followed is False:
        return f"over ({text})", "over"
    return text, "none"


def index_row(content: dict, *, link: str, last_upload: str | None) -> dict:
    """One row of the coach's overview for an athlete's report content."""
    rec = content["recommendation"]
    weeks = content.get("recent_weeks") or []
    kms = [w["run_km"] for w in weeks]
    pains = [w["pain"] for w in weeks]
    compliance, compliance_class = compliance_text(content.get("last_week"))
    first, last = (weeks[0]["week_start"], weeks[-1]["week_start"]) if weeks else ("", "")
    return {
        "athlete": content["athlete"],
        "status": rec["status"],
        "label": rec["label"],
        "colour": rec["colour"],
        "stale": content["stale"],
        "data_through": content["data_through"],
        "last_7_days_km": content["last_7_days_km"],
        "next_week": f"{rec['weekly_min']}–{rec['weekly_max']} km",
        "next_week_dates": (f"{rec['week_start']} to {rec['week_end']}"
                            if rec["week_start"] else ""),
        "km_spark": sparkline_svg(kms, top=max(kms, default=0) * 1.1, colour="#4c72b0",
                                  label=f"weekly running km, weeks of {first} to {last}"),
        "pain_spark": sparkline_svg(pains, top=10, colour="#222222",
                                    label="weekly mean next-morning pain (0–10),"
                                          f" weeks of {first} to {last}"),
        "pain_trend": content["pain_trend"],
        "compliance": compliance,
        "compliance_class": compliance_class,
        "red_flags": [flag_label(f) for f in content["red_flags"]],
        "red_flag_titles": [f["message"] or f["code"] for f in content["red_flags"]],
        "trainer": [a["title"] for a in (content.get("plan") or {}).get("trainer_advice", [])],
        "link": link,
        "as_of": content["as_of"],
        "last_upload": last_upload or "–",
    }
