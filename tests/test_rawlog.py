"""The append-only raw logs: records survive a killed writer, entries added on the command line
are folded into the pain log by the next reader (or merged in memory when it cannot write)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipeline import files, painlog, rawlog
from pipeline import store as st


@pytest.fixture
def store(tmp_path) -> st.Store:
    return st.Store(tmp_path / "data", "me")


def test_a_record_left_half_written_is_cut_before_the_next(store):
    path = store.added_log_path("pain")
    rawlog.append_added(store, "pain", {"date": "2026-03-01", "pain": "1"})
    with open(path, "ab") as f:  # a writer killed mid-record: never acknowledged
        f.write(b'{"at": "2026-03-02", "cells": {"date": "2026-03-0')
    rawlog.append_added(store, "pain", {"date": "2026-03-03", "pain": "3"})
    cells, end = rawlog.added_since(store, "pain")
    assert [c["date"] for c in cells] == ["2026-03-01", "2026-03-03"]
    assert end == path.stat().st_size and path.read_bytes().endswith(b"\n")


def test_added_since_reads_from_an_offset_up_to_a_bound(store):
    for day in (1, 2, 3):
        rawlog.append_added(store, "pain", {"date": f"2026-03-0{day}", "pain": str(day)})
    first, after_first = rawlog.added_since(store, "pain", 0, until=1)
    assert first == [] and after_first == 0  # a bound inside the first record reads nothing
    whole = store.added_log_path("pain").read_bytes()
    one_line = whole.index(b"\n") + 1
    first, after_first = rawlog.added_since(store, "pain", 0, until=one_line)
    rest, end = rawlog.added_since(store, "pain", after_first)
    assert [c["pain"] for c in first] == ["1"] and [c["pain"] for c in rest] == ["2", "3"]
    assert end == len(whole)


def test_names_that_are_not_utf8_are_kept_exactly(store, tmp_path):
    name = "run-\udcff\x1b[2J.csv"  # an undecodable byte and an escape sequence
    kept = store.raw_pain_dir / "abc-x.csv"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"date,pain\n")
    rawlog.record_import(store, "pain", kept, name)
    [record] = rawlog.recorded_imports(store, "pain")
    assert record["source"] == name and record["raw"] == "pain/abc-x.csv"
    assert store.imports_log_path("pain").read_bytes().isascii()


def test_older_imports_come_first_in_their_own_order(store):
    store.raw_pain_dir.mkdir(parents=True)
    new = store.raw_pain_dir / "222222222222-new.csv"
    new.write_text("date,pain\n")
    rawlog.record_import(store, "pain", new, "new.csv")
    old = store.raw_pain_dir / "111111111111-old.csv"
    old.write_text("date,pain\n")
    rawlog.note_older_imports(store, "pain", raw_dir=store.raw_pain_dir,
                              older_names={"old.csv": "/home/me/old.csv"})
    assert [r["source"] for r in rawlog.recorded_imports(store, "pain")] == [
        "/home/me/old.csv", "new.csv"]


def test_the_next_reader_folds_added_entries_and_records_how_far(store):
    painlog.record_entry(store, date=date(2026, 3, 1), pain=2.5, today=date(2026, 3, 9))
    assert not store.pain_log_path.exists()
    log = painlog.pain_log(store)
    assert list(log["pain_0_10"]) == [2.5] and list(log["source"]) == ["cli"]
    assert st.folded_offset(store.pain_log_path) == store.added_log_path("pain").stat().st_size
    painlog.record_entry(store, date=date(2026, 3, 1), pain=4, today=date(2026, 3, 9))
    assert list(painlog.pain_log(store)["pain_0_10"]) == [4.0]  # same key: replaced


def test_a_reader_that_cannot_write_merges_the_added_entries_in_memory(store):
    painlog.record_entry(store, date=date(2026, 3, 1), pain=1, today=date(2026, 3, 9))
    painlog.pain_log(store)
    before = store.pain_log_path.read_bytes()
    painlog.record_entry(store, date=date(2026, 3, 2), pain=3, today=date(2026, 3, 9))
    with files.locked(store):  # another writer holds the store
        log = painlog.pain_log(store)
    assert list(log["pain_0_10"]) == [1.0, 3.0]
    assert store.pain_log_path.read_bytes() == before  # folded by the next reader instead
    assert list(painlog.pain_log(store)["pain_0_10"]) == [1.0, 3.0]
    assert store.pain_log_path.read_bytes() != before


def test_the_added_log_holds_the_csv_columns_cells(store):
    painlog.record_entry(store, date="2026-03-01", pain="6,5", context="After run",
                         time="7:05", weakness=True, note="=1+1", today=date(2026, 3, 9))
    [line] = store.added_log_path("pain").read_text().splitlines()
    assert json.loads(line)["cells"] == {
        "date": "2026-03-01", "context": "after_run", "pain": "6.5", "time": "07:05",
        "weakness": "yes", "rehab": "no", "compression": "no", "note": "=1+1", "activity": ""}


def test_a_cross_training_entry_keeps_its_activity_through_the_fold(store):
    painlog.record_entry(store, date="2026-03-01", pain="6", context="after_cross_training",
                         activity="cycling", today=date(2026, 3, 9))
    [line] = store.added_log_path("pain").read_text().splitlines()
    assert json.loads(line)["cells"]["activity"] == "cycling"
    log = painlog.pain_log(store)
    assert log[["context", "activity"]].values.tolist() == [["after_cross_training", "cycling"]]


def test_a_record_longer_than_a_read_chunk_is_kept_when_the_next_tail_is_cut(store):
    note = "x" * 200_000  # a very long note: its record spans several 64 KiB chunks
    rawlog.append_added(store, "pain", {"date": "2026-03-01", "pain": "1", "note": note})
    with open(store.added_log_path("pain"), "ab") as f:
        f.write(b'{"at": "unfinished' + b"y" * 100_000)
    rawlog.append_added(store, "pain", {"date": "2026-03-02", "pain": "2"})
    cells, _ = rawlog.added_since(store, "pain")
    assert [c["date"] for c in cells] == ["2026-03-01", "2026-03-02"]
    assert cells[0]["note"] == note
