"""Samples dated far from their recording, and recordings left running (planted cases)."""

from __future__ import annotations

import numpy as np

from pipeline.config import Thresholds
from pipeline.ingest.parse.gpx import read_gpx
from pipeline.ingest.parse.sample_dates import (
    far_dates_warning,
    idle_recording_warning,
    in_main_stretch,
    near_session,
)

S = 1_000_000  # microseconds per second
DAY = 86_400
T0 = 1_774_000_000 * S  # 2026-03


def run_times(seconds: int = 3600, step: int = 1) -> np.ndarray:
    return T0 + np.arange(0, seconds, step, dtype=np.int64) * S


def test_a_recording_without_a_day_long_gap_is_kept_whole_however_long():
    t = run_times(40 * 3600, step=5)  # a 40 h ultra, sampled every 5 s
    assert in_main_stretch(t, max_gap_s=DAY).all()
    assert in_main_stretch(t[:1], max_gap_s=DAY).all()
    assert len(in_main_stretch(t[:0], max_gap_s=DAY)) == 0


def test_samples_a_year_away_are_not_in_the_main_stretch_wherever_they_are_in_the_file():
    t = run_times()
    for i, shift in [(0, -365), (1800, 365), (3599, 365), (1800, -365 * 30)]:
        bad = t.copy()
        bad[i] += shift * DAY * S
        keep = in_main_stretch(bad, max_gap_s=DAY)
        assert np.flatnonzero(~keep).tolist() == [i]


def test_the_stretch_with_most_samples_wins_and_gaps_under_a_day_do_not_split():
    t = np.concatenate([run_times(600), run_times(600) + 20 * 3600 * S,  # 20 h pause: one stretch
                        run_times(100) + 400 * DAY * S])
    keep = in_main_stretch(t, max_gap_s=DAY)
    assert keep[:1200].all() and not keep[1200:].any()


def test_near_session_drops_records_a_day_outside_the_session_and_keeps_warm_up_records():
    t = run_times()
    start, end = int(t[0]), int(t[-1])
    bad = np.concatenate([t, [t[0] - 3600 * S, t[0] - 2 * DAY * S, t[-1] + 400 * DAY * S]])
    keep = near_session(bad, start_us=start, end_us=end, margin_s=DAY)
    assert keep[:3601].all() and not keep[3601:].any()
    # an unknown end: the main stretch decides what lies after the start
    keep = near_session(bad, start_us=start, end_us=None, margin_s=DAY)
    assert keep[:3601].all() and not keep[3601:].any()
    keep = near_session(bad, start_us=None, end_us=None, margin_s=DAY)  # no session at all
    assert keep[:3601].all() and not keep[3601:].any()


def test_warnings_say_how_many_and_how_far():
    assert far_dates_warning(2, what="the session", margin_s=DAY).startswith(
        "2 sample(s) dated more than 24 h away from the session dropped")


def test_a_recording_left_running_for_hours_is_warned_about_and_a_long_run_is_not():
    th = Thresholds()
    kw = dict(max_gap_s=th.max_sample_gap_s, min_span_s=th.idle_recording_span_s)
    run = np.arange(0, 3600, 1.0)
    left_running = np.concatenate([run, [3600 + 15 * 3600, 24 * 3600]])  # then idle for a day
    warning = idle_recording_warning(left_running, **kw)
    assert warning is not None and "spans 24 h of which 23 h are pauses" in warning
    assert "an app left running" in warning
    assert idle_recording_warning(np.arange(0, 30 * 3600, 5.0), **kw) is None  # a 30 h ultra
    overnight = np.concatenate([np.arange(0, 8 * 3600, 5.0),
                                np.arange(18 * 3600, 26 * 3600, 5.0)])
    assert idle_recording_warning(overnight, **kw) is None  # pauses under half the span
    assert idle_recording_warning(run, **kw) is None


def test_the_corpus_recording_left_running_for_24_h_is_warned_about(corpus):
    [path] = sorted((corpus / "history").glob("720bf570*.gpx"))
    [activity] = read_gpx(path.read_bytes(), source=path.name)
    assert any("an app left running" in w for w in activity.warnings)
    assert not any("dropped (implausible dates" in w for w in activity.warnings)
