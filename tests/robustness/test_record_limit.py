"""Memory per input is bounded: a file with more records than ``RUNLOAD_MAX_RECORDS`` (default
500,000) is refused before any decoder holds its records, in bounded time and memory; the
valid files beside it are stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.config import Thresholds
from pipeline.ingest.record_count import fit_messages_over, points_over, too_many_records
from tests.robustness.conftest import fit_run


def compact_fit(n_records: int) -> bytes:
    """A FIT file of ``n_records`` two-byte records (a header byte and a heart rate): ten million
    of them fit in 20 MB. The CRC is left 0 (the count comes before any check)."""
    definition = bytes([0x40, 0, 0]) + (20).to_bytes(2, "little") + bytes([1, 3, 1, 2])
    body = definition + b"\x00\x8c" * n_records
    header = bytes([14, 0x20]) + (2132).to_bytes(2, "little") + len(body).to_bytes(4, "little")
    return header + b".FIT" + b"\x00\x00" + body + b"\x00\x00"


def many_points_gpx(n: int) -> bytes:
    point = b'<trkpt lat="45.0" lon="7.0"><time>2025-01-01T06:00:00Z</time></trkpt>'
    return (b'<?xml version="1.0"?><gpx version="1.1" creator="t" '
            b'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + point * n
            + b"</trkseg></trk></gpx>")


def test_counting_stops_at_the_limit_and_counts_real_files_right():
    assert fit_messages_over(compact_fit(1000), 999) == 1000
    assert fit_messages_over(compact_fit(1000), 1000) is None
    run = fit_run("2025-01-01T06:00:00Z", minutes=10)  # 600 records and a few other messages
    assert fit_messages_over(run, 599) is not None
    assert fit_messages_over(run, 700) is None
    assert points_over(many_points_gpx(50), "gpx", 49) == 50
    assert points_over(many_points_gpx(50), "gpx", 50) is None
    assert points_over(b"<tcx:Trackpoint>" * 3 + b"<Trackpoint/>", "tcx", 3) == 4
    # damaged or foreign bytes are not counted past where the walk loses its way
    assert fit_messages_over(b"not a fit file at all", 0) is None
    assert fit_messages_over(compact_fit(10)[:20], 0) is None


def test_counting_ten_million_records_costs_a_bounded_time():
    data = compact_fit(10_000_000)
    started = time.perf_counter()
    reason = too_many_records(data, "fit", Thresholds())
    assert time.perf_counter() - started < 5  # stops at 500,000
    assert "max_records" in reason and "RUNLOAD_MAX_RECORDS" in reason
    assert "500,000" in reason


PEAK = textwrap.dedent("""
    import json, sys
    from pipeline import cli
    sys.argv[0] = "runload"
    code = cli.entry()  # the console script's way in (pandera then loads no hypothesis)
    # VmHWM: this program's own peak (ru_maxrss after a fork and exec from a large pytest
    # process still counts the pytest copy the child was forked from: 706 MiB in CI)
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(json.dumps({"code": code, "peak_mib": int(hwm.split()[1]) / 1024}))
""")


@pytest.mark.parametrize("kind", ["fit", "gpx"])
def test_a_file_of_millions_of_records_is_refused_within_a_memory_bound(tmp_path, kind):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.fit").write_bytes(fit_run("2025-01-02T06:00:00Z"))
    if kind == "fit":  # 20 MB: it took 4.4 GB before
        (inputs / "huge.fit").write_bytes(compact_fit(10_000_000))
    else:  # 70 MB of points
        (inputs / "huge.gpx").write_bytes(many_points_gpx(1_000_000))
    data = tmp_path / "data"
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", PEAK, "ingest", "--json", "--data-dir", str(data),
         str(inputs)], capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": os.getcwd()})
    seconds = time.perf_counter() - started
    *summary, last = proc.stdout.strip().splitlines()
    result = json.loads(last)
    summary = json.loads("\n".join(summary))
    assert result["code"] == 1
    assert [Path(r["source"]).name for r in summary["refused"]] == [f"huge.{kind}"]
    assert "RUNLOAD_MAX_RECORDS" in summary["refused"][0]["reason"]
    assert summary["new"] == 1  # the valid file beside it is stored
    # the interpreter and the libraries are ~250 MiB of it; the file's bytes ~20-70 MiB
    assert result["peak_mib"] < 600, result
    assert seconds < 120


def test_the_record_limit_is_configurable_and_a_raised_limit_brings_the_file_in(sandbox,
                                                                              monkeypatch):
    run = sandbox.write("run.fit", fit_run("2025-01-03T06:00:00Z", minutes=5))  # 300 records
    monkeypatch.setenv("RUNLOAD_MAX_RECORDS", "100")
    code, summary, _ = sandbox.ingest(run)
    assert code == 1 and summary["new"] == 0
    assert "more than 100 messages" in summary["refused"][0]["reason"]
    monkeypatch.delenv("RUNLOAD_MAX_RECORDS")
    code, summary, _ = sandbox.ingest(run)  # looked at again: the limit may have been raised
    assert code == 0 and summary["new"] == 1


def test_an_invalid_record_limit_is_a_usage_error(sandbox, monkeypatch):
    monkeypatch.setenv("RUNLOAD_MAX_RECORDS", "many")
    code, _, err = sandbox.run("ingest", str(sandbox.write("a.fit", fit_run("2025-01-03T06:00Z"))))
    assert code == 2 and "RUNLOAD_MAX_RECORDS" in err
