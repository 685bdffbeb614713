"""Where each file of an athlete lives under ``data/`` (no pandas: the one-line commands use it).

``pipeline.store`` re-exports ``Store``; it is the only other module that knows these names.

Layout for one athlete::

    data/raw/<athlete>/                  inputs, stored unchanged (never modified or deleted)
        inbox/                           files dropped here are picked up by ``runload run``
        files/<sha256[:2]>/<sha256>/<name>   content-addressed copies of ingested inputs
        pain/<sha256[:12]>-<name>.csv    imported pain-log CSVs
        rehab/<sha256[:12]>-<name>.csv   imported rehab-log CSVs
        quarantine/<sha256[:12]>-<name>  inputs nothing could read, beside <name>.reason.txt
        log/                             append-only logs: what was imported, in which order,
            activity_imports.jsonl       and what was typed on the command line, so
            pain_imports.jsonl           ``runload rebuild`` can recreate data/processed/
            pain_added.jsonl             (``pain add`` entries: the pain-log CSV's cells)
            profile.jsonl                (``profile`` changes)
    data/processed/<athlete>/            everything here can be rebuilt from data/raw/
        activities.parquet  sources.parquet  pain_log.parquet  rehab_log.parquet
        daily.parquet  weekly.parquet
        samples/<activity_id>.parquet    recommendation.json  profile.json
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


# under `runload demo --dir`: Prefect's home and matplotlib's cache, kept when the demo is re-run
DEMO_CACHE_DIR = ".runload-cache"


@dataclass(frozen=True)
class Store:
    """Paths of one athlete's data."""

    data_dir: Path
    athlete: str

    @property
    def raw_dir(self) -> Path:
        return Path(self.data_dir) / "raw" / self.athlete

    @property
    def inbox_dir(self) -> Path:
        return self.raw_dir / "inbox"

    @property
    def raw_files_dir(self) -> Path:
        return self.raw_dir / "files"

    @property
    def raw_rehab_dir(self) -> Path:
        return self.raw_dir / "rehab"

    @property
    def raw_pain_dir(self) -> Path:
        return self.raw_dir / "pain"

    @property
    def quarantine_dir(self) -> Path:
        return self.raw_dir / "quarantine"

    @property
    def raw_log_dir(self) -> Path:
        return self.raw_dir / "log"

    def added_log_path(self, log: str) -> Path:
        """The append-only record (JSON lines) of the entries of ``log`` (``pain``, ``rehab``)
        added on the command line, each as the cells of that log's CSV columns."""
        return self.raw_log_dir / f"{log}_added.jsonl"

    def imports_log_path(self, log: str) -> Path:
        """The append-only record (JSON lines) of the imports of ``log`` (``activity``,
        ``pain``, ``rehab``) in the order they were made."""
        return self.raw_log_dir / f"{log}_imports.jsonl"

    @property
    def profile_log_path(self) -> Path:
        """The append-only record (JSON lines) of every ``runload profile`` change."""
        return self.raw_log_dir / "profile.jsonl"

    @property
    def processed_dir(self) -> Path:
        return Path(self.data_dir) / "processed" / self.athlete

    @property
    def samples_dir(self) -> Path:
        return self.processed_dir / "samples"

    @property
    def activities_path(self) -> Path:
        return self.processed_dir / "activities.parquet"

    @property
    def sources_path(self) -> Path:
        return self.processed_dir / "sources.parquet"

    @property
    def pain_log_path(self) -> Path:
        return self.processed_dir / "pain_log.parquet"

    @property
    def rehab_log_path(self) -> Path:
        return self.processed_dir / "rehab_log.parquet"

    @property
    def daily_path(self) -> Path:
        return self.processed_dir / "daily.parquet"

    @property
    def weekly_path(self) -> Path:
        return self.processed_dir / "weekly.parquet"

    @property
    def recommendation_path(self) -> Path:
        return self.processed_dir / "recommendation.json"

    @property
    def profile_path(self) -> Path:
        return self.processed_dir / "profile.json"

    def samples_path(self, activity_id: str) -> Path:
        return self.samples_dir / f"{activity_id}.parquet"

    def raw_file_path(self, sha256: str, name: str) -> Path:
        return self.raw_files_dir / sha256[:2] / sha256 / safe_name(name)

    def raw_rehab_path(self, sha256: str, name: str) -> Path:
        """Where an imported rehab-log CSV is kept unchanged (content hash + its own name)."""
        return self.raw_rehab_dir / f"{sha256[:12]}-{safe_name(name)}"

    def raw_pain_path(self, sha256: str, name: str) -> Path:
        """Where an imported pain-log CSV is kept unchanged (content hash + its own name)."""
        return self.raw_pain_dir / f"{sha256[:12]}-{safe_name(name)}"

    def quarantine_path(self, sha256: str, name: str) -> Path:
        return self.quarantine_dir / f"{sha256[:12]}-{safe_name(name)}"


def parse_cache_dir(data_dir: Path) -> Path:
    """Prefect's cache of parsed files, keyed on content (shared by athletes; safe to delete)."""
    return Path(data_dir) / "processed" / ".cache" / "parse"


def athletes(data_dir: Path) -> list[str]:
    """Every athlete with raw or processed data under ``data_dir``, sorted."""
    found = set()
    for part in ("raw", "processed"):
        base = Path(data_dir) / part
        if base.is_dir():
            found.update(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    return sorted(found)


def safe_name(name: str) -> str:
    """The last path component of ``name`` with anything unusual replaced by '_'."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("!", "_") or "input"
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in base)
    return cleaned.lstrip(".")[:120] or "input"
