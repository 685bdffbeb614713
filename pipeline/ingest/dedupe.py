"""The same activity from two sources: which stored activity a new one twins, and which is richer.

Twins (a watch's FIT and the GPX Strava exported from it) start within two minutes of each other
and agree on duration and distance within 5 %. The merged activity keeps the first id it was
given, lists every source, and takes its data from the source with the most channels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import Thresholds

FORMAT_RANK = {"fit": 3, "tcx": 2, "gpx": 1}
SPORT_FAMILY = {
    "running": "foot",
    "trail_running": "foot",
    "treadmill_running": "foot",
    "walking": "foot",
    "cycling": "cycling",
    "swimming": "swimming",
    "water_running": "water",
    "other": None,
}


def richness(row) -> tuple:
    """Sort key: more channels, then a richer format, then more samples, then device totals."""
    channels = row.get("channels")
    n_channels = 0 if channels is None else len(channels)
    return (n_channels, FORMAT_RANK.get(row.get("format"), 0), row.get("n_samples") or 0)


def _close(a, b, tolerance: float) -> bool | None:
    """Within ``tolerance`` relative to the larger value; None when either is missing."""
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return None
    big = max(abs(a), abs(b))
    return big == 0 or abs(a - b) <= tolerance * big


def _duration(row) -> float | None:
    for key in ("elapsed_time_s", "timer_time_s", "moving_time_s"):
        value = row.get(key)
        if value is not None and not pd.isna(value):
            return float(value)
    return None


def is_twin(a: dict, b: dict, *, thresholds: Thresholds) -> bool:
    """True when ``a`` and ``b`` are the same activity recorded or exported twice."""
    fa, fb = SPORT_FAMILY.get(a.get("sport")), SPORT_FAMILY.get(b.get("sport"))
    if fa is not None and fb is not None and fa != fb:
        return False
    start_gap = abs((a["start_time_utc"] - b["start_time_utc"]).total_seconds())
    if start_gap > thresholds.twin_start_tolerance_s:
        return False
    same_duration = _close(_duration(a), _duration(b), thresholds.twin_relative_tolerance)
    same_distance = _close(a.get("distance_m"), b.get("distance_m"),
                           thresholds.twin_relative_tolerance)
    if same_duration is False or same_distance is False:
        return False
    return bool(same_duration or same_distance)


# what ``is_twin`` compares: all the index keeps of each activity
TWIN_KEYS = ("activity_id", "sport", "start_time_utc", "elapsed_time_s", "timer_time_s",
             "moving_time_s", "distance_m")


class TwinIndex:
    """Stored activities by start time, for finding the twin of a new one quickly."""

    def __init__(self, activities: pd.DataFrame):
        self._rows: list[dict] = []
        self._starts = np.array([], dtype="int64")
        for row in activities.reindex(columns=list(TWIN_KEYS)).to_dict("records"):
            self.add(row)

    def add(self, row: dict) -> None:
        start = _seconds(row["start_time_utc"])
        at = int(np.searchsorted(self._starts, start))
        self._starts = np.insert(self._starts, at, start)
        self._rows.insert(at, {key: row.get(key) for key in TWIN_KEYS})

    def replace(self, activity_id: str, row: dict) -> None:
        at = next(i for i, r in enumerate(self._rows) if r["activity_id"] == activity_id)
        del self._rows[at]
        self._starts = np.delete(self._starts, at)
        self.add(row)

    def twin_of(self, row: dict, *, thresholds: Thresholds) -> dict | None:
        """The ``TWIN_KEYS`` of the stored activity ``row`` twins, if any (the closest start
        wins)."""
        start = _seconds(row["start_time_utc"])
        lo = int(np.searchsorted(self._starts, start - thresholds.twin_start_tolerance_s, "left"))
        hi = int(np.searchsorted(self._starts, start + thresholds.twin_start_tolerance_s, "right"))
        candidates = [r for r in self._rows[lo:hi] if is_twin(row, r, thresholds=thresholds)]
        if not candidates:
            return None
        return min(candidates, key=lambda r: abs(_seconds(r["start_time_utc"]) - start))


def _seconds(ts: pd.Timestamp) -> int:
    return int(pd.Timestamp(ts).timestamp())


def merged(stored: dict, new: dict) -> tuple[dict, bool]:
    """The merged row of two twins and whether ``new``'s data replaced the stored data.

    The id and every source stay; Strava's name, gear and RPE fill gaps whichever side had them.
    """
    sources = list(dict.fromkeys(list(stored["source_files"]) + list(new["source_files"])))
    use_new = richness(new) > richness(stored)
    base, other = (new, stored) if use_new else (stored, new)
    row = dict(base)
    row["activity_id"] = stored["activity_id"]
    row["source_files"] = sources
    for key in ("name", "gear", "rpe_0_10"):
        if row.get(key) is None or (not isinstance(row.get(key), str) and pd.isna(row.get(key))):
            row[key] = other.get(key)
    return row, use_new
