"""Prefect orchestration: the plain stage functions wrapped as tasks and flows.

The only module that imports Prefect. Analysis code stays undecorated (notebooks and tests call
the same functions without Prefect); here they become tasks with ``task(name=...)(fn)``:

* ``ingest``: what is new in ``data/raw/<athlete>/inbox/`` (or the given inputs) into the store;
  activity files are parsed by ``parse_files``, cached on the files' *content* hashes, in chunks
  of ``PARSE_CHUNK_BYTES`` so Prefect's per-task cost stays small next to the parsing.
* ``analyze`` and ``report``: ``pipeline.analysis.analyze`` and ``pipeline.report.write_reports``.
* ``athlete_pipeline`` (one athlete end to end) and ``all_athletes`` (every athlete under the data
  folder; on a Dask cluster with ``dask_address``).

Prefect's settings are set by ``pipeline.prefect_defaults`` (imported before Prefect). Served
flows still send their logs to the Prefect API for the UI.
"""

# no ``from __future__ import annotations``: Prefect validates a served flow's parameters from
# its annotations, which must then be real types
import pipeline.prefect_defaults  # noqa: F401  (first: Prefect reads the environment at import)

import hashlib
import logging
import os
import threading
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from prefect import flow, task
from prefect.context import FlowRunContext, TaskRunContext

from pipeline import painlog, rehab
from pipeline import store as st
from pipeline.analysis import analyze
from pipeline.code_version import code_version
from pipeline.config import Settings, Thresholds
from pipeline.errors import (
    InputError,
    PainLogError,
    RehabLogError,
    RunloadError,
    StoreLockedError,
    UsageError,
)
from pipeline.ingest import run as ingest_run
from pipeline.ingest.parse_file import parse_leaf
from pipeline.ingest.summary import ParseOutcome
from pipeline.ingest.sources import Leaf
from pipeline.prefect_server import local_prefect_server, temporary_server_stops_with_runload
from pipeline.rehab.parse import is_rehab_csv
from pipeline.report import write_reports

logging.getLogger("sqlalchemy").setLevel(logging.CRITICAL)  # same shutdown noise, other logger

PARSE_CHUNK_BYTES = 512 * 2**10  # ~8 one-hour 1 Hz FIT runs: seconds of work per task
CACHE_EXPIRATION = timedelta(days=60)
DASK_LOCAL_WORKERS = 2


# --- parsing, cached on content --------------------------------------------------------------


_PARSER_VERSION_LOCK = threading.Lock()


@cache
def _parser_version() -> str:
    return code_version("pipeline.ingest.parse_file")


def parser_version() -> str:
    """Hash of every module a parse runs (``parse_leaf`` and all it imports from ``pipeline``,
    recursively): a reader or schema fix invalidates every cached parse. Computed once, under a
    lock: Prefect computes cache keys in several threads at once, and ``ast.parse`` in two
    threads at once can fail on Python 3.11 ("AST constructor recursion depth mismatch")."""
    with _PARSER_VERSION_LOCK:
        return _parser_version()


def parse_cache_key(context, parameters: dict) -> str:
    """Cache key of a ``parse_files`` run: the files' bytes (their SHA-256, computed from the
    bytes when read), never their names, plus what else shapes the outcome."""
    h = hashlib.sha256(parser_version().encode())
    h.update(repr(parameters.get("profile_timezone")).encode())
    h.update(repr(parameters.get("thresholds")).encode())
    for leaf in parameters["leaves"]:
        h.update(leaf.sha256.encode())
        h.update(repr(sorted((leaf.metadata or {}).items())).encode())  # Strava CSV name/sport
    return f"parse-{h.hexdigest()}"


def parse_files(leaves: list[Leaf], *, profile_timezone: str | None,
                thresholds: Thresholds) -> list[ParseOutcome]:
    """``parse_leaf`` over a chunk of files; outcomes keep no file bytes (the cache stays small)."""
    outcomes = [parse_leaf(leaf, profile_timezone=profile_timezone, thresholds=thresholds)
                for leaf in leaves]
    return [replace(o, leaf=replace(o.leaf, data=b"")) for o in outcomes]


parse_files_task = task(name="parse-files", cache_key_fn=parse_cache_key, persist_result=True,
                        cache_expiration=CACHE_EXPIRATION)(parse_files)


def chunks(leaves: list[Leaf], *, max_bytes: int = PARSE_CHUNK_BYTES) -> list[list[Leaf]]:
    """Leaves grouped in content order into chunks of at most ``max_bytes`` (one file at least).

    Content order keeps a chunk's members, and so its cache key, independent of names and of the
    other files in the import."""
    out: list[list[Leaf]] = []
    size = 0
    for leaf in sorted(leaves, key=lambda x: x.sha256):
        if not out or size + len(leaf.data) > max_bytes:
            out.append([])
            size = 0
        out[-1].append(leaf)
        size += len(leaf.data)
    return out


def _rebound(outcome: ParseOutcome, leaf: Leaf) -> ParseOutcome:
    """A cached outcome re-attached to this import's file (its name, bytes and metadata)."""
    activities = [({**row, "source_files": [leaf.source]}, samples)
                  for row, samples in outcome.activities]
    return replace(outcome, leaf=leaf, activities=activities)


def cached_parse(batch: list[Leaf], *, profile_timezone: str | None, thresholds: Thresholds,
                 cache_dir: Path, max_bytes: int = PARSE_CHUNK_BYTES) -> list[ParseOutcome]:
    """Outcomes for ``batch`` in its order, parsed by cached ``parse-files`` tasks."""
    parse = parse_files_task.with_options(result_storage=Path(cache_dir))
    groups = chunks(batch, max_bytes=max_bytes)
    kwargs = dict(profile_timezone=profile_timezone, thresholds=thresholds)
    context = FlowRunContext.get()
    # Inside a task (e.g. an athlete's ingest on a Dask worker), submitting more tasks and waiting
    # for them can deadlock a cluster whose workers are all busy waiting: parse inline there.
    in_task = TaskRunContext.get() is not None
    if context is not None and context.task_runner is not None and not in_task:
        futures = [parse.submit(group, **kwargs) for group in groups]
        results = [future.result() for future in futures]
    else:  # called from a task on a worker, or outside a flow: one after the other
        results = [parse(group, **kwargs) for group in groups]
    by_sha: dict[str, ParseOutcome] = {}
    for group, outcomes in zip(groups, results):
        for leaf, outcome in zip(group, outcomes):
            by_sha[leaf.sha256] = outcome
    return [_rebound(by_sha[leaf.sha256], leaf) for leaf in batch]


# --- stages as tasks ---------------------------------------------------------------------------


def ingest_inputs(inputs: list[str], *, data_dir: Path, athlete: str,
                  thresholds: Thresholds) -> dict:
    """Activity files and pain-log CSVs among ``inputs`` into the athlete's store; a summary.

    ``{"ingest": IngestSummary.as_dict(), "pain_logs": [...], "rehab_logs": [...],
    "rejected": [(source, reason)]}``; a CSV with an ``exercise`` column is a rehab log.
    """
    store = st.Store(Path(data_dir), athlete)
    activity_inputs = [p for p in inputs if not p.lower().endswith(".csv")]
    pain_inputs = [p for p in inputs if p.lower().endswith(".csv")]
    summary = None
    rejected: list[tuple[str, str]] = []
    if activity_inputs:
        cache_dir = st.parse_cache_dir(Path(data_dir))

        def parse(batch, *, profile_timezone, thresholds):
            return cached_parse(batch, profile_timezone=profile_timezone,
                                thresholds=thresholds, cache_dir=cache_dir)

        summary = ingest_run.ingest_paths(activity_inputs, store, thresholds=thresholds,
                                          progress=False, parse=parse)
        rejected += summary.rejected
    pain_logs, rehab_logs = [], []
    for path in pain_inputs:
        try:
            if is_rehab_csv(path):
                rehab_logs.append(rehab.import_csv(store, path).as_dict())
            else:
                pain_logs.append(painlog.import_csv(store, path).as_dict())
        except (PainLogError, RehabLogError) as e:
            rejected.append((path, f"{len(e.problems)} invalid row(s), nothing was merged: "
                                   + "; ".join(f"line {n}: {why}" for n, why in e.problems)))
        except InputError as e:
            rejected.append((path, e.reason))
    return {"ingest": summary.as_dict() if summary else None, "pain_logs": pain_logs,
            "rehab_logs": rehab_logs, "rejected": rejected}


def inbox_inputs(data_dir: Path, athlete: str) -> list[str]:
    """Everything in ``data/raw/<athlete>/inbox/`` (files and folders), sorted; [] without one."""
    inbox = st.Store(Path(data_dir), athlete).inbox_dir
    if not inbox.is_dir():
        return []
    return [str(p) for p in sorted(inbox.iterdir()) if not p.name.startswith(".")]


def analyze_athlete(data_dir: Path, athlete: str, *, as_of: date | None,
                    thresholds: Thresholds) -> dict:
    """The athlete's recommendation (``analyze``), or None when there is nothing to analyse."""
    store = st.Store(Path(data_dir), athlete)
    if st.read_activities(store).empty and painlog.pain_log(store).empty:
        return None
    return analyze(store, as_of=as_of, thresholds=thresholds)


def retry_can_help(task, task_run, state) -> bool:
    """Retry only failures a second try can pass: OS errors (an inbox on a synced folder
    mid-copy, a network drive) and another runload holding the store's lock for a moment."""
    try:
        state.result()
    except (OSError, StoreLockedError):
        return True
    except BaseException:
        return False
    return False


# ingesting is idempotent (content hashes), so a retry is safe. Nothing else retries.
ingest_task = task(name="ingest", retries=2, retry_delay_seconds=3,
                   retry_condition_fn=retry_can_help)(ingest_inputs)
inbox_task = task(name="inbox")(inbox_inputs)
analyze_task = task(name="analyze")(analyze_athlete)
report_task = task(name="report")(write_reports)


# --- flows -------------------------------------------------------------------------------------


def _settings(data_dir: str, reports_dir: str) -> Settings:
    return Settings(data_dir=Path(data_dir), reports_dir=Path(reports_dir))


def _athlete_update(settings: Settings, athlete: str, as_of: date | None,
                    inputs: list[str] | None) -> dict:
    """Ingest (inbox or ``inputs``) and analyse one athlete; the per-athlete result."""
    if inputs is None:
        inputs = inbox_task(settings.data_dir, athlete)
    ingested = ingest_task(inputs, data_dir=settings.data_dir, athlete=athlete,
                           thresholds=settings.thresholds) if inputs else \
        {"ingest": None, "pain_logs": [], "rehab_logs": [], "rejected": []}
    rec = analyze_task(settings.data_dir, athlete, as_of=as_of, thresholds=settings.thresholds)
    return {"athlete": athlete, **ingested, "recommendation": rec}


athlete_update_task = task(name="athlete-update")(_athlete_update)


def _utc_now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def announced(f):
    """``f``'s result, and with ``announce=True`` one printed line per run (``runload serve``:
    Prefect streams a served run's output to the terminal that serves it; its own logs are
    off), also when the run fails."""
    from functools import wraps

    from pipeline.cli_text import run_line

    @wraps(f)
    def wrapper(*args, announce: bool = False, **kwargs):
        try:
            result = f(*args, **kwargs)
        except Exception as e:
            if announce:
                print(f"{_utc_now()}  run failed: {e}", flush=True)
            raise
        if announce:
            print(run_line(result, when=_utc_now()), flush=True)
        return result

    return wrapper


@flow(name="athlete-pipeline", log_prints=False)
def athlete_pipeline(data_dir: str, reports_dir: str, athlete: str, as_of: date | None = None,
                     inputs: list[str] | None = None, announce: bool = False) -> dict:
    """One athlete end to end: ingest the inbox (or ``inputs``), analyse, report; with
    ``announce`` one line per run is printed (``runload serve``)."""
    return announced(_athlete_pipeline)(data_dir, reports_dir, athlete, as_of, inputs,
                                        announce=announce)


def _athlete_pipeline(data_dir: str, reports_dir: str, athlete: str, as_of: date | None,
                      inputs: list[str] | None) -> dict:
    settings = _settings(data_dir, reports_dir)
    result = _athlete_update(settings, athlete, as_of, inputs)
    reports = []
    if result["recommendation"] is not None:
        reports = report_task(settings, athlete=athlete, as_of=as_of)
    return _combined([result], reports)


@flow(name="all-athletes")
def all_athletes(data_dir: str, reports_dir: str, as_of: date | None = None,
                 announce: bool = False) -> dict:
    """Every athlete under the data folder: per-athlete ingest and analysis side by side on the
    task runner (a Dask cluster with ``--dask-address``), then every report and the index;
    with ``announce`` one line per run is printed (``runload serve``)."""
    return announced(_all_athletes)(data_dir, reports_dir, as_of, announce=announce)


def _all_athletes(data_dir: str, reports_dir: str, as_of: date | None) -> dict:
    settings = _settings(data_dir, reports_dir)
    names = st.athletes(settings.data_dir)
    if not names:
        raise RunloadError(f"no athletes under {settings.data_dir}: put files in "
                           "data/raw/<athlete>/inbox/ or run `runload ingest` first")
    futures = [athlete_update_task.submit(settings, name, as_of, None) for name in names]
    results = [f.result() for f in futures]
    reports = []
    if any(r["recommendation"] is not None for r in results):
        reports = report_task(settings, athlete=None, as_of=as_of)
    return _combined(results, reports)


def _combined(results: list[dict], reports: list[Path]) -> dict:
    rejected = [{"athlete": r["athlete"], "source": s, "reason": why}
                for r in results for s, why in r["rejected"]]
    return {
        "athletes": [{**r, "rejected": [{"source": s, "reason": why} for s, why in r["rejected"]]}
                     for r in results],
        "reports": [str(p) for p in reports],
        "rejected": rejected,
    }


def dask_runner(address: str):
    """A Prefect Dask task runner: ``"local"`` starts a local cluster of worker processes."""
    from prefect_dask import DaskTaskRunner

    if address == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": DASK_LOCAL_WORKERS,
                                              "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    return DaskTaskRunner(address=address)


# --- command-line hooks --------------------------------------------------------------------------


def _server_stops_with_runload() -> None:
    """Prefect's temporary API server (started when no ``PREFECT_API_URL`` is set) ends with
    this process, even when it is killed (``prefect_server``)."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        temporary_server_stops_with_runload()


def run_cli(settings: Settings, *, athlete: str | None, as_of: date | None,
            dask_address: str | None) -> dict:
    """``runload run [--all]``: the flow for one athlete, or for every athlete."""
    data_dir, reports_dir = str(settings.data_dir), str(settings.reports_dir)
    if athlete is None:
        f = all_athletes
        kwargs = dict(data_dir=data_dir, reports_dir=reports_dir, as_of=as_of)
    else:
        f = athlete_pipeline
        kwargs = dict(data_dir=data_dir, reports_dir=reports_dir, athlete=athlete, as_of=as_of)
    if dask_address:
        f = f.with_options(task_runner=dask_runner(dask_address))
    _server_stops_with_runload()
    return f(**kwargs)


def demo_cli(settings: Settings, *, demo_dir: Path, athlete: str) -> dict:
    """``runload demo``: write the demo athlete's files (``demo.folder.demo_folder``) and run the
    athlete's flow on them."""
    from pipeline.demo.folder import demo_folder

    folder = demo_folder(settings, demo_dir=demo_dir, athlete=athlete)
    _server_stops_with_runload()
    result = athlete_pipeline(data_dir=str(folder.data_dir), reports_dir=str(folder.reports_dir),
                              athlete=athlete, inputs=folder.inputs)
    return {**result, "demo_dir": str(folder.demo_dir), "files": str(folder.files_dir),
            "data_dir": str(folder.data_dir), "reports_dir": str(folder.reports_dir)}


def serve_cli(settings: Settings, *, athlete: str | None, interval_minutes: float) -> None:
    """``runload serve``: the run flow as a Prefect deployment on an interval schedule.

    With ``PREFECT_API_URL`` set (e.g. to a ``prefect server start``), the deployment, its runs
    and their logs show in that server's UI. Without it, a private Prefect server is started on a
    free local port for as long as this runs (Prefect's temporary in-process server cannot
    schedule), and its UI address is printed."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if interval_minutes <= 0:
        raise UsageError("--interval-minutes must be positive")
    data_dir = str(Path(settings.data_dir).resolve())
    reports_dir = str(Path(settings.reports_dir).resolve())
    if athlete is None:
        f, name = all_athletes, "runload-all"
        parameters = {"data_dir": data_dir, "reports_dir": reports_dir, "announce": True}
    else:
        f, name = athlete_pipeline, f"runload-{athlete}"
        parameters = {"data_dir": data_dir, "reports_dir": reports_dir, "athlete": athlete,
                      "announce": True}

    def serve() -> None:
        print(f"serving deployment {f.name}/{name}: a run every {interval_minutes:g} min,"
              " one line per run (Ctrl-C stops)", flush=True)
        f.serve(name=name, interval=timedelta(minutes=interval_minutes), parameters=parameters,
                print_starting_message=False)

    if PREFECT_API_URL.value():
        print(f"Prefect API: {PREFECT_API_URL.value()}")
        serve()
        return
    import signal

    def stop(signum, frame):  # a service manager's SIGTERM: stop the private server too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with local_prefect_server() as url, temporary_settings({PREFECT_API_URL: url}):
        os.environ["PREFECT_API_URL"] = url  # the runs execute in child processes
        print(f"Prefect UI: {url.removesuffix('/api')}  (a private server; stops with this)")
        serve()
