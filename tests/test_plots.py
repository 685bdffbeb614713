"""Figure helpers on their own: each returns its Axes, draws what its data says, and writes a
"no data" note (not an empty chart, not an exception) when the data is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.figure import Figure

from pipeline import plots


@pytest.fixture
def ax():
    return Figure(figsize=(6, 3)).add_subplot()


def days(n: int, start: str = "2026-09-07", **columns) -> pd.DataFrame:
    """A minimal daily frame: ``date`` plus the given columns (arrays of length n)."""
    return pd.DataFrame({"date": pd.date_range(start, periods=n, freq="D"), **columns})


def twins(ax):
    """The twin axes sharing ``ax``'s x axis."""
    return [other for other in ax.figure.axes if other is not ax]


def assert_no_data(ax):
    assert plots.has_no_data_note(ax)
    assert not ax.lines and not ax.patches and not ax.collections
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []


def test_pain_zone_boundaries():
    zones = plots.pain_zone(pd.Series([0.0, 2.0, 2.01, 5.0, 5.5, 10.0, np.nan]))
    assert zones.iloc[:6].tolist() == [0, 0, 1, 1, 2, 2]
    assert np.isnan(zones.iloc[6])


def test_weekly_km_pain_draws_bars_band_tolerated_line_and_pain(ax):
    weekly = pd.DataFrame({
        "week_start": pd.date_range("2026-09-07", periods=5, freq="7D"),
        "run_km": [10.0, 12.0, 15.0, 20.0, 26.0],
        "pain_next_morning_mean_0_10": [1.0, 1.5, np.nan, 3.0, 6.0],
    })
    out = plots.weekly_km_pain(ax, weekly, tolerated_km=18.0, tolerated_band_km=(16.0, 21.0),
                               next_week_km=(14.0, 17.0))
    assert out is ax
    bars = ax.containers[0]
    assert [round(b.get_height(), 1) for b in bars] == [10.0, 12.0, 15.0, 20.0, 26.0]
    assert any(np.allclose(line.get_ydata(), 18.0) for line in ax.lines)  # tolerated km
    bands = sorted((p.get_y(), p.get_height(), bool(p.get_hatch()))
                   for p in ax.patches if p not in bars.patches)
    assert bands == [(14.0, 3.0, False), (16.0, 5.0, True)]  # next week; tolerated interval
    (right,) = twins(ax)
    points = [c for c in right.collections if isinstance(c, PathCollection)]
    # one scatter per zone present: green (1.0, 1.5), amber (3.0), red (6.0); NaN week skipped
    assert sorted(len(c.get_offsets()) for c in points) == [1, 1, 2]
    assert not plots.has_no_data_note(ax)


def test_weekly_km_pain_without_pain_entries_says_so(ax):
    weekly = pd.DataFrame({"week_start": pd.date_range("2026-09-07", periods=2, freq="7D"),
                           "run_km": [10.0, 12.0]})
    plots.weekly_km_pain(ax, weekly)
    (right,) = twins(ax)
    assert len(ax.containers[0]) == 2
    assert any("no next-morning pain" in t.get_text() for t in right.texts)
    # one week of data must not stretch the date axis across years
    left, right_limit = ax.get_xlim()
    assert right_limit - left < 30


def test_weekly_km_pain_empty(ax):
    assert_no_data(plots.weekly_km_pain(ax, pd.DataFrame(columns=["week_start", "run_km"])))


def test_weekly_km_pain_without_running_or_pain(ax):
    weekly = pd.DataFrame({"week_start": pd.date_range("2026-09-07", periods=3, freq="7D"),
                           "run_km": [0.0, 0.0, 0.0],
                           "pain_next_morning_mean_0_10": [np.nan] * 3})
    assert_no_data(plots.weekly_km_pain(ax, weekly))


def test_pain_calendar_colours_cells_by_zone(ax):
    daily = days(4, pain_during_run_0_10=[1.0, np.nan, 4.0, 8.0],
                 pain_next_morning_0_10=[np.nan, 2.0, 6.0, 3.0],
                 pain_sitting_0_10=[0.0, 0.0, np.nan, np.nan])
    out = plots.pain_calendar(ax, daily)
    assert out is ax
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    cells = np.ma.getdata(mesh.get_array()).reshape(3, 4)
    mask = np.ma.getmaskarray(mesh.get_array()).reshape(3, 4)
    assert cells[0, [0, 2, 3]].tolist() == [0, 1, 2]
    assert cells[1, [1, 2, 3]].tolist() == [0, 2, 1]
    assert mask.tolist() == [[False, True, False, False], [True, False, False, False],
                             [False, False, True, True]]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["during run", "next morning",
                                                            "sitting"]


def test_pain_calendar_keeps_only_the_last_days(ax):
    daily = days(200, pain_next_morning_0_10=np.full(200, 1.0))
    plots.pain_calendar(ax, daily, last_days=112)
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert mesh.get_array().size == 3 * 112


@pytest.mark.parametrize("daily", [
    days(0),
    days(5, pain_next_morning_0_10=np.full(5, np.nan)),
    days(5),  # no pain columns at all
])
def test_pain_calendar_without_entries(ax, daily):
    assert_no_data(plots.pain_calendar(ax, daily))


def test_previous_longest_cap_uses_the_previous_30_days_only():
    longest = np.zeros(40)
    longest[0], longest[10] = 10.0, 5.0
    cap = plots.previous_longest_cap_km(days(40, longest_run_km=longest))
    assert np.isnan(cap.iloc[0])  # nothing before the first run
    assert cap.iloc[1] == pytest.approx(11.0)
    assert cap.iloc[30] == pytest.approx(11.0)  # day 0 is still within the previous 30 days
    assert cap.iloc[31] == pytest.approx(5.5)  # ... and then drops out


def test_longest_run_cap_marks_runs_above_the_cap(ax):
    longest = np.where(np.arange(20) % 2 == 0, 5.0, 0.0)
    longest[18] = 8.0  # 160 % of the previous longest: above the 110 % cap
    daily = days(20, longest_run_km=longest)
    out = plots.longest_run_cap(ax, daily, next_cap_km=6.0,
                                next_week_start=pd.Timestamp("2026-09-28"))
    assert out is ax
    over = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(over) == 1 and over[0].get_offsets()[:, 1].tolist() == [8.0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "next week's cap 6 km" in labels and "above the cap" in labels


def test_longest_run_cap_since_draws_recent_days_against_a_cap_from_earlier_runs(ax):
    longest = np.zeros(40)
    longest[0], longest[25] = 10.0, 10.5  # 105 % of day 0's run: under the 110 % cap
    plots.longest_run_cap(ax, days(40, longest_run_km=longest),
                          since=pd.Timestamp("2026-09-07") + pd.Timedelta(days=20))
    (stems,) = [c for c in ax.collections if not isinstance(c, PathCollection)]
    assert [seg[1][1] for seg in stems.get_segments()] == [10.5]  # day 0 is not drawn
    assert not [c for c in ax.collections if isinstance(c, PathCollection)]
    cap = ax.lines[0].get_ydata()  # days 20..39
    assert len(cap) == 20 and cap[5] == pytest.approx(11.0)  # on day 25, from day 0's run


def test_longest_run_cap_without_runs(ax):
    assert_no_data(plots.longest_run_cap(ax, days(10, longest_run_km=np.zeros(10))))


def test_stride_at_reference_plots_both_series(ax):
    daily = days(6, cadence_at_ref_spm=[170, np.nan, 171, 172, np.nan, 174],
                 step_length_at_ref_m=[1.05, np.nan, 1.04, 1.03, np.nan, 1.01])
    out = plots.stride_at_reference(ax, daily)
    assert out is ax
    assert ax.lines[0].get_ydata().tolist() == [170, 171, 172, 174]
    (right,) = twins(ax)
    assert right.lines[0].get_ydata().tolist() == [1.05, 1.04, 1.03, 1.01]


def test_stride_at_reference_with_step_length_only(ax):
    plots.stride_at_reference(ax, days(3, step_length_at_ref_m=[1.0, 1.1, 1.0]))
    assert not ax.lines and any("no cadence" in t.get_text() for t in ax.texts)
    assert len(twins(ax)[0].lines) == 1


def test_stride_at_reference_without_data(ax):
    assert_no_data(plots.stride_at_reference(ax, days(4)))


def test_cross_training_rest_stacks_sports_and_counts_rest_days(ax):
    n = 14  # two ISO weeks from a Monday
    daily = days(n, cross_cycling_min=np.where(np.arange(n) % 7 == 5, 60.0, 0.0),
                 cross_swimming_min=np.where(np.arange(n) == 8, 30.0, 0.0),
                 rest_day=np.isin(np.arange(n) % 7, [1, 3]) | (np.arange(n) == 13))
    out = plots.cross_training_rest(ax, daily)
    assert out is ax
    heights = sorted(round(p.get_height()) for p in ax.patches if p.get_height() > 0)
    assert heights == [30, 60, 60]  # cycling in both weeks, swimming in the second
    (right,) = twins(ax)
    assert right.lines[0].get_ydata().tolist() == [2.0, 3.0]


def test_cross_training_rest_without_cross_training_says_so(ax):
    plots.cross_training_rest(ax, days(7, rest_day=np.zeros(7, dtype=bool)))
    assert any("no cross-training" in t.get_text() for t in ax.texts)
    assert not plots.has_no_data_note(ax)


def test_cross_training_rest_empty(ax):
    assert_no_data(plots.cross_training_rest(ax, days(0)))


def test_acwr_context_shades_band_and_marks_high_values(ax):
    ratio = np.array([np.nan, 1.0, 1.2, 1.6, 1.5, 0.7])
    out = plots.acwr_context(ax, days(6, acwr_ewma=ratio))
    assert out is ax
    (band,) = ax.patches
    assert band.get_y() == pytest.approx(0.8) and band.get_height() == pytest.approx(0.5)
    (marked,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert marked.get_offsets()[:, 1].tolist() == [1.6, 1.5]
    assert any(np.allclose(line.get_ydata(), 1.5) for line in ax.lines)


def test_acwr_context_with_too_little_history(ax):
    assert_no_data(plots.acwr_context(ax, days(10, acwr_ewma=np.full(10, np.nan))))


def test_route_draws_the_track_without_coordinates_on_the_axes(ax):
    samples = pd.DataFrame({"latitude_deg": [47.0, 47.001, 47.002],
                            "longitude_deg": [8.0, 8.001, 8.0]})
    out = plots.route(ax, samples)
    assert out is ax
    assert ax.lines[0].get_xydata().shape == (3, 2)
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []


def test_route_without_positions(ax):
    assert_no_data(plots.route(ax, pd.DataFrame({"latitude_deg": [np.nan]})))


# --- issue 19: a partial week, next week at its place, colours with one meaning, spans -------

GREEN_AMBER_RED = {c.lower() for c in plots.ZONE_COLOURS}


def _hex(colour) -> str:
    from matplotlib.colors import to_hex
    return to_hex(colour).lower()


def test_the_week_in_progress_is_marked_and_next_week_sits_at_next_week(ax):
    weekly = pd.DataFrame({"week_start": pd.date_range("2026-09-07", periods=4, freq="7D"),
                           "run_km": [20.0, 22.0, 24.0, 12.0],
                           "pain_next_morning_mean_0_10": [1.0, 1.0, 1.0, 1.0]})
    start = pd.Timestamp("2026-10-05")
    plots.weekly_km_pain(ax, weekly, next_week_km=(23.0, 26.0), next_week_start=start,
                         last_week_days=5)
    bars = ax.containers[0].patches
    assert bars[-1].get_hatch() and not any(b.get_hatch() for b in bars[:-1])
    assert any("5 of 7 days" in t.get_text() for a in ax.figure.axes for t in a.texts)
    [box] = [p for p in ax.patches if p not in bars]
    # the range covers next week only, not the whole axis
    assert box.get_x() == pytest.approx(plots.mdates.date2num(start))
    assert box.get_width() < 7 and (box.get_y(), box.get_height()) == (23.0, 3.0)
    assert ax.get_xlim()[1] >= plots.mdates.date2num(start + pd.Timedelta(days=6))


def test_green_amber_and_red_mean_pain_zones_only():
    """No artist of the figures without pain zones uses a zone colour."""
    from matplotlib.figure import Figure

    from tests.report.synthetic import daily_frame

    frame = daily_frame(days=70)  # runs above the cap, cycling and swimming, ACWR >= 1.5
    draws = {
        "longest": lambda a: plots.longest_run_cap(a, frame, next_cap_km=9.0,
                                                   next_week_start=frame["date"].max()),
        "stride": lambda a: plots.stride_at_reference(a, frame),
        "cross": lambda a: plots.cross_training_rest(a, frame),
        "acwr": lambda a: plots.acwr_context(a, frame),
        "weekly": lambda a: plots.weekly_km_pain(
            a, pd.DataFrame({"week_start": pd.date_range("2026-09-07", periods=3, freq="7D"),
                             "run_km": [20.0, 22.0, 24.0],
                             "pain_next_morning_mean_0_10": [np.nan] * 3}),
            tolerated_km=22.0, tolerated_band_km=(20.0, 24.0), next_week_km=(22.0, 25.0)),
    }
    for name, draw in draws.items():
        fig = Figure()
        draw(fig.add_subplot())
        for axes in fig.axes:
            for artist in [*axes.lines, *axes.patches, *axes.collections]:
                colours = []
                for getter in ("get_color", "get_facecolor", "get_edgecolor"):
                    value = getattr(artist, getter, lambda: None)()
                    if value is None or (hasattr(value, "__len__") and len(value) == 0):
                        continue
                    value = np.atleast_2d(value) if not isinstance(value, str) else [value]
                    colours += [_hex(v) for v in value]
                assert not GREEN_AMBER_RED & set(colours), (name, artist, colours)


def test_cadence_axis_spans_at_least_ten_steps_per_minute(ax):
    frame = days(10, cadence_at_ref_spm=171.0 + np.linspace(0, 0.2, 10),
                 step_length_at_ref_m=1.0 + np.linspace(0, 0.004, 10))
    plots.stride_at_reference(ax, frame)
    low, high = ax.get_ylim()
    assert high - low >= plots.CADENCE_MIN_SPAN_SPM and low < 171.0 and high > 171.2
    (right,) = twins(ax)
    assert np.diff(right.get_ylim())[0] >= plots.STEP_MIN_SPAN_M
    # a wide real range is left as it is
    assert plots.min_span_limits(pd.Series([150.0, 190.0]), 10.0)[1] - 190.0 < 3


def test_next_morning_zones_follow_the_calm_baseline():
    pain = pd.Series([1.0, 2.5, 3.5, 4.5, np.nan])
    # baseline 1.5: settled up to +1, amber up to +2, red above (relation.symptoms)
    zones = plots.morning_zone(pain, baseline_0_10=1.5)
    assert zones.iloc[:4].tolist() == [0, 0, 1, 2] and np.isnan(zones.iloc[4])
    assert plots.morning_zone(pain, baseline_0_10=None).iloc[:4].tolist() == [0, 1, 1, 1]
