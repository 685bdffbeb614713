"""One new FIT file into a store that already holds N activities (default 1,000).

    .venv/bin/python benchmarks/incremental_benchmark.py            # store of 1,000 runs
    .venv/bin/python benchmarks/incremental_benchmark.py --n 200

Builds the store once (cached under benchmarks/cache/archive-<N>-store/ by ``runload ingest`` of
the generated archive of ingest_benchmark.py), then, each time into a fresh copy of it, times the
whole ``runload ingest`` command of one extra file (a run dated after the archive): Python
start-up and imports included, as a user waits for it. Prints the best of the repeats, and the
seconds the command's own summary counts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from ingest_benchmark import archive, synthetic_run  # noqa: E402
from processes import REPO, best, compile_tree, runload  # noqa: E402


def cached_store(n: int) -> Path:
    """A data folder whose athlete ``bench`` holds the ``n`` runs of the benchmark archive."""
    data = HERE / "cache" / f"archive-{n}-store"
    done = data / "complete"
    if not done.exists():
        shutil.rmtree(data, ignore_errors=True)
        runload("ingest", archive(n), "--data-dir", data, "--athlete", "bench", "--json",
                "--no-progress")
        done.write_text("built\n")
    return data


def extra_file(folder: Path) -> Path:
    """A run dated after the archive's last one (which ends in 2025 for 1,000 runs)."""
    from pipeline.demo.fit_encode import activity_fit_bytes

    path = folder / "extra-run.fit"
    samples = synthetic_run(np.random.default_rng(99), pd.Timestamp("2026-06-01T06:00:00Z"))
    path.write_bytes(activity_fit_bytes(samples, sport="running", utc_offset_min=60))
    return path


def one_new_file(n: int, *, repeat: int = 3, tree: Path = REPO) -> dict:
    """The best of ``repeat`` whole ``runload ingest`` commands of one new file into a copy of
    the ``n``-activity store."""
    store = cached_store(n)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        extra = extra_file(Path(tmp))
        for _ in range(repeat):
            data = Path(tmp) / "data"
            shutil.rmtree(data, ignore_errors=True)
            shutil.copytree(store, data)
            done = runload("ingest", extra, "--data-dir", data, "--athlete", "bench", "--json",
                           tree=tree)
            summary = json.loads(done.stdout)
            if summary["new"] != 1:
                raise SystemExit(f"expected one new activity, got {summary['new']}")
            runs.append((done, summary["seconds"]))
    quickest = best([done for done, _ in runs])
    ingest_s = next(s for done, s in runs if done is quickest)
    return {"store_activities": n, "process_s": round(quickest.seconds, 2),
            "cpu_s": round(quickest.cpu_s, 2),
            "ingest_s": round(ingest_s, 2), "peak_mib": round(quickest.peak_mib),
            "repeat": repeat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="activities in the store")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    compile_tree()
    r = one_new_file(args.n, repeat=args.repeat)
    if args.json:
        print(json.dumps(r, indent=2))
        return
    print(f"one new file into a store of {args.n:,} activities (best of {args.repeat}): whole "
          f"command {r['process_s']:.2f} s, its own summary {r['ingest_s']:.2f} s, "
          f"peak {r['peak_mib']} MiB")


if __name__ == "__main__":
    main()
