"""The other commands as a user waits for them: the one-line commands, ``analyze`` and ``report``.

    .venv/bin/python benchmarks/commands_benchmark.py

Each command is a whole process (best of a few runs) with its peak memory and the seconds it
spends importing (``python -X importtime``, a separate run). ``analyze`` and ``report`` run on
the demo athlete (``pipeline.demo``, seed 7, 20 weeks to AS_OF), ingested once into
benchmarks/cache/demo-store/ and copied fresh for each run.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from processes import best, compile_tree, import_seconds, runload  # noqa: E402

AS_OF = date(2026, 11, 20)
ATHLETE = "me"


def demo_store() -> Path:
    """A data folder holding the demo athlete (profile, activities and pain log), built once."""
    from pipeline.demo.athlete import demo_athlete
    from pipeline.demo.generate import write_demo

    data = HERE / "cache" / "demo-store"
    if (data / "complete").exists():
        return data
    shutil.rmtree(data, ignore_errors=True)
    plan = demo_athlete(end=AS_OF)
    files = write_demo(plan, HERE / "cache" / "demo-files")
    common = ("--data-dir", data, "--athlete", ATHLETE)
    runload("profile", "--timezone", plan.timezone, "--sex", plan.sex, "--hr-rest",
            str(plan.hr_rest_bpm), "--hr-max", str(plan.hr_max_bpm), *common)
    runload("ingest", files.directory / "garmin", files.directory / "strava", "--no-progress",
            *common)
    runload("pain", "import", files.pain_log, *common)
    runload("analyze", "--as-of", AS_OF.isoformat(), *common)  # what a report reads
    (data / "complete").write_text("built\n")
    return data


def _timing(args: list, *, repeat: int, fresh_store: Path | None = None) -> dict | None:
    """Best of ``repeat`` runs of ``runload ARGS`` (a fresh copy of ``fresh_store`` as
    ``{data}`` each time, else an empty folder), or None when the command does not exist."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat + 1):  # the last run is the importtime one
            data = Path(tmp) / "data"
            shutil.rmtree(data, ignore_errors=True)
            if fresh_store is not None:
                shutil.copytree(fresh_store, data)
            argv = [str(a).format(data=data, reports=Path(tmp) / "reports") for a in args]
            if len(runs) == repeat:
                imports = import_seconds(*argv)
                break
            done = runload(*argv, check=False)
            if done.status == 2 and "invalid choice" in done.stderr:
                return None
            if done.status != 0:
                raise SystemExit(f"runload {' '.join(argv)} exited {done.status}: {done.stderr}")
            runs.append(done)
    quickest = best(runs)
    return {"process_s": round(quickest.seconds, 3), "cpu_s": round(quickest.cpu_s, 3),
            "peak_mib": round(quickest.peak_mib),
            "imports_s": round(imports, 3)}


def command_timings(repeat: int = 3) -> dict:
    """Each command's whole-process seconds, peak MiB and import seconds (None: not a command
    on this branch)."""
    store = demo_store()
    on = ("--data-dir", "{data}", "--athlete", ATHLETE)
    day = AS_OF.isoformat()
    return {
        "runload --help": _timing(["--help"], repeat=repeat),
        "runload profile": _timing(["profile", *on], repeat=repeat),
        "runload pain add": _timing(["pain", "add", "--date", day, "--pain", "3", "--context",
                                     "next_morning", *on], repeat=repeat),
        "runload rehab add": _timing(["rehab", "add", "--date", day, "--exercise",
                                      "isometric bridge hold", *on], repeat=repeat),
        "runload analyze (demo athlete)": _timing(["analyze", "--as-of", day, *on],
                                                  repeat=repeat, fresh_store=store),
        "runload report (demo athlete)": _timing(["report", "--as-of", day, "--reports-dir",
                                                  "{reports}", *on], repeat=2,
                                                 fresh_store=store),
    }


def main() -> None:
    compile_tree()
    print(json.dumps(command_timings(), indent=2))


if __name__ == "__main__":
    main()
