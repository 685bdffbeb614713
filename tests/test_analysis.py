"""``analyze``: stored activities and pain log -> daily, weekly and recommendation.json."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipeline import store as st
from pipeline.analysis import analyze
from pipeline.config import Thresholds
from pipeline.errors import RunloadError
from tests.simulate import activities_and_pain_log, simulate_daily

TH = Thresholds(bootstrap_resamples=60)


def stored_athlete(data_dir, **kw) -> tuple[st.Store, date]:
    daily, _ = simulate_daily(**kw)
    activities, pain_log = activities_and_pain_log(daily)
    store = st.Store(data_dir, "sim")
    st.write_activities(store, activities)
    st.write_pain_log(store, pain_log)
    return store, daily["date"].iloc[-1].date()


def test_nothing_to_analyse_says_to_ingest_first(data_dir):
    with pytest.raises(RunloadError, match="ingest"):
        analyze(st.Store(data_dir, "nobody"), as_of=date(2026, 11, 20), thresholds=TH)


def test_analyze_writes_every_output_and_recovers_the_planted_tolerance(data_dir):
    store, as_of = stored_athlete(data_dir, tolerated_km=30.0, weeks=18, seed=11)
    rec = analyze(store, as_of=as_of, thresholds=TH)
    assert st.read_recommendation(store) == rec
    daily = st.read_daily(store)
    assert daily["date"].max().date() == as_of
    assert len(st.read_weekly(store)) >= 18
    assert rec["athlete"] == "sim" and rec["as_of"] == as_of.isoformat()
    assert rec["tolerated_weekly_km"] == pytest.approx(30.0, rel=0.2)
    assert rec["weekly_run_km"]["max"] <= 1.15 * 30.0


def test_as_of_ignores_later_data(data_dir):
    store, last = stored_athlete(data_dir, tolerated_km=25.0, weeks=10, seed=12)
    early = last - timedelta(days=30)
    rec = analyze(store, as_of=early, thresholds=TH)
    assert rec["as_of"] == early.isoformat()
    assert st.read_daily(store)["date"].max().date() == early


def test_an_as_of_before_any_data_is_a_plain_error(data_dir):
    store, _ = stored_athlete(data_dir, tolerated_km=25.0, weeks=3, seed=13)
    with pytest.raises(RunloadError):
        analyze(store, as_of=date(2020, 1, 1), thresholds=TH)


@pytest.mark.slow  # two analyses with bootstrap (~35 s on a shared machine)
def test_analyze_adds_the_plan_and_last_week_is_the_advice_recomputed_a_week_earlier(data_dir):
    store, as_of = stored_athlete(data_dir, tolerated_km=30.0, weeks=14, seed=21)
    week_ago = analyze(store, as_of=as_of - timedelta(days=7), thresholds=TH)
    rec = analyze(store, as_of=as_of, thresholds=TH)
    plan = rec["plan"]
    assert len(plan["runs"]) == rec["runs_per_week"]
    total = sum(r["km"] for r in plan["runs"])
    assert rec["weekly_run_km"]["min"] <= total <= rec["weekly_run_km"]["max"]
    assert sum(c["min"] for c in plan["cross_training"]) == rec["cross_training_min"]
    assert plan["rehab"]["stage"] == "isometric"  # nothing staged logged: start there
    last = rec["last_week"]
    assert last["advised_max_km"] == week_ago["weekly_run_km"]["max"]
    daily = st.read_daily(store)
    assert last["run_km"] == pytest.approx(round(float(daily["run_km"].tail(7).sum()), 1))
    assert last["followed"] == (last["run_km"] <= last["advised_max_km"]
                                and not last["exceeded"])
    assert [a for a in rec["trainer_advice"] if a["red_flag"]] == [
        {**f, "red_flag": True} for f in rec["red_flags"]]
