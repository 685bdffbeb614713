"""Size limits for any single input, configurable with RUNLOAD_MAX_* environment variables."""

from __future__ import annotations

import gzip
import os

import pytest

from pipeline.demo.gpx_file import gpx_activity_bytes
from tests.factories import run_samples, zip_bytes
from tests.robustness.conftest import fit_run, reasons

BIG = fit_run("2026-05-01T07:00:00Z", minutes=30)  # ~65 KB, ~30 KB gzipped


def test_default_limit_refuses_a_file_over_512_mib(sandbox, good_fit):
    huge = sandbox.inputs / "huge.fit"
    with open(huge, "wb") as f:  # sparse: no disk used
        f.truncate(513 * 2**20)
    code, summary, _ = sandbox.ingest(huge, good_fit)
    assert code == 1
    reason = reasons(summary, "refused")[str(huge)]
    assert reason.startswith("513 MiB: larger than the 512 MiB limit for one input")
    assert "RUNLOAD_MAX_INPUT_MB" in reason
    assert summary["new"] == 1
    assert not any(p.stat().st_size > 2**20 for p in sandbox.data.rglob("*") if p.is_file())


def test_the_input_limit_is_configurable(sandbox, good_fit, monkeypatch):
    big = sandbox.write("big.fit", BIG)
    assert len(BIG) > 50 * 1024 > good_fit.stat().st_size
    monkeypatch.setenv("RUNLOAD_MAX_INPUT_MB", "0.05")
    code, summary, _ = sandbox.ingest(big, good_fit)
    assert code == 1
    reason = reasons(summary, "refused")[str(big)]
    assert "larger than the 51.2 KiB limit for one input" in reason
    assert summary["new"] == 1
    monkeypatch.delenv("RUNLOAD_MAX_INPUT_MB")
    code, summary, _ = sandbox.ingest(big)  # with the default limit it goes in
    assert code == 0 and summary["new"] == 1


def test_a_gz_expanding_beyond_the_limit_is_refused(sandbox, good_fit, monkeypatch):
    packed = gzip.compress(BIG)
    assert len(packed) < 50 * 1024 < len(BIG)
    gz = sandbox.write("big.fit.gz", packed)
    monkeypatch.setenv("RUNLOAD_MAX_INPUT_MB", "0.05")
    code, summary, _ = sandbox.ingest(gz, good_fit)
    assert code == 1
    assert "decompresses to more than 51.2 KiB" in reasons(summary, "refused")[str(gz)]
    assert summary["new"] == 1


def test_a_zip_member_expanding_beyond_the_limit_is_refused(sandbox, monkeypatch):
    archive = sandbox.write("export.zip", zip_bytes({"big.fit": BIG,
                                                "small.fit": fit_run("2026-05-02T07:00:00Z")}))
    monkeypatch.setenv("RUNLOAD_MAX_INPUT_MB", "0.05")
    code, summary, _ = sandbox.ingest(archive)
    assert code == 1
    assert "expands to more than 51.2 KiB" in reasons(summary, "refused")[f"{archive}!big.fit"]
    assert summary["new"] == 1


def test_archive_depth_and_compression_ratio_are_configurable(sandbox, monkeypatch):
    nested = sandbox.write("garmin.zip", zip_bytes({"uploads.zip": zip_bytes({"a.fit": BIG})}))
    # a GPX padded with a comment of hex digits: compresses about 2:1, over 1 MiB expanded
    gpx = gpx_activity_bytes(run_samples("2026-05-03T07:00:00Z", minutes=2))
    comment = b"<!-- " + os.urandom(600_000).hex().encode() + b" -->\n"
    padded = gpx.replace(b"<gpx ", comment + b"<gpx ", 1)
    ratio = sandbox.write("strava.zip", zip_bytes({"run.gpx": padded}))
    monkeypatch.setenv("RUNLOAD_MAX_ARCHIVE_DEPTH", "1")
    monkeypatch.setenv("RUNLOAD_MAX_COMPRESSION_RATIO", "1.5")
    code, summary, _ = sandbox.ingest(nested, ratio)
    refused = reasons(summary, "refused")
    assert code == 1 and summary["new"] == 0
    assert "nested deeper than 1" in refused[f"{nested}!uploads.zip"]
    assert "compression ratio above 2:1" in refused[f"{ratio}!run.gpx"]
    monkeypatch.delenv("RUNLOAD_MAX_ARCHIVE_DEPTH")
    monkeypatch.delenv("RUNLOAD_MAX_COMPRESSION_RATIO")
    code, summary, _ = sandbox.ingest(nested, ratio)
    assert code == 0 and summary["new"] == 2  # the defaults let both in


@pytest.mark.parametrize("variable, value", [
    ("RUNLOAD_MAX_INPUT_MB", "lots"), ("RUNLOAD_MAX_INPUT_MB", "-5"),
    ("RUNLOAD_MAX_ARCHIVE_MB", "0"), ("RUNLOAD_MAX_COMPRESSION_RATIO", "inf"),
    ("RUNLOAD_MAX_ARCHIVE_DEPTH", "2.5"),
])
def test_an_invalid_limit_is_a_usage_error(sandbox, good_fit, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    code, out, err = sandbox.run("ingest", str(good_fit))
    assert code == 2
    assert err.strip() == (f"runload: error: {variable}={value!r} is not a positive number"
                           if variable != "RUNLOAD_MAX_ARCHIVE_DEPTH"
                           else f"runload: error: {variable}={value!r} must be a whole number")
    assert not sandbox.data.exists()  # nothing started


def test_a_pain_log_over_the_limit_is_refused(sandbox, monkeypatch):
    rows = "".join(f"2026-01-{d:02d},2\n" for d in range(1, 29)) * 100
    csv = sandbox.write("pain.csv", ("date,pain\n" + rows).encode())
    monkeypatch.setenv("RUNLOAD_MAX_INPUT_MB", "0.01")
    code, _, err = sandbox.run("pain", "import", str(csv))
    assert code == 1
    assert "too large for a pain log" in err and str(csv) in err
    assert not sandbox.store.pain_log_path.exists()
