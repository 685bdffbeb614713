"""The analysts' API on a small store built through the real stages: FIT files of a simulated
athlete with a planted tolerated load, a pain log, ingest and analyze."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

import pipeline
from pipeline import schemas
from pipeline import store as st
from pipeline.analysis import analyze
from pipeline.config import Thresholds
from pipeline.demo.fit_encode import activity_fit_bytes
from pipeline.errors import RunloadError
from pipeline.ingest.run import ingest_paths
from pipeline.painlog import import_csv
from tests.factories import run_samples
from tests.simulate import simulate_daily

TOLERATED_KM = 25.0
SPEED_MPS = 5.0
RECORDING_S = 10  # a sample every 10 s, like a watch's smart recording: a quicker fixture
TH = Thresholds(bootstrap_resamples=40)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A store for athlete ``me``: 16 weeks of runs whose next-morning pain rises above 25 km a
    week, ingested from FIT files and a pain-log CSV, then analysed."""
    root = tmp_path_factory.mktemp("api")
    daily, _ = simulate_daily(tolerated_km=TOLERATED_KM, weeks=16, seed=3, missing=0.1)
    files = root / "files"
    files.mkdir()
    for day, km in zip(daily["date"], daily["run_km"]):
        if km <= 0:
            continue
        samples = run_samples(f"{day:%Y-%m-%d}T12:00:00Z", minutes=km * 1000 / SPEED_MPS / 60,
                              speed_mps=SPEED_MPS).iloc[::RECORDING_S]
        (files / f"{day:%Y-%m-%d}.fit").write_bytes(activity_fit_bytes(samples, utc_offset_min=0))
    rows = ["date,context,pain"]
    for day, pain in zip(daily["date"], daily["pain_next_morning_0_10"]):
        if not np.isnan(pain):
            rows.append(f"{day:%Y-%m-%d},next_morning,{pain:g}")
    (root / "pain.csv").write_text("\n".join(rows) + "\n")
    data = root / "data"
    store = st.Store(data, "me")
    ingest_paths([str(files)], store, thresholds=TH, workers=1)
    end = pd.Timestamp(daily["date"].max()).date()
    import_csv(store, root / "pain.csv", today=end)
    analyze(store, as_of=end, thresholds=TH)
    (data / "raw" / "fresh").mkdir(parents=True)  # an athlete with nothing processed yet
    return data


@pytest.fixture(scope="module")
def me(data_dir):
    return pipeline.load_athlete(data_dir, "me", thresholds=TH)


def schema_columns(model) -> set[str]:
    """The columns a schema guarantees (optional ones excluded)."""
    return {name for name, col in model.to_schema().columns.items() if col.required}


@pytest.mark.parametrize(("attribute", "model"), [
    ("activities", schemas.Activities), ("daily", schemas.Daily), ("weekly", schemas.Weekly),
    ("pain_log", schemas.PainLog)])
def test_frames_have_the_schema_columns_and_pass_validation(me, attribute, model):
    frame = getattr(me, attribute)
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0
    assert schema_columns(model) <= set(frame.columns)
    model.validate(frame)


def test_frames_hold_what_was_ingested(me):
    n_runs = int((me.daily["run_km"] > 0).sum())
    assert len(me.activities) == n_runs
    assert set(me.pain_log["context"]) == {"next_morning"}
    assert me.daily["date"].is_monotonic_increasing
    assert me.weekly["run_km"].sum() == pytest.approx(me.daily["run_km"].sum(), rel=1e-6)
    assert len(me.sources) == n_runs and me.sources["status"].eq("ok").all()


def test_samples_of_one_activity(me):
    first = me.activities.iloc[0]
    samples = me.samples(first["activity_id"])
    assert schema_columns(schemas.Samples) <= set(samples.columns)
    assert len(samples) == first["n_samples"]
    assert samples["speed_mps"].median() == pytest.approx(SPEED_MPS, rel=0.02)
    assert samples["timestamp_utc"].dt.tz is not None


def test_loading_is_lazy_and_cached(data_dir):
    athlete = pipeline.load_athlete(data_dir, "me")
    assert "daily" not in vars(athlete)
    assert athlete.daily is athlete.daily
    athlete.reload()
    assert "daily" not in vars(athlete)


def test_recommendation_sources_and_profile(me):
    rec = me.recommendation
    assert rec["athlete"] == "me"
    assert rec["status"] in ("progress", "hold", "reduce", "seek_care")
    assert me.as_of.isoformat() == rec["as_of"]
    assert isinstance(me.profile, dict)


def test_symptom_relation_recovers_the_planted_tolerated_load(me):
    rel = me.symptom_relation
    assert rel.tolerated_weekly_km == pytest.approx(TOLERATED_KM, rel=0.25)
    # the same estimate as the recommendation, computed from the same history
    recommended = me.recommendation["tolerated_weekly_km"]
    assert rel.tolerated_weekly_km == pytest.approx(recommended, abs=0.1)
    assert {"pain_0_10", "load_7d_km", "week_start"} <= set(rel.lagged.columns)
    assert {"run_km", "zone_morning", "light"} <= set(rel.run_days.columns)
    assert rel.windows["light"].dropna().isin(["green", "amber", "red"]).all()
    curve = rel.curve([10, 20, 40])
    assert curve["expected_0_10"].iloc[2] > curve["expected_0_10"].iloc[0] + 1
    assert (curve["low_0_10"] <= curve["high_0_10"]).all()


def test_what_if_expects_more_pain_above_the_tolerated_load(me):
    easy = me.what_if([5, 5, 6, 6])
    hard = me.what_if({"weekly_km": 45, "longest_run_km": 12})
    assert easy["expected_0_10"] is not None and hard["expected_0_10"] is not None
    assert hard["expected_0_10"] > easy["expected_0_10"] + 1
    assert easy["weekly_km"] == 22 and hard["weekly_km"] == 45
    assert hard["interval_0_10"][0] <= hard["expected_0_10"] <= hard["interval_0_10"][1]


def test_athletes_lists_every_athlete(data_dir):
    assert pipeline.athletes(data_dir) == ["fresh", "me"]


def test_unknown_athlete_names_the_known_ones(data_dir, tmp_path):
    with pytest.raises(RunloadError, match=r"no athlete 'bob'.*fresh, me"):
        pipeline.load_athlete(data_dir, "bob")
    with pytest.raises(RunloadError, match="runload ingest"):
        pipeline.load_athlete(tmp_path, "me")


def test_missing_datasets_say_which_command_makes_them(data_dir):
    fresh = pipeline.load_athlete(data_dir, "fresh")
    for attribute in ("daily", "weekly", "recommendation"):
        with pytest.raises(RunloadError, match="runload analyze"):
            getattr(fresh, attribute)
    with pytest.raises(RunloadError, match="runload ingest"):
        fresh.activities
    with pytest.raises(RunloadError, match="runload analyze"):
        fresh.what_if([5, 5])


def test_unknown_activity_is_a_clear_error(me):
    with pytest.raises(RunloadError, match="no samples stored for activity 'nope'.*activity_id"):
        me.samples("nope")


def test_importing_pipeline_loads_neither_the_api_nor_prefect():
    code = ("import sys, pipeline, pipeline.painlog; "
            "print('pipeline.api' in sys.modules, 'prefect' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_short_history_gives_a_reason_instead_of_a_number(tmp_path):
    store = st.Store(tmp_path, "short")
    start = pd.Timestamp("2026-05-04")
    for i in range(3):
        day = start + timedelta(days=2 * i)
        samples = run_samples(f"{day:%Y-%m-%d}T07:00:00Z", minutes=10, speed_mps=SPEED_MPS)
        (tmp_path / f"{i}.fit").write_bytes(activity_fit_bytes(samples, utc_offset_min=0))
    ingest_paths([str(tmp_path / f"{i}.fit") for i in range(3)], store, thresholds=TH, workers=1)
    analyze(store, as_of=(start + timedelta(days=6)).date(), thresholds=TH)
    short = pipeline.load_athlete(tmp_path, "short", thresholds=TH)
    answer = short.what_if([5, 5])
    assert answer["expected_0_10"] is None and "week" in answer["reason"]
    assert short.symptom_relation.curve([10, 20]).empty


def test_sql_views_cover_every_athlete(data_dir, tmp_path):
    pytest.importorskip("duckdb")
    from pipeline.sql import connect

    for athlete in ("me", "o'neil"):  # a quote in a path must not break the SQL
        shutil.copytree(data_dir / "processed" / "me", tmp_path / "processed" / athlete)
    con = connect(tmp_path)
    km = con.sql("select athlete, sum(run_km) as km, count(*) as n from weekly "
                 "group by athlete order by athlete").df()
    me = pipeline.load_athlete(data_dir, "me")
    assert km["athlete"].tolist() == ["me", "o'neil"]
    assert km["km"].tolist() == pytest.approx([me.weekly["run_km"].sum()] * 2)
    n = con.sql("select count(*) from activities where athlete = 'me'").fetchall()[0][0]
    assert n == len(me.activities)
    assert {"daily", "pain_log", "sources"} <= {r[0] for r in con.sql("show tables").fetchall()}


def test_sql_without_processed_data_is_a_clear_error(tmp_path):
    pytest.importorskip("duckdb")
    from pipeline.sql import connect

    with pytest.raises(RunloadError, match="runload ingest"):
        connect(tmp_path)


def test_rehab_log_is_empty_until_logged_then_has_the_stage(tmp_path):
    from datetime import date

    from pipeline import rehab, store

    s = store.Store(tmp_path, "me")
    rehab.add_entry(s, date=date(2026, 6, 1), exercise="clamshells", sets=3, reps=15,
                    today=date(2026, 6, 30))
    from pipeline.api import Athlete

    frame = Athlete(s).rehab_log
    assert schema_columns(schemas.RehabLog) <= set(frame.columns)
    schemas.RehabLog.validate(frame)
    assert frame["stage"].tolist() == ["isotonic"]
    assert store.read_rehab_log(store.Store(tmp_path, "nobody")).empty
