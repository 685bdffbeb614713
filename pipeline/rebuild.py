"""``runload rebuild``: recreate ``data/processed/<athlete>/`` from ``data/raw/<athlete>/``.

What ``data/raw/`` holds is enough: the raw copy of every input with the name it was given and
the profile as it was when it was imported (``log/activity_imports.jsonl``), the imported
pain-log and rehab-log CSVs and the entries added on the command line, in order
(``log/pain_*``, ``log/rehab_*``), and every profile change (``log/profile.jsonl``). The rebuild replays them in that order through the same
code an import uses, then recomputes the analysis. The processed files there before are moved
to ``.before-rebuild/`` first and deleted once the rebuild has finished (kept if it fails).

Stores from before the logs existed: the raw copies no record covers are replayed first, under
the names the old ledger gives them (if it can still be read) or their own file names; the
profile and the command-line pain and rehab entries are copied from the processed files to the logs
first, when those can still be read.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import rawlog
from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.errors import DamagedStoreError, RunloadError
from pipeline.ingest.run import ACTIVITY_LOG, ingest_paths
from pipeline.ingest.sources import TopInput
from pipeline.painlog.add import LOG as PAIN_LOG
from pipeline.painlog.commands import fold_added_entries, import_names, rebuild_pain_log
from pipeline.profile import profile_from_log, seed_profile_log, write_profile
from pipeline.rehab.add import LOG as REHAB_LOG
from pipeline.rehab.commands import fold_added_entries as fold_added_rehab_entries
from pipeline.rehab.commands import import_names as rehab_import_names
from pipeline.rehab.commands import rebuild_rehab_log

ASIDE = ".before-rebuild"


@dataclass
class RebuildSummary:
    """What ``rebuild`` recreated."""

    athlete: str
    inputs: int = 0
    activities: int = 0
    pain_entries: int = 0
    rehab_entries: int = 0
    profile: dict = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    analysed_as_of: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def text(self) -> str:
        lines = [f"{self.athlete}: rebuilt data/processed/ from data/raw/: {self.activities} "
                 f"activities from {self.inputs} inputs, {self.pain_entries} pain entries, "
                 f"{self.rehab_entries} rehab entries, "
                 f"profile with {len(self.profile)} settings"
                 + (f", analysed as of {self.analysed_as_of}" if self.analysed_as_of else "")]
        lines += [f"  {line}" for line in self.left_out]
        return "\n".join(lines)


def rebuild(store: st.Store, *, thresholds: Thresholds | None = None,
            as_of: date | None = None) -> RebuildSummary:
    """Recreate the athlete's processed data from the raw side (see the module docstring);
    ``as_of`` for the analysis (default: that of the recommendation being replaced, else today).
    """
    if not store.raw_dir.is_dir():
        raise RunloadError(f"nothing to rebuild for athlete {store.athlete!r}: "
                           f"{store.raw_dir} does not exist")
    thresholds = thresholds or Thresholds()
    summary = RebuildSummary(store.athlete)
    with st.locked(store):
        _seed_logs(store)  # before anything is moved: a rebuild stopped half-way loses nothing
        as_of = as_of or _previous_as_of(store)
        aside = _move_aside(store)
    summary.inputs = _replay_activities(store, thresholds, summary.left_out)
    summary.profile = profile_from_log(store)
    if summary.profile:
        write_profile(store, summary.profile)
    with st.locked(store):
        summary.pain_entries, problems = rebuild_pain_log(store)
        summary.rehab_entries, rehab_problems = rebuild_rehab_log(store)
    summary.left_out += problems + rehab_problems
    summary.activities = len(st.read_activities(store, columns=["activity_id"]))
    summary.analysed_as_of = _analysed(store, thresholds, as_of)
    shutil.rmtree(aside, ignore_errors=True)
    return summary


# --- before: what the processed side alone still knows --------------------------------------


def _seed_logs(store: st.Store) -> None:
    """Copy to the raw logs what only the processed files hold (a store from before the logs),
    when they can be read: the profile, the command-line pain entries, and the names the old
    ledger, pain log and rehab log give the raw copies no import record covers."""
    with contextlib.suppress(DamagedStoreError, OSError):
        seed_profile_log(store, st.read_profile(store))
    with contextlib.suppress(DamagedStoreError, OSError, ValueError):
        fold_added_entries(store)  # seeds the added log from an older pain log's CLI entries
    with contextlib.suppress(DamagedStoreError, OSError, ValueError):
        fold_added_rehab_entries(store)  # the same for the rehab log
    rawlog.note_older_imports(store, PAIN_LOG, raw_dir=store.raw_pain_dir,
                              older_names=_pain_import_names(store))
    rawlog.note_older_imports(store, REHAB_LOG, raw_dir=store.raw_rehab_dir,
                              older_names=_rehab_import_names(store))
    older = _older_inputs(store, _ledger_names(store))
    rawlog.record_imports(store, ACTIVITY_LOG, [
        rawlog.import_record(store, ACTIVITY_LOG, top.path, top.source, sha256=top.sha256,
                             older=True) for top in older])


def _ledger_names(store: st.Store) -> dict[str, str]:
    """The old ledger's name of each raw copy (absolute raw path -> name given)."""
    names: dict[str, str] = {}
    with contextlib.suppress(DamagedStoreError, OSError, ValueError):
        sources = st.read_sources(store)
        for raw_path, source in zip(sources["raw_path"], sources["source_file"], strict=True):
            if isinstance(raw_path, str) and raw_path:
                names.setdefault(str(Path(raw_path).absolute()), source)
    return names


def _pain_import_names(store: st.Store) -> dict[str, str]:
    with contextlib.suppress(DamagedStoreError, OSError, ValueError):
        return import_names(st.read_pain_log(store))
    return {}


def _rehab_import_names(store: st.Store) -> dict[str, str]:
    with contextlib.suppress(DamagedStoreError, OSError, ValueError):
        return rehab_import_names(st.read_rehab_log(store))
    return {}


def _previous_as_of(store: st.Store) -> date | None:
    with contextlib.suppress(DamagedStoreError, OSError, ValueError, KeyError, TypeError):
        if store.recommendation_path.exists():
            return date.fromisoformat(st.read_recommendation(store)["as_of"])
    return None


def _move_aside(store: st.Store) -> Path:
    """Move every processed file of the athlete (not the lock) into ``.before-rebuild/``."""
    aside = store.processed_dir / ASIDE
    shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir(parents=True)
    for path in store.processed_dir.iterdir():
        if path.name not in (".lock", ASIDE):
            path.rename(aside / path.name)
    return aside


# --- activities --------------------------------------------------------------------------------


def _replay_activities(store: st.Store, thresholds: Thresholds, left_out: list[str]) -> int:
    """Import every raw input again, in the order first imported, each batch with the profile
    that import saw; how many inputs were replayed."""
    steps = _recorded_inputs(store, left_out)
    batch: list[TopInput] = []
    batch_offset = None
    for offset, top in [*steps, (None, None)]:
        if batch and (top is None or offset != batch_offset):
            write_profile(store, profile_from_log(store, until=batch_offset))
            ingest_paths([], store, thresholds=thresholds, inputs=batch, note_inputs=False)
            batch = []
        if top is not None:
            batch.append(top)
            batch_offset = offset
    store.profile_path.unlink(missing_ok=True)  # rewritten from the whole log by the caller
    return len(steps)


def _recorded_inputs(store: st.Store, left_out: list[str]) -> list[tuple[int | None, TopInput]]:
    steps = []
    quarantined = _quarantined_by_name(store)
    for record in rawlog.recorded_imports(store, ACTIVITY_LOG):
        sha, source = record.get("sha256") or "", record["source"]
        path = _existing(store.raw_dir / record["raw"], store.quarantine_path(sha, source),
                         quarantined.get(source))
        if path is None:
            left_out.append(f"{source}: left out (its raw copy {record['raw']} is missing)")
            continue
        offset = record.get("profile_offset")
        steps.append((offset if isinstance(offset, int) else None,
                      TopInput(path=path, source=source, sha256=sha, size=path.stat().st_size)))
    return steps


def _older_inputs(store: st.Store, old_names: dict[str, str]) -> list[TopInput]:
    """Raw copies no import record covers (imported before the log existed), oldest first,
    named as the old ledger says, else by their file name."""
    recorded = {r.get("sha256") for r in rawlog.recorded_imports(store, ACTIVITY_LOG)}
    found = []
    if store.raw_files_dir.is_dir():
        for path in store.raw_files_dir.glob("*/*/*"):
            sha = path.parent.name
            if path.is_file() and not path.name.startswith(".") and sha not in recorded:
                source = old_names.get(str(path.absolute()), path.name)
                found.append((path.stat().st_mtime_ns, TopInput(
                    path=path, source=source, sha256=sha, size=path.stat().st_size)))
    return [top for _, top in sorted(found, key=lambda f: (f[0], f[1].source))]


def _existing(*paths: Path | None) -> Path | None:
    return next((p for p in paths if p is not None and p.is_file()), None)


def _quarantined_by_name(store: st.Store) -> dict[str, Path]:
    """Quarantined copies by the name given (the first line of their ``.reason.txt``): a
    ``.gz`` input is kept under the hash of its decompressed bytes, not the one recorded."""
    found = {}
    if store.quarantine_dir.is_dir():
        for reason in store.quarantine_dir.glob("*.reason.txt"):
            with contextlib.suppress(OSError, UnicodeDecodeError, IndexError):
                name = reason.read_text(errors="surrogateescape").splitlines()[0]
                found.setdefault(name, reason.with_name(reason.name[:-len(".reason.txt")]))
    return found


# --- analysis ------------------------------------------------------------------------------------


def _analysed(store: st.Store, thresholds: Thresholds, as_of: date | None) -> str | None:
    """Recompute daily/weekly features and the recommendation; the as-of date (None: nothing to
    analyse yet)."""
    from pipeline.analysis import analyze

    as_of = as_of or pd.Timestamp.today().date()
    try:
        analyze(store, as_of=as_of, thresholds=thresholds)
    except RunloadError:
        return None
    return as_of.isoformat()
