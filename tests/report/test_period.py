"""Which dates a report covers: data_through, stale, and the shared time window."""

from datetime import date

import pandas as pd

from pipeline.report.inputs import ReportInputs
from pipeline.report.period import data_through, is_stale, time_window


def _inputs(rec: dict, *, last_run: str, last_pain: str | None = None,
            as_of: date = date(2026, 11, 20)) -> ReportInputs:
    empty = pd.DataFrame()
    pain = pd.DataFrame({"date": pd.to_datetime([last_pain])}) if last_pain else empty
    return ReportInputs(athlete="me", as_of=as_of, recommendation=rec, daily=empty,
                        weekly=empty, activities=pd.DataFrame(
                            {"local_date": pd.to_datetime(["2026-01-05", last_run])}),
                        sources=empty, pain_log=pain)


def test_data_through_from_the_data_when_the_recommendation_lacks_it():
    inputs = _inputs({"week_start": "2026-11-23"}, last_run="2026-11-01", last_pain="2026-11-19")
    assert data_through(inputs) == date(2026, 11, 19) and not is_stale(inputs)
    old = _inputs({"week_start": "2026-11-23"}, last_run="2026-11-05")
    assert is_stale(old)  # 15 days: more than 14
    # the recommendation's own keys win
    given = _inputs({"data_through": "2026-11-18", "stale": True}, last_run="2026-11-20")
    assert data_through(given) == date(2026, 11, 18) and is_stale(given)


def test_window_covers_26_weeks_and_next_week_or_ends_at_the_last_data():
    fresh = time_window(_inputs({"week_start": "2026-11-23"}, last_run="2026-11-20"))
    assert fresh.start.dayofweek == 0 and fresh.end == pd.Timestamp("2026-11-30")
    assert fresh.next_week_start == pd.Timestamp("2026-11-23")
    assert fresh.last_week_days == 5  # 2026-11-20 is a Friday
    assert 26 * 7 <= fresh.days <= 28 * 7
    stale = time_window(_inputs({"week_start": "2029-03-05"}, last_run="2026-11-20",
                                as_of=date(2029, 3, 2)))
    assert stale.end == pd.Timestamp("2026-11-23") and stale.next_week_start is None
    assert stale.last_week_days == 7 and stale.days == 26 * 7
