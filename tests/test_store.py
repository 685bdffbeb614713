"""Samples written through ``store.write_samples``, the ledger and the fallback count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from pandera.errors import SchemaError

from pipeline import schemas
from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.demo.fit_encode import activity_fit_bytes
from pipeline.ingest.parse import fit as fit_module
from pipeline.ingest.run import ingest_paths
from tests.factories import steady_samples


def run_samples(start: str, n: int = 120) -> pd.DataFrame:
    return steady_samples(start, n=n, heart_rate_bpm=lambda t: 140 + t % 7, cadence_spm=170.0)


def samples_frame(n: int = 30) -> pd.DataFrame:
    df = pd.DataFrame({c: np.full(n, np.nan) for c in schemas.SAMPLE_CHANNELS})
    df.insert(0, "timestamp_utc", pd.date_range("2024-05-01", periods=n, freq="s", tz="UTC",
                                                unit="us"))
    df["elapsed_s"] = np.arange(n, dtype=float)
    df["heart_rate_bpm"] = 150.0
    df["dev_power_zone"] = 2.0
    return df


def test_write_samples_round_trips(tmp_path):
    store = st.Store(tmp_path, "a")
    df = samples_frame()
    st.write_samples(store, "x-0", df)
    back = st.read_samples(store, "x-0")
    pd.testing.assert_frame_equal(back, df)
    schemas.Samples.validate(back)


def test_write_samples_refuses_an_invalid_frame_and_writes_nothing(tmp_path):
    store = st.Store(tmp_path, "a")
    df = samples_frame()
    df.loc[2, "heart_rate_bpm"] = 300.0
    with pytest.raises(SchemaError):
        st.write_samples(store, "x-0", df)
    assert not store.samples_path("x-0").exists()


def test_samples_written_from_columns_are_the_file_written_from_the_frame(tmp_path):
    """An import writes ``SampleColumns`` without a frame: the file must be the same, column for
    column and type for type, as the frame's (dev fields, nulls and all)."""
    from pipeline.ingest.parse.fit import read_fit

    store = st.Store(tmp_path, "a")
    frame = run_samples("2024-05-01T07:00Z")
    frame.loc[5:9, "heart_rate_bpm"] = np.nan
    parsed = read_fit(activity_fit_bytes(frame), source="run.fit")[0]
    st.write_samples(store, "cols-0", parsed.columns)
    st.write_samples(store, "frame-0", parsed.samples)
    from_columns = pq.read_table(store.samples_path("cols-0"))
    from_frame = pq.read_table(store.samples_path("frame-0"))
    assert from_columns.schema.remove_metadata() == from_frame.schema.remove_metadata()
    assert from_columns.equals(from_frame)
    assert from_columns["heart_rate_bpm"].null_count == 5


def test_samples_columns_are_checked_as_a_frame_is(tmp_path):
    from pipeline.ingest.parse.model import sample_columns
    from pipeline.table_rules import RulesViolated

    store = st.Store(tmp_path, "a")
    for column, value in (("heart_rate_bpm", 300.0), ("distance_m", -1.0),
                          ("timestamp_utc", pd.NaT)):
        df = samples_frame()
        df.loc[2, column] = value
        with pytest.raises(RulesViolated, match=column):
            st.write_samples(store, "x-0", sample_columns(df))
        assert not store.samples_path("x-0").exists()
    missing = sample_columns(samples_frame().drop(columns="speed_mps"))
    with pytest.raises(RulesViolated, match="speed_mps"):
        st.write_samples(store, "x-0", missing)


def test_files_left_to_fitparse_are_counted(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i, day in enumerate(("2024-05-01T07:00Z", "2024-05-03T07:00Z", "2024-05-05T07:00Z")):
        (inputs / f"run{i}.fit").write_bytes(activity_fit_bytes(run_samples(day)))
    store = st.Store(tmp_path / "data", "a")
    real = fit_module.decode_fit_fast
    refused = {"count": 0}

    def refuse_the_second(data):  # the fast decoder returns None for a file it will not read
        refused["count"] += 1
        return None if refused["count"] == 2 else real(data)

    monkeypatch.setattr(fit_module, "decode_fit_fast", refuse_the_second)
    summary = ingest_paths([str(inputs)], store, thresholds=Thresholds(), workers=1)
    assert len(summary.new) == 3
    assert len(summary.fallback) == 1
    assert summary.as_dict()["fitparse_fallback"] == 1
    assert "decoded by the fitparse fallback: 1 files" in summary.text()
    again = ingest_paths([str(inputs)], st.Store(tmp_path / "data2", "a"),
                         thresholds=Thresholds(), workers=1)
    assert again.fallback == [] and "fallback" not in again.text()


@pytest.mark.parametrize("richer_first", [False, True])
def test_twins_leave_one_samples_file_under_the_kept_id(tmp_path, richer_first):
    from pipeline.demo.gpx_file import gpx_activity_bytes
    from tests.factories import run_samples as factory_samples

    samples = factory_samples("2026-03-03T17:00:00Z", minutes=30)
    gpx = tmp_path / "run.gpx"
    gpx.write_bytes(gpx_activity_bytes(samples.drop(columns=["step_length_m"])))
    fit = tmp_path / "run.fit"
    fit.write_bytes(activity_fit_bytes(samples))
    store = st.Store(tmp_path / "data", "a")
    order = (fit, gpx) if richer_first else (gpx, fit)
    first = ingest_paths([str(order[0])], store, thresholds=Thresholds())
    ingest_paths([str(order[1])], store, thresholds=Thresholds())
    kept = first.new[0]
    assert sorted(p.name for p in store.samples_dir.iterdir()) == [f"{kept}.parquet"]
    stored = st.read_samples(store, kept)
    assert stored["step_length_m"].notna().any()  # the FIT's samples, whichever came first


def test_ledger_rows_are_appended_to_a_ledger_written_by_an_older_version(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = st.Store(tmp_path, "a")
    old = pd.DataFrame({"sha256": ["a" * 64], "source_file": ["old.fit"], "raw_path": [None],
                        "status": ["ok"], "reason": [None], "activity_ids": [["x-0"]],
                        "ingested_at_utc": [pd.Timestamp("2026-01-01", tz="UTC")]})
    store.processed_dir.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(old), store.sources_path)  # no top_sha256; null reason

    new = old.assign(sha256="b" * 64, source_file="bad.tcx", status="quarantined",
                     reason="invalid XML at line 3", activity_ids=[[]], top_sha256="c" * 64)
    st.append_sources(store, new)
    st.append_sources(store, new.assign(sha256="d" * 64, source_file="new.gpx"))

    ledger = st.read_sources(store)
    assert ledger["source_file"].tolist() == ["old.fit", "bad.tcx", "new.gpx"]
    assert pd.isna(ledger.loc[0, "top_sha256"]) and ledger.loc[1, "top_sha256"] == "c" * 64
    assert ledger.loc[1, "reason"] == "invalid XML at line 3" and pd.isna(ledger.loc[0, "reason"])
    assert [list(ids) for ids in ledger["activity_ids"]] == [["x-0"], [], []]
    assert pq.ParquetFile(store.sources_path).metadata.num_row_groups == 3
