"""Bulk-ingest benchmark: ``runload ingest`` against a plain fitparse loop, in one run.

    .venv/bin/python benchmarks/ingest_benchmark.py            # 200 files
    .venv/bin/python benchmarks/ingest_benchmark.py --n 1000   # the full figure
    .venv/bin/python benchmarks/ingest_benchmark.py --n 1000 --ingest-only

Generates (once, cached under benchmarks/cache/) N realistic 1 Hz FIT runs of 40-90 minutes,
then times, each in its own process: (1) a plain loop that decodes every file with fitparse and
reads every record's values — the baseline; (2) the fast decoder alone (``fit_fast``, one
process); (3) ``runload ingest`` of the same files into a fresh store. Prints the times, the
ratios to the fitparse loop, records per second and peak memory. The machine is noisy, so only
the ratios measured within one run mean anything. ``--ingest-only`` times the ingest alone (for
peak memory at larger N without the long fitparse loop).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BASELINE = """
import io, resource, sys, time, fitparse
from pathlib import Path
files = sorted(Path(sys.argv[1]).glob("*.fit"))
t = time.perf_counter(); n = 0
for f in files:
    for m in fitparse.FitFile(str(f)).get_messages("record"):
        m.get_values(); n += 1
print(n, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

DECODE = """
import sys, time
from pathlib import Path
from pipeline.ingest.parse.fit_fast import decode_fit_fast
files = sorted(Path(sys.argv[1]).glob("*.fit"))
t = time.perf_counter(); n = 0
for f in files:
    n += len(decode_fit_fast(f.read_bytes()).records["timestamp"])
print(n, time.perf_counter() - t)
"""

INGEST = """
import contextlib, io, json, resource, sys
from pipeline.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):  # the command itself, timed by its own summary
    main(["ingest", sys.argv[1], "--data-dir", sys.argv[2], "--athlete", "bench", "--json"])
s = json.loads(out.getvalue())
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
           resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(s["new"], s["seconds"], peak, len(s["quarantined"]) + len(s["refused"]))
"""


def synthetic_run(rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
    """1 Hz samples of a 40-90 minute run with pace changes, hills and running dynamics."""
    n = int(rng.uniform(40, 90) * 60)
    t = np.arange(n, dtype=float)
    speed = np.clip(2.9 + 0.4 * np.sin(t / rng.uniform(200, 600)) + rng.normal(0, 0.08, n),
                    1.5, 6.0)
    distance = np.cumsum(speed)
    altitude = 300 + 25 * np.sin(distance / rng.uniform(400, 1500)) + rng.normal(0, 0.3, n)
    cadence = 150 + 8 * speed + rng.normal(0, 2, n)
    heading = rng.uniform(0, 2 * np.pi)
    return pd.DataFrame({
        "timestamp_utc": start + pd.to_timedelta(t, unit="s"),
        "distance_m": distance,
        "speed_mps": speed,
        "altitude_m": altitude,
        "heart_rate_bpm": np.clip(120 + 12 * speed + rng.normal(0, 3, n), 60, 200),
        "cadence_spm": cadence,
        "step_length_m": speed / (cadence / 60),
        "stance_time_ms": 300 - 20 * speed + rng.normal(0, 5, n),
        "vertical_oscillation_mm": 85 + rng.normal(0, 3, n),
        "latitude_deg": 47.0 + np.cos(heading) * distance / 111_320,
        "longitude_deg": 8.0 + np.sin(heading) * distance / 75_900,
    })


def archive(n: int) -> Path:
    """The cached folder of ``n`` generated FIT runs."""
    from pipeline.demo.fit_encode import activity_fit_bytes

    folder = HERE / "cache" / f"archive-{n}"
    if len(list(folder.glob("*.fit"))) == n:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(n)
    # a run every 1.6 days (closer for more than 5,000 runs) up to the end of 2025: never in the
    # future nor before 2001, which ingest refuses as implausible dates
    every = min(1.6, 9000 / n)
    start = pd.Timestamp("2026-01-01T06:00:00Z") - pd.Timedelta(days=int(n * every) + 1)
    for i in range(n):
        when = start + pd.Timedelta(days=int(i * every), hours=float(rng.uniform(0, 12)))
        (folder / f"run-{i:05d}.fit").write_bytes(
            activity_fit_bytes(synthetic_run(rng, when), sport="running", utc_offset_min=60))
    return folder


def _run(code: str, *args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                         text=True, cwd=HERE.parent)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="number of FIT runs (default 200)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ingest-only", action="store_true",
                        help="skip the fitparse loop (time and peak memory of the ingest alone)")
    args = parser.parse_args()
    folder = archive(args.n)
    if args.ingest_only:
        with tempfile.TemporaryDirectory() as data_dir:
            new, ours_s, ours_kb, rejected = _run(INGEST, str(folder), data_dir)
        print(json.dumps({"files": args.n, "runload_ingest_s": round(float(ours_s), 2),
                          "runload_peak_mib": round(int(ours_kb) / 1024),
                          "activities": int(new), "rejected": int(rejected)}))
        return
    records, base_s, base_kb = _run(BASELINE, str(folder))
    decoded, decode_s = _run(DECODE, str(folder))
    with tempfile.TemporaryDirectory() as data_dir:
        new, ours_s, ours_kb, rejected = _run(INGEST, str(folder), data_dir)
    records, base_s, ours_s = int(records), float(base_s), float(ours_s)
    result = {
        "files": args.n,
        "records": records,
        "fitparse_loop_s": round(base_s, 2),
        "runload_ingest_s": round(ours_s, 2),
        "speedup": round(base_s / ours_s, 1),
        "fast_decode_s": round(float(decode_s), 2),  # fit_fast alone, one process
        "decode_speedup": round(base_s / float(decode_s), 1),
        "fitparse_records_per_s": round(records / base_s),
        "runload_records_per_s": round(records / ours_s),
        "fitparse_peak_mib": round(int(base_kb) / 1024),
        "runload_peak_mib": round(int(ours_kb) / 1024),
        "activities": int(new),
        "rejected": int(rejected),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.n} FIT runs, {records:,} records")
    print(f"  fitparse loop   {base_s:8.1f} s  {result['fitparse_records_per_s']:>9,} rec/s  "
          f"peak {result['fitparse_peak_mib']} MiB")
    print(f"  runload ingest  {ours_s:8.1f} s  {result['runload_records_per_s']:>9,} rec/s  "
          f"peak {result['runload_peak_mib']} MiB  ({new} activities, {rejected} rejected)")
    print(f"  fit_fast decode {float(decode_s):8.1f} s  (one process, {int(decoded):,} records): "
          f"{result['decode_speedup']}x the fitparse loop")
    print(f"  ratio: runload ingest is {result['speedup']}x the fitparse loop "
          "(decode + values + per-sample Parquet + store)")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
