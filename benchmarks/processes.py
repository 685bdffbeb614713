"""Whole processes, timed as a user waits for them: wall-clock from start to exit, peak memory.

Every figure of the benchmarks is one process started here (Python start-up and imports
included), so what runload does before its own work starts is counted too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# what the installed ``runload`` console script does (pip writes exactly this entry point)
RUNLOAD = "import sys; from pipeline.cli import entry; sys.exit(entry())"


@dataclass(frozen=True)
class Timed:
    """One finished process: wall seconds, peak resident memory of its largest process (itself
    or a child it waited for: the ingest's workers), exit status, what it printed, and the CPU
    seconds (user + system) of it and its workers: on a loaded machine the wall time stretches
    with the other jobs, the CPU time much less."""

    seconds: float
    peak_mib: float
    status: int
    stdout: str
    stderr: str
    cpu_s: float


PYCACHE = HERE / "cache" / "pycache"


def environment(tree: Path = REPO) -> dict[str, str]:
    """``tree``'s ``pipeline`` (this checkout's by default) first on the path (a worktree beside
    an editable install), with its bytecode cached as on a user's machine: an environment that
    sets ``PYTHONDONTWRITEBYTECODE`` (as some sandboxes and CI images do) would otherwise compile
    every runload module in every process, which an installed package never does."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(tree), env.get("PYTHONPATH")) if p)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)  # keeps the checkouts free of __pycache__
    return env


def compile_tree(tree: Path = REPO) -> None:
    """Write ``tree``'s bytecode before any timing (as ``pip install`` does at install time)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(tree) / "pipeline")],
                   env=environment(tree), check=True, stdout=subprocess.DEVNULL)


# Started from this benchmark's own (large) process, a child's ru_maxrss would include this
# process's peak: Linux keeps the memory high-water mark across fork and exec. A small launcher
# process starts the command and reports its wall time and peak instead.
LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump([time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
               usage.ru_utime + usage.ru_stime], f)
"""


def timed(argv: list[str], *, check: bool = True, tree: Path = REPO) -> Timed:
    """Run ``argv`` to its end and measure it: wall seconds from start to exit, and the peak
    resident memory ``wait4`` gives (the process's own, or the largest child it reaped)."""
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.json"
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        with out.open("wb") as o, err.open("wb") as e:
            subprocess.run([sys.executable, "-c", LAUNCHER, str(figures), *map(str, argv)],
                           stdout=o, stderr=e, stdin=subprocess.DEVNULL, cwd=tree,
                           env=environment(tree), check=True)
        seconds, peak_kib, status, cpu = json.loads(figures.read_text())
        result = Timed(seconds, peak_kib / 1024, status, out.read_text(errors="replace"),
                       err.read_text(errors="replace"), cpu)
    if check and result.status not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, argv[:6]))}... exited {result.status}:\n"
                         f"{result.stderr}")
    return result


def python(code: str, *args: str, check: bool = True) -> Timed:
    """A Python process running ``code`` with ``args`` (``sys.argv[1:]``)."""
    return timed([sys.executable, "-c", code, *map(str, args)], check=check)


def runload(*args: str, check: bool = True, tree: Path = REPO) -> Timed:
    """The ``runload`` command with ``args``, as its console script runs it (``tree``: another
    checkout's, e.g. before a change, measured in the same run)."""
    entry = RUNLOAD if (Path(tree) / "pipeline" / "cli.py").read_text().count("def entry(") \
        else RUNLOAD.replace("entry", "main")
    return timed([sys.executable, "-c", entry, *map(str, args)], check=check, tree=tree)


def best(runs: list[Timed]) -> Timed:
    """The quickest of repeated runs: the least disturbed by the other jobs on the machine."""
    return min(runs, key=lambda r: r.seconds)


def import_seconds(*args: str) -> float:
    """Seconds ``runload ARGS`` spent importing modules, from ``python -X importtime`` (the sum
    of the top-level imports; importtime itself adds a little)."""
    done = timed([sys.executable, "-X", "importtime", "-c", RUNLOAD, *map(str, args)])
    total_us = 0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # top level only
            total_us += int(cumulative)
    return total_us / 1e6


def machine_load() -> str:
    """The 1-, 5- and 15-minute load averages and the core count, for the printed figures."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
