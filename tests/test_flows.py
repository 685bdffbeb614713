"""The Prefect flows under Prefect's test harness (started once for this module)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import store as st
from pipeline.cli_text import run_text

flows = pytest.importorskip("pipeline.flows")

END = date(2026, 11, 24)


@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    """A few short sessions of the demo athlete (one with a Strava twin) and its pain log."""
    from pipeline.demo.athlete import demo_athlete
    from pipeline.demo.generate import write_demo

    a = demo_athlete(7, end=END)
    runs = [x for x in a.activities if x.is_run and x.start_local.date() > a.return_start]
    twin = next(x for x in runs if x.twins)
    chosen = sorted({*runs[-3:], twin}, key=lambda x: x.start_local)
    small = replace(a, activities=tuple(replace(x, duration_s=600) for x in chosen))
    return write_demo(small, tmp_path_factory.mktemp("demo"))


def _inputs(files) -> list[str]:
    return [str(files.directory / "garmin"), str(files.directory / "strava"), str(files.pain_log)]


def _profile(data_dir: Path, athlete: str = "me") -> None:
    from pipeline.profile import update_profile

    update_profile(st.Store(data_dir, athlete), timezone="America/Denver")


@pytest.mark.slow
def test_one_athlete_flow_gives_what_the_plain_functions_give(harness, demo_files, tmp_path):
    from pipeline import painlog
    from pipeline.analysis import analyze
    from pipeline.config import Settings
    from pipeline.ingest.run import ingest_paths

    plain, flowed = tmp_path / "plain", tmp_path / "flow"
    for d in (plain, flowed):
        _profile(d / "data")
    store = st.Store(plain / "data", "me")
    settings = Settings(data_dir=plain / "data", reports_dir=plain / "reports")
    ingest_paths(_inputs(demo_files)[:2], store, thresholds=settings.thresholds, workers=1)
    painlog.import_csv(store, demo_files.pain_log)
    expected = analyze(store, as_of=END, thresholds=settings.thresholds)

    result = flows.athlete_pipeline(data_dir=str(flowed / "data"),
                                    reports_dir=str(flowed / "reports"), athlete="me",
                                    as_of=END, inputs=_inputs(demo_files))
    got_store = st.Store(flowed / "data", "me")
    assert result["athletes"][0]["recommendation"] == expected
    assert json.loads(got_store.recommendation_path.read_text()) == json.loads(
        store.recommendation_path.read_text())
    pd.testing.assert_frame_equal(st.read_activities(got_store), st.read_activities(store))
    pd.testing.assert_frame_equal(st.read_daily(got_store), st.read_daily(store))
    assert result["rejected"] == []
    assert sorted(Path(p).name for p in result["reports"]) == ["report.html", "report.pdf"]
    assert (flowed / "reports" / "me" / "report.pdf").stat().st_size > 1000


def test_parsing_is_cached_on_content_not_names(harness, demo_files, tmp_path, monkeypatch):
    from prefect import flow

    from pipeline.config import Thresholds
    from pipeline.ingest.sources import Leaf, bytes_sha256

    calls: list[str] = []
    real = flows.parse_leaf

    def counting(leaf, **kwargs):
        calls.append(leaf.source)
        return real(leaf, **kwargs)

    monkeypatch.setattr(flows, "parse_leaf", counting)

    def same_row(a: dict, b: dict) -> bool:  # the speed and heart-rate profiles are arrays
        return a.keys() == b.keys() and all(
            np.array_equal(a[k], b[k]) if isinstance(a[k], np.ndarray) else a[k] == b[k]
            for k in a)

    def leaf(name: str, data: bytes) -> Leaf:
        return Leaf(source=name, kind="fit", data=data, sha256=bytes_sha256(data))

    a, b = (p.read_bytes() for p in demo_files.fit_files[:2])
    changed = b[:-40] + bytes(40)  # same name, other bytes (a damaged copy)

    @flow
    def parse(leaves):
        return flows.cached_parse(leaves, profile_timezone=None, thresholds=Thresholds(),
                                  cache_dir=tmp_path / "cache", max_bytes=1)

    first = parse([leaf("a.fit", a), leaf("b.fit", b)])
    assert sorted(calls) == ["a.fit", "b.fit"] and [o.status for o in first] == ["ok", "ok"]
    calls.clear()
    again = parse([leaf("a.fit", a), leaf("b.fit", changed)])
    assert calls == ["b.fit"]  # the unchanged file came from the cache
    assert same_row(again[0].activities[0][0], first[0].activities[0][0])
    calls.clear()
    renamed = parse([leaf("renamed.fit", a)])
    assert calls == []  # a name is not content
    assert renamed[0].leaf.source == "renamed.fit"
    assert renamed[0].activities[0][0]["source_files"] == ["renamed.fit"]
    assert renamed[0].leaf.data == a  # the cache keeps no bytes; the import's own are back


def test_chunks_stay_the_same_when_other_files_come_and_go():
    from pipeline.ingest.sources import Leaf

    leaves = [Leaf(source=f"{i}.fit", kind="fit", data=bytes(100), sha256=f"{i:02d}" * 32)
              for i in range(10)]
    groups = flows.chunks(leaves, max_bytes=250)
    assert [len(g) for g in groups] == [2, 2, 2, 2, 2]
    assert flows.chunks(list(reversed(leaves)), max_bytes=250) == groups


@pytest.mark.slow
def test_run_ingests_only_what_is_new_in_the_inbox(harness, demo_files, tmp_path):
    import shutil

    from pipeline.config import Settings

    data = tmp_path / "data"
    _profile(data)
    inbox = st.Store(data, "me").inbox_dir
    inbox.mkdir(parents=True)
    for p in demo_files.fit_files[:2]:
        shutil.copy(p, inbox / p.name)
    shutil.copy(demo_files.pain_log, inbox / "pain.csv")
    settings = Settings(data_dir=data, reports_dir=tmp_path / "reports")
    first = flows.run_cli(settings, athlete="me", as_of=END, dask_address=None)
    (me,) = first["athletes"]
    assert me["ingest"]["new"] == 2 and me["pain_logs"][0]["new"] > 100
    assert Path(first["reports"][0]).exists()
    assert "report: " in run_text(first).splitlines()[-1]
    shutil.copy(demo_files.fit_files[2], inbox / demo_files.fit_files[2].name)
    second = flows.run_cli(settings, athlete="me", as_of=END, dask_address=None)
    assert second["athletes"][0]["ingest"]["new"] == 1
    assert len(st.read_activities(st.Store(data, "me"))) == 3


def test_a_bad_pain_log_in_the_inbox_is_rejected_and_the_rest_goes_on(harness, demo_files,
                                                                      tmp_path):
    import shutil

    from pipeline.config import Settings

    data = tmp_path / "data"
    inbox = st.Store(data, "me").inbox_dir
    inbox.mkdir(parents=True)
    shutil.copy(demo_files.fit_files[0], inbox / "run.fit")
    (inbox / "pain.csv").write_text("date,pain\n2026-11-01,eleven\n")
    result = flows.run_cli(Settings(data_dir=data, reports_dir=tmp_path / "reports"),
                           athlete="me", as_of=END, dask_address=None)
    assert [r["source"] for r in result["rejected"]] == [str(inbox / "pain.csv")]
    assert result["athletes"][0]["ingest"]["new"] == 1


@pytest.mark.slow
def test_all_athletes_on_a_local_dask_cluster(harness, demo_files, tmp_path):
    import shutil

    from pipeline.config import Settings

    data = tmp_path / "data"
    for name, files in (("ann", demo_files.fit_files[:2]), ("bob", demo_files.fit_files[2:])):
        _profile(data, name)
        inbox = st.Store(data, name).inbox_dir
        inbox.mkdir(parents=True)
        for p in files:
            shutil.copy(p, inbox / p.name)
        shutil.copy(demo_files.pain_log, inbox / "pain.csv")
    settings = Settings(data_dir=data, reports_dir=tmp_path / "reports")
    result = flows.run_cli(settings, athlete=None, as_of=END, dask_address="local")
    assert [a["athlete"] for a in result["athletes"]] == ["ann", "bob"]
    assert [a["ingest"]["new"] for a in result["athletes"]] == [2, len(demo_files.fit_files) - 2]
    for name in ("ann", "bob"):
        assert (tmp_path / "reports" / name / "report.html").exists()
    assert (tmp_path / "reports" / "index.html").exists()
    assert result["rejected"] == []


@pytest.mark.slow
def test_runload_demo_end_to_end(harness, tmp_path, capsys):
    from pipeline import cli

    demo = tmp_path / "demo"
    assert cli.main(["demo", "--dir", str(demo)]) == 0
    out = capsys.readouterr()
    for name in ("report.html", "report.pdf"):
        assert (demo / "reports" / "me" / name).stat().st_size > 1000
    assert out.out.strip().splitlines()[-1] == \
        f"report: {(demo / 'reports' / 'me' / 'report.html').resolve()}"
    assert "Traceback" not in out.err and "prefect" not in out.err.lower()
    activities = st.read_activities(st.Store(demo / "data", "me"))
    n_files = sum(1 for p in (demo / "files").rglob("*") if p.suffix in (".fit", ".gpx", ".tcx"))
    fit_files = len(list((demo / "files" / "garmin").glob("*.fit")))
    assert len(activities) == fit_files > 90  # every twin merged into its FIT activity
    assert activities["source_files"].map(len).sum() == n_files
    rec = json.loads((demo / "data" / "processed" / "me" / "recommendation.json").read_text())
    assert rec["athlete"] == "me"
    assert rec["tolerated_weekly_km"] == pytest.approx(30.0, rel=0.2)  # planted in the demo
    # issue 18: a new user sees every part of the plan (rides hurt, rehab logged)
    assert [a["what"] for a in rec["plan"]["avoid"]] == ["cycling"]
    assert "cycling" not in {c["sport"] for c in rec["plan"]["cross_training"]}
    assert rec["plan"]["rehab"]["stage_logged"] and rec["plan"]["rehab"]["stage"] != "isometric"
    assert rec["plan"]["rehab"]["sessions_last_28_days"] >= 12
    html = (demo / "reports" / "me" / "report.html").read_text()
    for part in ("week-table", "intensity-caps", "cross-training", "last-week", "rehab-adherence",
                 "trainer-advice"):
        assert f'id="{part}"' in html, part
    # a second run replaces the demo's own folder; a foreign folder is refused
    assert cli.main(["demo", "--dir", str(demo)]) == 0
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("keep")
    assert cli.main(["demo", "--dir", str(tmp_path / "mine")]) == 2
    assert (tmp_path / "mine" / "thesis.txt").read_text() == "keep"


def test_the_ingest_parses_through_the_cache_when_it_takes_a_parse_step(harness, demo_files,
                                                                         tmp_path, monkeypatch):
    """``ingest_inputs`` hands ``cached_parse`` to an ingest that accepts ``parse=``."""
    from pipeline.config import Thresholds
    from pipeline.ingest import run as ingest_run
    from pipeline.ingest.sources import Leaf, leaves, top_inputs

    seen = {}

    def ingest_paths(paths, store, *, thresholds, progress=False, parse=None):
        batch = [leaf for top in top_inputs(paths) for leaf in leaves(top, thresholds=thresholds)
                 if isinstance(leaf, Leaf)]
        for _ in range(2):
            seen.setdefault("outcomes", []).append(
                parse(batch, profile_timezone=None, thresholds=thresholds))
        return ingest_run.IngestSummary()

    calls = []
    real = flows.parse_leaf
    monkeypatch.setattr(flows, "parse_leaf", lambda leaf, **kw: calls.append(1) or real(leaf, **kw))
    monkeypatch.setattr(ingest_run, "ingest_paths", ingest_paths)
    flows.ingest_inputs([str(p) for p in demo_files.fit_files[:2]], data_dir=tmp_path / "data",
                        athlete="me", thresholds=Thresholds())
    first, second = seen["outcomes"]
    assert [o.status for o in first] == ["ok", "ok"] and len(calls) == 2  # once, then cached
    assert [o.activities[0][0]["activity_id"] for o in second] == \
        [o.activities[0][0]["activity_id"] for o in first]
    assert any(st.parse_cache_dir(tmp_path / "data").iterdir())


def test_serve_refuses_a_non_positive_interval(tmp_path):
    from pipeline.config import Settings
    from pipeline.errors import UsageError

    with pytest.raises(UsageError, match="positive"):
        flows.serve_cli(Settings(data_dir=tmp_path), athlete="me", interval_minutes=0)


def test_a_served_run_prints_one_line_and_a_failed_one_says_so(capsys):
    result = {"athletes": [{"athlete": "me", "ingest": {"new": 3, "duplicates": 0},
                            "pain_logs": [{"new": 1}], "rejected": [],
                            "recommendation": {"status": "hold",
                                               "weekly_run_km": {"min": 20.0, "max": 24.0}}}]}
    assert flows.announced(lambda: result)(announce=True) is result
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith("UTC  me: 3 new activities, 1 new pain entry; HOLD 20.0-24.0 km")
    assert flows.announced(lambda: result)() is result  # `runload run` prints its own summary
    assert capsys.readouterr().out == ""

    def broken():
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        flows.announced(broken)(announce=True)
    assert "run failed: disk full" in capsys.readouterr().out


def test_served_deployments_announce_each_run(monkeypatch, tmp_path):
    from pipeline.config import Settings

    seen = {}
    monkeypatch.setattr(flows.athlete_pipeline, "serve",
                        lambda **kwargs: seen.update(kwargs), raising=False)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # no private server
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        flows.serve_cli(Settings(data_dir=tmp_path), athlete="me", interval_minutes=5)
    assert seen["parameters"]["announce"] is True


def test_a_rehab_csv_among_the_inputs_is_imported_as_a_rehab_log(tmp_path):
    """``runload run`` picks up rehab logs from the inbox too: a CSV with an ``exercise``
    column goes to the rehab log, the others to the pain log; a bad one is rejected."""
    from pipeline import rehab
    from pipeline.config import Thresholds
    from pipeline.flows import ingest_inputs

    (tmp_path / "rehab.csv").write_text("sep=;\ndate;Exercise;sets\n2026-06-01;bridge;3\n")
    (tmp_path / "pain.csv").write_text("date,pain\n2026-06-01,2\n")
    (tmp_path / "bad.csv").write_text("date,exercise\n2026-06-01,\n")
    out = ingest_inputs([str(tmp_path / n) for n in ("rehab.csv", "pain.csv", "bad.csv")],
                        data_dir=tmp_path / "data", athlete="me", thresholds=Thresholds())
    assert [r["new"] for r in out["rehab_logs"]] == [1]
    assert [p["new"] for p in out["pain_logs"]] == [1]
    assert [s for s, _ in out["rejected"]] == [str(tmp_path / "bad.csv")]
    assert rehab.rehab_log(st.Store(tmp_path / "data", "me"))["exercise"].tolist() == ["bridge"]
