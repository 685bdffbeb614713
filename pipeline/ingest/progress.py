"""The ingest's progress bar: inputs counted first (a total and an ETA from the start), and what
is being read named while an archive is walked."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

from pipeline.ingest.sources import activity_kind, is_zip_name


def file_count(path: Path) -> int:
    """Activity files in one input, counted from names only (nothing is decompressed): 1 for an
    activity file, the activity and archive members of a zip (a nested archive counts as one),
    0 for anything else."""
    if activity_kind(path.name)[0]:
        return 1
    if not is_zip_name(path.name):
        return 0
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(1 for m in archive.infolist() if not m.is_dir()
                       and (activity_kind(m.filename)[0] or is_zip_name(m.filename)))
    except (zipfile.BadZipFile, OSError, ValueError):
        return 1  # the import will say what is wrong with it


def expected_files(paths: list[str]) -> int:
    """How many activity files ``paths`` hold (``file_count`` over files and folders)."""
    total = 0
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for dirpath, _, filenames in os.walk(path, followlinks=False):
                total += sum(file_count(Path(dirpath) / name) for name in filenames)
        elif path.is_file():
            total += file_count(path)
    return total


class Progress:
    """A tqdm bar over the activity files of an import; ``None``-safe no-op when off."""

    def __init__(self, paths: list[str], *, enabled: bool):
        self._bar = None
        if not enabled:
            return
        from tqdm import tqdm

        print("ingest: counting the files…", end="\r", file=sys.stderr, flush=True)
        self._bar = tqdm(total=expected_files(paths), unit=" files", desc="ingest",
                         file=sys.stderr, leave=False, dynamic_ncols=True)

    def reading(self, name: str) -> None:
        """Say which archive or folder input is being read."""
        if self._bar is not None:
            self._bar.set_postfix_str(f"reading {Path(name).name}", refresh=True)

    def advance(self, n: int = 1) -> None:
        if self._bar is None or n <= 0:
            return
        if self._bar.n + n > self._bar.total:  # a nested archive held more than one file
            self._bar.total = self._bar.n + n
        self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
