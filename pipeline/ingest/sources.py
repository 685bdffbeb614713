"""Inputs -> activity files: folders, ``.gz`` files and ``.zip`` archives (Garmin, Strava, any).

``input_leaves`` walks what the user named and yields one ``Leaf`` per activity file found (its
bytes decompressed, named as the user would find it: ``export.zip!activities/123.fit.gz``) or a
``Refusal`` for what cannot be taken safely. Folders are walked without following symbolic links
that leave them; archives are read in memory, never extracted, and bounded against zip bombs.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Thresholds
from pipeline.ingest.names import stored_name

ACTIVITY_KINDS = ("fit", "gpx", "tcx")
CHUNK = 1 << 20

# Strava's activities.csv "Activity Type" -> schemas.SPORTS
STRAVA_TYPES = {
    "run": "running",
    "trail run": "trail_running",
    "virtual run": "treadmill_running",
    "ride": "cycling",
    "virtual ride": "cycling",
    "e-bike ride": "cycling",
    "mountain bike ride": "cycling",
    "gravel ride": "cycling",
    "swim": "swimming",
    "walk": "walking",
    "hike": "walking",
}


@dataclass
class Leaf:
    """One activity file: ``data`` decompressed, ``sha256`` of those bytes."""

    source: str
    kind: str
    data: bytes
    sha256: str
    metadata: dict = field(default_factory=dict)  # from a Strava activities.csv


@dataclass
class Refusal:
    """An input that was not read, and why (``unsafe`` ones are refused, not just unreadable)."""

    source: str
    reason: str
    unsafe: bool = False
    data: bytes | None = None  # kept for the quarantine when we have it
    skipped: bool = False  # a file that is simply not an activity format (in a folder/archive)


@dataclass
class TopInput:
    """A path the user named that is a file: its hash, for the raw copy and re-run detection."""

    path: Path
    source: str
    sha256: str
    size: int


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def activity_kind(name: str) -> tuple[str | None, bool]:
    """(``fit``/``gpx``/``tcx`` or None, gzip-compressed?) from a file name."""
    lower = name.lower()
    gz = lower.endswith(".gz")
    if gz:
        lower = lower[:-3]
    ext = lower.rsplit(".", 1)[-1] if "." in lower else ""
    return (ext if ext in ACTIVITY_KINDS else None), gz


def is_zip_name(name: str) -> bool:
    return name.lower().endswith(".zip")


def top_inputs(paths: list[str]) -> Iterator[TopInput | Refusal]:
    """Every file the user named, directly or inside named folders (symlinks out not followed)."""
    for given in paths:
        path = Path(given)
        shown = stored_name(given)  # a name that is not UTF-8 is stored escaped (``names``)
        if path.is_symlink() and not path.exists():
            yield Refusal(shown, "broken symbolic link")
        elif path.is_dir():
            yield from _walk(path, given)
        elif path.is_file():
            yield _top_file(path, shown)
        elif not path.exists():
            yield Refusal(shown, "no such file or folder")
        else:
            yield Refusal(shown, "not a regular file")


def _walk(root: Path, given: str) -> Iterator[TopInput | Refusal]:
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for d in list(dirnames):
            full = Path(dirpath) / d
            if full.is_symlink():
                dirnames.remove(d)
                yield Refusal(_shown(given, root, full), "symbolic link to a folder: not followed")
        for name in sorted(filenames):
            full = Path(dirpath) / name
            shown = _shown(given, root, full)
            if full.is_symlink():
                target = full.resolve()
                if not target.is_relative_to(real_root):
                    yield Refusal(shown, "symbolic link pointing outside the folder: not followed",
                                  unsafe=True)
                    continue
            if not full.is_file():
                continue
            kind, _ = activity_kind(name)
            if kind or is_zip_name(name):
                yield _top_file(full, shown)
            else:
                yield Refusal(shown, "not an activity file", skipped=True)


def _shown(given: str, root: Path, full: Path) -> str:
    return stored_name(str(Path(given) / full.relative_to(root)))


def _top_file(path: Path, shown: str) -> TopInput | Refusal:
    kind, _ = activity_kind(path.name)
    if not kind and not is_zip_name(path.name):
        return Refusal(shown, "unsupported file type (expected .fit, .gpx, .tcx, .gz or .zip)",
                       data=_read_small(path))
    try:
        size = path.stat().st_size
        return TopInput(path=path, source=shown, sha256=file_sha256(path), size=size)
    except OSError as e:
        return Refusal(shown, f"cannot read the file: {e.strerror or e}")


def _read_small(path: Path, limit: int = 16 * 1024 * 1024) -> bytes | None:
    try:
        if path.stat().st_size <= limit:
            return path.read_bytes()
    except OSError:
        pass
    return None


def size_text(n: float) -> str:
    """A byte count for messages: ``512 MiB``, ``1.5 GiB``, ``200 KiB``, ``900 bytes``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"


def leaves(top: TopInput, *, thresholds: Thresholds) -> Iterator[Leaf | Refusal]:
    """The activity files inside one named file (itself, its decompressed form, or a zip's)."""
    if top.size > thresholds.max_input_bytes:
        yield Refusal(top.source, f"{size_text(top.size)}: larger than the "
                      f"{size_text(thresholds.max_input_bytes)} limit for one input "
                      "(max_input_bytes; set RUNLOAD_MAX_INPUT_MB to change it)", unsafe=True)
        return
    try:
        if is_zip_name(top.path.name):
            # members are read one at a time from the file: a large export never sits in memory
            with open(top.path, "rb") as f:
                yield from _zip_leaves(f, top.source, thresholds=thresholds, depth=1,
                                       budget=[thresholds.max_archive_uncompressed_bytes])
        else:
            yield _file_leaf(top.path.name, top.path.read_bytes(), top.source,
                             thresholds=thresholds)
    except OSError as e:
        yield Refusal(top.source, f"cannot read the file: {e.strerror or e}")


def _file_leaf(name: str, data: bytes, source: str, *, thresholds: Thresholds,
               metadata: dict | None = None) -> Leaf | Refusal:
    kind, gz = activity_kind(name)
    if gz:
        try:
            data = _gunzip(data, limit=thresholds.max_input_bytes,
                           max_ratio=thresholds.max_compression_ratio)
        except _TooLarge as e:
            return Refusal(source, str(e), unsafe=True)
        except (OSError, EOFError, zlib.error):
            return Refusal(source, "not a valid gzip file (the .gz name does not match its "
                           "content)", data=data)
    return Leaf(source=source, kind=kind, data=data, sha256=bytes_sha256(data),
                metadata=metadata or {})


class _TooLarge(Exception):
    pass


def _gunzip(data: bytes, *, limit: int, max_ratio: float) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
        while chunk := f.read(CHUNK):
            out.write(chunk)
            if out.tell() > limit:
                raise _TooLarge(f"decompresses to more than {size_text(limit)}, the limit for "
                                "one input (RUNLOAD_MAX_INPUT_MB): refused")
            if out.tell() > 1024 * 1024 and out.tell() > max_ratio * len(data):
                raise _TooLarge(f"compression ratio above {max_ratio:.0f}:1 (a zip bomb?; "
                                "RUNLOAD_MAX_COMPRESSION_RATIO): refused")
    return out.getvalue()


def _zip_leaves(fileobj, source: str, *, thresholds: Thresholds, depth: int,
                budget: list[int]) -> Iterator[Leaf | Refusal]:
    try:
        archive = zipfile.ZipFile(fileobj)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        fileobj.seek(0)
        yield Refusal(source, f"not a valid zip archive ({e})", data=fileobj.read(16 * 2**20))
        return
    strava = _strava_metadata(archive, members)
    for member in members:
        shown = f"{source}!{member.filename}"
        problem = _unsafe_member(member, thresholds=thresholds)
        if problem:
            yield Refusal(shown, problem, unsafe=True)
            continue
        kind, _ = activity_kind(member.filename)
        nested = is_zip_name(member.filename)
        if not kind and not nested:
            yield Refusal(shown, "not an activity file", skipped=True)
            continue
        if nested and depth >= thresholds.max_archive_depth:
            yield Refusal(shown, f"archives nested deeper than {thresholds.max_archive_depth} "
                          "levels are refused (RUNLOAD_MAX_ARCHIVE_DEPTH)", unsafe=True)
            continue
        if member.file_size > budget[0]:
            yield Refusal(shown, "the archive expands beyond the "
                          f"{size_text(thresholds.max_archive_uncompressed_bytes)} limit "
                          "(max_archive_uncompressed_bytes; RUNLOAD_MAX_ARCHIVE_MB): refused",
                          unsafe=True)
            continue
        try:
            content = _read_member(archive, member, limit=min(budget[0], thresholds.max_input_bytes))
        except _TooLarge as e:
            yield Refusal(shown, str(e), unsafe=True)
            continue
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as e:
            yield Refusal(shown, f"cannot be read from the archive ({e})")
            continue
        budget[0] -= len(content)
        if nested:
            yield from _zip_leaves(io.BytesIO(content), shown, thresholds=thresholds,
                                   depth=depth + 1,
                                   budget=budget)
        else:
            yield _file_leaf(member.filename, content, shown, thresholds=thresholds,
                             metadata=strava.get(member.filename))


def _unsafe_member(member: zipfile.ZipInfo, *, thresholds: Thresholds) -> str | None:
    """Why a member must be refused: a path escaping the archive's folder, or a bomb."""
    name = member.filename.replace("\\", "/")
    normal = posixpath.normpath(name)
    if name.startswith("/") or normal == ".." or normal.startswith("../") or ":" in name.split("/")[0]:
        return "its path would land outside the target folder (zip slip): refused"
    if (member.external_attr >> 16) & 0o170000 == 0o120000:
        return "a symbolic link inside the archive: refused"
    if member.compress_size and member.file_size / member.compress_size > thresholds.max_compression_ratio \
            and member.file_size > 1024 * 1024:
        return (f"compression ratio above {thresholds.max_compression_ratio:.0f}:1 "
                "(a zip bomb?; RUNLOAD_MAX_COMPRESSION_RATIO): refused")
    return None


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, limit: int) -> bytes:
    # Never trust the header's size: stop reading at the limit.
    out = io.BytesIO()
    with archive.open(member) as f:
        while chunk := f.read(CHUNK):
            out.write(chunk)
            if out.tell() > limit:
                raise _TooLarge(f"expands to more than {size_text(limit)} (RUNLOAD_MAX_INPUT_MB, "
                                "RUNLOAD_MAX_ARCHIVE_MB): refused")
    return out.getvalue()


def _strava_metadata(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> dict[str, dict]:
    """Name, sport, gear and RPE per member from a Strava export's ``activities.csv``."""
    csv_member = next((m for m in members if posixpath.basename(m.filename) == "activities.csv"
                       and m.file_size < 64 * 2**20), None)
    if csv_member is None:
        return {}
    prefix = posixpath.dirname(csv_member.filename)
    try:
        text = archive.read(csv_member).decode("utf-8-sig", errors="replace")
        rows = list(csv.DictReader(io.StringIO(text)))
    except (zipfile.BadZipFile, OSError, csv.Error, zlib.error):
        return {}
    out = {}
    for row in rows:
        filename = (row.get("Filename") or "").strip()
        if not filename:
            continue
        meta = {
            "name": (row.get("Activity Name") or "").strip() or None,
            "gear": (row.get("Activity Gear") or "").strip() or None,
            "sport": STRAVA_TYPES.get((row.get("Activity Type") or "").strip().lower()),
            "rpe_0_10": _float_or_none(row.get("Perceived Exertion")),
        }
        out[posixpath.join(prefix, filename) if prefix else filename] = meta
    return out


def _float_or_none(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 10 else None
