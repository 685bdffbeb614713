"""Speed as a user waits for it: whole processes, every ratio measured in one run.

    .venv/bin/python benchmarks/ingest_benchmark.py                 # 240 runs, everything (~4 min)
    .venv/bin/python benchmarks/ingest_benchmark.py --skip-peers    # without the slow decoders
    .venv/bin/python benchmarks/ingest_benchmark.py --n 1000 --ingest-only   # time and memory

Generates (once, cached under benchmarks/cache/) N realistic 1 Hz FIT runs of 40-90 minutes and
times, each as a whole process from start to exit (Python start-up and imports included):

1. a plain fitparse loop over the files (the baseline of every ratio) and each peer decoder's
   decode-only loop (``peers.py``: fitdecode, garmin-fit-sdk, pyfitparsernative, fitfast) beside
   runload's own decoder;
2. the script a user could write instead: fitfast -> pandas -> one Parquet file per activity,
   in one process and in two;
3. the whole ``runload ingest`` command into a fresh store;
4. one new file into a store of 1,000 activities (``incremental_benchmark.py``);
5. the one-line commands (``--help``, ``profile``, ``pain add``, ``rehab add``) and ``analyze`` and
   ``report`` on the demo athlete, with the seconds each spends importing
   (``commands_benchmark.py``).

The machine is shared and noisy: only ratios measured within one run mean anything, and the
load average is printed beside them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from peers import DECODERS, FITFAST_TO_PARQUET  # noqa: E402
from processes import REPO, compile_tree, machine_load, python, runload  # noqa: E402


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


def decoder_loops(folder: Path, names) -> dict:
    """Each named decoder's loop over ``folder``: whole-process and in-loop seconds, records,
    peak MiB (None for a decoder that is not installed)."""
    out = {}
    for name in names:
        module, code = DECODERS[name]
        if importlib.util.find_spec(module) is None:
            out[name] = None
            continue
        done = python(code, folder)
        records, loop_s = done.stdout.split()
        out[name] = {"process_s": done.seconds, "loop_s": float(loop_s), "cpu_s": done.cpu_s,
                     "records": int(records), "peak_mib": done.peak_mib}
    return out


def fitfast_parquet(folder: Path, processes: int) -> dict | None:
    """The fitfast -> pandas -> Parquet script, whole process (None without fitfast)."""
    if importlib.util.find_spec("fitfast") is None:
        return None
    with tempfile.TemporaryDirectory() as out:
        done = python(FITFAST_TO_PARQUET, folder, out, processes)
    return {"process_s": done.seconds, "peak_mib": done.peak_mib, "cpu_s": done.cpu_s,
            "records": int(done.stdout.split()[0])}


def whole_ingest(folder: Path, tree: Path = REPO) -> dict:
    """``runload ingest FOLDER`` into a fresh store: the whole command, and the seconds its own
    summary counts (the import's work, after start-up and imports)."""
    with tempfile.TemporaryDirectory() as data_dir:
        done = runload("ingest", folder, "--data-dir", data_dir, "--athlete", "bench", "--json",
                       "--no-progress", tree=tree)
    summary = json.loads(done.stdout)
    return {"process_s": done.seconds, "ingest_s": summary["seconds"], "peak_mib": done.peak_mib,
            "cpu_s": done.cpu_s,
            "activities": summary["new"],
            "rejected": len(summary["quarantined"]) + len(summary["refused"])}


SLOW_PEERS = ("fitdecode", "garmin-fit-sdk")  # ~30-50 s each on 240 runs; --skip-peers drops them


def measure(n: int, *, peers: bool, store_n: int, commands: bool,
            compare: Path | None = None) -> dict:
    """Every figure of one run (see the module docstring)."""
    from commands_benchmark import command_timings
    from incremental_benchmark import cached_store, one_new_file

    folder = archive(n)
    cached_store(store_n)  # built before the timings start
    for tree in (REPO, compare) if compare is not None else (REPO,):
        compile_tree(tree)
    result = {"files": n, "load_before": machine_load()}
    names = [d for d in DECODERS if peers or d not in SLOW_PEERS]
    result["decoders"] = decoder_loops(folder, names)
    result["fitfast_parquet_1"] = fitfast_parquet(folder, 1)
    result["fitfast_parquet_2"] = fitfast_parquet(folder, 2)
    result["ingest"] = whole_ingest(folder)
    result["one_new_file"] = one_new_file(store_n, repeat=3)
    if compare is not None:  # the same two commands with another checkout, in this run
        result["compared"] = {"tree": str(compare), "ingest": whole_ingest(folder, compare),
                              "one_new_file": one_new_file(store_n, repeat=3, tree=compare)}
    result["commands"] = command_timings() if commands else None
    result["load_after"] = machine_load()
    return result


def _ratio(base: float, other: float) -> str:
    return f"{base / other:6.1f}x"


def report(r: dict) -> str:
    """The figures of ``measure`` as the table the README quotes."""
    base = r["decoders"]["fitparse"]
    records = base["records"]
    lines = [f"{r['files']} FIT runs, {records:,} records; {r['load_before']} (before), "
             f"{r['load_after']} (after)",
             "whole process, seconds (ratio: the fitparse loop's process / this one's)",
             "                                         process    loop    CPU  peak MiB  ratio"]
    for name, d in r["decoders"].items():
        if d is None:
            lines.append(f"  {name:<36} not installed (pip install -e '.[bench]')")
            continue
        lines.append(f"  {name + ' (decode only)':<36} {d['process_s']:7.2f} {d['loop_s']:7.2f} "
                     f"{d['cpu_s']:6.2f} {d['peak_mib']:8.0f}  "
                     f"{_ratio(base['process_s'], d['process_s'])}")
    for k, label in (("fitfast_parquet_1", "fitfast -> pandas -> Parquet, 1 proc"),
                     ("fitfast_parquet_2", "fitfast -> pandas -> Parquet, 2 procs")):
        if r[k]:
            lines.append(f"  {label:<36} {r[k]['process_s']:7.2f}       - "
                         f"{r[k]['cpu_s']:6.2f} {r[k]['peak_mib']:8.0f}  "
                         f"{_ratio(base['process_s'], r[k]['process_s'])}")
    g = r["ingest"]
    lines.append(f"  {'runload ingest (whole command)':<36} {g['process_s']:7.2f} "
                 f"{g['ingest_s']:7.2f} {g['cpu_s']:6.2f} {g['peak_mib']:8.0f}  "
                 f"{_ratio(base['process_s'], g['process_s'])}"
                 f"   ({g['activities']} activities, {g['rejected']} rejected; 'loop' = the "
                 "summary's seconds)")
    lines.append(f"  CPU: the fitparse loop {base['cpu_s']:.1f} s, runload ingest "
                 f"{g['cpu_s']:.1f} s (parent and workers): "
                 f"{_ratio(base['cpu_s'], g['cpu_s']).strip()}")
    o = r["one_new_file"]
    lines.append(f"one new file into {o['store_activities']:,} stored activities: whole command "
                 f"{o['process_s']:.2f} s (its own summary {o['ingest_s']:.2f} s, CPU "
                 f"{o['cpu_s']:.2f} s), peak "
                 f"{o['peak_mib']:.0f} MiB, best of {o['repeat']}")
    if r.get("compared"):
        c = r["compared"]
        lines.append(f"the same with {c['tree']}: runload ingest {c['ingest']['process_s']:.2f} s"
                     f" (CPU {c['ingest']['cpu_s']:.2f} s): "
                     f"{_ratio(base['process_s'], c['ingest']['process_s']).strip()}; one new "
                     f"file {c['one_new_file']['process_s']:.2f} s (CPU "
                     f"{c['one_new_file']['cpu_s']:.2f} s)")
    if r["commands"]:
        lines.append("commands (whole process, best of 3; imports from -X importtime)")
        for name, c in r["commands"].items():
            if c is None:
                lines.append(f"  {name:<36} not on this branch")
                continue
            lines.append(f"  {name:<36} {c['process_s']:6.2f} s  CPU {c['cpu_s']:5.2f} s  "
                         f"{c['peak_mib']:5.0f} MiB  imports {c['imports_s']:.2f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=240, help="number of FIT runs (default 240)")
    parser.add_argument("--store", type=int, default=1000,
                        help="activities in the store that one new file goes into (default 1000)")
    parser.add_argument("--skip-peers", action="store_true",
                        help=f"leave out the slowest peer decoders ({', '.join(SLOW_PEERS)})")
    parser.add_argument("--skip-commands", action="store_true",
                        help="leave out the one-line commands and analyze/report")
    parser.add_argument("--compare", type=Path, metavar="TREE",
                        help="also time the ingest commands with this checkout (e.g. an export "
                        "of main) in the same run")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ingest-only", action="store_true",
                        help="only the whole runload ingest (time and peak memory at larger N)")
    args = parser.parse_args()
    if args.ingest_only:
        compile_tree()
        result = {"files": args.n, "load": machine_load(), **whole_ingest(archive(args.n))}
        print(json.dumps(result, indent=2 if args.json else None))
        return
    result = measure(args.n, peers=not args.skip_peers, store_n=args.store,
                     commands=not args.skip_commands, compare=args.compare)
    print(json.dumps(result, indent=2) if args.json else report(result))


if __name__ == "__main__":
    main()
