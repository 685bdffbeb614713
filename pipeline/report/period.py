"""Which dates a report covers: how recent the data is (``data_through``, ``stale``) and the one
time window every time figure shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from pipeline.report.inputs import ReportInputs

HISTORY_WEEKS = 26  # time-series figures show the last six months: the coach's horizon
STALE_AFTER_DAYS = 14  # CONTRACT.md: stale when the last data is more than 14 days old


def data_through(inputs: ReportInputs) -> date | None:
    """The last local date with an activity or a pain entry, up to ``as_of``: the
    recommendation's ``data_through`` when it has one, else computed from the data."""
    given = inputs.recommendation.get("data_through")
    if given:
        try:
            return date.fromisoformat(str(given)[:10])
        except ValueError:
            pass
    days = []
    if not inputs.activities.empty:
        days.append(pd.to_datetime(inputs.activities["local_date"]).max())
    if not inputs.pain_log.empty:
        days.append(pd.to_datetime(inputs.pain_log["date"]).max())
    days = [d for d in days if pd.notna(d)]
    return min(max(days).date(), inputs.as_of) if days else None


def is_stale(inputs: ReportInputs) -> bool:
    """True when the last data is more than 14 days before ``as_of`` (or there is none): the
    recommendation's ``stale`` when it has one, else computed the same way."""
    given = inputs.recommendation.get("stale")
    if isinstance(given, bool):
        return given
    through = data_through(inputs)
    return through is None or (inputs.as_of - through).days > STALE_AFTER_DAYS


@dataclass(frozen=True)
class TimeWindow:
    """The dates every time figure shows: ``start`` (inclusive) to ``end`` (exclusive), next
    week inside it unless the data is stale, and how many days of the last week are in."""

    start: pd.Timestamp
    end: pd.Timestamp
    next_week_start: pd.Timestamp | None
    last_week_days: int

    @property
    def days(self) -> int:
        return int((self.end - self.start).days)


def time_window(inputs: ReportInputs) -> TimeWindow:
    """``HISTORY_WEEKS`` up to ``as_of`` plus next week; for stale data the weeks up to the last
    data instead (a window of empty months says nothing) and no next week."""
    rec = inputs.recommendation
    if is_stale(inputs):
        through = data_through(inputs) or inputs.as_of
        last = pd.Timestamp(through)
        end = last + pd.Timedelta(days=7 - last.dayofweek)  # the Monday after
        return TimeWindow(end - pd.Timedelta(weeks=HISTORY_WEEKS), end, None, 7)
    as_of = pd.Timestamp(inputs.as_of)
    try:
        next_start = pd.Timestamp(date.fromisoformat(str(rec.get("week_start"))[:10]))
    except ValueError:  # absent or not a date: the Monday after as_of
        next_start = as_of + pd.Timedelta(days=7 - as_of.dayofweek)
    end = max(next_start + pd.Timedelta(days=7), as_of + pd.Timedelta(days=1))
    start = as_of - pd.Timedelta(weeks=HISTORY_WEEKS) + pd.Timedelta(days=1)
    start = start - pd.Timedelta(days=start.dayofweek)  # whole weeks: Monday
    return TimeWindow(start, end, next_start, inputs.as_of.weekday() + 1)


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
