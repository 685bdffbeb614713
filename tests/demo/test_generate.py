import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline import painlog
from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.demo.athlete import activity_samples, demo_athlete
from pipeline.demo.generate import pain_log_csv, write_demo

END = date(2026, 11, 24)


@pytest.fixture(scope="module")
def small():
    """The demo athlete cut to a few sessions: runs with a GPX and a TCX twin, a ride, a swim."""
    a = demo_athlete(7, end=END)
    gpx = next(x for x in a.activities if "gpx" in x.twins)
    tcx = next(x for x in a.activities if "tcx" in x.twins)
    ride = next(x for x in a.activities if x.sport == "cycling")
    swim = next(x for x in a.activities if x.sport == "swimming")
    short = next(x for x in a.activities if x.is_run and not x.twins)
    chosen = sorted({gpx, tcx, ride, swim, short}, key=lambda x: x.start_local)
    # 12-minute sessions: the readers are the slow part of these tests
    return replace(a, activities=tuple(replace(x, duration_s=720) for x in chosen))


@pytest.fixture(scope="module")
def files(small, tmp_path_factory):
    return write_demo(small, tmp_path_factory.mktemp("demo"))


def test_writes_one_fit_per_session_twins_and_the_pain_log(small, files):
    assert len(files.fit_files) == len(small.activities)
    assert sorted(p.suffix for p in files.twin_files) == [".gpx", ".tcx"]
    assert all(p.stat().st_size > 1000 for p in files.activity_files)
    assert files.pain_log.read_text() == pain_log_csv(small)
    assert {p.parent.name for p in files.fit_files} == {"garmin"}


def test_same_athlete_same_bytes(small, files, tmp_path):
    again = write_demo(small, tmp_path)
    for a, b in zip(files.activity_files, again.activity_files):
        assert a.read_bytes() == b.read_bytes()


def test_fit_files_decode_with_the_project_reader(small, files):
    from pipeline.ingest.parse.fit import read_fit

    for plan, path in zip(small.activities, files.fit_files):
        (parsed,) = read_fit(path.read_bytes(), source=path.name)
        assert parsed.sport == plan.sport
        assert parsed.start_time_utc == plan.start_utc
        assert parsed.utc_offset_min == plan.utc_offset_min
        assert len(parsed.samples) == plan.duration_s
        expected = activity_samples(small, plan)
        if plan.is_run:
            assert parsed.samples["cadence_spm"].mean() == pytest.approx(
                expected["cadence_spm"].mean(), abs=0.5)
            assert parsed.samples["stance_time_ms"].mean() == pytest.approx(
                expected["stance_time_ms"].mean(), abs=1)
            assert parsed.samples["heart_rate_bpm"].notna().all()
            assert parsed.samples["latitude_deg"].notna().all()


def test_twins_decode_and_match_their_fit(small, files):
    from pipeline.ingest.parse.gpx import read_gpx
    from pipeline.ingest.parse.tcx import read_tcx

    starts = {p.start_utc for p in small.activities}
    for path in files.twin_files:
        reader = read_gpx if path.suffix == ".gpx" else read_tcx
        (parsed,) = reader(path.read_bytes(), source=path.name)
        assert parsed.start_time_utc in starts
        assert parsed.samples["heart_rate_bpm"].notna().mean() > 0.99


def test_ingest_merges_the_twins_and_imports_the_pain_log(small, files, tmp_path):
    from pipeline.ingest.run import ingest_paths

    store = st.Store(tmp_path / "data", "demo")
    summary = ingest_paths([str(files.directory / "garmin"), str(files.directory / "strava")],
                           store, thresholds=Thresholds(), workers=1)
    assert not summary.rejected
    assert len(summary.new) == len(small.activities) and len(summary.duplicates) == 2
    activities = st.read_activities(store)
    assert set(activities["sport"]) == {"running", "trail_running", "cycling", "swimming"} & {
        a.sport for a in small.activities}
    twinned = activities[activities["source_files"].map(len) == 2]
    assert len(twinned) == 2
    result = painlog.import_csv(store, files.pain_log, today=END)
    assert result.total == len(small.pain_log)
    log = st.read_pain_log(store)
    assert pd.Timestamp(small.spike_date) in set(log["date"])


def test_the_demo_folder_may_hold_runloads_own_caches_but_nothing_foreign(tmp_path):
    from argparse import Namespace

    from pipeline.cli_environment import caches_in_data_folder
    from pipeline.config import Settings
    from pipeline.demo.folder import demo_folder
    from pipeline.errors import UsageError
    from pipeline.paths import DEMO_CACHE_DIR

    demo_dir = tmp_path / "demo"
    args = Namespace(command="demo", data_dir=Path("data"), dir=demo_dir)
    restore = caches_in_data_folder(args)
    try:
        assert os.environ["MPLCONFIGDIR"].startswith(str((demo_dir / DEMO_CACHE_DIR).resolve()))
    finally:
        restore()
    (demo_dir / DEMO_CACHE_DIR / ".cache").mkdir(parents=True)  # what matplotlib makes first
    folder = demo_folder(Settings(), demo_dir=demo_dir, athlete="me")
    assert folder.data_dir == demo_dir / "data" and (demo_dir / DEMO_CACHE_DIR).is_dir()
    other = tmp_path / "mine"
    (other / DEMO_CACHE_DIR).mkdir(parents=True)
    (other / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a runload demo folder"):
        demo_folder(Settings(), demo_dir=other, athlete="me")
