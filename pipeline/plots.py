"""Figure helpers: each takes a matplotlib ``Axes`` and data, draws, and returns the ``Axes``.

Object-oriented matplotlib only (no pyplot state, never ``show``). Every helper copes with missing
data by writing a readable note on the axes (``no_data``) instead of raising or leaving them empty.
Inputs are ``schemas.Daily``-shaped frames (``date`` naive, one row per local date) unless stated.
"""

from __future__ import annotations

# No backend is chosen here: the helpers draw on any Axes (a notebook's included), and the
# report renders through matplotlib.figure.Figure, which needs no display.
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from pipeline.config import Thresholds
from pipeline.features.weekly import week_start

_T = Thresholds()  # the defaults of the figures' keyword arguments
PAIN_CALENDAR_DAYS = 112  # the pain calendar's window (16 weeks)

NO_DATA_GID = "no-data"  # gid of the note text, so callers and tests can find it

# Pain-monitoring zones (Silbernagel 2007, Thomee's zones): safe, acceptable, too much.
# Green, amber and red mean these zones (and the report's status) and nothing else, so every
# other colour below is neither green, amber nor red.
ZONE_COLOURS = ("#2e9e4f", "#f0a30a", "#d62728")
ZONE_LABELS = ("0–2 safe", "2–5 acceptable", "> 5 too much")
NO_ENTRY_COLOUR = "#e6e6e6"
RUN_COLOUR = "#4c72b0"
PAIN_COLOUR = "#222222"
PLAN_COLOUR = "#6a3d9a"  # next week's range and cap: what the advice draws
TOLERATED_COLOUR = "#555555"  # the athlete's tolerated load (an estimate, not advice)
FLAG_COLOUR = "#111111"  # a value past a rule's limit (a black cross, not a pain colour)
STEP_COLOUR = "#8c564b"
CROSS_COLOURS = {
    "cross_cycling_min": ("cycling", "#17becf"),
    "cross_swimming_min": ("swimming", "#9ecae1"),
    "cross_water_running_min": ("water running", "#8172b3"),
    "cross_walking_min": ("walking", "#8c564b"),
    "cross_other_min": ("other", "#b0a48f"),
}
CADENCE_MIN_SPAN_SPM = 10.0  # a narrower axis turns 0.2 spm of noise into a "trend"
STEP_MIN_SPAN_M = 0.10
PAIN_ROWS = (
    ("pain_during_run_0_10", "during run"),
    ("pain_next_morning_0_10", "next morning"),
    ("pain_sitting_0_10", "sitting"),
)


def no_data(ax: Axes, message: str) -> Axes:
    """``ax`` emptied of ticks and spines, with ``message`` written in its centre."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            fontsize=11, color="#555555", wrap=True, gid=NO_DATA_GID)
    return ax


def has_no_data_note(ax: Axes) -> bool:
    """True when a helper drew the "no data" note on ``ax`` instead of a chart."""
    return any(t.get_gid() == NO_DATA_GID for t in ax.texts)


def pain_zone(pain_0_10: pd.Series, *, safe_max: float = _T.pain_safe_max,
              acceptable_max: float = _T.pain_acceptable_max) -> pd.Series:
    """Zone index per value: 0 safe (<= safe_max), 1 acceptable (<= acceptable_max), 2 too much;
    NaN where no pain was entered."""
    values = pd.to_numeric(pain_0_10, errors="coerce").astype(float)
    zone = np.where(values <= safe_max, 0.0, np.where(values <= acceptable_max, 1.0, 2.0))
    return pd.Series(np.where(values.isna(), np.nan, zone), index=pain_0_10.index)


def morning_zone(pain_0_10: pd.Series, *, baseline_0_10: float | None,
                 settled_margin: float = _T.morning_settled_margin,
                 red_margin: float = _T.morning_red_margin, safe_max: float = _T.pain_safe_max,
                 acceptable_max: float = _T.pain_acceptable_max) -> pd.Series:
    """Zone index (0, 1, 2; NaN: no entry) of next-morning pain as the status reads it: against
    the athlete's calm baseline (settled within ``settled_margin`` above it, red beyond
    ``red_margin``; relation.symptoms.zone_next_morning), absolute zones without a baseline."""
    if baseline_0_10 is None:
        return pain_zone(pain_0_10, safe_max=safe_max, acceptable_max=acceptable_max)
    values = pd.to_numeric(pain_0_10, errors="coerce").astype(float)
    rise = values - float(baseline_0_10)
    zone = np.where(rise <= settled_margin, 0.0, np.where(rise <= red_margin, 1.0, 2.0))
    return pd.Series(np.where(values.isna(), np.nan, zone), index=pain_0_10.index)


def _dates(frame: pd.DataFrame, column: str = "date") -> pd.Series:
    return pd.to_datetime(frame[column])


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _legend_above(ax: Axes, handles: list, *, ncol: int = 4) -> None:
    """A frameless legend in a row above the axes, where it cannot hide data."""
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=ncol,
              fontsize=8, frameon=False, borderaxespad=0.2, handlelength=1.8)


def _week_limits(ax: Axes, weeks: pd.Series) -> None:
    """x limits around weekly bars, so one or two weeks do not stretch the date axis to years."""
    ax.set_xlim(weeks.min() - pd.Timedelta(days=2), weeks.max() + pd.Timedelta(days=9))


def min_span_limits(values: pd.Series, min_span: float) -> tuple[float, float]:
    """y limits around ``values`` (NaN ignored) at least ``min_span`` wide, centred on the data
    when the data spans less."""
    low, high = float(values.min()), float(values.max())
    pad = max(min_span - (high - low), 0.0) / 2
    margin = 0.05 * max(high - low, min_span)
    return low - pad - margin, high + pad + margin


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def weekly_km_pain(ax: Axes, weekly: pd.DataFrame, *, tolerated_km: float | None = None,
                   tolerated_band_km: tuple[float, float] | None = None,
                   next_week_km: tuple[float, float] | None = None,
                   next_week_start: pd.Timestamp | None = None,
                   last_week_days: int = 7, morning_baseline_0_10: float | None = None,
                   safe_max: float = _T.pain_safe_max, acceptable_max: float = _T.pain_acceptable_max) -> Axes:
    """Weekly running km (bars) against the week's mean next-morning pain (line, right axis).

    ``weekly`` has ``week_start``, ``run_km`` and ``pain_next_morning_mean_0_10`` (0-10, NaN when
    no entry). ``tolerated_km`` draws a dashed line and ``tolerated_band_km`` (low, high) its
    uncertainty as a hatched band; ``next_week_km`` (min, max) a box at next week only (from
    ``next_week_start``, default the week after the last). ``last_week_days`` < 7 marks the last
    bar as a week in progress (hatched, "N of 7 days"), so it is not read as a full week.
    """
    if weekly.empty:
        return no_data(ax, "No weekly running data yet.")
    weeks = _dates(weekly, "week_start")
    km = _numeric(weekly, "run_km").fillna(0.0)
    pain = _numeric(weekly, "pain_next_morning_mean_0_10")
    if not (km > 0).any() and pain.isna().all():
        return no_data(ax, "No running and no next-morning pain entries in this period.")
    bars = ax.bar(weeks, km, width=5.5, align="edge", color=RUN_COLOUR, alpha=0.85,
                  label="running km per week")
    partial = None
    if 0 < last_week_days < 7:
        partial = bars.patches[-1]
        partial.set_facecolor("white")
        partial.set_edgecolor(RUN_COLOUR)
        partial.set_hatch("////")
    last = weeks.max()
    if next_week_km is not None:
        low, high = next_week_km
        start = pd.Timestamp(next_week_start) if next_week_start is not None else (
            last + pd.Timedelta(days=7))
        ax.add_patch(Rectangle((mdates.date2num(start), low), 5.5, high - low,
                               facecolor=PLAN_COLOUR, alpha=0.35, edgecolor=PLAN_COLOUR,
                               linewidth=1.2, label=f"next week: {low:g}–{high:g} km"))
        last = max(last, start)
    if tolerated_km is not None and tolerated_band_km is not None:
        ax.axhspan(*tolerated_band_km, facecolor="none", edgecolor=TOLERATED_COLOUR,
                   hatch="///", linewidth=0, alpha=0.35, label="tolerated km, 80% interval")
    if tolerated_km is not None:
        ax.axhline(tolerated_km, color=TOLERATED_COLOUR, linestyle="--", linewidth=1.5,
                   label=f"tolerated ≈ {tolerated_km:g} km (own history)")
    ax.set_ylabel("running km / week")
    _week_limits(ax, pd.Series([weeks.min(), last]))
    tops = [km.max(), tolerated_km or 0, next_week_km[1] if next_week_km else 0,
            tolerated_band_km[1] if tolerated_km is not None and tolerated_band_km else 0]
    ax.set_ylim(0, max(tops) * 1.2 or 1.0)
    _date_axis(ax)

    right = ax.twinx()
    right.set_ylim(0, 10)
    right.set_ylabel("next-morning pain (0–10)")
    if partial is not None:  # on the twin, so the pain line cannot cover it
        right.annotate(f"{last_week_days} of 7 days", (partial.get_x() + 2.75,
                       partial.get_height()), xycoords=ax.transData, xytext=(0, 3),
                       textcoords="offset points", ha="center", va="bottom", fontsize=7,
                       color=RUN_COLOUR, zorder=6,
                       bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                             "alpha": 0.85})
    centres = weeks + pd.Timedelta(days=3)
    if pain.notna().any():
        right.plot(centres, pain, color=PAIN_COLOUR, linewidth=1.2, marker="", zorder=3)
        zones = morning_zone(pain, baseline_0_10=morning_baseline_0_10, safe_max=safe_max,
                             acceptable_max=acceptable_max)
        for z, colour in enumerate(ZONE_COLOURS):
            mask = zones == z
            if mask.any():
                right.scatter(centres[mask], pain[mask], color=colour, edgecolor=PAIN_COLOUR,
                              s=36, zorder=4)
        pain_handle = Line2D([], [], color=PAIN_COLOUR, marker="o",
                             label="next-morning pain (weekly mean)")
    else:
        right.text(0.99, 0.95, "no next-morning pain entries", transform=right.transAxes,
                   ha="right", va="top", fontsize=9, color="#555555")
        pain_handle = None
    handles, _ = ax.get_legend_handles_labels()
    if pain_handle is not None:
        handles.append(pain_handle)
    _legend_above(ax, handles, ncol=3)
    return ax


def pain_calendar(ax: Axes, daily: pd.DataFrame, *, last_days: int = PAIN_CALENDAR_DAYS,
                  morning_baseline_0_10: float | None = None,
                  safe_max: float = _T.pain_safe_max, acceptable_max: float = _T.pain_acceptable_max) -> Axes:
    """A day-by-row strip of during-run, next-morning and sitting pain coloured by zone.

    Shows the last ``last_days`` days of ``daily``; grey cells are days without an entry.
    During-run and sitting pain use the absolute zones; next-morning pain the zones the status
    uses (``morning_zone``: against ``morning_baseline_0_10`` when there is one).
    """
    if daily.empty:
        return no_data(ax, "No days recorded yet.")
    frame = daily.sort_values("date").tail(last_days)
    values = np.vstack([
        (morning_zone(_numeric(frame, col), baseline_0_10=morning_baseline_0_10,
                      safe_max=safe_max, acceptable_max=acceptable_max)
         if col == "pain_next_morning_0_10" else
         pain_zone(_numeric(frame, col), safe_max=safe_max, acceptable_max=acceptable_max))
        .to_numpy(dtype=float)
        for col, _ in PAIN_ROWS
    ])
    if np.isnan(values).all():
        return no_data(ax, "No pain entries in this period: add them with 'runload pain add'.")
    dates = _dates(frame)
    edges = mdates.date2num(pd.DatetimeIndex(dates).append(
        pd.DatetimeIndex([dates.iloc[-1] + pd.Timedelta(days=1)])))
    cmap = ListedColormap(ZONE_COLOURS).with_extremes(bad=NO_ENTRY_COLOUR)
    ax.pcolormesh(edges, np.arange(len(PAIN_ROWS) + 1), np.ma.masked_invalid(values),
                  cmap=cmap, vmin=-0.5, vmax=2.5, edgecolors="white", linewidth=0.5)
    ax.set_yticks(np.arange(len(PAIN_ROWS)) + 0.5, [label for _, label in PAIN_ROWS])
    ax.invert_yaxis()
    ax.xaxis_date()
    _date_axis(ax)
    labels = ZONE_LABELS if morning_baseline_0_10 is None else (
        "safe / settled", "acceptable / amber", "too much / red")
    handles = [Patch(color=c, label=label) for c, label in zip(ZONE_COLOURS, labels)]
    handles.append(Patch(color=NO_ENTRY_COLOUR, label="no entry"))
    _legend_above(ax, handles)
    return ax


def previous_longest_cap_km(daily: pd.DataFrame, *, window_days: int = _T.spike_window_days,
                            cap_ratio: float = _T.single_run_cap) -> pd.Series:
    """Per date, ``cap_ratio`` x the longest run (km) of the previous ``window_days`` days
    (the day itself excluded; NaN before any run). Indexed by date."""
    series = pd.Series(_numeric(daily, "longest_run_km").to_numpy(),
                       index=pd.DatetimeIndex(_dates(daily))).sort_index()
    full = series.reindex(pd.date_range(series.index.min(), series.index.max(), freq="D"))
    previous = full.fillna(0.0).shift(1).rolling(window_days, min_periods=1).max()
    return (previous.where(previous > 0) * cap_ratio).reindex(series.index)


def longest_run_cap(ax: Axes, daily: pd.DataFrame, *, window_days: int = _T.spike_window_days,
                    cap_ratio: float = _T.single_run_cap, next_cap_km: float | None = None,
                    next_week_start: pd.Timestamp | None = None,
                    since: pd.Timestamp | None = None) -> Axes:
    """Each day's longest run (stems) against the cap of ``cap_ratio`` x the longest run of the
    previous ``window_days`` days (step line); runs above the cap are marked red.
    ``next_cap_km`` draws next week's long-run cap from ``next_week_start``. Only days from
    ``since`` are drawn; the cap still counts the runs before it."""
    if daily.empty or not (_numeric(daily, "longest_run_km") > 0).any():
        return no_data(ax, "No runs recorded yet.")
    frame = daily.sort_values("date")
    cap = previous_longest_cap_km(frame, window_days=window_days, cap_ratio=cap_ratio)
    if since is not None:
        shown = (_dates(frame) >= pd.Timestamp(since)).to_numpy()
        frame, cap = frame[shown], cap[shown]
        if not (_numeric(frame, "longest_run_km") > 0).any():
            return no_data(ax, "No runs in this period.")
    dates = _dates(frame)
    longest = _numeric(frame, "longest_run_km")
    runs = longest > 0
    over = runs & (longest.to_numpy() > cap.to_numpy())
    ax.vlines(dates[runs], 0, longest[runs], color=RUN_COLOUR, linewidth=2,
              label="longest run of the day")
    ax.step(dates, cap.to_numpy(), where="post", color="#555555", linewidth=1.3,
            label=f"cap: {cap_ratio:.0%} of previous {window_days} days' longest")
    if over.any():
        ax.scatter(dates[over], longest[over], color=FLAG_COLOUR, marker="x", zorder=3, s=30,
                   label="above the cap")
    if next_cap_km is not None and next_week_start is not None:
        start = pd.Timestamp(next_week_start)
        ax.hlines(next_cap_km, start, start + pd.Timedelta(days=7), color=PLAN_COLOUR,
                  linewidth=3, label=f"next week's cap {next_cap_km:g} km")
    ax.set_ylabel("km")
    ax.set_ylim(0, None)
    _date_axis(ax)
    _legend_above(ax, ax.get_legend_handles_labels()[0])
    return ax


def stride_at_reference(ax: Axes, daily: pd.DataFrame) -> Axes:
    """Cadence (steps/min, left) and step length (m, right) at the reference speed over time."""
    cadence = _numeric(daily, "cadence_at_ref_spm")
    step = _numeric(daily, "step_length_at_ref_m")
    if daily.empty or (cadence.isna().all() and step.isna().all()):
        return no_data(ax, "No cadence or step-length data: the watch files carry no cadence.")
    dates = _dates(daily)
    handles = []
    if cadence.notna().any():
        ok = cadence.notna()
        (line,) = ax.plot(dates[ok], cadence[ok], color=RUN_COLOUR, marker="o", markersize=3,
                          linewidth=1.2, label="cadence at reference speed (steps/min)")
        handles.append(line)
        ax.set_ylabel("steps/min")
        ax.set_ylim(*min_span_limits(cadence[ok], CADENCE_MIN_SPAN_SPM))
    else:
        ax.text(0.01, 0.95, "no cadence data", transform=ax.transAxes, fontsize=9,
                va="top", color="#555555")
    if step.notna().any():
        ok = step.notna()
        right = ax.twinx()
        (line,) = right.plot(dates[ok], step[ok], color=STEP_COLOUR, marker="s", markersize=3,
                             linewidth=1.2, label="step length at reference speed (m)")
        right.set_ylabel("step length (m)")
        right.set_ylim(*min_span_limits(step[ok], STEP_MIN_SPAN_M))
        handles.append(line)
    _date_axis(ax)
    _legend_above(ax, handles)
    return ax


def cross_training_rest(ax: Axes, daily: pd.DataFrame) -> Axes:
    """Cross-training minutes per ISO week by sport (stacked bars) and rest days per week
    (markers, right axis, 0-7)."""
    if daily.empty:
        return no_data(ax, "No days recorded yet.")
    frame = daily.assign(week_start=week_start(_dates(daily)))
    columns = [c for c in CROSS_COLOURS if c in frame.columns]
    weekly = frame.groupby("week_start")[columns].sum()
    rest = (frame.groupby("week_start")["rest_day"].sum() if "rest_day" in frame.columns
            else pd.Series(0, index=weekly.index))
    bottom = np.zeros(len(weekly))
    for col in columns:
        label, colour = CROSS_COLOURS[col]
        minutes = weekly[col].to_numpy(dtype=float)
        if minutes.sum() > 0:
            ax.bar(weekly.index, minutes, bottom=bottom, width=5.5, align="edge", color=colour,
                   label=label)
            bottom = bottom + minutes
    if bottom.sum() == 0:
        ax.text(0.5, 0.6, "no cross-training recorded", transform=ax.transAxes, ha="center",
                fontsize=9, color="#555555")
    ax.set_ylabel("cross-training min / week")
    ax.set_ylim(0, max(bottom.max() * 1.3, 10))
    right = ax.twinx()
    right.plot(weekly.index + pd.Timedelta(days=3), rest.to_numpy(dtype=float), color=PAIN_COLOUR,
               marker="D", linestyle=":", markersize=5, label="rest days in the week")
    right.set_ylim(0, 7.5)
    right.set_ylabel("rest days")
    _week_limits(ax, pd.Series(weekly.index))
    _date_axis(ax)
    handles, _ = ax.get_legend_handles_labels()
    handles += right.get_legend_handles_labels()[0]
    _legend_above(ax, handles, ncol=5)
    return ax


def acwr_context(ax: Axes, daily: pd.DataFrame, *, sweet_low: float = _T.acwr_sweet_low,
                 sweet_high: float = _T.acwr_sweet_high, danger: float = _T.acwr_danger) -> Axes:
    """The EWMA acute:chronic ratio over time, the 0.8-1.3 band shaded and >= 1.5 marked.
    Context only: the ratio is not a risk score (Impellizzeri 2020, Frandsen 2025)."""
    ratio = _numeric(daily, "acwr_ewma")
    if daily.empty or ratio.isna().all():
        return no_data(ax, "Acute:chronic ratio not available: it needs about 4 weeks of history.")
    dates = _dates(daily)
    ok = ratio.notna()
    ax.axhspan(sweet_low, sweet_high, color="#999999", alpha=0.2,
               label=f"{sweet_low:g}–{sweet_high:g} (proposed \"sweet spot\")")
    ax.axhline(danger, color=FLAG_COLOUR, linestyle="--", linewidth=1,
               label=f"{danger:g} (proposed \"danger zone\")")
    ax.plot(dates[ok], ratio[ok], color=RUN_COLOUR, linewidth=1.3, label="acute:chronic (EWMA)")
    high = ok & (ratio >= danger)
    if high.any():
        ax.scatter(dates[high], ratio[high], color=FLAG_COLOUR, marker="x", s=20, zorder=3,
                   label=f"≥ {danger:g}")
    ax.set_ylim(0, max(2.0, float(ratio.max()) * 1.1))
    ax.set_ylabel("ratio")
    _date_axis(ax)
    _legend_above(ax, ax.get_legend_handles_labels()[0])
    return ax


def route(ax: Axes, samples: pd.DataFrame) -> Axes:
    """The track of one activity (longitude against latitude, no basemap, no tick values)."""
    lat = _numeric(samples, "latitude_deg")
    lon = _numeric(samples, "longitude_deg")
    ok = lat.notna() & lon.notna()
    if not ok.any():
        return no_data(ax, "No GPS track in the most recent run.")
    ax.plot(lon[ok], lat[ok], color=RUN_COLOUR, linewidth=1.5)
    ax.set_aspect(1 / max(np.cos(np.radians(float(lat[ok].mean()))), 0.1))
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
