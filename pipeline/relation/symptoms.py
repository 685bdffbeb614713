"""The pain-monitoring model (Silbernagel 2007, Thomee's zones) per run day and per week.

Conventions (stated in the README):

- A ``next_morning`` rating dated ``d`` was made on the morning of ``d``: it answers the load of
  day ``d - 1`` and earlier. So the next-morning response to a run on day ``d`` is the rating
  dated ``d + 1``.
- The outcome is next-morning pain; an athlete who logs almost only ``daily`` pain gets that
  instead (``morning_pain_source`` says which).
- The calm baseline is the athlete's own: the median next-morning pain over their calm weeks
  (weeks whose mean next-morning pain is at or below the ``calm_week_quantile`` of all weeks).
- Zones: during-run pain 0-2 green, 2-5 amber, > 5 red; after-run pain may reach 5; next-morning
  pain within ``morning_settled_margin`` of the baseline is settled (green), up to
  ``morning_red_margin`` amber, above that red ("reduce the load that preceded it").
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipeline.features.weekly import week_start
from pipeline.config import Thresholds

LIGHTS = ("green", "amber", "red")
MORNING = "pain_next_morning_0_10"
DAILY_PAIN = "pain_daily_0_10"
PAIN_COLUMNS = (
    "pain_during_run_0_10",
    "pain_after_run_0_10",
    MORNING,
    "pain_sitting_0_10",
    DAILY_PAIN,
)


def by_date(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily frame indexed by its (naive, midnight) date, sorted, every calendar day present."""
    d = daily.copy()
    d["date"] = pd.to_datetime(d["date"]).dt.normalize()
    d = d.sort_values("date").set_index("date")
    if len(d):
        full = pd.date_range(d.index.min(), d.index.max(), freq="D")
        d = d.reindex(full)
        d.index.name = "date"
        for col in ("run_km", "run_min", "n_runs", "longest_run_km", "aerobic_min"):
            if col in d:
                d[col] = d[col].astype(float).fillna(0.0)
    return d


def morning_pain_source(daily: pd.DataFrame) -> str:
    """The column used as the morning outcome: next-morning pain, or daily pain when the
    athlete logs next-morning pain on fewer than 10 days and daily pain more often."""
    n_morning = int(daily[MORNING].notna().sum()) if MORNING in daily else 0
    n_daily = int(daily[DAILY_PAIN].notna().sum()) if DAILY_PAIN in daily else 0
    if n_morning >= 10 or n_morning >= n_daily:
        return MORNING
    return DAILY_PAIN


def morning_pain_0_10(daily: pd.DataFrame) -> pd.Series:
    """Morning pain 0-10 by date (NaN where not rated), from ``morning_pain_source``."""
    d = by_date(daily)
    col = morning_pain_source(daily)
    if col not in d:
        return pd.Series(np.nan, index=d.index, name="morning_pain_0_10")
    return d[col].astype(float).rename("morning_pain_0_10")


def calm_baseline_0_10(daily: pd.DataFrame, *, thresholds: Thresholds) -> float | None:
    """The athlete's calm next-morning pain (0-10): the median rating over calm weeks.

    Calm weeks are ISO weeks with at least two morning ratings whose mean is at or below the
    ``calm_week_quantile`` of the weekly means. None with fewer than three morning ratings.
    """
    pain = morning_pain_0_10(daily).dropna()
    if len(pain) < 3:
        return None
    week = week_start(pain.index)
    groups = pain.groupby(week)
    means = groups.mean()[groups.count() >= 2]
    if len(means) < 2:
        return float(pain.median())
    calm_weeks = means[means <= means.quantile(thresholds.calm_week_quantile)].index
    return float(pain[week.isin(calm_weeks)].median())


def zone_during_run(pain: float, *, thresholds: Thresholds) -> str | None:
    """Silbernagel/Thomee zone of pain during a run: 0-2 green, 2-5 amber, > 5 red."""
    if pain is None or pd.isna(pain):
        return None
    if pain <= thresholds.pain_safe_max:
        return "green"
    return "amber" if pain <= thresholds.pain_acceptable_max else "red"


def zone_after_run(pain: float, *, thresholds: Thresholds) -> str | None:
    """Pain after a run may reach 5/10 (green); above that it is too much (red)."""
    if pain is None or pd.isna(pain):
        return None
    return "green" if pain <= thresholds.pain_acceptable_max else "red"


def zone_next_morning(pain: float, *, baseline: float | None, thresholds: Thresholds) -> str | None:
    """Next-morning response against the calm baseline (absolute zones when there is none)."""
    if pain is None or pd.isna(pain):
        return None
    if baseline is None:
        return zone_during_run(pain, thresholds=thresholds)
    rise = pain - baseline
    if rise <= thresholds.morning_settled_margin:
        return "green"
    return "amber" if rise <= thresholds.morning_red_margin else "red"


def worst(lights) -> str | None:
    """The worst of some traffic lights (None ignored; None when all are None)."""
    ranks = [LIGHTS.index(x) for x in lights if x is not None and not pd.isna(x)]
    return LIGHTS[max(ranks)] if ranks else None


def run_day_lights(
    daily: pd.DataFrame, *, baseline: float | None, thresholds: Thresholds
) -> pd.DataFrame:
    """One row per run day: the day's km, pain during/after, next-morning pain (the rating of
    the following day), each zone and the day's light (the worst zone; None when unrated)."""
    d = by_date(daily)
    morning_next = morning_pain_0_10(daily).shift(-1)
    runs = d[d["run_km"] > 0]
    out = pd.DataFrame(index=runs.index)
    out["run_km"] = runs["run_km"]
    out["longest_run_km"] = runs.get("longest_run_km", runs["run_km"])
    out["pain_during_run_0_10"] = runs.get("pain_during_run_0_10")
    out["pain_after_run_0_10"] = runs.get("pain_after_run_0_10")
    out["pain_next_morning_0_10"] = morning_next.reindex(runs.index)
    base = baseline if baseline is not None else np.nan
    out["morning_rise_0_10"] = out["pain_next_morning_0_10"] - base
    out["zone_during"] = [zone_during_run(p, thresholds=thresholds)
                          for p in out["pain_during_run_0_10"]]
    out["zone_after"] = [zone_after_run(p, thresholds=thresholds)
                         for p in out["pain_after_run_0_10"]]
    out["zone_morning"] = [
        zone_next_morning(p, baseline=baseline, thresholds=thresholds)
        for p in out["pain_next_morning_0_10"]
    ]
    zones = out[["zone_during", "zone_after", "zone_morning"]]
    out["light"] = [worst(z) for z in zones.itertuples(index=False)]
    return out.reset_index()


def weekly_pain(
    daily: pd.DataFrame, *, end: date, baseline: float | None, thresholds: Thresholds
) -> pd.DataFrame:
    """Seven-day windows ending on ``end`` (ISO weeks when ``end`` is a Sunday), oldest first.

    Columns: week_start, week_end, run_km, n_runs, morning_mean_0_10, sitting_mean_0_10,
    n_morning, during_max_0_10, red_days, amber_days, morning_change_0_10 and
    sitting_change_0_10 (against the window before), light (None when nothing was rated).

    A window is red when a run hurt > 5 during, two or more run days were red, its mean
    next-morning pain is above baseline + red margin, or next-morning pain rose by at least
    ``pain_trend_rise`` while above the settled margin; amber on any amber/red day, a mean above
    the settled margin, or a rise in sitting or next-morning pain; green otherwise.
    """
    d = by_date(daily)
    end_ts = pd.Timestamp(end).normalize()
    d = d[d.index <= end_ts]
    if d.empty:
        return pd.DataFrame(columns=["week_start", "week_end", "light"])
    days = run_day_lights(d.reset_index(), baseline=baseline, thresholds=thresholds)
    days = days.set_index("date").reindex(d.index)
    k = pd.Series((end_ts - d.index).days // 7, index=d.index)
    nan = pd.Series(np.nan, index=d.index)
    frame = pd.DataFrame({
        "run_km": d["run_km"],
        "run": d["run_km"] > 0,
        "morning": morning_pain_0_10(d.reset_index()),
        "sitting": d["pain_sitting_0_10"].astype(float) if "pain_sitting_0_10" in d else nan,
        "during": days["pain_during_run_0_10"].astype(float),
        "after": days["pain_after_run_0_10"].astype(float),
        "red": days["light"] == "red",
        "amber": days["light"] == "amber",
    })
    g = frame.groupby(k)
    w = pd.DataFrame({
        "run_km": g["run_km"].sum(),
        "n_runs": g["run"].sum().astype(int),
        "morning_mean_0_10": g["morning"].mean(),
        "n_morning": g["morning"].count(),
        "sitting_mean_0_10": g["sitting"].mean(),
        "during_max_0_10": g["during"].max(),
        "red_days": g["red"].sum().astype(int),
        "amber_days": g["amber"].sum().astype(int),
        "n_rated": g["morning"].count() + g["sitting"].count() + g["during"].count()
        + g["after"].count(),
    }).sort_index(ascending=False)
    w.insert(0, "week_end", end_ts - pd.to_timedelta(7 * w.index.to_numpy(), unit="D"))
    w.insert(0, "week_start", w["week_end"] - pd.Timedelta(days=6))
    w = w.reset_index(drop=True)
    w["morning_change_0_10"] = w["morning_mean_0_10"].diff()
    w["sitting_change_0_10"] = w["sitting_mean_0_10"].diff()
    w["light"] = [_window_light(r, baseline=baseline, thresholds=thresholds)
                  for r in w.to_dict("records")]
    return w


def _window_light(r: dict, *, baseline: float | None, thresholds: Thresholds) -> str | None:
    if r["n_rated"] == 0:
        return None
    base = baseline if baseline is not None else thresholds.pain_safe_max
    above = r["morning_mean_0_10"] - base if r["n_morning"] else np.nan
    rising = r["morning_change_0_10"] >= thresholds.pain_trend_rise
    if (
        r["during_max_0_10"] > thresholds.pain_acceptable_max
        or r["red_days"] >= 2
        or above > thresholds.morning_red_margin
        or (rising and above > thresholds.morning_settled_margin)
    ):
        return "red"
    if (
        r["red_days"] + r["amber_days"] > 0
        or above > thresholds.morning_settled_margin
        or rising
        or r["sitting_change_0_10"] >= thresholds.pain_trend_rise
    ):
        return "amber"
    return "green"


def rest_streaks(daily: pd.DataFrame) -> pd.DataFrame:
    """Stretches of consecutive days with no activity at all: start, end, days."""
    d = by_date(daily)
    if "rest_day" in d:
        rest = d["rest_day"].astype("boolean").fillna(True).astype(bool)
    else:
        rest = (d["run_km"] <= 0) & (d.get("aerobic_min", 0) <= 0)
    groups = (rest != rest.shift()).cumsum()
    rows = [
        {"start": g.index[0], "end": g.index[-1], "days": len(g)}
        for _, g in rest.groupby(groups) if bool(g.iloc[0])
    ]
    return pd.DataFrame(rows, columns=["start", "end", "days"])


def red_flags(
    daily: pd.DataFrame, *, as_of: date, baseline: float | None, thresholds: Thresholds,
    windows: pd.DataFrame | None = None,
) -> list[dict]:
    """SCIENCE.md's reasons to see an athletic trainer, over the last ``red_flag_window_days``
    (``weakness_window_days`` for weakness): ``weakness_reported``, ``pain_above_7``,
    ``pain_rising_despite_less_load`` (next-morning or sitting pain up in each of the last two
    weeks while the weekly km fell) and
    ``morning_pain_not_settling`` (two or more mornings after two run-free days with pain above
    baseline + red margin). ``windows`` is ``weekly_pain`` up to ``as_of`` if already computed.
    Each is ``{"code", "message"}``; the list is empty when none apply."""
    d = by_date(daily)
    end = pd.Timestamp(as_of).normalize()
    start = end - pd.Timedelta(days=thresholds.red_flag_window_days)
    recent = d[(d.index > start) & (d.index <= end)]
    see = "Please contact an athletic trainer (or physiotherapist) for an assessment."
    flags = []
    weak_since = end - pd.Timedelta(days=thresholds.weakness_window_days)
    weak = (d.loc[(d.index > weak_since) & (d.index <= end), "weakness"].astype("boolean")
            .fillna(False) if "weakness" in d else pd.Series(dtype=bool))
    if weak.any():
        day = weak.index[weak.to_numpy(dtype=bool)][-1]
        flags.append({"code": "weakness_reported", "message": (
            f"You reported weakness in the hip or hamstring (last on {day.date()}). {see}")})
    worst_pain = None
    for col in PAIN_COLUMNS:
        if col in recent:
            s = recent[col].astype(float)
            if s.notna().any() and s.max() > thresholds.pain_red_flag and (
                    worst_pain is None or s.max() > worst_pain[0]):
                worst_pain = (float(s.max()), col, s.idxmax())
    if worst_pain:
        what = worst_pain[1].removeprefix("pain_").removesuffix("_0_10").replace("_", " ")
        flags.append({"code": "pain_above_7", "message": (
            f"Pain of {worst_pain[0]:g}/10 ({what}) on {worst_pain[2].date()} is above "
            f"{thresholds.pain_red_flag:g}/10. {see}")})
    if windows is None:
        windows = weekly_pain(daily, end=as_of, baseline=baseline, thresholds=thresholds)
    w = windows.tail(3)
    if len(w) == 3:
        for col, label in (("morning_mean_0_10", "Next-morning"), ("sitting_mean_0_10", "Sitting")):
            p = w[col].to_numpy()
            km = w["run_km"].to_numpy()
            if (not np.isnan(p).any() and p[1] > p[0] and p[2] > p[1]
                    and p[2] - p[0] >= thresholds.pain_trend_rise
                    and km[2] < km[0] and km[1] <= km[0]):
                flags.append({"code": "pain_rising_despite_less_load", "message": (
                    f"{label} pain rose for two weeks in a row ({p[0]:.1f} -> {p[1]:.1f} -> "
                    f"{p[2]:.1f}/10) while your running fell ({km[0]:.0f} -> {km[2]:.0f} km). "
                    f"{see}")})
                break
    morning = morning_pain_0_10(daily)
    run_free = (d["run_km"] <= 0).astype(int)
    after_rest = run_free.shift(1).fillna(0).astype(bool) & run_free.shift(2).fillna(0).astype(bool)
    calm = baseline if baseline is not None else thresholds.pain_safe_max
    limit = calm + thresholds.morning_red_margin
    unsettled = morning[after_rest.reindex(morning.index, fill_value=False) & (morning > limit)]
    unsettled = unsettled[(unsettled.index > start) & (unsettled.index <= end)]
    if len(unsettled) >= 2:
        flags.append({"code": "morning_pain_not_settling", "message": (
            f"Next-morning pain stayed at {unsettled.min():g}-{unsettled.max():g}/10 after rest "
            "days "
            f"({len(unsettled)} mornings since {unsettled.index[0].date()}), above your calm "
            f"level. {see}")})
    return flags
