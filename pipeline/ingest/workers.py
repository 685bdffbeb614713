"""Worker processes for a bulk import: one file that crashes its process costs only that file.

A decoder written in C (or a C extension under a Python one) can die on a hostile file with a
segfault that no ``except`` catches. In a process pool that breaks the whole pool
(``BrokenProcessPool``) and would stop the import. Here the files of the broken batch that had no
result yet run again, each alone in a fresh process: the file that crashes again is reported
through ``crashed``, the others get their results, and the next batch gets a new pool.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TypeVar

from pipeline import lifeline
from pipeline.lockfile import release_inherited_locks

Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_started() -> None:
    """First thing in every worker: end with the parent (a ``kill -9`` of ``runload`` must not
    leave workers running for good), and let go of the store's lock a forked worker inherited
    (only the parent holds it: a worker left behind must never keep the store locked)."""
    lifeline.die_with_parent()
    release_inherited_locks()


def process_pool(workers: int, *, preload: Sequence[str] = ()) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes: forked from the CLI (the imports are inherited: the FIT
    reader and the ``preload`` modules are imported here first, once, not in every worker),
    started from a fork server when threads run (Prefect tasks), where a fork is unsafe."""
    if threading.active_count() == 1:
        for module in ("pipeline.ingest.parse.fit", *preload):
            importlib.import_module(module)

        return ProcessPoolExecutor(max_workers=workers, initializer=worker_started,
                                   mp_context=multiprocessing.get_context("fork"))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.ingest.run", "pipeline.ingest.parse.fit",
                                "pipeline.ingest.parse.gpx", "pipeline.ingest.parse.tcx"])
    return ProcessPoolExecutor(max_workers=workers, initializer=worker_started, mp_context=ctx)


@dataclass
class Batch:
    """Items handed to ``Workers.submit``: their futures in ``pool``, or (no pool) their results."""

    fn: Callable
    items: Sequence
    crashed: Callable
    pool: ProcessPoolExecutor | None
    pending: list


class Workers:
    """Runs a function over the items of each batch, in parallel when the batch is large enough.

    ``workers`` processes are started on the first batch of at least ``min_items`` (smaller
    batches, or one worker, run in this process: start-up would cost more than it saves).
    """

    def __init__(self, workers: int, *, min_items: int):
        self.workers = workers
        self.min_items = min_items
        self.pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[Item], Result], items: Sequence[Item], *,
            crashed: Callable[[Item], Result]) -> list[Result]:
        """``fn(item)`` for each item, in order; ``crashed(item)`` for an item whose process died
        twice (in the pool, then alone). ``fn`` must pickle (a module-level function or a
        ``functools.partial`` of one)."""
        return self.collect(self.submit(fn, items, crashed=crashed))

    def submit(self, fn: Callable[[Item], Result], items: Sequence[Item], *,
               crashed: Callable[[Item], Result], preload: Sequence[str] = ()) -> Batch:
        """The batch ``fn`` runs on, started in the pool and not waited for (``collect`` it), so
        the caller can prepare the next batch meanwhile; a batch too small for the pool runs
        here at once. ``preload``: modules the workers will need, imported before they start."""
        if self.pool is None and self.workers > 1 and len(items) >= self.min_items:
            self.pool = process_pool(self.workers, preload=preload)
        if self.pool is None:
            return Batch(fn, items, crashed, None, [fn(item) for item in items])
        return Batch(fn, items, crashed, self.pool, [self.pool.submit(fn, item) for item in items])

    def collect(self, batch: Batch) -> list[Result]:
        """The results of a submitted batch, in order (see ``map``)."""
        if batch.pool is None:
            return batch.pending
        results: list = []
        for item, future in zip(batch.items, batch.pending):
            try:
                results.append(future.result())
            # a worker died: every unfinished future fails with it (or was cancelled when the
            # broken pool was closed while this batch waited in it)
            except (BrokenProcessPool, CancelledError):
                if self.pool is batch.pool:
                    self.close()  # later batches start a new pool
                results.append(alone(batch.fn, item, crashed=batch.crashed))
        return results

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def stop(self) -> None:
        """End the workers now, mid-file (Ctrl-C, SIGTERM, an error): nothing they hold is
        stored yet, and ``close`` would wait for each to finish its file."""
        if self.pool is not None:
            stop_pool(self.pool)
            self.pool = None


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's processes and shut it down without waiting for their work."""
    # ProcessPoolExecutor has no public way to end running work before Python 3.14
    # (terminate_workers); its process table is the one handle on the workers
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def alone(fn: Callable[[Item], Result], item: Item, *,
          crashed: Callable[[Item], Result]) -> Result:
    """``fn(item)`` in a fresh process of its own; ``crashed(item)`` when that process dies."""
    pool = process_pool(1)
    try:
        result = pool.submit(fn, item).result()
    except BrokenProcessPool:
        result = crashed(item)
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()
    return result
