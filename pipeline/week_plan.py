"""Next week's numbers: the plan arithmetic of ``recommendation.json``, apart from its sentences.

Every cap on next week's maximum is a ``Bound`` (a rule, the km it allows, and the arithmetic in
words); the maximum is the smallest bound, and that bound is the one the reasons name. The
status from the pain model (``intent``) is then made to match the numbers (CONTRACT.md):
``progress`` only with a maximum above the last 7 days' km, ``hold`` within ``hold_band`` of it,
``reduce``/``seek_care`` below it. Stale data (no entry for ``stale_after_days``) has no running
in the last 7 days, so it gets a restart plan from these same rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.config import Thresholds


@dataclass(frozen=True)
class Bound:
    """A cap on next week's maximum (or on the longest run): ``rule`` (a key of
    ``recommend.RULES``), the ``km`` it allows and its ``arithmetic`` in words."""

    rule: str
    km: float
    arithmetic: str


@dataclass
class WeekPlan:
    """Next week's numbers and which rule set each (see the module docstring)."""

    intent: str
    status: str
    last_7_days_run_km: float
    max_km: float
    min_km: float
    binding: Bound
    bounds: list[Bound]
    longest_run_km: float
    longest_binding: Bound
    runs_per_week: int
    cross_training_min: int
    restart: str | None = None  # "return_runs" (no run in 30 days), "restart_half", "paused"
    rules: list[str] = field(default_factory=list)


def floor1(km: float) -> float:
    """Rounded down to 0.1 km, so a rounded cap is never above the rule that set it."""
    return math.floor(km * 10 + 1e-6) / 10


def week_plan(d: pd.DataFrame, *, end: pd.Timestamp, intent: str, windows: pd.DataFrame,
              cap: Bound | None, thresholds: Thresholds) -> WeekPlan:
    """The plan for the week after ``end`` from the daily frame ``d`` (indexed by date, every
    day up to ``end``), the pain model's ``intent`` (progress, hold, reduce or seek_care), the
    seven-day ``windows`` (``symptoms.weekly_pain``) and the tolerated-load ``cap``."""
    th = thresholds
    recent = _km_between(d, end, 0, 7)
    prev = _km_between(d, end, 7, 14)
    km28 = _km_between(d, end, 0, 28)
    longest30 = _longest_run_km(d, end)
    bounds, restart = _max_bounds(intent, recent=recent, prev=prev, km28=km28,
                                  longest30=longest30, d=d, end=end, windows=windows, th=th)
    if cap is not None and restart != "paused":
        bounds.append(cap)
    binding = min(bounds, key=lambda b: b.km)
    top = max(0.0, binding.km)

    frandsen = th.single_run_cap * longest30 if longest30 > 0 else th.return_run_km
    runs = _usual_runs(d, end, th)
    if top > 0:
        runs = int(min(th.max_runs_per_week, max(runs, math.ceil(top / frandsen - 1e-9))))
        share = max(th.long_run_share, 1 / runs)
        spike_cap = Bound("single_run_cap", frandsen, (
            f"{th.single_run_cap:.0%} of your longest run of the last 30 days "
            f"({longest30:.1f} km)" if longest30 > 0 else
            f"no run in the last 30 days: first runs of at most {th.return_run_km:g} km"))
        share_cap = Bound("long_run_share", top * share, (
            f"{share:.0%} of the week's maximum of {floor1(top):.1f} km"
            f" ({'a third' if share == th.long_run_share else f'one of {runs} runs'})"))
        longest_binding = min((spike_cap, share_cap), key=lambda b: b.km)
        longest = floor1(longest_binding.km)
        if runs * longest < top - 1e-9:
            binding = Bound("single_run_cap", runs * longest, (
                f"{runs} runs (at most {th.max_runs_per_week} a week) of at most {longest:.1f} km"))
            bounds.append(binding)
            top = binding.km
    else:
        runs, longest = 0, 0.0
        longest_binding = Bound("red_flags" if intent == "seek_care" else "pain_monitoring", 0.0,
                                "running pauses")
    top = floor1(top)
    # a range, never a single number: progress starts from the last 7 days' km
    low = recent if intent == "progress" and recent < top else (1 - th.range_width) * top
    low = floor1(min(low, top))
    status = matching_status(intent, top, round(recent, 1), th)  # as reported
    rules = ["pain_monitoring"] + [b.rule for b in bounds if b.rule != "pain_monitoring"]
    rules += ["single_run_cap", "long_run_share"] if top > 0 else []
    cross = cross_training_min(d, end=end, planned_km=(low + top) / 2, status=status, top=top,
                               thresholds=th)
    if cross > 0:
        rules.append("cross_training")
    return WeekPlan(intent=intent, status=status, last_7_days_run_km=round(recent, 1),
                    max_km=top, min_km=low, binding=binding, bounds=bounds,
                    longest_run_km=longest, longest_binding=longest_binding, runs_per_week=runs,
                    cross_training_min=cross, restart=restart, rules=list(dict.fromkeys(rules)))


def matching_status(intent: str, max_km: float, last_7_days_km: float, th: Thresholds) -> str:
    """The status that matches the numbers (CONTRACT.md), starting from the pain model's.

    ``seek_care`` stays (red flags). With running in the last 7 days: ``progress`` needs a
    maximum above them, ``hold`` a maximum within ``hold_band`` of them, anything lower is
    ``reduce``. With none, a plan with running is a (re)start, i.e. ``progress``, unless pain
    says reduce."""
    if intent == "seek_care":
        return intent
    lo, hi = th.hold_band
    if last_7_days_km <= 0:
        return "reduce" if intent == "reduce" else ("progress" if max_km > 0 else "hold")
    if intent == "progress" and max_km > last_7_days_km:
        return "progress"
    if intent in ("progress", "hold") and lo * last_7_days_km <= max_km <= hi * last_7_days_km:
        return "hold"
    return "reduce"


def _km_between(d: pd.DataFrame, end: pd.Timestamp, start_days: int, end_days: int) -> float:
    """Running km of the days ``end - end_days + 1 .. end - start_days``."""
    rows = (d.index > end - pd.Timedelta(days=end_days)) & (
        d.index <= end - pd.Timedelta(days=start_days))
    return float(d.loc[rows, "run_km"].fillna(0.0).sum())


def _longest_run_km(d: pd.DataFrame, end: pd.Timestamp) -> float:
    window = d.loc[d.index > end - pd.Timedelta(days=30), "longest_run_km"]
    value = float(window.max()) if len(window) else 0.0
    return 0.0 if np.isnan(value) else value


def _usual_runs(d: pd.DataFrame, end: pd.Timestamp, th: Thresholds) -> int:
    last28 = d[d.index > end - pd.Timedelta(days=28)]
    per_week = float(last28["n_runs"].fillna(0).sum()) / max(1.0, len(last28) / 7)
    return int(min(th.max_runs_per_week, max(1, round(per_week))))


def _max_bounds(intent, *, recent, prev, km28, longest30, d, end, windows, th):
    """The caps on next week's maximum that the intent brings, and the restart kind."""
    if longest30 <= 0 and intent in ("progress", "hold"):
        return [Bound("return_runs", 2 * th.return_run_km, (
            f"no run in the last 30 days: restart with two short runs of at most "
            f"{th.return_run_km:g} km"))], "return_runs"
    if recent <= 0 and intent in ("progress", "hold"):
        half = km28 / 4 / 2
        km = max(2 * th.return_run_km, half)
        return [Bound("restart", km, (
            f"no running in the last 7 days: restart at about half your average week of the "
            f"last 4 weeks ({km28 / 4:.1f} km / 2 = {half:.1f} km)"
            + (f", at least {2 * th.return_run_km:g} km" if half < km else "")))], "restart_half"
    if intent == "progress":
        out = [Bound("progress_step", recent * (1 + th.progress_step), (
            f"+{th.progress_step:.0%} on the last 7 days' {recent:.1f} km "
            f"({recent:.1f} x {1 + th.progress_step:.2f})"))]
        if prev > 0:
            out.append(Bound("two_week_increase", prev * (1 + th.two_week_increase_flag), (
                f"no more than +{th.two_week_increase_flag:.0%} over two weeks: the 7 days "
                f"before had {prev:.1f} km ({prev:.1f} x {1 + th.two_week_increase_flag:.2f})")))
        return out, None
    if intent == "hold":
        before = d.loc[(d.index > end - pd.Timedelta(days=28))
                       & (d.index <= end - pd.Timedelta(days=7)), "run_km"]
        usual = float(before.sum()) / 3 if len(before) >= 21 else 0.0
        # Holding a jump would keep the load that may be provoking the amber signs: after a week
        # well above the three before (Nielsen 2014: > 30 %), hold at their average instead.
        if usual > 0 and recent > usual * (1 + th.two_week_increase_flag):
            return [Bound("two_week_increase", usual, (
                f"the last 7 days ({recent:.1f} km) were more than "
                f"{th.two_week_increase_flag:.0%} above your usual {usual:.1f} km a week (the 3 "
                "weeks before): back to the usual level rather than the jump"))], None
        return [Bound("hold", recent, f"the last 7 days' {recent:.1f} km, held")], None
    # reduce and seek_care
    if recent <= 0:
        return [Bound("red_flags" if intent == "seek_care" else "pain_monitoring", 0.0, (
            "pain is high even without running: running pauses"))], "paused"
    out = [Bound("reduce_step", (1 - th.range_width) * recent, (
        f"{1 - th.range_width:.0%} of the last 7 days' {recent:.1f} km"))]
    tolerated = _last_tolerated_km(windows)
    if tolerated is not None:
        out.append(Bound("last_tolerated", tolerated, (
            f"back to the last week you tolerated (a green week of {tolerated:.1f} km)")))
    return out, None


def _last_tolerated_km(windows: pd.DataFrame) -> float | None:
    """The km of the latest green seven-day window before the last one."""
    before = windows.iloc[:-1]
    green = before[before["light"] == "green"] if len(before) else before
    return float(green["run_km"].iloc[-1]) if len(green) else None


def cross_training_min(d: pd.DataFrame, *, end, planned_km: float, status: str, top: float,
                       thresholds: Thresholds) -> int:
    """Minutes of cross-training a week: usual aerobic minutes minus planned running minutes,
    with ``cross_training_floor_min`` when running is reduced (never complete rest)."""
    floor = thresholds.cross_training_floor_min
    last28 = d[d.index > end - pd.Timedelta(days=28)]
    weeks = max(1.0, len(last28) / 7)
    aerobic = (float(last28["aerobic_min"].fillna(0).sum()) / weeks
               if "aerobic_min" in last28 else 0.0)
    km = float(last28["run_km"].fillna(0).sum())
    pace = (float(last28["run_min"].fillna(0).sum()) / km if km > 0 and "run_min" in last28
            else thresholds.default_min_per_km)
    gap = max(0.0, aerobic - planned_km * pace)
    if status in ("reduce", "seek_care"):
        gap = max(gap, floor)
    if top <= 0:
        gap = max(gap, aerobic, 2 * floor)
    return int(5 * round(gap / 5))
