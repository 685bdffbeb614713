"""The append-only logs under ``data/raw/<athlete>/log/``: what the command line added and what
was imported, in order, so ``data/processed/`` can always be recreated (``pipeline.rebuild``).

Plain Python (no pandas): ``runload pain add`` validates an entry and appends it here, in a few
milliseconds; the next command that reads the log folds the entries added since into the
Parquet file (the byte offset folded so far is kept in that file's metadata). Any log (``pain``,
``rehab``) uses the same calls:

- ``append_added(store, log, cells)`` records one entry, as the cells of that log's CSV columns
  (text, exactly as a CSV would hold them: the same validation reads both);
- ``added_since(store, log, offset)`` returns the entries added from byte ``offset`` on and the
  offset after them (``fold`` them, then store that offset with the folded file);
- ``record_import(store, log, raw_path, source)`` notes an import of a raw file, with the size
  of the added log at that moment, so a rebuild replays imports and added entries interleaved,
  in the order they happened;
- ``recorded_imports(store, log)`` lists them in that order;
- ``replayed_log(store, log, ...)`` rebuilds a log's entries from all of it (``runload rebuild``).

Entries are JSON lines, not CSV: a spreadsheet opening a CSV of notes such as ``=1+1`` would
evaluate them; JSON keeps every text (even a name that is not UTF-8) exactly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pipeline.files import append_json_line, append_synced, json_lines, read_log_bytes
from pipeline.paths import Store


def now_utc() -> str:
    """The current UTC time as ISO text (seconds), as the logs record it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def append_added(store: Store, log: str, cells: dict[str, str]) -> None:
    """Append one entry added on the command line (column -> cell text), fsynced."""
    append_json_line(store.added_log_path(log), {"at": now_utc(), "cells": cells})


def added_since(store: Store, log: str, offset: int = 0,
                until: int | None = None) -> tuple[list[dict[str, str]], int]:
    """The cells of every entry added from byte ``offset`` on (up to byte ``until``), in order,
    and the offset after the last complete one. A line a damaged disk garbled is skipped (the
    others are intact)."""
    data, end = read_log_bytes(store.added_log_path(log), offset)
    if until is not None and end > until:
        data = data[:max(0, until - offset)]
        data = data[:data.rfind(b"\n") + 1]
        end = offset + len(data)
    entries = []
    for line in data.decode("ascii", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        cells = record.get("cells") if isinstance(record, dict) else None
        if isinstance(cells, dict):
            entries.append({str(k): "" if v is None else str(v) for k, v in cells.items()})
    return entries, end


def added_size(store: Store, log: str) -> int:
    """The byte size of the added log (0 without one): an entry past a stored offset is new."""
    try:
        return store.added_log_path(log).stat().st_size
    except FileNotFoundError:
        return 0


def record_import(store: Store, log: str, raw_path: Path, source: str, **extra) -> None:
    """Note that ``raw_path`` (a file under ``data/raw/<athlete>/``) was imported into ``log``
    under the name ``source``; ``extra`` keys are kept with it."""
    record_imports(store, log, [import_record(store, log, raw_path, source, **extra)])


def import_record(store: Store, log: str, raw_path: Path, source: str, **extra) -> dict:
    """The record ``record_import`` appends (build many, then append them at once)."""
    relative = Path(raw_path).absolute().relative_to(Path(store.raw_dir).absolute())
    return import_entry(relative, source, **{"added_offset": added_size(store, log), **extra})


def import_entry(relative: Path, source: str, **extra) -> dict:
    """``import_record``'s record of a raw file at ``relative`` to ``data/raw/<athlete>/``;
    ``extra`` holds ``added_offset``, the added log's size at that moment (a bulk import
    computes it and the relative path once, not per input)."""
    return {"at": now_utc(), "raw": relative.as_posix(), "source": source, **extra}


def record_imports(store: Store, log: str, records: list[dict]) -> None:
    """Append import records in one fsynced write (a bulk import notes thousands of inputs)."""
    if records:
        append_synced(store.imports_log_path(log), b"".join(
            (json.dumps(r, ensure_ascii=True, sort_keys=True) + "\n").encode() for r in records))


def recorded_imports(store: Store, log: str) -> list[dict]:
    """Every import noted by ``record_import``, in the order made (``raw`` is relative to
    ``data/raw/<athlete>/``); those noted as ``older`` (made before the log existed) first."""
    records = [r for r in json_lines(store.imports_log_path(log))
               if isinstance(r.get("raw"), str) and isinstance(r.get("source"), str)]
    return sorted(records, key=lambda r: not r.get("older"))  # stable: each part keeps its order


def note_older_imports(store: Store, log: str, *, raw_dir: Path,
                       older_names: dict[str, str] | None = None) -> None:
    """Note the files kept in ``raw_dir`` that no record covers (imported before the import log
    existed), oldest first, as ``older`` imports before any added entry, named as
    ``older_names`` says by their kept name's ``<name>`` part (``<sha256[:12]>-<name>``), else
    by that part: from then on a rebuild needs nothing else to name and order them."""
    recorded = {r["raw"] for r in recorded_imports(store, log)}
    names = older_names or {}
    records = []
    for path in _kept_files(raw_dir):
        if path.relative_to(store.raw_dir).as_posix() in recorded:
            continue
        name = path.name.split("-", 1)[-1]
        records.append(import_record(store, log, path, names.get(name, name), added_offset=0,
                                     older=True))
    record_imports(store, log, records)


def replayed_log(store: Store, log: str, *, raw_dir: Path, file_entries, added_entry, merged,
                 cli_source: str, errors: tuple = (), older_names: dict[str, str] | None = None
                 ) -> tuple[list, int, list[str]]:
    """A log's entries rebuilt from the raw side alone: its imports (``recorded_imports``) and the
    entries added on the command line (``added_since``), merged in the order they were made.

    ``file_entries(bytes, source) -> entries`` reads an imported file (raising one of ``errors``
    when it cannot), ``added_entry(cells) -> entry or None`` reads one added entry,
    ``merged(log, entries, source) -> log`` merges (later wins). Files in ``raw_dir`` that no
    record covers come first (``note_older_imports``). Returns the entries, the added log's
    offset folded, and a line for each file left out.
    """
    note_older_imports(store, log, raw_dir=raw_dir, older_names=older_names)
    steps = [(store.raw_dir / r["raw"], r["source"], r.get("added_offset"))
             for r in recorded_imports(store, log)]
    entries: list = []
    problems: list[str] = []
    folded = 0
    for path, source, added_offset in [*steps, (None, None, None)]:
        cells, folded = added_since(store, log, folded,
                                    added_offset if isinstance(added_offset, int) else None)
        entries = merged(entries, [e for e in map(added_entry, cells) if e is not None],
                         cli_source)
        if path is None:
            break
        try:
            entries = merged(entries, file_entries(path.read_bytes(), source), source)
        except (OSError, *errors) as e:
            problems.append(f"{path}: left out ({getattr(e, 'strerror', None) or e})")
    return entries, folded, problems


def _kept_files(raw_dir: Path) -> list[Path]:
    """The files kept in ``raw_dir`` (imported CSVs), oldest first."""
    if not raw_dir.is_dir():
        return []
    files = [p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))
