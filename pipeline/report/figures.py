"""The report's figures, rendered to PNG and embedded as base64 (no file, no external request).

Every time figure has the same size of plot area, at the same place, over the same dates
(``TimeWindow``), so a month sits at the same x in every figure of a report.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure

from pipeline import plots
from pipeline.config import Thresholds
from pipeline.report.content import calm_baseline, tolerated_interval_km, weekly_view
from pipeline.report.inputs import ReportInputs
from pipeline.report.period import TimeWindow, time_window

DPI = 130
WIDTH_IN = 9.0
# fixed margins (inches) instead of a layout engine, so plot areas line up across figures:
# room for y tick labels and a label on both sides, the legend row(s) above, dates below
LEFT_IN, RIGHT_IN, TOP_IN, BOTTOM_IN = 1.0, 0.7, 0.55, 0.42


def png_base64(draw: Callable, *, height_in: float = 3.0,
               window: TimeWindow | None = None) -> tuple[str, str]:
    """A figure drawn by ``draw(ax)`` as base64 PNG, and the helper's "no data" note ("" when
    the figure holds data). With ``window`` the plot area has the fixed margins and the
    window's dates."""
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI,
                 layout=None if window is not None else "constrained")
    if window is not None:
        fig.subplots_adjust(left=LEFT_IN / WIDTH_IN, right=1 - RIGHT_IN / WIDTH_IN,
                            top=1 - TOP_IN / height_in, bottom=BOTTOM_IN / height_in)
    ax = fig.add_subplot()
    draw(ax)
    note = next((t.get_text() for t in ax.texts if t.get_gid() == plots.NO_DATA_GID), "")
    if window is not None and not note:
        ax.set_xlim(window.start, window.end)  # the twins share this x axis
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return base64.b64encode(buffer.getvalue()).decode("ascii"), note


def report_figures(inputs: ReportInputs, *, thresholds: Thresholds) -> list[dict]:
    """The report's figures in order: key, title, caption, base64 PNG, and ``has_data``.

    A figure without data keeps its title and carries the helper's note instead of an image.
    """
    t = thresholds
    rec = inputs.recommendation
    window = time_window(inputs)
    weekly_range = rec.get("weekly_run_km") or {}
    next_week = ((float(weekly_range["min"]), float(weekly_range["max"]))
                 if window.next_week_start is not None and weekly_range.get("min") is not None
                 and weekly_range.get("max") is not None else None)
    tolerated = rec.get("tolerated_weekly_km")
    since = window.start
    full_daily = inputs.daily
    daily = full_daily[(pd.to_datetime(full_daily["date"]) >= since)
                       & (pd.to_datetime(full_daily["date"]) < window.end)] \
        if not full_daily.empty else full_daily
    weekly = weekly_view(full_daily, inputs.weekly)
    weekly = weekly[(weekly["week_start"] > since - pd.Timedelta(days=7))
                    & (weekly["week_start"] < window.end)]
    zones = {"safe_max": t.pain_safe_max, "acceptable_max": t.pain_acceptable_max}
    baseline = calm_baseline(rec)
    cap = rec.get("longest_run_km_max") if window.next_week_start is not None else None
    zone_text = (f"0–{t.pain_safe_max:g} safe (green), {t.pain_safe_max:g}–"
                 f"{t.pain_acceptable_max:g} acceptable (amber), above"
                 f" {t.pain_acceptable_max:g} too much (red)")
    morning_text = (
        f"Next-morning pain is coloured as the status reads it: against this athlete's calm"
        f" level of {baseline:g}/10 (green up to +{t.morning_settled_margin:g}, amber up to"
        f" +{t.morning_red_margin:g}, red above)" if baseline is not None
        else "Next-morning pain uses the same zones")

    specs = [
        ("weekly", "Weekly running km and next-morning pain",
         "Bars: running km per week, Monday to Sunday (hatched: the week in progress). Line:"
         " mean next-morning pain, dots coloured as in the pain calendar. Grey dashed line and"
         " band: the tolerated weekly km from this athlete's history (80% interval; absent"
         " when the data cannot support one). Purple box: next week's range.",
         lambda ax: plots.weekly_km_pain(
             ax, weekly, tolerated_km=float(tolerated) if tolerated is not None else None,
             tolerated_band_km=tolerated_interval_km(rec), next_week_km=next_week,
             next_week_start=window.next_week_start, last_week_days=window.last_week_days,
             morning_baseline_0_10=baseline, **zones), 2.9),
        ("pain_calendar", "Daily pain calendar",
         f"During-run and sitting pain: {zone_text}. {morning_text}. Grey: no entry that day.",
         lambda ax: plots.pain_calendar(ax, daily, last_days=window.days,
                                        morning_baseline_0_10=baseline, **zones), 2.3),
        ("longest_run", "Longest run against the 30-day cap",
         f"Each run day's longest run against {t.single_run_cap:.0%} of the longest run of the"
         f" previous {t.spike_window_days} days (Frandsen 2025); crosses mark runs above it."
         " Purple: next week's long-run cap.",
         lambda ax: plots.longest_run_cap(ax, full_daily, since=since,
                                          window_days=t.spike_window_days,
                                          cap_ratio=t.single_run_cap,
                                          next_cap_km=float(cap) if cap is not None else None,
                                          next_week_start=window.next_week_start), 3.0),
        ("stride", "Cadence and step length at the reference speed",
         "Both at the athlete's usual easy speed, so a change is not just a change of pace. A"
         " longer step at the same speed suggests over-striding; a cadence change is an"
         f" experiment to monitor with the pain log. The axes span at least"
         f" {plots.CADENCE_MIN_SPAN_SPM:g} steps/min and {plots.STEP_MIN_SPAN_M:g} m, so"
         " measurement noise does not look like a trend.",
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
    figures = []
    for key, title, caption, draw, height in specs:
        png, note = png_base64(draw, height_in=height, window=window)
        figures.append(_figure(key, title, caption, png, note))
    if inputs.route is not None:  # not a time figure: its own layout
        png, note = png_base64(lambda ax: plots.route(ax, inputs.route), height_in=4.0)
        figures.append(_figure("route", "Most recent run (route)",
                               "Shown because maps were asked for (--show-maps); no basemap.",
                               png, note))
    return figures


def _figure(key: str, title: str, caption: str, png: str, note: str) -> dict:
    # without data the title and the helper's note stand in for an empty chart
    return {"key": key, "title": title, "caption": caption, "png": "" if note else png,
            "has_data": not note, "note": note}
