"""``runload analyze``: features, the symptom relation and the recommendation for one athlete."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.errors import RunloadError
from pipeline.painlog.commands import pain_log as painlog_with_added
from pipeline.rehab.commands import rehab_log as rehablog_with_added
from pipeline.features.daily import daily_features
from pipeline.features.weekly import weekly_features
from pipeline.plan import needs_older_advice, next_week_plan, plan_caps
from pipeline.recommend import recommendation
from pipeline.relation.effects import load_effects

PAST_WEEKS = 4  # the advice of the last four weeks: last_week and the trainer's "keeps exceeded"


def analyze(store: st.Store, *, as_of: date | None = None,
            thresholds: Thresholds = Thresholds()) -> dict:
    """Recompute ``daily.parquet``, ``weekly.parquet`` and ``recommendation.json`` from the stored
    activities, pain log and profile (up to ``as_of``, default today) and return the
    recommendation. Raises ``RunloadError`` when there is nothing to analyse."""
    as_of = as_of or date.today()
    activities = st.read_activities(store)
    pain_log = painlog_with_added(store)  # entries added on the command line folded in
    if activities.empty and pain_log.empty:
        raise RunloadError(
            f"no activities or pain entries for athlete {store.athlete!r} in {store.data_dir}: "
            "run `runload ingest PATH...` or `runload pain add ...` first"
        )
    profile = st.read_profile(store)
    daily = daily_features(activities, pain_log, as_of=as_of, profile=profile,
                           thresholds=thresholds)
    if daily.empty:
        raise RunloadError(
            f"nothing on or before {as_of.isoformat()} for athlete {store.athlete!r}: "
            "choose a later --as-of date or ingest earlier activities first"
        )
    weekly = weekly_features(daily)
    rec = recommendation(daily, weekly, athlete=store.athlete, as_of=as_of, thresholds=thresholds,
                         effects=load_effects(daily, thresholds=thresholds))
    rehab_log = rehablog_with_added(store)  # `rehab add` entries not folded yet included
    past = past_advice(activities, pain_log, profile=profile, as_of=as_of,
                       athlete=store.athlete, first_day=daily["date"].min(),
                       thresholds=thresholds, rec=rec, daily=daily)
    rec = {**rec, **next_week_plan(rec, daily, pain_log=pain_log, rehab_log=rehab_log,
                                   as_of=as_of, past=past,
                                   restart_km=thresholds.return_run_km)}
    with st.locked(store):
        st.write_daily(store, daily)
        st.write_weekly(store, weekly)
        st.write_recommendation(store, rec)
    return rec


def past_advice(activities: pd.DataFrame, pain_log: pd.DataFrame, *, profile: dict, as_of: date,
                athlete: str, first_day, thresholds: Thresholds, rec: dict,
                daily: pd.DataFrame) -> list[dict]:
    """The advice as it was 7 (then 14, 21, 28) days before ``as_of``, newest first, each
    recomputed from the data on or before its date alone with the same settings (so
    ``last_week`` shows what ``runload analyze --as-of`` said that day), with its intensity caps
    as ``plan``.

    Each recomputation costs seconds (the tolerated-km estimate), so the older weeks are
    recomputed only when they can change the trainer advice (``needs_older_advice``: a recent
    reduce, or next-morning pain rising)."""
    out = []
    first = pd.Timestamp(first_day).date()
    for k in range(1, PAST_WEEKS + 1):
        day = as_of - timedelta(days=7 * k)
        if day < first + timedelta(days=7):  # no week of data yet: no advice to compare with
            break
        if k == 2 and not needs_older_advice(rec, out[0], daily, as_of=as_of):
            break
        past_daily = daily_features(activities, pain_log, as_of=day, profile=profile,
                                    thresholds=thresholds)
        past = recommendation(past_daily, weekly_features(past_daily), athlete=athlete,
                              as_of=day, thresholds=thresholds)
        caps = plan_caps(past, past_daily, as_of=day)
        out.append({**past, "plan": {c: caps[c] for c in ("uphill_min_max", "fast_min_max")}})
    return out
