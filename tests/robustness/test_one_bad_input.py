"""One input that breaks anything (its parsing, its storing, its name) costs only that input: it
is quarantined with its reason and every valid input beside it is stored, on this run and the
next (an inbox is never blocked for good)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from pipeline import parquet_files as pf
from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.ingest import parse_file
from pipeline.ingest import run as ingest_run
from pipeline.ingest.dedupe import TwinIndex
from pipeline.ingest.names import name_bytes, name_of, stored_name
from tests.robustness.conftest import fit_run


def valid_runs(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"run_{i:02d}.fit"
        path.write_bytes(fit_run(f"2025-03-{i + 1:02d}T06:00:00Z", minutes=1))
        paths.append(path)
    return paths


def ingest(folder: Path, data: Path, *, workers: int):
    return ingest_run.ingest_paths([str(folder)], st.Store(data, "me"), thresholds=Thresholds(),
                                   workers=workers)


def stored_sources(data: Path) -> set[str]:
    activities = st.read_activities(st.Store(data, "me"))
    return {Path(s).name for sources in activities["source_files"] for s in sources}


def inbox_with_bad_fit(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """An input folder of ``n`` valid runs and ``bad.fit`` (valid too, until a test plants a
    fault for it), and the data folder to import it into."""
    folder, data = tmp_path / "in", tmp_path / "data"
    valid_runs(folder, n)
    (folder / "bad.fit").write_bytes(fit_run("2025-04-01T06:00:00Z"))
    return folder, data


def assert_only_bad_fit_quarantined(summary, data: Path, n: int) -> None:
    """Every valid run stored, ``bad.fit`` alone quarantined."""
    assert stored_sources(data) == {f"run_{i:02d}.fit" for i in range(n)}
    assert [Path(s).name for s, _ in summary.quarantined] == ["bad.fit"]


def future_gpx() -> bytes:
    """A GPX recording dated in the year 2300 (past pandas' nanosecond range, 2262)."""
    points = "".join(f'<trkpt lat="{45 + i * 1e-4:.4f}" lon="7.0">'
                     f"<time>2300-01-01T06:{i:02d}:00Z</time></trkpt>" for i in range(60))
    return ('<?xml version="1.0"?><gpx version="1.1" creator="t" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
            f"{points}</trkseg></trk></gpx>").encode()


# 5 files parse in this process; 20 in worker processes (forked: the planted fault is inherited)
SIZES = [pytest.param(5, 1, id="in-process"), pytest.param(20, 2, id="workers")]


@pytest.mark.parametrize("n, workers", SIZES)
def test_a_parser_raising_an_unexpected_error_costs_only_its_file(tmp_path, monkeypatch, n,
                                                                  workers):
    folder, data = inbox_with_bad_fit(tmp_path, n)
    read = parse_file._read

    def planted(leaf, thresholds):
        if leaf.source.endswith("bad.fit"):
            raise OverflowError("planted: date value out of range")
        return read(leaf, thresholds)

    monkeypatch.setattr(parse_file, "_read", planted)
    summary = ingest(folder, data, workers=workers)
    assert_only_bad_fit_quarantined(summary, data, n)
    assert "OverflowError" in summary.quarantined[0][1]


@pytest.mark.parametrize("n, workers", SIZES)
def test_an_error_writing_one_files_samples_costs_only_that_file(tmp_path, monkeypatch, n,
                                                                 workers):
    """In the workers, samples are written where they were parsed: an unexpected error there
    (not an OS error, which stops the import) quarantines the file."""
    folder, data = inbox_with_bad_fit(tmp_path, n)
    bad_sha = ingest_run._sha((folder / "bad.fit").read_bytes())
    write_samples = pf.write_sample_columns

    def planted(store, activity_id, samples, **kwargs):
        if activity_id.startswith(bad_sha[:16]):
            raise OverflowError("planted: value out of range")
        return write_samples(store, activity_id, samples, **kwargs)

    monkeypatch.setattr(pf, "write_sample_columns", planted)
    summary = ingest(folder, data, workers=workers)
    assert_only_bad_fit_quarantined(summary, data, n)
    assert "OverflowError" in summary.quarantined[0][1]


@pytest.mark.parametrize("n, workers", SIZES)
def test_an_error_while_storing_one_input_costs_only_that_input(tmp_path, monkeypatch, n,
                                                                workers):
    """The twin lookup (where a date past 2262 overflowed) raises for one file's activity."""
    folder, data = inbox_with_bad_fit(tmp_path, n)
    twin_of = TwinIndex.twin_of

    def planted(self, row, *, thresholds):
        if row["source_files"][0].endswith("bad.fit"):
            raise OverflowError("planted: cannot convert to nanoseconds")
        return twin_of(self, row, thresholds=thresholds)

    monkeypatch.setattr(TwinIndex, "twin_of", planted)
    summary = ingest(folder, data, workers=workers)
    assert_only_bad_fit_quarantined(summary, data, n)
    assert "could not be stored (OverflowError" in summary.quarantined[0][1]
    store = st.Store(data, "me")
    kept = [p.name for p in store.quarantine_dir.iterdir()]
    assert any(name.endswith("bad.fit") for name in kept)  # the copy, beside its reason
    assert any(name.endswith("bad.fit.reason.txt") for name in kept)
    samples = {p.stem for p in store.samples_dir.iterdir()}
    assert samples == set(st.read_activities(store)["activity_id"])  # no stray samples


@pytest.mark.parametrize("n, workers", SIZES)
def test_a_row_the_store_refuses_costs_only_its_input_and_the_next_run_completes(
        tmp_path, monkeypatch, n, workers):
    """An activity row failing the store's schema (a planted negative distance) fails the write
    of every activity beside it; only its input is quarantined, and a re-run adds nothing."""
    folder, data = inbox_with_bad_fit(tmp_path, n)
    activity_row = parse_file.activity_row

    def planted(parsed, *, leaf, **kwargs):
        row, samples = activity_row(parsed, leaf=leaf, **kwargs)
        if leaf.source.endswith("bad.fit"):
            row["distance_m"] = -5.0
        return row, samples

    monkeypatch.setattr(parse_file, "activity_row", planted)
    summary = ingest(folder, data, workers=workers)
    assert_only_bad_fit_quarantined(summary, data, n)
    assert len(summary.new) == n
    ledger = st.read_sources(st.Store(data, "me"))
    bad = ledger[ledger["source_file"].str.endswith("bad.fit")]
    assert list(bad["status"]) == ["quarantined"] and list(bad["activity_ids"].map(len)) == [0]

    again = ingest(folder, data, workers=workers)
    assert again.rejected == [] and again.new == []
    assert stored_sources(data) == {f"run_{i:02d}.fit" for i in range(n)}


def test_a_recording_dated_past_2262_beside_valid_files(tmp_path):
    folder, data = tmp_path / "in", tmp_path / "data"
    valid_runs(folder, 3)
    (folder / "future.gpx").write_bytes(future_gpx())
    summary = ingest(folder, data, workers=1)
    assert stored_sources(data) == {"run_00.fit", "run_01.fit", "run_02.fit"}
    assert [Path(s).name for s, _ in summary.rejected + summary.not_activity] == ["future.gpx"]
    again = ingest(folder, data, workers=1)  # and the folder is not blocked for good
    assert again.new == [] and stored_sources(data) == {"run_00.fit", "run_01.fit",
                                                        "run_02.fit"}


@pytest.mark.parametrize("raw", [b"caf\xe9.fit", b"\xff\xfe.fit", b"a\\xe9\xe9.fit"])
def test_a_file_name_that_is_not_utf8_is_stored_escaped_and_exactly_recoverable(tmp_path, raw):
    folder, data = tmp_path / "in", tmp_path / "data"
    valid_runs(folder, 2)
    with open(os.fsencode(folder) + b"/" + raw, "wb") as f:
        f.write(fit_run("2025-04-01T06:00:00Z"))
    summary = ingest(folder, data, workers=1)
    assert summary.rejected == [] and len(summary.new) == 3
    activities = st.read_activities(st.Store(data, "me"))
    names = [s for sources in activities["source_files"] for s in sources]
    odd = [s for s in names if not Path(s).name.startswith("run_")]
    assert len(odd) == 1
    odd[0].encode("utf-8")  # storable text
    assert name_bytes(odd[0]) == os.fsencode(folder) + b"/" + raw  # the exact name
    assert Path(name_of(odd[0])).read_bytes()[:1]  # and it opens the file
    assert ingest(folder, data, workers=1).new == []  # a re-run knows it


@given(hs.text(alphabet=hs.sampled_from("ab\\x9eEf0\udce9\udcff/.é"), max_size=12))
def test_stored_names_give_back_the_exact_name(name):
    stored = stored_name(name)
    stored.encode("utf-8")
    assert name_of(stored) == name


def test_ordinary_names_are_stored_unchanged():
    for name in ["run.fit", "Läufe/2024 Mai/run.fit", "a\\b.fit", "C:\\exports\\run.fit",
                 "export.zip!activities/12.fit.gz"]:
        assert stored_name(name) == name


def bad_inbox(data: Path) -> Path:
    """An inbox of three valid runs, a GPX dated 2300 and a run whose name is not UTF-8."""
    inbox = st.Store(data, "me").inbox_dir
    valid_runs(inbox, 3)
    (inbox / "future.gpx").write_bytes(future_gpx())
    with open(os.fsencode(inbox) + b"/caf\xe9.fit", "wb") as f:
        f.write(fit_run("2025-04-09T06:00:00Z"))
    return inbox


def test_an_inbox_file_whose_name_is_not_utf8_is_stored(tmp_path):
    """An inbox file is its own raw copy: its path, not UTF-8, goes into the ledger too."""
    data = tmp_path / "data"
    inbox = bad_inbox(data)
    paths = [os.path.join(inbox, name) for name in sorted(os.listdir(inbox))]
    summary = ingest_run.ingest_paths(paths, st.Store(data, "me"), thresholds=Thresholds(),
                                      workers=1)
    assert len(summary.new) == 4
    assert [Path(s).name for s, _ in summary.rejected + summary.not_activity] == ["future.gpx"]
    ledger = st.read_sources(st.Store(data, "me"))
    odd = ledger[ledger["source_file"].str.contains("caf")]
    assert name_bytes(odd["raw_path"].iloc[0]) == os.fsencode(inbox) + b"/caf\xe9.fit"


@pytest.mark.slow
def test_runload_run_on_an_inbox_with_bad_inputs_stores_the_valid_ones_every_time(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "data"
    bad_inbox(data)
    command = [sys.executable, "-m", "pipeline.cli", "run", "--data-dir", str(data),
               "--reports-dir", str(tmp_path / "reports")]
    first = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert "internal error" not in first.stderr and "Traceback" not in first.stderr
    assert first.returncode == 1, first.stderr  # the GPX rejected, listed
    assert "future.gpx" in first.stdout
    assert stored_sources(data) == {"run_00.fit", "run_01.fit", "run_02.fit", "caf\\xe9.fit"}
    second = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert second.returncode == 0, second.stderr  # the inbox is not blocked
