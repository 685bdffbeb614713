"""A bounded mutation fuzz of FIT, GPX and TCX bytes (fixed seed, a few hundred cases).

Every mutated file must end as an ingested activity, a partial one, "not an activity", or a
quarantined/refused input: never an exception out of ``parse_leaf``, never a hang, and never an
activity the store would reject when writing it.
"""

from __future__ import annotations

import json
import random
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import parquet_files as pf
from pipeline import schemas
from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.demo.gpx_file import gpx_activity_bytes
from pipeline.demo.tcx_file import tcx_activity_bytes
from pipeline.ingest.activity_table import _with_fast_time_fraction
from pipeline.ingest.run import parse_leaf
from pipeline.ingest.sources import Leaf, bytes_sha256
from pipeline.ingest.parse.altitude import _first_of_each_bin
from pipeline.ingest.parse.speed_profile import easy_speed_mps
from tests.factories import run_samples
from tests.robustness.conftest import fit_run

ROOT = Path(__file__).resolve().parents[2]

SEED = 20261124
CASES = {"fit": 80, "gpx": 80, "tcx": 80}
PER_CASE_S = 10  # a case slower than this counts as a hang
MEMORY_LIMIT = 3 * 2**30  # address space of the fuzzing process: a blow-up fails fast
OUTCOMES = {"ok", "partial", "not_activity", "quarantined", "refused"}
NUMBER = re.compile(rb"-?[0-9]+(\.[0-9]+)?")
ODD_NUMBERS = [b"-1", b"0", b"1e308", b"-1e308", b"NaN", b"inf", b"99999999999999999999", b"",
               b"2.5.5", b"0x10", b"\xff"]


def seed_file(kind: str) -> bytes:
    start = "2026-02-01T07:00:00Z"
    if kind == "fit":
        return fit_run(start, minutes=1)
    samples = run_samples(start, minutes=1)
    return gpx_activity_bytes(samples) if kind == "gpx" else tcx_activity_bytes(samples)


def mutated(data: bytes, rng: random.Random, *, text: bool = False) -> tuple[str, bytes]:
    """One mutation of ``data``: its name and the new bytes. For XML (``text``) half of them
    change values and structure but keep the file well-formed, so the readers see them."""
    if text and rng.random() < 0.5:
        return _mutated_text(data, rng)
    b = bytearray(data)
    how = rng.choice(["flip", "flip", "truncate", "insert", "delete", "overwrite", "duplicate"])
    if how == "flip":
        for _ in range(rng.randint(1, 16)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif how == "truncate":
        del b[rng.randrange(len(b)):]
    elif how == "insert":
        i = rng.randrange(len(b) + 1)
        b[i:i] = rng.randbytes(rng.randint(1, 64))
    elif how == "delete":
        i = rng.randrange(len(b))
        del b[i:i + rng.randint(1, 64)]
    elif how == "overwrite":
        i = rng.randrange(len(b))
        n = rng.randint(1, 32)
        b[i:i + n] = rng.randbytes(n)
    else:
        i = rng.randrange(len(b))
        chunk = b[i:i + rng.randint(1, 200)]
        j = rng.randrange(len(b) + 1)
        b[j:j] = chunk
    return how, bytes(b)


def _mutated_text(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    how = rng.choice(["numbers", "numbers", "digits", "lines"])
    if how == "numbers":  # some values become absurd or unparsable
        spans = [m.span() for m in NUMBER.finditer(data)]
        out = bytearray(data)
        for a, b in sorted(rng.sample(spans, k=min(len(spans), rng.randint(1, 8))), reverse=True):
            out[a:b] = rng.choice(ODD_NUMBERS)
        return how, bytes(out)
    if how == "digits":  # times and positions shift: backwards, far future, duplicates
        out = bytearray(data)
        digits = [i for i, c in enumerate(data) if 48 <= c <= 57]
        for i in rng.sample(digits, k=rng.randint(1, 20)):
            out[i] = rng.randint(48, 57)
        return how, bytes(out)
    lines = data.split(b"\n")  # whole lines dropped or repeated: elements lost or doubled
    body = range(2, max(3, len(lines) - 2))
    for _ in range(rng.randint(1, 10)):
        i = rng.choice(body)
        if rng.random() < 0.5:
            lines[i] = b""
        else:
            lines[i] = lines[i] + b"\n" + lines[rng.choice(body)]
    return how, b"\n".join(lines)


def cases(kind: str) -> list[tuple[str, bytes]]:
    """The fixed fuzz cases of one format: (label, bytes)."""
    rng = random.Random(f"{SEED}-{kind}")
    seed = seed_file(kind)
    out = []
    for i in range(CASES[kind]):
        how, data = mutated(seed, rng, text=kind != "fit")
        out.append((f"{kind}-{i:03d}-{how}", data))
    return out


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so no ``except Exception`` in the readers hides it."""


def _alarm(_signum, _frame):
    raise Hang()


def outcome_problem(outcome) -> str | None:
    """Why an outcome is not allowed, or None."""
    if outcome.status not in OUTCOMES:
        return f"status {outcome.status!r}"
    if outcome.status in ("ok", "partial"):
        if not outcome.activities:
            return "no activity"
        rows = pd.DataFrame([row for row, _ in outcome.activities])
        try:  # what the store validates: a row it rejects would stop the ingest
            _with_fast_time_fraction(st.activities_table(rows), easy_speed_mps(rows), margin=0.15)
            for _, samples in outcome.activities:  # the store's own check, then pandera's
                pf.samples_table(samples)
                schemas.Samples.validate(samples.frame())
        except Exception as e:
            return f"the store would reject it: {str(e)[:200]}"
    elif not outcome.reason:
        return "no reason given"
    elif "MemoryError" in outcome.reason:
        return f"memory blow-up: {outcome.reason}"
    return None


def fuzz(kind: str) -> dict:
    """Run every case of ``kind``: counts of outcomes and the problems found (label: what)."""
    thresholds = Thresholds()
    seen: dict[str, int] = {}
    problems: dict[str, str] = {}
    signal.signal(signal.SIGALRM, _alarm)
    for label, data in cases(kind):
        leaf = Leaf(source=f"{label}.{kind}", kind=kind, data=data, sha256=bytes_sha256(data))
        signal.alarm(PER_CASE_S)
        try:
            outcome = parse_leaf(leaf, profile_timezone=None, thresholds=thresholds)
        except Hang:
            problems[label] = f"no answer within {PER_CASE_S} s"
            continue
        except BaseException as e:
            problems[label] = f"{type(e).__name__} out of parse_leaf: {e}"
            continue
        finally:
            signal.alarm(0)
        seen[outcome.status] = seen.get(outcome.status, 0) + 1
        problem = outcome_problem(outcome)
        if problem:
            problems[label] = problem
    return {"seen": seen, "problems": problems}


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fit", "gpx", "tcx"])
def test_mutated_files_are_ingested_or_quarantined_never_an_exception_or_a_hang(kind):
    # a separate process with bounded memory: a crash or a blow-up fails this test, not pytest
    code = ("import json; from tests.robustness.test_fuzz import fuzz; "
            f"print(json.dumps(fuzz({kind!r})))")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, preexec_fn=_limit_memory)
    assert done.returncode == 0, f"the fuzz process died ({done.returncode}): {done.stderr[-500:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["problems"] == {}
    seen = result["seen"]
    assert sum(seen.values()) == CASES[kind]
    # the fuzz reached both sides: mutations survived (kept) and damage found and said. FIT's
    # readable part is kept as partial with the reason (docs/robustness.md): its CRC catches
    # nearly every mutation, so few FIT cases are quarantined outright
    kept = seen.get("ok", 0) + seen.get("partial", 0)
    rejected = seen.get("quarantined", 0) + seen.get("not_activity", 0) + seen.get("refused", 0)
    assert kept >= CASES[kind] // 5, seen
    assert seen.get("partial", 0) + rejected >= CASES[kind] // 10, seen
    assert rejected >= 1, seen
    assert time.perf_counter() - started < 300


def test_a_folder_of_mutated_files_is_ingested_end_to_end(sandbox, good_fit):
    # the GPX and TCX cases that the readers keep, through the whole import and the store
    for kind in ("gpx", "tcx"):
        for label, data in cases(kind)[:12]:
            sandbox.write(f"fuzz/{label}.{kind}", data)
    code, summary, _ = sandbox.ingest(sandbox.inputs / "fuzz", good_fit)
    assert code in (0, 1)
    accounted = (summary["new"] + summary["duplicates"] + len(summary["not_activity"])
                 + len(summary["quarantined"]) + len(summary["refused"]))
    assert accounted >= 24  # every file has an outcome (twins count as duplicates)
    assert code == (1 if summary["quarantined"] or summary["refused"] else 0)
    # the kept mutants are one run (wrongly dated points dropped, they are twins of each other)
    # beside the good FIT; none spans more than the run
    assert summary["new"] >= 2
    assert (sandbox.activities()["elapsed_time_s"] < 3600).all()
    assert good_fit.name in " ".join(sum(sandbox.activities()["source_files"].map(list), []))


def test_samples_decades_apart_are_summarised_in_bounded_time_and_memory():
    code = (
        "import numpy as np, pandas as pd\n"
        "from pipeline.config import Thresholds\n"
        "from pipeline.ingest.parse.model import ParsedActivity, sample_columns\n"
        "from pipeline.ingest.parse.values import activity_values\n"
        "from tests.factories import run_samples\n"
        "s = run_samples('2026-02-01T07:00:00Z', minutes=2)\n"
        "s.loc[119, 'timestamp_utc'] = pd.Timestamp('2055-02-01T07:00:00Z')\n"
        "s['elapsed_s'] = (s['timestamp_utc'] - s['timestamp_utc'].iloc[0]).dt.total_seconds()\n"
        "p = ParsedActivity(format='gpx', sport='running', start_time_utc=s['timestamp_utc'][0],"
        " columns=sample_columns(s))\n"
        "print(activity_values(p, thresholds=Thresholds())['distance_m'])\n"
    )
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=30, cwd=ROOT, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail("no answer within 30 s")
    assert done.returncode == 0, done.stderr[-300:]
    assert time.perf_counter() - started < 15


def test_ascent_reads_one_point_per_half_window_as_the_dense_grid_did():
    # values._ascent used np.arange over the whole span; the O(n) bins must pick the same samples
    rng = np.random.default_rng(SEED)
    for trial in range(2000):
        n = int(rng.integers(1, 200))
        steps = rng.choice([0.0, 0.1, 0.5, 1.0, 1.0, 3.0, 17.0], n) if trial % 2 else \
            rng.exponential(2.0, n)
        t = np.cumsum(steps) + float(rng.choice([0.0, 12.3, 1e6 + 0.7]))
        half = float(rng.choice([5.0, 15.0, 1 / 3, 0.7, 6.85]))
        grid = np.arange(t[0], t[-1] + half, half)
        picks = np.minimum(np.searchsorted(t, grid, side="left"), n - 1)
        expected = np.unique(np.concatenate([picks, [n - 1]]))
        np.testing.assert_array_equal(_first_of_each_bin(t, half), expected)
    # and a sample dated 30 years later adds one bin, not 10^8 grid points
    t = np.concatenate([np.arange(120.0), [30 * 365.25 * 86400]])
    assert len(_first_of_each_bin(t, 15.0)) == 9

