"""``runload ingest``: inputs -> raw copies, parsed activities, de-duplicated store.

Flow of one import: walk the named paths (``sources``), copy each new input unchanged into
``data/raw/<athlete>/``, parse new activity files in batches (in parallel across cores for bulk
imports; the workers parse one batch while this process absorbs the previous one and reads the
next), merge twins (``dedupe``), write per-sample Parquet and then ``activities.parquet`` and the
ledger ``sources.parquet`` after the first batch, then every ``FLUSH_SECONDS`` or ``FLUSH_ROWS``,
and at the end, so an interrupted import resumes cleanly (a re-run re-parses what was not written
yet). ``activities.parquet`` is streamed through a row group at a time (``activity_table``): only
the activities changed since the last write are held in memory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections import deque
from datetime import UTC, datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import parquet_files, rawlog
from pipeline.config import Thresholds
from pipeline.files import atomic_write_bytes, locked
from pipeline.ingest.ledger import Ledger
from pipeline.ingest.names import storable_text, stored_name
from pipeline.ingest.parse.model import SampleColumns
# re-exported: callers and tests import these from here
from pipeline.ingest.parse_file import (  # noqa: F401
    CRASHED,
    activity_row,
    crashed_outcome,
    modules_needed,
    parse_leaf,
    stored_error,
)
from pipeline.ingest.progress import Progress, file_count
from pipeline.ingest.sources import Leaf, Refusal, TopInput, is_zip_name, leaves, top_inputs
from pipeline.ingest.summary import MAX_WARNING_LINES, IngestSummary, ParseOutcome  # noqa: F401
from pipeline.ingest.workers import Batch, Workers
from pipeline.paths import Store
from pipeline.profile import read_profile

if TYPE_CHECKING:
    from pipeline.ingest.activity_table import ActivityTable
    from pipeline.ingest.dedupe import TwinIndex

BATCH_FILES = 64
BATCH_BYTES = 64 * 2**20
FLUSH_SECONDS = 5.0  # at most this much parsed work is redone when a killed import is re-run
FLUSH_ROWS = 512  # and at most this many activities wait in memory for the next write
ACTIVITY_LOG = "activity"  # data/raw/<athlete>/log/activity_imports.jsonl
PARALLEL_MIN_FILES = 16  # below this, worker start-up costs more than it saves
# batches the workers hold while this process absorbs an older one: with one, they waited for
# the first absorb (pandas' import, the first write of the store) and for each flush
IN_FLIGHT = 2

# --- the import ------------------------------------------------------------------------------


class _Import:
    """State of one import into one athlete's store."""

    def __init__(self, store: Store, thresholds: Thresholds):
        self.store = store
        self.thresholds = thresholds
        self.summary = IngestSummary()
        self.ledger = Ledger(store)
        self.profile_timezone = read_profile(store).get("timezone")
        self.changed = False
        # resolved once: raw_copy and note_input run for every input
        self._raw_dir = store.raw_dir.resolve()
        self._raw_abs = store.raw_dir.absolute()
        self._made_dirs: set[Path] = set()
        # every input taken, noted in data/raw/<athlete>/log/ at each flush so a rebuild can
        # replay them in order under the names given (with the profile as it was then)
        self.noted: list[dict] = []
        self.unsynced: list[Path] = []  # samples files and raw copies written since the last flush
        self.profile_offset = _size(store.profile_log_path)
        self.added_offset = rawlog.added_size(store, ACTIVITY_LOG)  # nothing adds to it meanwhile

    # The stored activities and their twin index are read on first use, once the workers parse
    # the first batch: they need pandas, whose import (0.4 s) would otherwise come before any
    # parsing starts (the workers, forked before it, never import it for FIT files).
    @cached_property
    def table(self) -> ActivityTable:
        from pipeline.ingest.activity_table import ActivityTable

        return ActivityTable(self.store, fast_margin=self.thresholds.fast_margin)

    @cached_property
    def index(self) -> TwinIndex:
        from pipeline import store as st
        from pipeline.ingest.dedupe import TWIN_KEYS, TwinIndex

        return TwinIndex(st.read_activities(self.store, columns=TWIN_KEYS))

    def note_input(self, top: TopInput) -> None:
        """Record that ``top`` is being imported (written with the next flush)."""
        path = top.path.absolute()
        if path.is_relative_to(self._raw_abs):
            relative = path.relative_to(self._raw_abs)
        else:
            relative = self.store.raw_file_path(top.sha256, top.path.name).relative_to(
                self.store.raw_dir)
        self.noted.append(rawlog.import_entry(relative, top.source, sha256=top.sha256,
                                              added_offset=self.added_offset,
                                              profile_offset=self.profile_offset))

    # ledger -------------------------------------------------------------------------------
    def record(self, source: str, sha: str | None, status: str, *, reason=None, top=None,
               raw_path=None, activity_ids=()) -> None:
        self.ledger.record({
            "sha256": sha or "",
            "source_file": source,  # already stored_name'd where it was found (``sources``)
            "top_sha256": top.sha256 if top else None,
            # an inbox file is its own raw copy: its path may hold bytes that are not UTF-8
            "raw_path": stored_name(str(raw_path)) if raw_path else None,
            "status": status,
            "reason": storable_text(reason) if reason else reason,
            "activity_ids": list(activity_ids),
            "ingested_at_utc": datetime.now(UTC),
        })
        self.changed = True

    def quarantine(self, source: str, reason: str, data: bytes | None, *, unsafe=False,
                   sha=None, top=None) -> None:
        target = None
        if data is not None:
            sha = sha or _sha(data)
            target = self.store.quarantine_path(sha, source)
            if not target.exists():
                atomic_write_bytes(target, data)
            atomic_write_bytes(target.with_name(target.name + ".reason.txt"),
                                  f"{source}\n{reason}\n".encode("utf-8", "backslashreplace"))
        (self.summary.refused if unsafe else self.summary.quarantined).append((source, reason))
        self.record(source, sha, "refused" if unsafe else "quarantined", reason=reason,
                    top=top, raw_path=target)

    # raw copies ---------------------------------------------------------------------------
    def raw_copy(self, top: TopInput) -> Path:
        """The input's unchanged copy under data/raw/<athlete>/ (made once; inbox files stay)."""
        if top.path.resolve().is_relative_to(self._raw_dir):
            return top.path
        target = self.store.raw_file_path(top.sha256, top.path.name)
        # one mkdir for a new input (its content folder); the fan-out folders above it are
        # made once per import, and an existing content folder is the only case that stats
        fan_out = target.parent.parent
        if fan_out not in self._made_dirs:
            fan_out.mkdir(parents=True, exist_ok=True)
            self._made_dirs.add(fan_out)
        try:
            target.parent.mkdir()
        except FileExistsError:
            if target.exists():
                return target
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(top.path, tmp)
        os.replace(tmp, target)
        self.unsynced.append(target)
        return target

    # activities ---------------------------------------------------------------------------
    def absorb(self, outcome: ParseOutcome, *, top: TopInput) -> None:
        """Store one parsed input; an unexpected error storing it (a bug, or a value no store
        accepts) costs only this input: it is quarantined with the reason, the rest goes on."""
        lists = {name: len(v) for name, v in vars(self.summary).items() if isinstance(v, list)}
        try:
            self._absorb(outcome, top=top)
        except (OSError, MemoryError):  # the machine, not the input: the import stops
            raise
        except Exception as e:
            for activity_id in self.summary.new[lists["new"]:]:  # nothing stays half-stored
                self._forget(activity_id)
            for row, _ in outcome.activities:  # samples a worker wrote under the row's own id
                if self.table.get(row["activity_id"]) is None:
                    self.store.samples_path(row["activity_id"]).unlink(missing_ok=True)
            for name, length in lists.items():
                del getattr(self.summary, name)[length:]
            leaf = outcome.leaf
            data = leaf.data or (_read_bytes(top.path) if leaf.source == top.source else None)
            self.quarantine(leaf.source, stored_error(e), data, sha=leaf.sha256, top=top)

    def _forget(self, activity_id: str) -> None:
        """Take an activity of this import back out (table, twin index, and its samples unless
        an earlier import stored it)."""
        stored_before = self.table.discard(activity_id)
        self.index.discard(activity_id)
        if not stored_before:
            self.store.samples_path(activity_id).unlink(missing_ok=True)

    def _absorb(self, outcome: ParseOutcome, *, top: TopInput) -> None:
        leaf = outcome.leaf
        if outcome.status in ("quarantined", "refused"):
            self.quarantine(leaf.source, outcome.reason, leaf.data, sha=leaf.sha256, top=top,
                            unsafe=outcome.status == "refused")
            return
        raw_path = self.raw_copy(top)
        if leaf.source != top.source:
            raw_path = f"{raw_path}!{leaf.source.split('!', 1)[1]}"
        if outcome.status == "not_activity":
            self.summary.not_activity.append((leaf.source, outcome.reason))
            self.record(leaf.source, leaf.sha256, "not_activity", reason=outcome.reason,
                        top=top, raw_path=raw_path)
            return
        if outcome.status == "partial":
            self.summary.partial.append((leaf.source, outcome.reason))
        self.summary.warnings += [(leaf.source, w) for w in dict.fromkeys(outcome.warnings)]
        if outcome.fallback:
            self.summary.fallback.append(leaf.source)
        ids = []
        for worker_row, samples in outcome.activities:
            row = with_pandas_times(worker_row)
            twin = self.index.twin_of(row, thresholds=self.thresholds)
            if twin is None:
                self._write_samples(row["activity_id"], samples)
                self.unsynced.append(self.store.samples_path(row["activity_id"]))
                self.table.put(row)
                self.index.add(row)
                self.summary.new.append(row["activity_id"])
                ids.append(row["activity_id"])
                continue
            from pipeline.ingest.dedupe import merged  # loaded with the twin index

            combined, use_new = merged(self.table.get(twin["activity_id"]), row)
            if use_new:
                self._write_samples(combined["activity_id"], samples, staged=row["activity_id"])
                self.unsynced.append(self.store.samples_path(combined["activity_id"]))
                self.summary.updated.append(combined["activity_id"])
            elif samples is None and row["activity_id"] != combined["activity_id"]:
                # the worker wrote the poorer twin's samples: not wanted (but when a killed run
                # is resumed, the "twin" can be this very activity: its file is the kept one)
                self.store.samples_path(row["activity_id"]).unlink(missing_ok=True)
            self.table.put(combined)
            self.index.replace(combined["activity_id"], combined)
            self.summary.duplicates.append(leaf.source)
            ids.append(combined["activity_id"])
        self.record(leaf.source, leaf.sha256, outcome.status, reason=outcome.reason, top=top,
                    raw_path=raw_path, activity_ids=ids)

    def same_bytes(self, leaf: Leaf) -> None:
        """A file whose bytes are already in the store: only its name is added to the sources."""
        if self.ledger.has_name(leaf.source):
            return
        previous_source, previous_ids = self.ledger.first_with(leaf.sha256)
        for activity_id in previous_ids:
            row = self.table.get(activity_id)
            if row is not None and leaf.source not in row["source_files"]:
                self.table.put({**row, "source_files": list(row["source_files"]) + [leaf.source]})
        self.summary.duplicates.append(leaf.source)
        self.record(leaf.source, leaf.sha256, "duplicate",
                    reason=f"same content as {previous_source}", activity_ids=previous_ids)

    def _write_samples(self, activity_id: str, samples: SampleColumns | None, *,
                       staged: str | None = None) -> None:
        """Samples stored under ``activity_id``; ``None``: the worker wrote them under ``staged``
        (the row's own id), moved here when a twin keeps its older id."""
        if samples is not None:
            parquet_files.write_sample_columns(self.store, activity_id, samples, durable=False)
        elif staged is not None and staged != activity_id:
            os.replace(self.store.samples_path(staged), self.store.samples_path(activity_id))

    def flush(self) -> None:
        """Write activities and the ledger (activities first: a re-run re-parses, never loses).

        A row the store refuses (a value out of any range, a bug) would fail every write and so
        the whole import, on every re-run: the rows are then checked one by one, and the input
        of each refused row is quarantined with the reason instead of stored."""
        rawlog.record_imports(self.store, ACTIVITY_LOG, self.noted)
        self.noted = []
        if not self.changed:
            return
        # the samples and raw copies they refer to reach the disk first (written without an
        # fsync each: synced here together)
        parquet_files.sync_writes(self.store, self.unsynced)
        self.unsynced = []
        try:
            self.table.write()
        except (OSError, MemoryError):
            raise
        except Exception:
            self._drop_unstorable_rows()
            self.table.write()
        self.ledger.write()
        self.changed = False

    def _drop_unstorable_rows(self) -> None:
        for activity_id, error in self.table.unstorable_rows():
            reason = stored_error(error)
            self._forget(activity_id)
            with contextlib.suppress(ValueError):
                self.summary.new.remove(activity_id)
            for source in self.ledger.unwritten_sources_of(activity_id):
                for name in ("partial", "warnings"):
                    setattr(self.summary, name,
                            [p for p in getattr(self.summary, name) if p[0] != source])
                self.summary.quarantined.append((source, reason))
                self.ledger.requalify(source, status="quarantined", reason=reason)


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _sha(data: bytes) -> str:
    from pipeline.ingest.sources import bytes_sha256

    return bytes_sha256(data)


def with_pandas_times(row: dict) -> dict:
    """A worker's activity row with its times as pandas Timestamps, as the store's rows hold them
    (the workers give ``datetime``s: they do without pandas)."""
    import pandas as pd

    times = {"start_time_utc": pd.Timestamp(row["start_time_utc"]).tz_convert("UTC")}
    if row.get("local_date") is not None:
        times["local_date"] = pd.Timestamp(row["local_date"])
    return {**row, **times}


def ingest_paths(paths: list[str], store: Store, *, thresholds: Thresholds,
                 progress: bool = False, workers: int | None = None,
                 parse=None, inputs=None, note_inputs: bool = True) -> IngestSummary:
    """Import files, folders and archives into ``store``; see the module docstring.

    ``parse(leaves, *, profile_timezone, thresholds) -> list[ParseOutcome]`` replaces the
    built-in parallel parse (the Prefect flow passes one cached on each file's content hash).
    ``inputs`` (``TopInput``s) replaces walking ``paths`` (a rebuild replays the raw copies under
    the names first given); ``note_inputs=False`` leaves the raw import log as it is.
    """
    started = time.perf_counter()
    workers = workers or min(os.cpu_count() or 1, 8)
    with locked(store):
        job = _Import(store, thresholds)
        bar = Progress(paths, enabled=progress)
        pool = Workers(workers, min_items=PARALLEL_MIN_FILES)
        batch: list[tuple[Leaf, TopInput]] = []
        batch_bytes = 0
        # the batches the workers parse while this process absorbs an older one and reads the
        # next: (items, outcomes), oldest first
        in_flight: deque[tuple[list[tuple[Leaf, TopInput]], Batch]] = deque()
        unsettled: set[str] = set()  # the content hashes read but not absorbed yet
        last_flush: float | None = None

        def absorb(items: list[tuple[Leaf, TopInput]], submitted: Batch) -> None:
            nonlocal last_flush
            for outcome, (_, top) in zip(pool.collect(submitted), items):
                job.absorb(outcome, top=top)
            # the store is rewritten after the first batch, then every FLUSH_SECONDS or
            # FLUSH_ROWS (a killed import re-parses what was not flushed yet) and at the end
            if (last_flush is None or time.perf_counter() - last_flush >= FLUSH_SECONDS
                    or job.table.unwritten() >= FLUSH_ROWS):
                job.flush()
                last_flush = time.perf_counter()
            bar.advance(len(items))

        def run_batch(*, settle: bool = False) -> None:
            """Start parsing the batch just read, then absorb the oldest batch beyond
            ``IN_FLIGHT`` (so the workers parse while this process absorbs and reads);
            ``settle``: absorb every batch."""
            nonlocal batch, batch_bytes
            if batch:
                leaves_ = [b[0] for b in batch]
                if parse is not None:
                    submitted = Batch(None, leaves_, None, None,
                                      parse(leaves_, profile_timezone=job.profile_timezone,
                                            thresholds=thresholds))
                else:  # a file that crashes its worker process is quarantined, the rest goes on
                    submitted = pool.submit(
                        partial(parse_leaf, profile_timezone=job.profile_timezone,
                                thresholds=thresholds, store=store),
                        leaves_, crashed=crashed_outcome, preload=modules_needed(leaves_))
                in_flight.append((batch, submitted))
                batch, batch_bytes = [], 0
            while len(in_flight) > (0 if settle else IN_FLIGHT):
                items, submitted = in_flight.popleft()
                absorb(items, submitted)
                unsettled.difference_update(leaf.sha256 for leaf, _ in items)

        try:
            for item in top_inputs(paths) if inputs is None else inputs:
                if isinstance(item, Refusal):
                    _refusal(job, item)
                    bar.advance(0 if item.skipped else 1)
                    continue
                if job.ledger.imported(item.source, item.sha256):
                    bar.advance(file_count(item.path))
                    continue  # this very input was imported before: nothing to do
                if is_zip_name(item.path.name):
                    bar.reading(item.source)
                if note_inputs:
                    job.note_input(item)
                for leaf in leaves(item, thresholds=thresholds):
                    if isinstance(leaf, Refusal):
                        _refusal(job, leaf, top=item)
                        bar.advance(0 if leaf.skipped else 1)
                        continue
                    if leaf.sha256 in unsettled:
                        run_batch(settle=True)  # the same bytes twice in one import: settle first
                    if job.ledger.has_content(leaf.sha256):
                        job.same_bytes(leaf)
                        bar.advance(1)
                    else:
                        batch.append((leaf, item))
                        unsettled.add(leaf.sha256)
                        batch_bytes += len(leaf.data)
                        if len(batch) >= BATCH_FILES or batch_bytes >= BATCH_BYTES:
                            run_batch()
                if item.path.suffix.lower() == ".zip":
                    job.record(item.source, item.sha256, "archive", top=item,
                               raw_path=job.raw_copy(item))
            run_batch(settle=True)
            job.flush()
        except BaseException:  # Ctrl-C, SIGTERM, an error: the workers end now, not at their
            pool.stop()        # next file (what they parsed was not stored yet: a re-run does)
            raise
        finally:
            pool.close()
            bar.close()
    job.summary.seconds = time.perf_counter() - started
    job.summary.quarantine_dir = f"{store.quarantine_dir}/"
    return job.summary


def _refusal(job: _Import, item: Refusal, *, top: TopInput | None = None) -> None:
    if item.skipped:
        job.summary.skipped += 1
        return
    job.quarantine(item.source, item.reason, item.data, unsafe=item.unsafe, top=top)


