"""``runload analyze``: features, the symptom relation and the recommendation for one athlete."""

from __future__ import annotations

from datetime import date

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.relation.effects import load_effects
from pipeline.errors import RunloadError
from pipeline.painlog.commands import pain_log as painlog_with_added
from pipeline.features.daily import daily_features
from pipeline.features.weekly import weekly_features
from pipeline.recommend import recommendation


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
    with st.locked(store):
        st.write_daily(store, daily)
        st.write_weekly(store, weekly)
        st.write_recommendation(store, rec)
    return rec
