"""Fast FIT decoder against fitparse, the reference: generated files, hand-built edge cases (big
endian, compressed timestamps, chained files), damaged bytes, then the real-file corpus."""

from __future__ import annotations

import io
import math
import struct

import fitparse
import numpy as np
import pandas as pd
import pytest
from fitparse.records import DevField

from pipeline.demo.fit_encode import activity_fit_bytes, fit_crc
from pipeline.demo.fit_file import fit_activity_bytes, fit_multisport_bytes
from pipeline.errors import InputError
from pipeline.ingest.parse.fit import activities_from_messages, read_fit
from pipeline.ingest.parse.fit_fast import MESSAGES, decode_fit_fast
from pipeline.ingest.parse.fit_recover import DATETIME_FIELDS, decoded_fit, dev_column
from pipeline.schemas import Samples

# corpus files the fast path leaves to fitparse, and why (anything else it must decode)
REFUSED = {
    "event_timestamp.fit": "hr messages (merged by the SDK path)",
    "garmin-fr935-cr.fit": "hr messages (merged by the SDK path)",
    "sample_mulitple_header.fit": "hr messages (merged by the SDK path)",
}


class _Raw:
    """fitparse processor that keeps values as decoded (dates as ints), like fit_recover's."""

    def run_type_processor(self, field_data):
        pass

    run_field_processor = run_unit_processor = run_message_processor = run_type_processor


def reference(data: bytes) -> dict[str, list[dict]]:
    """fitparse's messages, normalised as fit_recover does (first non-None value of a name)."""
    out: dict[str, list[dict]] = {name: [] for name in ("record", *MESSAGES)}
    for message in fitparse.FitFile(io.BytesIO(data), data_processor=_Raw()).get_messages():
        if message.name not in out:
            continue
        values: dict = {}
        for f in message.fields:
            if isinstance(f.field, DevField):
                values[dev_column(f.name)] = f.value
                continue
            value = f.value
            if f.name in DATETIME_FIELDS:
                value = float(value) if isinstance(value, int) else None
            if f.name not in values or values[f.name] is None:
                values[f.name] = value
        out[message.name].append(values)
    return out


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same(a, b) -> bool:
    if _number(a) and _number(b):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9) or (a != a and b != b)
    return a == b


def assert_agrees(data: bytes) -> None:
    """Every numeric record channel and every other message equal fitparse's."""
    fast = decode_fit_fast(data)
    assert fast is not None
    ref = reference(data)
    records = ref["record"]
    assert fast.n_records == len(records)
    numeric = {k for r in records for k, v in r.items() if _number(v)}
    textual = {k for r in records for k, v in r.items() if v is not None and not _number(v)}
    assert numeric - textual <= set(fast.records), "a numeric record field is missing"
    for key in numeric - textual:
        want = np.array([r.get(key) if _number(r.get(key)) else np.nan for r in records], float)
        np.testing.assert_allclose(fast.records[key], want, rtol=1e-12, atol=1e-9, err_msg=key)
    for name in MESSAGES:
        assert len(fast.messages[name]) == len(ref[name]), name
        for mine, theirs in zip(fast.messages[name], ref[name]):
            assert mine.keys() == theirs.keys(), name
            bad = {k: (mine[k], theirs[k]) for k in mine if not _same(mine[k], theirs[k])}
            assert not bad, f"{name}: {bad}"


def run_samples(n: int = 120, *, start: str = "2026-03-02 06:00:00",
                spm: float = 171.5) -> pd.DataFrame:
    t = pd.date_range(start, periods=n, freq="1s", tz="UTC")
    i = np.arange(n, dtype=float)
    return pd.DataFrame({
        "timestamp_utc": t, "distance_m": i * 3.1, "speed_mps": 3.1 + 0.2 * np.sin(i / 20),
        "altitude_m": 400 + 10 * np.sin(i / 50), "heart_rate_bpm": 140 + (i % 20),
        "cadence_spm": np.full(n, spm), "cadence_rpm": np.full(n, 88.0),
        "step_length_m": np.full(n, 1.08), "stance_time_ms": 240 + (i % 7),
        "vertical_oscillation_mm": np.full(n, 84.5), "power_w": 250 + (i % 30),
        "latitude_deg": 47.3 + i * 1e-5, "longitude_deg": np.full(n, 8.5),
    })


# --- generated files -------------------------------------------------------------------------


def test_vectorised_encoder_file_agrees_and_becomes_samples():
    data = activity_fit_bytes(run_samples(), sport="running", utc_offset_min=60)
    assert_agrees(data)
    [activity] = read_fit(data, source="t.fit")
    samples = activity.samples
    Samples.validate(samples)
    assert samples["cadence_spm"].to_numpy() == pytest.approx(171.5, abs=2 / 128)
    assert samples["cadence_rpm"].isna().all()
    assert samples["step_length_m"].to_numpy() == pytest.approx(1.08, abs=1e-3)
    assert samples["latitude_deg"].iloc[-1] == pytest.approx(47.3 + 119e-5, abs=1e-6)
    assert activity.sport == "running"


def test_developer_power_and_fit_tool_layout_agree():
    data = fit_activity_bytes(run_samples(120), sport="running", utc_offset_min=-300,
                              developer_power=True)
    assert_agrees(data)
    [activity] = read_fit(data, source="t.fit")
    samples = activity.samples
    assert samples["dev_power"].to_numpy() == pytest.approx(250 + np.arange(120) % 30)
    assert samples["power_w"].isna().all()


def test_multisport_cadence_follows_each_session():
    run = run_samples(120)
    ride = run_samples(120, start="2026-03-02 06:10:00")
    data = fit_multisport_bytes([("running", run), ("cycling", ride)], utc_offset_min=0)
    assert_agrees(data)
    running, cycling = read_fit(data, source="t.fit")
    assert [running.sport, cycling.sport] == ["running", "cycling"]
    assert running.samples["cadence_spm"].to_numpy() == pytest.approx(171.5, abs=0.02)
    assert running.samples["cadence_rpm"].isna().all()
    assert cycling.samples["cadence_rpm"].to_numpy() == pytest.approx(88.0)


def test_read_fit_samples_equal_what_it_makes_from_fitparse_messages():
    data = fit_activity_bytes(run_samples(200), sport="running", utc_offset_min=120)
    fast = read_fit(data, source="t.fit")[0].samples
    slow = activities_from_messages(decoded_fit(data, source="t.fit"), source="t.fit")[0].samples
    for column in Samples.to_schema().columns:
        if column == "timestamp_utc":
            assert (fast[column].to_numpy() == slow[column].to_numpy()).all()
        else:
            np.testing.assert_allclose(fast[column].to_numpy(float), slow[column].to_numpy(float),
                                       rtol=1e-9, err_msg=column)


ACTIVITY_FIELDS = ("format", "sport", "sub_sport", "start_time_utc", "session", "device",
                   "utc_offset_min", "summary_only", "partial_reason", "warnings", "session_index")


def assert_same_activities(data: bytes) -> None:
    """fit.py's activities (fast path first, when wired in) equal those it makes from fitparse."""
    def attempt(read):
        try:
            return read()
        except InputError as exc:
            return type(exc)

    mine = attempt(lambda: read_fit(data, source="t.fit"))
    reference_ = attempt(lambda: activities_from_messages(decoded_fit(data, source="t.fit"),
                                                          source="t.fit"))
    if not isinstance(mine, list) or not isinstance(reference_, list):
        assert mine == reference_
        return
    assert len(mine) == len(reference_)
    for a, b in zip(mine, reference_):
        values = {f: (getattr(a, f), getattr(b, f)) for f in ACTIVITY_FIELDS}
        assert all(x == y for x, y in values.values()), values
        pd.testing.assert_frame_equal(a.samples.reset_index(drop=True),
                                      b.samples.reset_index(drop=True), rtol=1e-9)


def test_fit_py_activities_are_identical_through_either_decoder():
    run, ride = run_samples(90), run_samples(90, start="2026-03-02 06:10:00")
    assert_same_activities(fit_multisport_bytes([("running", run), ("cycling", ride)],
                                                utc_offset_min=60, developer_power=True))
    assert_same_activities(activity_fit_bytes(run_samples(), sport="running", utc_offset_min=-240))


# --- hand-built edge cases -------------------------------------------------------------------


def _file(body: bytes, *, header_size: int = 14) -> bytes:
    header = struct.pack("<BBHI4s", header_size, 0x20, 2132, len(body), b".FIT")
    if header_size == 14:
        header += struct.pack("<H", fit_crc(header))
    out = header + body
    return out + struct.pack("<H", fit_crc(out))


def _definition(local: int, global_num: int, fields, *, big: bool = False) -> bytes:
    e = ">" if big else "<"
    out = struct.pack(e + "BBBHB", 0x40 | local, 0, int(big), global_num, len(fields))
    return out + b"".join(struct.pack("BBB", *f) for f in fields)


def test_big_endian_records_and_compressed_timestamps_agree():
    t0 = 1_000_000_000
    body = _definition(0, 20, [(253, 4, 0x86), (3, 1, 0x02), (6, 2, 0x84)], big=True)
    body += struct.pack(">BIBH", 0, t0, 150, 3000)
    body += _definition(1, 20, [(3, 1, 0x02), (2, 2, 0x84)], big=True)
    for k in range(1, 70):  # the 5-bit offset wraps twice
        body += struct.pack(">BBH", 0x80 | (1 << 5) | ((t0 + k) & 0x1F), 100 + k % 50, 2600 + k)
    data = _file(body)
    assert_agrees(data)
    fast = decode_fit_fast(data)
    assert fast.records["timestamp"].tolist() == [float(t0 + k) for k in range(70)]
    assert fast.records["enhanced_altitude"][5] == pytest.approx((2605) / 5 - 500)


def test_compressed_speed_distance_accumulates_across_rollovers_and_redefinitions():
    body = b""
    t0, distance16 = 1_000_000_000, 0
    for block in range(2):  # the redefinition restarts fitparse's accumulator
        body += _definition(0, 20, [(253, 4, 0x86), (8, 3, 0x0D)])
        for k in range(40):
            distance16 = (distance16 + 300) % 4096  # 18.75 m a message: wraps every ~14
            packed = (distance16 << 12) | (350 + k)  # speed 3.50 m/s upwards
            body += struct.pack("<BI", 0, t0 + 40 * block + k) + packed.to_bytes(3, "little")
    data = _file(body)
    assert_agrees(data)
    fast = decode_fit_fast(data)
    assert fast.records["speed"][:3].tolist() == [3.5, 3.51, 3.52]
    assert np.diff(fast.records["distance"][:40]) == pytest.approx(18.75)


def test_chained_files_are_read_in_order():
    first = activity_fit_bytes(run_samples(60), sport="running")
    second = activity_fit_bytes(run_samples(60, start="2026-03-03 06:00:00"), sport="cycling")
    data = first + second
    assert_agrees(data)
    assert decode_fit_fast(data).n_records == 120


def test_twelve_byte_header_without_crc_is_read():
    body = _definition(0, 20, [(253, 4, 0x86), (3, 1, 0x02)]) + struct.pack("<BIB", 0, 10**9, 99)
    data = _file(body, header_size=12)
    assert_agrees(data)
    assert decode_fit_fast(data).records["heart_rate"].tolist() == [99.0]


@pytest.mark.parametrize("damage", [
    "crc", "truncated", "random", "empty", "header_says_more", "header_says_less",
    "undefined_local", "bad_field_size", "unknown_base_type", "trailing_bytes",
])
def test_damaged_or_odd_bytes_are_refused_without_an_error(damage):
    good = activity_fit_bytes(run_samples(30), sport="running")
    body = _definition(0, 20, [(253, 4, 0x86), (3, 1, 0x02)]) + struct.pack("<BIB", 0, 10**9, 99)
    data = {
        "crc": good[:200] + bytes([good[200] ^ 0x01]) + good[201:],
        "truncated": good[: len(good) // 2],
        "random": np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        "empty": b"",
        "header_says_more": good[:4] + struct.pack("<I", len(good) - 14) + good[8:],
        "header_says_less": good[:4] + struct.pack("<I", len(good) - 30) + good[8:],
        "undefined_local": _file(body + struct.pack("<BB", 0x03, 1)),
        "bad_field_size": _file(_definition(0, 20, [(6, 3, 0x84)]) + b"\x00" * 4),
        "unknown_base_type": _file(_definition(0, 20, [(6, 2, 0x04)]) + b"\x00" * 3),
        "trailing_bytes": good + b"\x00\x01\x02",
    }[damage]
    assert decode_fit_fast(data) is None


def test_mutated_files_never_raise_and_agree_whenever_accepted():
    good = bytearray(activity_fit_bytes(run_samples(20), sport="running", utc_offset_min=0))
    rng = np.random.default_rng(7)
    accepted = 0
    for _ in range(60):
        data = bytearray(good[:-2])
        for i in rng.integers(14, len(data), 2):
            data[i] = int(rng.integers(0, 256))
        data = bytes(data) + struct.pack("<H", fit_crc(bytes(data)))  # a valid CRC over bad bytes
        fast = decode_fit_fast(data)
        if fast is not None:
            accepted += 1
            assert_agrees(data)
    assert accepted > 0


# --- the real-file corpus --------------------------------------------------------------------


SMALL_BYTES = 60_000  # fitparse reads the larger corpus files slowly: those tests are marked slow


def _check_corpus(paths) -> set[str]:
    """Names of the files the fast path refused; every other file agrees with fitparse."""
    refused = set()
    for path in paths:
        data = path.read_bytes()
        if decode_fit_fast(data) is None:
            refused.add(path.name)
        else:
            assert_agrees(data)
    return refused


def test_small_corpus_files_agree_with_fitparse_or_are_knowingly_refused(corpus):
    small = [p for p in sorted((corpus / "fit").glob("*.fit")) if p.stat().st_size < SMALL_BYTES]
    assert small
    assert _check_corpus(small) == {p.name for p in small if p.name in REFUSED}


def test_small_corpus_files_give_identical_activities(corpus):
    for path in sorted((corpus / "fit").glob("*.fit")):
        if path.stat().st_size < SMALL_BYTES:
            assert_same_activities(path.read_bytes())


@pytest.mark.slow
def test_large_corpus_files_agree_with_fitparse_or_are_knowingly_refused(corpus):
    large = [p for p in sorted((corpus / "fit").glob("*.fit")) if p.stat().st_size >= SMALL_BYTES]
    assert _check_corpus(large) == {p.name for p in large if p.name in REFUSED}


def test_damaged_corpus_files_are_refused(corpus):
    for path in sorted((corpus / "fit-damaged").glob("*.fit")):
        fast = decode_fit_fast(path.read_bytes())
        if fast is not None:  # fitparse rejects all of these, so nothing may be accepted
            pytest.fail(f"{path.name} accepted")
