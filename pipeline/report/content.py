"""What a report shows, as plain values for the templates (pure: inputs in, dicts out)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import PurePath

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.features.weekly import week_start
from pipeline.ingest.counts import counts_text, ledger_counts, recorded_inputs
from pipeline.report.evidence import DISCLAIMER, EVIDENCE, RED_FLAG_ADVICE
from pipeline.report.inputs import ReportInputs
from pipeline.report.period import HISTORY_WEEKS, data_through, is_stale
from pipeline.report.plan_view import plan_content
from pipeline.schemas import RUNNING_SPORTS

STATUS = {
    "progress": ("Progress", "#2e9e4f", "Green: running load can increase modestly next week."),
    "hold": ("Hold", "#e39400", "Amber: keep next week's running load where it is."),
    "reduce": ("Reduce", "#d62728", "Red: go back to the last load the athlete tolerated."),
    "seek_care": ("Seek care", "#8b1a1a",
                  "Red flags (below): see an athletic trainer before building running load."),
}
PAIN_TREND_STEP = 0.5  # a change of half a point (0-10) in the weekly mean counts as a trend


def km(value) -> str:
    """A distance in km for display: one decimal, no trailing '.0'; '–' when unknown."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{float(value):.1f}".removesuffix(".0")


def recommendation_view(rec: dict) -> dict:
    """The recommendation's numbers and wording for the report's first screen."""
    status = str(rec.get("status", "hold"))
    label, colour, meaning = STATUS.get(status, (status.title(), "#555555", ""))
    weekly = rec.get("weekly_run_km") or {}
    week_start = str(rec.get("week_start", ""))[:10]
    try:
        week_end = (date.fromisoformat(week_start) + timedelta(days=6)).isoformat()
    except ValueError:
        week_end = ""
    return {
        "status": status,
        "label": label,
        "colour": colour,
        "meaning": meaning,
        "week_start": week_start,
        "week_end": week_end,
        "as_of": str(rec.get("as_of", ""))[:10],
        "weekly_min": km(weekly.get("min")),
        "weekly_max": km(weekly.get("max")),
        "longest_run_km_max": km(rec.get("longest_run_km_max")),
        "runs_per_week": rec.get("runs_per_week", "–"),
        "cross_training_min": rec.get("cross_training_min", "–"),
        "tolerated_weekly_km": (km(rec["tolerated_weekly_km"])
                                if rec.get("tolerated_weekly_km") is not None else None),
        "tolerated_interval": ("–".join(km(v) for v in tolerated_interval_km(rec))
                               if tolerated_interval_km(rec) else None),
        "confidence": rec.get("confidence", "low"),
        "cadence_experiment": cadence_text(rec.get("cadence_experiment")),
    }


def cadence_text(experiment) -> str | None:
    """The recommendation's optional cadence experiment as sentences (None when absent)."""
    if not experiment:
        return None
    if isinstance(experiment, str):
        return experiment
    if not isinstance(experiment, dict):
        return str(experiment)
    if experiment.get("message"):
        return str(experiment["message"])
    target = experiment.get("try_spm")
    if isinstance(target, (list, tuple)) and len(target) == 2:
        text = (f"Try {target[0]:g}–{target[1]:g} steps per minute at your usual easy speed"
                + (f" (now {experiment['current_spm']:g})." if experiment.get("current_spm")
                   is not None else "."))
        return f"{text} {experiment.get('caveat', '')}".strip()
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in experiment.items())


def calm_baseline(rec: dict) -> float | None:
    """The athlete's calm next-morning pain (0-10) the status compares with, when the
    recommendation gives one."""
    zones = rec.get("pain_zones")
    value = zones.get("calm_baseline_0_10") if isinstance(zones, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def tolerated_interval_km(rec: dict) -> tuple[float, float] | None:
    """The uncertainty interval (km) of the tolerated weekly km, when the analysis gave one."""
    interval = (rec.get("tolerance") or {}).get("interval") if isinstance(
        rec.get("tolerance"), dict) else None
    if (isinstance(interval, (list, tuple)) and len(interval) == 2
            and all(isinstance(v, (int, float)) for v in interval)):
        return float(interval[0]), float(interval[1])
    return None


# the analysis's names for its rules, as a reader says them
RULE_NAMES = {
    "pain_monitoring": "Pain monitoring",
    "progress_step": "Weekly step",
    "two_week_increase": "Two-week increase",
    "single_run_cap": "Single-run cap",
    "long_run_share": "Long-run share",
    "tolerated_cap": "Tolerated-load cap",
    "cross_training": "Cross-training",
}
# a rule the report shows in its own section: listing it again would repeat the red flags
RULES_SHOWN_ELSEWHERE = {"red_flags"}
_INTERNAL = re.compile(r"\s*\([^()]*SCIENCE\.md[^()]*\)|SCIENCE\.md(?:'s)?\s*(?:red flags:?\s*)?")


def reader_text(text) -> str:
    """``text`` without the project's internal references (``SCIENCE.md``, backticks): what
    reaches a runner or a coach."""
    return re.sub(r"\s{2,}", " ", _INTERNAL.sub("", str(text)).replace("`", "")).strip()


def rules_applied(rec: dict) -> list[str]:
    """The recommendation's own list of rules it applied this week, as sentences."""
    out = []
    for rule in rec.get("rules_applied") or []:
        if isinstance(rule, dict):
            code = str(rule.get("rule") or rule.get("code") or "")
            if code in RULES_SHOWN_ELSEWHERE:
                continue
            name = RULE_NAMES.get(code) or reader_text(rule.get("message") or code
                                                       ).replace("_", " ")
            source = reader_text(rule.get("source") or rule.get("citation") or "")
            out.append(f"{name}: {source}" if source else name)
        else:
            out.append(reader_text(rule))
    return [r for r in out if r]


def reasons_text(rec: dict, flags: list[dict]) -> list[str]:
    """The recommendation's reasons for a reader: internal references removed, and none that
    repeats a red flag (the red flags have their own section)."""
    messages = [f["message"] for f in flags if f["message"]]
    out = []
    for reason in rec.get("reasons") or []:
        text = reader_text(reason)
        if not text or any(m in text or text in m for m in messages):
            continue
        if flags and "red flag" in text.lower():  # "One or more red flags: contact ..."
            continue
        out.append(text)
    return out


def weekly_view(daily: pd.DataFrame, weekly: pd.DataFrame) -> pd.DataFrame:
    """Per ISO week: ``week_start``, ``run_km`` and ``pain_next_morning_mean_0_10`` (0-10).

    Running km come from ``weekly.parquet`` when present; the pain mean from its column when the
    features stage wrote one, else from the daily next-morning entries.
    """
    if daily.empty and weekly.empty:
        return pd.DataFrame({"week_start": pd.Series(dtype="datetime64[us]"),
                             "run_km": pd.Series(dtype=float),
                             "pain_next_morning_mean_0_10": pd.Series(dtype=float)})
    by_week = pd.DataFrame()
    if not daily.empty:
        d = daily.assign(week_start=week_start(daily["date"]))
        pain = (pd.to_numeric(d["pain_next_morning_0_10"], errors="coerce")
                if "pain_next_morning_0_10" in d.columns else pd.Series(np.nan, index=d.index))
        by_week = (d.assign(_pain=pain.astype(float))
                   .groupby("week_start")
                   .agg(run_km=("run_km", "sum"), pain_next_morning_mean_0_10=("_pain", "mean"))
                   .reset_index())
    if not weekly.empty:
        w = weekly.assign(week_start=pd.to_datetime(weekly["week_start"]))
        keep = ["week_start", "run_km"]
        if "pain_next_morning_mean_0_10" in w.columns:
            keep.append("pain_next_morning_mean_0_10")
        w = w[keep]
        if by_week.empty:
            by_week = w
        else:
            fill = [c for c in ("pain_next_morning_mean_0_10",) if c not in w.columns]
            by_week = w.merge(by_week[["week_start", *fill]], on="week_start", how="outer")
    if "pain_next_morning_mean_0_10" not in by_week.columns:
        by_week["pain_next_morning_mean_0_10"] = np.nan
    by_week["run_km"] = pd.to_numeric(by_week["run_km"], errors="coerce").fillna(0.0)
    return by_week.sort_values("week_start").reset_index(drop=True)


def _window(daily: pd.DataFrame, as_of: date, days: int, offset: int = 0) -> pd.DataFrame:
    end = pd.Timestamp(as_of) - pd.Timedelta(days=offset)
    dates = pd.to_datetime(daily["date"])
    return daily[(dates > end - pd.Timedelta(days=days)) & (dates <= end)]


def last_7_days_km(daily: pd.DataFrame, as_of: date) -> float | None:
    """Running km in the 7 days ending on ``as_of`` (None without daily data)."""
    if daily.empty:
        return None
    return float(_window(daily, as_of, 7)["run_km"].sum())


def pain_trend(daily: pd.DataFrame, as_of: date) -> dict:
    """Mean next-morning pain of the last 7 days against the 7 before: direction and values."""
    column = "pain_next_morning_0_10"
    if daily.empty or column not in daily.columns:
        return {"direction": "no data", "arrow": "", "text": "no next-morning pain entries",
                "short": "no entries"}
    now = pd.to_numeric(_window(daily, as_of, 7)[column], errors="coerce").mean()
    before = pd.to_numeric(_window(daily, as_of, 7, offset=7)[column], errors="coerce").mean()
    if np.isnan(now) or np.isnan(before):
        return {"direction": "no data", "arrow": "",
                "text": "not enough next-morning entries in the last two weeks",
                "short": "too few entries"}
    change = now - before
    if change >= PAIN_TREND_STEP:
        direction, arrow = "rising", "↑"
    elif change <= -PAIN_TREND_STEP:
        direction, arrow = "falling", "↓"
    else:
        direction, arrow = "steady", "→"
    return {"direction": direction, "arrow": arrow,
            "text": f"{direction}: {before:.1f} → {now:.1f} (next-morning mean, 0–10)",
            "short": f"{direction} ({before:.1f} → {now:.1f})"}


def _source_name(source_files) -> str:
    if source_files is None:
        return ""
    if isinstance(source_files, str):
        return report_file_name(source_files)
    names = [str(s) for s in list(source_files)]
    return report_file_name(names[0]) if names else ""


def report_file_name(source: str) -> str:
    """An input's name as a report shows it: as given when relative; for an absolute path only
    the file's name (a report is shared with a coach: the path would show the home folder and
    the user's name), with the member of an archive after ``!``."""
    outer, bang, member = str(source).partition("!")
    if PurePath(outer).is_absolute() or outer.startswith("~"):
        outer = PurePath(outer).name
    return outer + bang + member


def _activity_rows(frame: pd.DataFrame, limit: int) -> list[dict]:
    rows = []
    for _, a in frame.sort_values("start_time_utc", ascending=False).head(limit).iterrows():
        rows.append({
            "date": pd.Timestamp(a["local_date"]).date().isoformat(),
            "sport": str(a["sport"]).replace("_", " "),
            "km": km(a["distance_m"] / 1000 if pd.notna(a["distance_m"]) else None),
            "source": _source_name(a.get("source_files")),
        })
    return rows


def days_without_pain_entry(daily: pd.DataFrame, as_of: date, *,
                            weeks: int = HISTORY_WEEKS) -> tuple[int, int, list[str]]:
    """Over the last ``weeks`` weeks up to ``as_of`` (from the first day with data when that is
    later): days without any pain entry, days counted, and the dates missing in the last 14
    days. The one definition the report and the index use."""
    if daily.empty:
        return 0, 0, []
    period = _window(daily, as_of, weeks * 7)
    pain_columns = [c for c in period.columns if c.startswith("pain_") and c.endswith("_0_10")]
    empty = (period[pain_columns].isna().all(axis=1) if pain_columns
             else pd.Series(True, index=period.index))
    recent = [pd.Timestamp(d).date().isoformat()
              for d in _window(period[empty], as_of, 14)["date"]]
    return int(empty.sum()), int(len(period)), recent


def data_quality(inputs: ReportInputs, *, limit: int = 12) -> dict:
    """Import counts (``pipeline.ingest.counts``: the words and numbers ``runload ingest``
    prints), quarantined and partial files, days without pain entries, activities missing HR or
    cadence; lists are cut to ``limit`` rows (counts are full)."""
    sources = recorded_inputs(inputs.sources)
    status = sources["status"].astype(str) if not sources.empty else pd.Series(dtype=str)
    quarantined = (sources[status.isin(["quarantined", "refused"])] if not sources.empty
                   else sources)
    partial_files = sources[status == "partial"] if not sources.empty else sources
    no_pain_days, n_days, recent_missing = days_without_pain_entry(inputs.daily, inputs.as_of)

    acts = inputs.activities
    runs = acts[acts["sport"].isin(RUNNING_SPORTS)] if not acts.empty else acts
    no_hr = acts[acts["avg_hr_bpm"].isna()] if not acts.empty else acts
    no_cadence = runs[runs["avg_cadence_spm"].isna()] if not runs.empty else runs
    return {
        "counts": ledger_counts(sources),
        "counts_text": counts_text(ledger_counts(sources)),
        "quarantined": [{"file": report_file_name(r["source_file"]),
                         "reason": str(r.get("reason") or "")}
                        for _, r in quarantined.head(limit).iterrows()],
        "n_quarantined": int(len(quarantined)),
        "partial_files": [{"file": report_file_name(r["source_file"]),
                           "reason": str(r.get("reason") or "")}
                          for _, r in partial_files.head(limit).iterrows()],
        "n_days": n_days,
        "n_days_without_pain": no_pain_days,
        "recent_days_without_pain": recent_missing,
        "n_activities": int(len(acts)),
        "n_runs": int(len(runs)),
        "n_without_hr": int(len(no_hr)),
        "without_hr": _activity_rows(no_hr, limit),
        "n_runs_without_cadence": int(len(no_cadence)),
        "runs_without_cadence": _activity_rows(no_cadence, limit),
        "limit": limit,
    }


SPARKLINE_WEEKS = 12


def recent_weeks(inputs: ReportInputs, *, weeks: int = SPARKLINE_WEEKS) -> list[dict]:
    """The last ``weeks`` weeks up to the last data: ``run_km`` and next-morning pain mean (None
    without an entry), oldest first (the index's sparklines)."""
    view = weekly_view(inputs.daily, inputs.weekly)
    through = data_through(inputs)
    if view.empty or through is None:
        return []
    view = view[view["week_start"] <= pd.Timestamp(through)].tail(weeks)
    return [{"week_start": w.week_start.date().isoformat(), "run_km": float(w.run_km),
             "pain": None if pd.isna(w.pain_next_morning_mean_0_10)
             else float(w.pain_next_morning_mean_0_10)}
            for w in view.itertuples()]


def evidence(thresholds: Thresholds) -> list[dict]:
    """The rules behind the advice, with the numbers in use and their citations."""
    return [{"rule": rule.format(t=thresholds), "source": source} for rule, source in EVIDENCE]


def report_content(inputs: ReportInputs, *, thresholds: Thresholds) -> dict:
    """Everything the report template needs, in the order the report shows it."""
    rec = inputs.recommendation
    flags = [{"code": str(f.get("code", "")), "message": reader_text(f.get("message", ""))}
             if isinstance(f, dict) else {"code": "", "message": reader_text(f)}
             for f in rec.get("red_flags") or []]
    through = data_through(inputs)
    return {
        "athlete": inputs.athlete,
        "as_of": inputs.as_of.isoformat(),
        "data_through": through.isoformat() if through else None,
        "stale": is_stale(inputs),
        "recommendation": recommendation_view(rec),
        "red_flags": flags,
        "red_flag_advice": RED_FLAG_ADVICE,
        "reasons": reasons_text(rec, flags),
        # the recommendation's own figure when it has one: the status is judged against it
        "last_7_days_km": km(rec["last_7_days_run_km"] if rec.get("last_7_days_run_km")
                             is not None else last_7_days_km(inputs.daily, inputs.as_of)),
        "recent_weeks": recent_weeks(inputs),
        "last_week": rec.get("last_week") if isinstance(rec.get("last_week"), dict) else None,
        "pain_trend": pain_trend(inputs.daily, inputs.as_of),
        "data_quality": data_quality(inputs),
        "rules_applied": rules_applied(rec),
        "evidence": evidence(thresholds),
        "disclaimer": DISCLAIMER,
        "history_weeks": HISTORY_WEEKS,
        "plan": plan_content(rec),
    }
