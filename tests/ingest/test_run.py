"""The ingest orchestrator end to end on generated files (and on the corpus when present)."""

import gzip
import json
import os

import pandas as pd
import pytest

from pipeline import cli, schemas
from pipeline import parquet_files as pf
from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.demo.fit_file import fit_activity_bytes, fit_multisport_bytes
from pipeline.demo.gpx_file import gpx_activity_bytes
from pipeline.ingest.run import ingest_paths
from tests.factories import run_samples, twin_recordings, zip_bytes

T = Thresholds()


def _ingest(data_dir, *paths):
    store = st.Store(data_dir, "me")
    return ingest_paths([str(p) for p in paths], store, thresholds=T), store


@pytest.fixture
def denver_evening_fit(tmp_path):
    # 19:30 local in Denver (UTC-7 in January) is 02:30 UTC the next day
    p = tmp_path / "evening.fit"
    p.write_bytes(fit_activity_bytes(run_samples("2026-01-16T02:30:00Z"), sport="running",
                                     utc_offset_min=-420))
    return p


def test_evening_run_belongs_to_its_local_date(data_dir, denver_evening_fit):
    summary, store = _ingest(data_dir, denver_evening_fit)
    assert len(summary.new) == 1 and not summary.rejected
    [a] = st.read_activities(store).to_dict("records")
    assert a["local_date"] == pd.Timestamp("2026-01-15")
    assert a["local_date_source"] == "fit_local_timestamp"
    assert a["start_time_utc"] == pd.Timestamp("2026-01-16T02:30:00Z")
    assert a["distance_m"] == pytest.approx(30 * 60 * 3.0, rel=0.01)
    assert a["avg_cadence_spm"] == pytest.approx(170, abs=1)
    samples = st.read_samples(store, a["activity_id"])
    schemas.Samples.validate(samples)
    assert len(samples) == 1800


def test_raw_copy_is_unchanged_and_rerun_changes_nothing(data_dir, denver_evening_fit):
    original = denver_evening_fit.read_bytes()
    _, store = _ingest(data_dir, denver_evening_fit)
    raw = [p for p in store.raw_files_dir.rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in raw] == [original]
    assert denver_evening_fit.read_bytes() == original
    before = {p: p.stat().st_mtime_ns for p in store.processed_dir.rglob("*.parquet")}
    summary, _ = _ingest(data_dir, denver_evening_fit)
    assert (summary.new, summary.duplicates, summary.rejected) == ([], [], [])
    assert {p: p.stat().st_mtime_ns for p in store.processed_dir.rglob("*.parquet")} == before


def test_gz_input(data_dir, tmp_path):
    p = tmp_path / "run.fit.gz"
    p.write_bytes(gzip.compress(fit_activity_bytes(run_samples("2026-02-01T08:00:00Z"),
                                                   sport="running")))
    summary, store = _ingest(data_dir, p)
    assert len(summary.new) == 1
    assert st.read_activities(store)["source_files"][0].tolist() == [str(p)]


def test_multisport_file_gives_one_activity_per_sport(data_dir, tmp_path):
    swim = run_samples("2026-06-01T06:00:00Z", minutes=20, speed_mps=1.0, cadence_spm=30)
    bike = run_samples("2026-06-01T06:22:00Z", minutes=60, speed_mps=9.0, cadence_spm=90)
    run = run_samples("2026-06-01T07:25:00Z", minutes=40, speed_mps=3.2)
    p = tmp_path / "tri.fit"
    p.write_bytes(fit_multisport_bytes([("swimming", swim), ("cycling", bike), ("running", run)]))
    summary, store = _ingest(data_dir, p)
    activities = st.read_activities(store)
    assert sorted(activities["sport"]) == ["cycling", "running", "swimming"]
    assert activities.set_index("sport").loc["running", "distance_m"] == pytest.approx(
        40 * 60 * 3.2, rel=0.02)


def test_fit_and_gpx_twin_merge_into_the_richer_one(data_dir, tmp_path):
    samples = run_samples("2026-03-03T17:00:00Z", minutes=45)
    gpx, fit = tmp_path / "strava" / "Morning_Run.gpx", tmp_path / "watch" / "run.fit"
    twin_recordings(samples, gpx=gpx, fit=fit, name="Morning Run")
    summary1, store = _ingest(data_dir, gpx)
    summary2, _ = _ingest(data_dir, fit)
    activities = st.read_activities(store)
    assert len(activities) == 1
    a = activities.iloc[0]
    assert sorted(a["source_files"]) == sorted([str(gpx), str(fit)])
    assert a["format"] == "fit"
    assert a["activity_id"] == summary1.new[0]  # the id stays stable
    assert summary2.updated == [a["activity_id"]]
    assert a["avg_step_length_m"] == pytest.approx(3.0 / (170 / 60), rel=0.02)


def test_strava_and_garmin_zips(data_dir, tmp_path):
    s1 = run_samples("2026-04-01T07:00:00Z")
    s2 = run_samples("2026-04-02T07:00:00Z", minutes=50)
    csv = ("Activity ID,Activity Date,Activity Name,Activity Type,Activity Gear,Filename\n"
           "1,x,Tempo,Run,Shoe A,activities/1.fit.gz\n2,x,Hills,Run,,activities/2.gpx.gz\n")
    strava = tmp_path / "export_99.zip"
    strava.write_bytes(zip_bytes({
        "activities.csv": csv.encode(),
        "activities/1.fit.gz": gzip.compress(fit_activity_bytes(s1, sport="running")),
        "activities/2.gpx.gz": gzip.compress(gpx_activity_bytes(s2)),
    }))
    garmin = tmp_path / "garmin.zip"
    garmin.write_bytes(zip_bytes({"DI_CONNECT/DI-Connect-Uploaded-Files/Part1.zip": zip_bytes({
        "1.fit": fit_activity_bytes(s1, sport="running"),  # the same run as Strava's
        "3.fit": fit_activity_bytes(run_samples("2026-04-05T07:00:00Z"), sport="running"),
    })}))
    summary, store = _ingest(data_dir, strava, garmin)
    activities = st.read_activities(store).set_index("name", drop=False)
    assert len(activities) == 3
    assert activities.loc["Tempo", "gear"] == "Shoe A"
    assert len(activities.loc["Tempo", "source_files"]) == 2
    assert any(s.endswith("Part1.zip!1.fit") for s in activities.loc["Tempo", "source_files"])
    assert not summary.rejected


def test_zip_slip_is_refused_reported_and_the_rest_ingested(data_dir, tmp_path, capsys):
    evil = tmp_path / "evil.zip"
    evil.write_bytes(zip_bytes({
        "../../escape.fit": fit_activity_bytes(run_samples("2026-05-01T07:00:00Z"),
                                               sport="running"),
        "ok.fit": fit_activity_bytes(run_samples("2026-05-02T07:00:00Z"), sport="running"),
    }))
    code = cli.main(["ingest", "--data-dir", str(data_dir), "--json", str(evil)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["new"] == 1
    assert [r["source"] for r in out["refused"]] == [f"{evil}!../../escape.fit"]
    assert "zip slip" in out["refused"][0]["reason"]
    assert not (tmp_path / "escape.fit").exists() and not (data_dir.parent / "escape.fit").exists()


def test_broken_file_is_quarantined_and_the_rest_goes_on(data_dir, tmp_path, capsys):
    good = tmp_path / "good.fit"
    good.write_bytes(fit_activity_bytes(run_samples("2026-05-03T07:00:00Z"), sport="running"))
    bad = tmp_path / "bad.fit"
    bad.write_bytes(b"this is not a FIT file at all" * 10)
    code = cli.main(["ingest", "--data-dir", str(data_dir), str(good), str(bad)])
    captured = capsys.readouterr()
    assert code == 1
    assert "1 new" in captured.out and "1 quarantined" in captured.out
    assert str(bad) in captured.out and "Traceback" not in captured.err
    store = st.Store(data_dir, "me")
    [reason_file] = store.quarantine_dir.glob("*.reason.txt")
    assert str(bad) in reason_file.read_text()
    assert bad.exists()  # the user's file is never touched


@pytest.mark.slow
def test_whole_corpus_quarantines_only_broken_files(data_dir, corpus, capsys):
    code = cli.main(["ingest", "--data-dir", str(data_dir), "--json", "--athlete", "corpus",
                     str(corpus)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # the broken files are listed
    assert not out["refused"]
    rel = lambda source: source.split("corpus/", 1)[1]  # noqa: E731
    quarantined = {rel(r["source"]) for r in out["quarantined"]}
    assert quarantined == {f"broken/{p.name}" for p in (corpus / "broken").iterdir()}
    ledger = st.read_sources(st.Store(data_dir, "corpus"))
    status = {rel(s): v for s, v in zip(ledger["source_file"], ledger["status"])}
    for folder in ("fit", "gpx", "tcx", "history"):
        for p in (corpus / folder).iterdir():
            if p.name == "Mojstrovka.gpx":  # every point stamped 1901-12-13: a course, no run
                assert status[f"gpx/{p.name}"] == "not_activity"
                continue
            assert status[f"{folder}/{p.name}"] in ("ok", "duplicate"), p.name
    for p in (corpus / "fit-damaged").iterdir():
        assert status[f"fit-damaged/{p.name}"] in ("partial", "duplicate"), p.name
    for p in (corpus / "not-activity").iterdir():
        assert status[f"not-activity/{p.name}"] == "not_activity", p.name
    # the byte-identical GPX pair is one activity that lists both files
    activities = st.read_activities(st.Store(data_dir, "corpus"))
    pair = [s for s in activities["source_files"] if any("strava_export.gpx" in x for x in s)]
    assert len(pair) == 1 and any("stopped_example.gpx" in x for x in pair[0])
    assert activities["start_time_utc"].min() > pd.Timestamp("2000-01-01", tz="UTC")
    assert len(out["partial"]) >= 2  # the COROS file and the truncated ride at least


def test_a_worker_sends_back_rows_only(data_dir, denver_evening_fit):
    from pipeline.ingest.run import parse_leaf
    from pipeline.ingest.sources import Leaf, bytes_sha256

    data = denver_evening_fit.read_bytes()
    leaf = Leaf(source="evening.fit", kind="fit", data=data, sha256=bytes_sha256(data))
    store = st.Store(data_dir, "me")
    outcome = parse_leaf(leaf, profile_timezone=None, thresholds=T, store=store)
    [(row, samples)] = outcome.activities
    assert outcome.status == "ok" and samples is None and outcome.leaf.data == b""
    assert outcome.leaf.sha256 == leaf.sha256 and leaf.data == data
    assert len(st.read_samples(store, row["activity_id"])) == 1800  # written by the worker
    broken = Leaf(source="cut.fit", kind="fit", data=data[:20], sha256=bytes_sha256(data[:20]))
    refused = parse_leaf(broken, profile_timezone=None, thresholds=T, store=store)
    assert refused.status == "quarantined" and refused.leaf.data == data[:20]  # for quarantine


def test_samples_are_durable_before_the_activities_that_refer_to_them(data_dir, tmp_path,
                                                                       monkeypatch):
    """The samples files and raw copies are written without an fsync each (8 ms a file); one
    ``sync_writes`` makes them durable before each write of activities.parquet (issue 20)."""
    import os

    for i in range(3):
        (tmp_path / f"run{i}.fit").write_bytes(fit_activity_bytes(
            run_samples(f"2026-01-1{i}T07:00:00Z", minutes=5), sport="running"))
    events = []
    real_fsync, real_sync, real_write = os.fsync, pf.sync_writes, pf.atomic_write_table
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(pf, "sync_writes", lambda *a: (events.append("sync"), real_sync(*a)))

    def write(parts, path, **kw):
        events.append(path.name if kw.get("durable", True) else "samples")
        return real_write(parts, path, **kw)

    # samples files are written by parquet_files, activities.parquet by store (its import of it)
    monkeypatch.setattr(pf, "atomic_write_table", write)
    monkeypatch.setattr(st, "atomic_write_table", write)
    summary, store = _ingest(data_dir, tmp_path)
    assert len(summary.new) == 3
    assert events.count("samples") == 3
    # no fsync per samples file: before the sync only the raw log of the imports (one append)
    assert events[:events.index("sync")].count("fsync") <= 1
    first_sync = events.index("sync")
    assert events.index("activities.parquet") > first_sync > events.index("samples")
    assert max(i for i, e in enumerate(events) if e == "samples") < first_sync
    assert all(len(st.read_samples(store, a)) == 300 for a in summary.new)


def test_raw_copy_is_made_when_its_content_folder_is_already_there(data_dir,
                                                                  denver_evening_fit):
    """raw_copy makes one folder per new content (no stat first); a folder left by an import
    killed mid-copy (it holds only the temporary file) still gets the copy."""
    from pipeline.ingest.sources import bytes_sha256

    data = denver_evening_fit.read_bytes()
    store = st.Store(data_dir, "me")
    target = store.raw_file_path(bytes_sha256(data), denver_evening_fit.name)
    target.parent.mkdir(parents=True)
    (target.parent / f".{target.name}.tmp").write_bytes(data[:100])
    summary, _ = _ingest(data_dir, denver_evening_fit)
    assert len(summary.new) == 1
    assert target.read_bytes() == data
    later = denver_evening_fit.with_name("later.fit")
    later.write_bytes(fit_activity_bytes(run_samples("2026-02-01T07:00:00Z"), sport="running"))
    summary, _ = _ingest(data_dir, later)
    assert len(summary.new) == 1
    copies = sorted(p.name for p in store.raw_files_dir.rglob("*.fit"))
    assert copies == ["evening.fit", "later.fit"]
    assert len({p.parent for p in store.raw_files_dir.rglob("*.fit")}) == 2


def test_the_ledger_counts_add_up_to_what_each_import_printed(data_dir, tmp_path):
    from pipeline.ingest.counts import ledger_counts

    samples = run_samples("2026-03-03T17:00:00Z", minutes=30)
    gpx, fit = tmp_path / "a" / "run.gpx", tmp_path / "b" / "run.fit"
    twin_recordings(samples, gpx=gpx, fit=fit, name="Run")
    copy = tmp_path / "b" / "copy.fit"
    copy.write_bytes(fit.read_bytes())
    other = tmp_path / "b" / "other.fit"
    other.write_bytes(fit_activity_bytes(run_samples("2026-03-05T17:00:00Z"), sport="running"))
    bad = tmp_path / "b" / "bad.fit"
    bad.write_bytes(b"not a FIT file" * 20)
    first, store = _ingest(data_dir, gpx)
    second, _ = _ingest(data_dir, fit, copy, other, bad)
    printed = {k: first.counts()[k] + second.counts()[k] for k in first.counts()}
    assert printed == ledger_counts(st.read_sources(store))
    assert printed["new"] == 2 and printed["duplicates"] == 2 and printed["quarantined"] == 1
    assert f"{store.quarantine_dir}/" in second.text()


def test_progress_counts_the_inputs_first_without_reading_them(tmp_path):
    from pipeline.ingest.progress import expected_files, file_count

    run = fit_activity_bytes(run_samples("2026-05-03T07:00:00Z", minutes=5), sport="running")
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "a.fit").write_bytes(run)
    (folder / "b.gpx.gz").write_bytes(b"not read")  # counted by name only
    (folder / "notes.txt").write_text("not an activity")
    archive = tmp_path / "export.zip"
    archive.write_bytes(zip_bytes({"activities/1.fit": run, "activities/2.tcx": b"x",
                                   "activities.csv": b"id\n", "inner.zip": b"PK"}))
    assert file_count(archive) == 3  # two activity files and a nested archive
    assert file_count(tmp_path / "watch" / "notes.txt") == 0
    assert expected_files([str(folder), str(archive)]) == 5
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    assert file_count(broken) == 1


def test_progress_bar_reaches_its_total(data_dir, tmp_path, monkeypatch):
    from pipeline.ingest import progress

    bars = []

    class Bar:
        def __init__(self, total, **kwargs):
            self.total, self.n, self.postfix = total, 0, []
            bars.append(self)

        def update(self, n):
            self.n += n

        def set_postfix_str(self, text, refresh=True):
            self.postfix.append(text)

        def close(self):
            pass

    monkeypatch.setattr("tqdm.tqdm", Bar)
    run = fit_activity_bytes(run_samples("2026-05-03T07:00:00Z", minutes=5), sport="running")
    other = fit_activity_bytes(run_samples("2026-05-04T07:00:00Z", minutes=5), sport="running")
    archive = tmp_path / "export.zip"
    archive.write_bytes(zip_bytes({"a/1.fit": run, "a/2.fit": other, "a/1-copy.fit": run,
                                   "readme.txt": b"hi"}))
    store = st.Store(data_dir, "me")
    ingest_paths([str(archive)], store, thresholds=T, progress=True)
    [bar] = bars
    assert bar.total == 3 and bar.n == 3  # counted before, advanced to the end
    assert bar.postfix == ["reading export.zip"]
    ingest_paths([str(archive)], store, thresholds=T, progress=True)  # imported before
    assert bars[1].total == bars[1].n == 3
    assert progress.expected_files([str(archive)]) == 3


def test_the_first_batch_goes_to_the_workers_before_pandas_is_imported(tmp_path):
    """pandas (0.4 s) is imported by the main process after its workers, forked without it, have
    the first batch of FIT files: its import no longer leaves a core idle (issue 20)."""
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    for i in range(20):
        (tmp_path / f"run{i:02d}.fit").write_bytes(fit_activity_bytes(
            run_samples(f"2026-01-{i + 1:02d}T07:00:00Z", minutes=3), sport="running"))
    code = textwrap.dedent(f"""
        import sys
        from pipeline.config import Thresholds
        from pipeline.ingest import run, workers
        from pipeline.paths import Store
        seen = []
        submit = workers.Workers.submit
        def watched(self, fn, items, **kw):
            seen.append(("pandas" in sys.modules, kw.get("preload")))
            return submit(self, fn, items, **kw)
        workers.Workers.submit = watched
        summary = run.ingest_paths([{str(tmp_path)!r}], Store({str(tmp_path / "data")!r}, "me"),
                                   thresholds=Thresholds(), workers=2)
        print(len(summary.new), seen[0], "pandas" in sys.modules)
    """)
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(repo)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["20", "(False,", "[])", "True"]


def test_gpx_and_tcx_readers_are_loaded_before_the_workers_fork():
    from pipeline.ingest.parse_file import modules_needed
    from pipeline.ingest.sources import Leaf

    def leaf(kind):
        return Leaf(source=f"x.{kind}", kind=kind, data=b"", sha256="0" * 64)

    assert modules_needed([leaf("fit")] * 3) == []
    assert modules_needed([leaf("fit"), leaf("tcx"), leaf("gpx")]) == [
        "pandas", "pipeline.ingest.parse.gpx", "pipeline.ingest.parse.tcx"]
