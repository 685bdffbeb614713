"""The report's figures, rendered to PNG and embedded as base64 (no file, no external request)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure

from pipeline import plots
from pipeline.config import Thresholds
from pipeline.report.content import HISTORY_WEEKS, tolerated_interval_km, weekly_view
from pipeline.report.inputs import ReportInputs

DPI = 130
WIDTH_IN = 9.0


def png_base64(draw: Callable, *, height_in: float = 3.0) -> tuple[str, str]:
    """A figure drawn by ``draw(ax)`` as base64 PNG, and the helper's "no data" note ("" when
    the figure holds data)."""
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    draw(ax)
    note = next((t.get_text() for t in ax.texts if t.get_gid() == plots.NO_DATA_GID), "")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return base64.b64encode(buffer.getvalue()).decode("ascii"), note


def report_figures(inputs: ReportInputs, *, thresholds: Thresholds) -> list[dict]:
    """The report's figures in order: key, title, caption, base64 PNG, and ``has_data``.

    A figure without data keeps its title and carries the helper's note instead of an image.
    """
    t = thresholds
    rec = inputs.recommendation
    weekly_range = rec.get("weekly_run_km") or {}
    next_week = ((float(weekly_range["min"]), float(weekly_range["max"]))
                 if weekly_range.get("min") is not None and weekly_range.get("max") is not None
                 else None)
    tolerated = rec.get("tolerated_weekly_km")
    since = pd.Timestamp(inputs.as_of) - pd.Timedelta(weeks=HISTORY_WEEKS)
    full_daily = inputs.daily
    daily = full_daily[pd.to_datetime(full_daily["date"]) > since] if not full_daily.empty \
        else full_daily
    weekly = weekly_view(full_daily, inputs.weekly)
    weekly = weekly[weekly["week_start"] > since - pd.Timedelta(days=7)]
    zones = {"safe_max": t.pain_safe_max, "acceptable_max": t.pain_acceptable_max}
    next_week_start = pd.Timestamp(str(rec.get("week_start"))[:10]) if rec.get("week_start") \
        else None
    cap = rec.get("longest_run_km_max")

    specs = [
        ("weekly", "Weekly running km and next-morning pain",
         "Bars: running km per week. Line: the week's mean next-morning pain, coloured by zone."
         " Dashed line and hatched band: the tolerated weekly km estimated from this athlete's"
         " history with its 80% interval (absent when the data cannot support one). Green band:"
         " next week's suggested range.",
         lambda ax: plots.weekly_km_pain(ax, weekly,
                                         tolerated_km=float(tolerated) if tolerated is not None
                                         else None, tolerated_band_km=tolerated_interval_km(rec),
                                         next_week_km=next_week, **zones), 3.2),
        ("pain_calendar", "Daily pain calendar",
         f"Last {plots.PAIN_CALENDAR_DAYS // 7} weeks. Zones: 0–{t.pain_safe_max:g} safe (green), {t.pain_safe_max:g}–"
         f"{t.pain_acceptable_max:g} acceptable (amber), above {t.pain_acceptable_max:g} too much"
         " (red); grey: no entry that day.",
         lambda ax: plots.pain_calendar(ax, daily, **zones), 2.3),
        ("longest_run", "Longest run against the 30-day cap",
         f"Each run day's longest run against {t.single_run_cap:.0%} of the longest run of the"
         f" previous {t.spike_window_days} days (Frandsen 2025); red dots exceeded it. Green:"
         " next week's long-run cap.",
         lambda ax: plots.longest_run_cap(ax, full_daily, since=since + pd.Timedelta(days=1),
                                          window_days=t.spike_window_days,
                                          cap_ratio=t.single_run_cap,
                                          next_cap_km=float(cap) if cap is not None else None,
                                          next_week_start=next_week_start), 3.0),
        ("stride", "Cadence and step length at the reference speed",
         "Both at the athlete's usual easy speed, so a change is not just a change of pace. A"
         " longer step at the same speed suggests over-striding; a cadence change is an"
         " experiment to monitor with the pain log.",
         lambda ax: plots.stride_at_reference(ax, daily), 2.8),
        ("cross_training", "Cross-training and rest days",
         "Cross-training minutes per week by sport (keeps aerobic fitness while running is"
         " reduced) and rest days per week; long stretches without any activity are not advised.",
         lambda ax: plots.cross_training_rest(ax, daily), 2.8),
        ("acwr", "Acute:chronic ratio — context, not a risk score",
         f"EWMA ratio of {t.acute_days}- to {t.chronic_days}-day running load. Shaded:"
         f" {t.acwr_sweet_low:g}–{t.acwr_sweet_high:g}; dashed: {t.acwr_danger:g}. Shown as"
         " context only: the ratio is strongly criticised and did not predict injuries in"
         " runners (Impellizzeri 2020, Frandsen 2025).",
         lambda ax: plots.acwr_context(ax, daily, sweet_low=t.acwr_sweet_low,
                                       sweet_high=t.acwr_sweet_high, danger=t.acwr_danger), 2.6),
    ]
    if inputs.route is not None:
        specs.append(("route", "Most recent run (route)",
                      "Shown because maps were asked for (--show-maps); no basemap.",
                      lambda ax: plots.route(ax, inputs.route), 4.0))
    figures = []
    for key, title, caption, draw, height in specs:
        png, note = png_base64(draw, height_in=height)
        # without data the title and the helper's note stand in for an empty chart
        figures.append({"key": key, "title": title, "caption": caption,
                        "png": "" if note else png, "has_data": not note, "note": note})
    return figures
