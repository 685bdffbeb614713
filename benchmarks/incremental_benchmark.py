"""One new FIT file into a store that already holds N activities (default 1,000).

    .venv/bin/python benchmarks/incremental_benchmark.py            # store of 1,000 runs
    .venv/bin/python benchmarks/incremental_benchmark.py --n 200

Builds the store once (cached under benchmarks/cache/archive-<N>-store/ by ``runload ingest`` of the
generated archive of ingest_benchmark.py), then, in a fresh process each time, copies it and
times ``runload ingest`` of one extra file (a run dated after the archive). Prints the seconds of
the import itself and of the whole process (Python start-up and imports included).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ingest_benchmark import archive, synthetic_run  # noqa: E402

ONE = """
import sys, time
t = time.perf_counter()
from pipeline.config import Thresholds
from pipeline.ingest.run import ingest_paths
from pipeline.store import Store
imported = time.perf_counter()
s = ingest_paths([sys.argv[1]], Store(sys.argv[2], "bench"), thresholds=Thresholds())
print(len(s.new), imported - t, time.perf_counter() - imported)
"""


def cached_store(n: int) -> Path:
    """A data folder whose athlete ``bench`` holds the ``n`` runs of the benchmark archive."""
    data = HERE / "cache" / f"archive-{n}-store"
    done = data / "complete"
    if not done.exists():
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run([sys.executable, "-c", ONE, str(archive(n)), str(data)], check=True,
                       cwd=HERE.parent, capture_output=True)
        done.write_text("built\n")
    return data


def extra_file(folder: Path) -> Path:
    """A run dated after the archive's last one (which ends in 2025 for 1,000 runs)."""
    from pipeline.demo.fit_encode import activity_fit_bytes

    path = folder / "extra-run.fit"
    samples = synthetic_run(np.random.default_rng(99), pd.Timestamp("2026-06-01T06:00:00Z"))
    path.write_bytes(activity_fit_bytes(samples, sport="running", utc_offset_min=60))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="activities in the store")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    store = cached_store(args.n)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        extra = extra_file(Path(tmp))
        for _ in range(args.repeat):
            data = Path(tmp) / "data"
            shutil.rmtree(data, ignore_errors=True)
            shutil.copytree(store, data)
            started = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", ONE, str(extra), str(data)], check=True,
                                 capture_output=True, text=True, cwd=HERE.parent).stdout.split()
            whole = time.perf_counter() - started
            if out[0] != "1":
                raise SystemExit(f"expected one new activity, got {out[0]}")
            runs.append({"imports_s": float(out[1]), "ingest_s": float(out[2]), "process_s": whole})
    best = min(runs, key=lambda r: r["process_s"])
    result = {"store_activities": args.n, **{k: round(v, 2) for k, v in best.items()}}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"one new file into a store of {args.n:,} activities (best of {args.repeat}):")
    print(f"  ingest {best['ingest_s']:.2f} s, imports {best['imports_s']:.2f} s, "
          f"whole process {best['process_s']:.2f} s")


if __name__ == "__main__":
    main()
