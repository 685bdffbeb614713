"""One definition of each import count, used by ingest's summary, the report and the index.

- ``new``: activities an import added (a file's activity that no earlier file produced);
- ``duplicates``: inputs whose bytes were seen before, plus activities a file produced that an
  earlier file had already produced (the same run from another source);
- ``partial``: files recovered from damage (read up to the damage);
- ``quarantined``: inputs that could not be read (refused unsafe ones included);
- ``not_activity``: readable files that hold no activity (settings, monitoring).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

COUNT_KEYS = ("new", "duplicates", "quarantined", "partial", "not_activity")
# what older versions recorded for a mistyped path: a usage slip, not a file (now exit 2 and
# nothing recorded), so it is neither counted nor listed
MISSING_PATH_REASON = "no such file or folder"


def recorded_inputs(sources: pd.DataFrame) -> pd.DataFrame:
    """The ledger without the rows of paths that did not exist."""
    if sources.empty or "reason" not in sources.columns:
        return sources
    return sources[sources["reason"].astype(str) != MISSING_PATH_REASON]


def ledger_counts(sources: pd.DataFrame) -> dict[str, int]:
    """The counts above over every import recorded in the ledger (``store.read_sources``), in
    the order the inputs were recorded: the sum of what each ``runload ingest`` printed."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    sources = recorded_inputs(sources)
    if sources.empty:
        return counts
    seen: set[str] = set()
    for status, ids in zip(sources["status"].astype(str), sources["activity_ids"]):
        if status in ("ok", "partial"):
            counts["partial"] += status == "partial"
            for activity_id in [] if ids is None else list(ids):
                if activity_id in seen:
                    counts["duplicates"] += 1
                else:
                    counts["new"] += 1
                    seen.add(activity_id)
        elif status == "duplicate":
            counts["duplicates"] += 1
        elif status in ("quarantined", "refused"):
            counts["quarantined"] += 1
        elif status == "not_activity":
            counts["not_activity"] += 1
    return counts


def counts_text(counts: dict[str, int]) -> str:
    """``"118 new, 16 duplicates, 6 quarantined, 8 partial"`` (partial and not-activity files
    only when there are some)."""
    duplicates = counts["duplicates"]
    text = (f"{counts['new']} new, {duplicates} duplicate{'' if duplicates == 1 else 's'}, "
            f"{counts['quarantined']} quarantined")
    if counts.get("partial"):
        text += f", {counts['partial']} partial"
    if counts.get("not_activity"):
        n = counts["not_activity"]
        text += f", {n} not {'an activity' if n == 1 else 'activities'}"
    return text


def last_upload_utc(sources: pd.DataFrame) -> pd.Timestamp | None:
    """When the latest input was recorded (UTC), or None before any import."""
    if sources.empty or "ingested_at_utc" not in sources.columns:
        return None
    import pandas as pd  # the ledger is a frame here: pandas is loaded already

    latest = pd.to_datetime(sources["ingested_at_utc"], utc=True).max()
    return None if pd.isna(latest) else latest
