"""Everything one athlete's report shows, read from the store (the report's only disk reads)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipeline import schemas
from pipeline import store as st
from pipeline.errors import RunloadError
from pipeline.painlog.commands import pain_log


@dataclass(frozen=True)
class ReportInputs:
    """One athlete's datasets, cut at ``as_of`` (the athlete's local date)."""

    athlete: str
    as_of: date
    recommendation: dict
    daily: pd.DataFrame  # schemas.Daily
    weekly: pd.DataFrame  # schemas.Weekly (maybe extra columns)
    activities: pd.DataFrame  # schemas.Activities
    sources: pd.DataFrame  # the ingest ledger (store.read_sources)
    pain_log: pd.DataFrame  # schemas.PainLog
    route: pd.DataFrame | None = None  # samples of the most recent run, only with show_maps


def read_recommendation(store: st.Store) -> dict:
    """The athlete's ``recommendation.json``; a RunloadError saying what to run when missing."""
    hint = f"run `runload analyze --athlete {store.athlete}` first"
    if not store.recommendation_path.exists():
        raise RunloadError(f"no recommendation for athlete {store.athlete!r} yet: {hint}")
    try:
        recommendation = st.read_recommendation(store)
    except (json.JSONDecodeError, OSError) as e:
        raise RunloadError(f"{store.recommendation_path} cannot be read ({e}): {hint}") from None
    if not isinstance(recommendation, dict) or "status" not in recommendation:
        raise RunloadError(f"{store.recommendation_path} has no status: {hint}")
    return recommendation


def report_as_of(recommendation: dict, as_of: date | None) -> date:
    """The date the report describes: ``as_of`` when given, else the recommendation's.

    A report must not pair a recommendation with data cut at another date, so a mismatch is an
    error that says how to recompute.
    """
    try:
        rec_as_of = date.fromisoformat(str(recommendation.get("as_of"))[:10])
    except ValueError:
        raise RunloadError(
            f"the recommendation of athlete {recommendation.get('athlete')!r} has no valid as_of"
            " date: run `runload analyze` again") from None
    if as_of is not None and as_of != rec_as_of:
        raise RunloadError(
            f"the recommendation of athlete {recommendation.get('athlete')!r} is as of {rec_as_of},"
            f" not {as_of}: run `runload analyze --as-of {as_of}` first"
        )
    return rec_as_of


def _read_or_empty(path, reader, model) -> pd.DataFrame:
    return reader() if path.exists() else st.empty_frame(model)


def _until(frame: pd.DataFrame, column: str, as_of: date) -> pd.DataFrame:
    if frame.empty or column not in frame.columns:
        return frame
    return frame[pd.to_datetime(frame[column]) <= pd.Timestamp(as_of)].reset_index(drop=True)


def read_report_inputs(store: st.Store, *, as_of: date | None = None,
                       show_maps: bool = False) -> ReportInputs:
    """The athlete's data for a report. Route samples are read only when ``show_maps``."""
    recommendation = read_recommendation(store)
    cut = report_as_of(recommendation, as_of)
    daily = _read_or_empty(store.daily_path, lambda: st.read_daily(store), schemas.Daily)
    weekly = _read_or_empty(store.weekly_path, lambda: st.read_weekly(store), schemas.Weekly)
    activities = _until(st.read_activities(store), "local_date", cut)
    route = None
    if show_maps:
        route = latest_run_route(store, activities)
    return ReportInputs(
        athlete=store.athlete,
        as_of=cut,
        recommendation=recommendation,
        daily=_until(daily, "date", cut).sort_values("date").reset_index(drop=True),
        weekly=_until(weekly, "week_start", cut).sort_values("week_start").reset_index(drop=True),
        activities=activities,
        sources=st.read_sources(store),
        pain_log=_until(pain_log(store), "date", cut),
        route=route,
    )


def latest_run_route(store: st.Store, activities: pd.DataFrame) -> pd.DataFrame | None:
    """Samples (with positions) of the most recent run that has GPS, or None."""
    if activities.empty:
        return None
    runs = activities[activities["sport"].isin(schemas.RUNNING_SPORTS)
                      & activities["has_gps"].astype(bool)]
    for activity_id in runs.sort_values("start_time_utc", ascending=False)["activity_id"]:
        if store.samples_path(activity_id).exists():
            return st.read_samples(store, activity_id)
    return None
