"""Where ``runload ingest`` spends its time: cProfile of the parent and of one worker's work.

    .venv/bin/python benchmarks/profile_ingest.py              # 240 runs, top 25 of each
    .venv/bin/python benchmarks/profile_ingest.py --top 40 --sort cumulative

The parent is profiled running the real command in this process (its workers are forked and not
seen here); the worker's work is ``parse_leaf`` over the same files, one after the other in this
process, exactly as each worker runs it (decode, values, samples Parquet). Start-up imports are
measured with ``python -X importtime`` instead (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from ingest_benchmark import archive  # noqa: E402


def _stats(profile: cProfile.Profile, sort: str, top: int) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(top)
    return out.getvalue()


def parent_profile(folder: Path, sort: str, top: int) -> str:
    from pipeline.cli import main

    with tempfile.TemporaryDirectory() as data_dir:
        profile = cProfile.Profile()
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the command's summary
            profile.runcall(main, ["ingest", str(folder), "--data-dir", data_dir, "--json",
                                   "--no-progress"])
        took = time.perf_counter() - started
    return f"parent, whole command in-process: {took:.2f} s\n" + _stats(profile, sort, top)


def worker_profile(folder: Path, sort: str, top: int) -> str:
    from pipeline.config import Thresholds
    from pipeline.ingest.run import parse_leaf
    from pipeline.ingest.sources import leaves, top_inputs
    from pipeline.store import Store

    thresholds = Thresholds()
    items = [leaf for top_input in top_inputs([str(folder)])
             for leaf in leaves(top_input, thresholds=thresholds)]
    with tempfile.TemporaryDirectory() as data_dir:
        work = partial(parse_leaf, profile_timezone=None, thresholds=thresholds,
                       store=Store(data_dir, "bench"))
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.runcall(lambda: [work(leaf) for leaf in items])
        took = time.perf_counter() - started
    return (f"one worker's work (parse_leaf) over {len(items)} files, one process: {took:.2f} s,"
            f" {1000 * took / len(items):.1f} ms a file (under the profiler)\n"
            + _stats(profile, sort, top))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=240)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", help="pstats key (tottime, cumulative)")
    parser.add_argument("--only", choices=["parent", "worker"])
    args = parser.parse_args()
    folder = archive(args.n)
    if args.only != "worker":
        print(parent_profile(folder, args.sort, args.top))
    if args.only != "parent":
        print(worker_profile(folder, args.sort, args.top))


if __name__ == "__main__":
    main()
