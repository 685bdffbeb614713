import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import store as st
from pipeline.ingest.ledger import Ledger

NOW = pd.Timestamp("2026-01-01", tz="UTC")


def entry(sha: str, source: str, status="ok", ids=(), top=None) -> dict:
    return {"sha256": sha, "source_file": source, "top_sha256": top, "raw_path": None,
            "status": status, "reason": None, "activity_ids": list(ids), "ingested_at_utc": NOW}


def test_what_was_seen_is_found_on_disk_and_in_rows_not_written_yet(tmp_path):
    store = st.Store(tmp_path, "a")
    store.processed_dir.mkdir(parents=True)
    for rows in ([entry("a" * 64, "run.fit", ids=["a-0"]), entry("b" * 64, "x.zip", "archive")],
                 [entry("a" * 64, "copy.fit", "duplicate", ids=["a-0"]),
                  entry("c" * 64, "x.zip!ride.gpx", ids=["c-0", "c-1"], top="b" * 64)]):
        st.append_sources(store, pd.DataFrame(rows))  # two row groups
    ledger = Ledger(store)
    assert ledger.has_name("copy.fit") and not ledger.has_name("new.fit")
    assert ledger.has_content("c" * 64) and not ledger.has_content("d" * 64)
    assert ledger.first_with("a" * 64) == ("run.fit", ["a-0"])  # the first row, not the copy
    assert ledger.first_with("c" * 64) == ("x.zip!ride.gpx", ["c-0", "c-1"])  # second group
    assert ledger.imported("x.zip", "b" * 64) and not ledger.imported("y.zip", "b" * 64)

    ledger.record(entry("d" * 64, "new.fit", ids=["d-0"]))
    assert ledger.has_content("d" * 64) and ledger.has_name("new.fit")
    assert ledger.first_with("d" * 64) == ("new.fit", ["d-0"])
    ledger.write()
    assert ledger.first_with("d" * 64) == ("new.fit", ["d-0"])  # now read back from the file
    assert st.read_sources(store)["source_file"].tolist()[-1] == "new.fit"
    assert Ledger(store).first_with("d" * 64) == ("new.fit", ["d-0"])


def test_an_input_with_a_refused_part_is_looked_at_again(tmp_path):
    store = st.Store(tmp_path, "a")
    store.processed_dir.mkdir(parents=True)
    st.write_sources(store, pd.DataFrame([
        entry("e" * 64, "evil.gpx", "refused", top="e" * 64),
        entry("f" * 64, "a.zip", "archive", top="f" * 64),
        entry("1" * 64, "a.zip!big.fit", "refused", top="f" * 64),
        entry("2" * 64, "a.zip!ok.fit", ids=["2-0"], top="f" * 64),
    ]))
    ledger = Ledger(store)
    assert not ledger.imported("evil.gpx", "e" * 64) and not ledger.has_content("e" * 64)
    assert not ledger.imported("a.zip", "f" * 64)  # the archive is opened again
    assert ledger.has_content("2" * 64)  # its readable members are not imported twice


def test_a_ledger_from_an_older_version_without_top_hashes(tmp_path):
    store = st.Store(tmp_path, "a")
    store.processed_dir.mkdir(parents=True)
    old = pd.DataFrame([entry("a" * 64, "old.fit", ids=["a-0"])]).drop(columns="top_sha256")
    pq.write_table(pa.Table.from_pandas(old), store.sources_path)
    ledger = Ledger(store)
    assert ledger.imported("old.fit", "a" * 64) and ledger.first_with("a" * 64) == ("old.fit",
                                                                                    ["a-0"])
    assert not Ledger(st.Store(tmp_path, "nobody")).has_content("a" * 64)
