"""Hostile and damaged FIT files: each is quarantined with a reason or kept (partly) with a warning,
and the valid run beside it is always ingested.

Decision (docs/robustness.md): the readable part of a damaged FIT file is kept as a *partial*
activity (``partial`` true, ``partial_reason`` says what was lost), listed as such, exit 0; the
raw file is stored unchanged so a better decoder can re-read it. Only a file with nothing usable
is quarantined (exit 1).
"""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest

from pipeline.demo.fit_encode import FitEncoder, activity_fit_bytes, fit_crc
from tests.factories import run_samples
from tests.robustness.conftest import fit_run, reasons

START = "2026-03-15T07:00:00Z"


def with_data_size(data: bytes, size: int) -> bytes:
    """The file with its header's data size replaced (header CRC recomputed: a lie, not damage)."""
    header = bytearray(data[:14])
    header[4:8] = struct.pack("<I", size)
    header[12:14] = struct.pack("<H", fit_crc(bytes(header[:12])))
    return bytes(header) + data[14:]


def file_id_length() -> int:
    """Bytes of the file_id definition and message that ``activity_fit_bytes`` writes first."""
    enc = FitEncoder()
    enc.messages(0, 0, [(0, "enum", 4), (1, "uint16", 1), (2, "uint16", 1), (3, "uint32z", 1),
                        (4, "uint32", 1)])
    return len(enc.bytes()) - 16


def with_unknown_messages(data: bytes) -> bytes:
    """The file with messages of unknown global numbers after file_id and before the end."""
    enc = FitEncoder()
    for local, global_num in ((7, 0xFF00), (8, 4242), (9, 65000)):
        enc.messages(local, global_num, [(0, "uint32", np.arange(3)), (1, "uint16", 7),
                                         (200, "uint8", 1)])
    unknown = enc.bytes()[14:-2]
    cut = 14 + file_id_length()
    body = data[14:cut] + unknown + data[cut:-2] + unknown
    header = bytearray(data[:14])
    header[4:8] = struct.pack("<I", len(body))
    header[12:14] = struct.pack("<H", fit_crc(bytes(header[:12])))
    out = bytes(header) + body
    return out + struct.pack("<H", fit_crc(out))


@pytest.mark.parametrize("name, data, reason", [
    ("empty.fit", b"", "empty file"),
    ("text.fit", b"just some notes, not a watch file\n" * 20, "not a FIT file"),
    ("page.fit", b"<!DOCTYPE html><html><body>Sign in</body></html>", "not a FIT file"),
    ("random.fit", np.random.default_rng(9).bytes(5000), "not a FIT file"),
    ("tiny.fit", b"\x0e\x10", "shorter than a FIT header"),
])
def test_not_a_fit_file_is_quarantined_with_its_reason(sandbox, good_fit, name, data, reason):
    bad = sandbox.write(name, data)
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 1
    assert reason in reasons(summary, "quarantined")[str(bad)]
    assert summary["new"] == 1 and len(sandbox.activities()) == 1
    if data:
        [kept] = sandbox.store.quarantine_dir.glob(f"*-{name}")
        assert kept.read_bytes() == data


def _one_partial(sandbox, bad, good_fit, reason_part: str) -> dict:
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0  # nothing rejected: the readable part is kept
    assert reason_part in reasons(summary, "partial")[str(bad)]
    assert summary["new"] == 2
    activities = sandbox.activities().set_index("partial")
    row = activities.loc[True]
    assert reason_part in row["partial_reason"]
    assert pd.isna(activities.loc[False]["partial_reason"])
    # the damaged file is kept unchanged among the raw files, not in quarantine
    raw = sandbox.store.raw_files_dir.rglob("*.fit")
    assert any(p.read_bytes() == bad.read_bytes() for p in raw)
    assert not sandbox.store.quarantine_dir.exists()
    return row


def test_truncated_file_keeps_its_readable_part_as_partial(sandbox, good_fit):
    data = fit_run(START, minutes=5)
    bad = sandbox.write("truncated.fit", data[: len(data) * 2 // 3])
    row = _one_partial(sandbox, bad, good_fit, "ends early")
    assert 0 < row["elapsed_time_s"] < 300


def test_crc_mismatch_keeps_the_data_and_says_so(sandbox, good_fit):
    data = bytearray(fit_run(START))
    data[-1] ^= 0x5A
    row = _one_partial(sandbox, sandbox.write("crc.fit", bytes(data)), good_fit, "CRC mismatch")
    assert row["distance_m"] == pytest.approx(120 * 3.0, rel=0.02)


def test_a_flipped_byte_in_the_data_fails_the_crc_and_is_partial(sandbox, good_fit):
    data = bytearray(fit_run(START))
    data[len(data) // 2] ^= 0x01  # inside a record: a wrong value, the CRC tells
    _one_partial(sandbox, sandbox.write("flipped.fit", bytes(data)), good_fit, "CRC mismatch")


@pytest.mark.parametrize("lie, expected", [
    (+1000, "ends early"),  # says there is more than there is
    (-600, "damaged header"),  # says there is less: what follows is read as a new header
    ("huge", "ends early"),  # 4 GiB
])
def test_a_header_lying_about_the_data_size_is_kept_as_partial(sandbox, good_fit, lie, expected):
    data = fit_run(START)
    size = 0xFFFFFFFF if lie == "huge" else len(data) - 16 + lie
    _one_partial(sandbox, sandbox.write("lying.fit", with_data_size(data, size)), good_fit,
                 expected)


def test_a_header_saying_no_data_is_quarantined(sandbox, good_fit):
    bad = sandbox.write("empty_header.fit", with_data_size(fit_run(START), 0))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 1
    assert "nothing readable" in reasons(summary, "quarantined")[str(bad)]
    assert summary["new"] == 1


def test_unknown_message_types_are_skipped(sandbox, good_fit):
    plain = fit_run(START)
    bad = sandbox.write("unknown.fit", with_unknown_messages(plain))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2 and not summary["partial"]
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    assert row["distance_m"] == pytest.approx(357.0)
    assert row["avg_hr_bpm"] == pytest.approx(145.0)


def test_absurd_values_are_cleaned_to_null_with_a_warning(sandbox, good_fit):
    s = run_samples(START, minutes=2)
    s.loc[10:14, "heart_rate_bpm"] = 251  # 255 is FIT's own "invalid" and reads as missing
    s.loc[15:19, "heart_rate_bpm"] = 255
    s.loc[20:24, "speed_mps"] = 100.0
    # two records dated in 1989 and 2100 in the middle of a 2026 run
    s["timestamp_utc"] = s["timestamp_utc"].astype(object)
    s.loc[40, "timestamp_utc"] = pd.Timestamp("1989-12-31T00:10:00Z")
    s.loc[41, "timestamp_utc"] = pd.Timestamp("2100-01-01T00:00:00Z")
    s["timestamp_utc"] = pd.to_datetime(s["timestamp_utc"], utc=True)
    bad = sandbox.write("absurd.fit", activity_fit_bytes(s, sport="running"))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    warned = [w["warning"] for w in summary["warnings"] if w["source"] == str(bad)]
    assert any("heart-rate values" in w and "set to null" in w for w in warned)
    assert any("speeds above 30 m/s set to null" in w for w in warned)
    assert any("2 records with missing or implausible dates dropped" in w for w in warned)
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    samples = sandbox.store.samples_path(row["activity_id"])
    stored = pd.read_parquet(samples)
    assert len(stored) == 118
    assert stored["heart_rate_bpm"].isna().sum() == 10
    assert stored["heart_rate_bpm"].max() == 145.0
    assert stored["speed_mps"].max() < 30
    assert stored["timestamp_utc"].dt.year.eq(2026).all()
    assert row["max_hr_bpm"] < 250


@pytest.mark.parametrize("start, reason", [
    ("2100-06-01T07:00:00Z", "no plausible date"),
    # FIT counts from 1989-12-31; such early values mean "since the device was switched on"
    ("1989-12-31T01:00:00Z", "date cannot be known"),
])
def test_a_file_dated_entirely_out_of_range_is_quarantined(sandbox, good_fit, start, reason):
    bad = sandbox.write("wrong_clock.fit", fit_run(start))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 1
    assert reason in reasons(summary, "quarantined")[str(bad)]
    assert summary["new"] == 1


def test_a_record_dated_a_year_before_the_session_is_dropped(sandbox, good_fit):
    s = run_samples(START, minutes=2)
    s["timestamp_utc"] = s["timestamp_utc"].astype(object)
    s.loc[60, "timestamp_utc"] = pd.Timestamp(START) - pd.Timedelta(days=365)
    s["timestamp_utc"] = pd.to_datetime(s["timestamp_utc"], utc=True)
    bad = sandbox.write("glitch.fit", activity_fit_bytes(s, sport="running"))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    stored = pd.read_parquet(sandbox.store.samples_path(row["activity_id"]))
    assert stored["timestamp_utc"].dt.year.eq(2026).all()
    assert any("implausible dates dropped" in w["warning"] for w in summary["warnings"])


def test_a_record_dated_months_after_the_session_is_dropped_and_the_rest_kept(sandbox, good_fit):
    s = run_samples(START, minutes=2)
    s["timestamp_utc"] = s["timestamp_utc"].astype(object)
    # months later, yet before today: only the session tells it is wrong
    s.loc[30, "timestamp_utc"] = pd.Timestamp(START) + pd.Timedelta(days=200)
    s["timestamp_utc"] = pd.to_datetime(s["timestamp_utc"], utc=True)
    bad = sandbox.write("late.fit", activity_fit_bytes(s, sport="running"))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    stored = pd.read_parquet(sandbox.store.samples_path(row["activity_id"]))
    assert len(stored) == 119 and stored["timestamp_utc"].max() < pd.Timestamp(START) + \
        pd.Timedelta(minutes=3)
    assert row["elapsed_time_s"] < 200
    warned = [w["warning"] for w in summary["warnings"] if w["source"] == str(bad)]
    assert any(w.startswith("1 records dated more than a day outside the session") for w in warned)


def with_array_field(data: bytes) -> bytes:
    """The record's distance declared as two uint16 instead of one uint32 (a one-bit change of
    its base type; same size, valid CRC): FIT allows arrays, so decoders give a tuple."""
    b = bytearray(data)
    definition = b.find(bytes([0x42, 0, 0, 20, 0]))  # local 2 = record (global 20)
    field = b.find(b"\x05\x04\x86", definition)
    b[field + 2] = 0x84
    body = bytes(b[:-2])
    return body + struct.pack("<H", fit_crc(body))


def test_a_field_decoding_as_an_array_does_not_lose_the_file(sandbox, good_fit):
    # the fuzz found it: one flipped bit quarantined a whole readable file (fixed in 5d97fc6)
    bad = sandbox.write("array.fit", with_array_field(fit_run(START)))
    code, summary, _ = sandbox.ingest(bad, good_fit)
    assert code == 0 and summary["new"] == 2
    row = sandbox.activities().set_index("start_time_utc").loc[pd.Timestamp(START)]
    assert row["avg_hr_bpm"] == pytest.approx(145)
