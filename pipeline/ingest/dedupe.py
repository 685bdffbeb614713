"""The same activity from two sources: which stored activity a new one twins, and which is richer.

Twins (a watch's FIT and the GPX Strava exported from it) start within two minutes of each other
and agree on duration and distance within 5 %. The merged activity keeps the first id it was
given, lists every source, and takes its data from the source with the most channels.
"""

from __future__ import annotations

import bisect

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.ingest.keyindex import FOLD

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
    """Stored activities by start time, for finding the twin of a new one quickly.

    Held in NumPy arrays sorted by start (see ``keyindex``: no Python object per activity); the
    activities added since the last fold wait in a short list.
    """

    def __init__(self, activities: pd.DataFrame):
        a = activities.reindex(columns=list(TWIN_KEYS))
        number = lambda column: pd.to_numeric(a[column], errors="coerce")  # noqa: E731
        duration = number("elapsed_time_s").fillna(number("timer_time_s")).fillna(
            number("moving_time_s"))  # the first one given, as ``_duration`` takes it
        self._sports: list[str | None] = [None]  # a sport's code is its place here
        self._arrays = self._sorted({
            "start_us": pd.to_datetime(a["start_time_utc"], utc=True).dt.as_unit("us")
            .astype("int64").to_numpy(),
            "sport": np.array([self._sport_code(s) for s in a["sport"]], dtype="int16"),
            "duration_s": duration.to_numpy(float, na_value=np.nan),
            "distance_m": number("distance_m").to_numpy(float, na_value=np.nan),
            "activity_id": np.array(a["activity_id"].tolist(), dtype="S"),
        })
        # (start in microseconds, the TWIN_KEYS), by start
        self._recent: list[tuple[int, dict]] = []

    def add(self, row: dict) -> None:
        bisect.insort(self._recent, (_micros(row["start_time_utc"]),
                                     {key: row.get(key) for key in TWIN_KEYS}), key=_start)
        if len(self._recent) >= FOLD:
            self._fold()

    def replace(self, activity_id: str, row: dict) -> None:
        self.discard(activity_id)
        self.add(row)

    def discard(self, activity_id: str) -> None:
        """Forget ``activity_id`` (if it is here)."""
        recent = [(t, r) for t, r in self._recent if r["activity_id"] != activity_id]
        if len(recent) == len(self._recent):
            gone = self._arrays["activity_id"] == activity_id.encode()
            self._arrays = {k: v[~gone] for k, v in self._arrays.items()}
        self._recent = recent

    def twin_of(self, row: dict, *, thresholds: Thresholds) -> dict | None:
        """The ``TWIN_KEYS`` of the stored activity ``row`` twins, if any (the closest start
        wins)."""
        start = _micros(row["start_time_utc"])
        tolerance = int(thresholds.twin_start_tolerance_s * 1e6)
        starts = self._arrays["start_us"]
        lo, hi = np.searchsorted(starts, [start - tolerance, start + tolerance + 1])
        recent = self._recent[bisect.bisect_left(self._recent, start - tolerance, key=_start):
                              bisect.bisect_right(self._recent, start + tolerance, key=_start)]
        near = [self._row(i) for i in range(lo, hi)] + [r for _, r in recent]
        candidates = [r for r in near if is_twin(row, r, thresholds=thresholds)]
        if not candidates:
            return None
        return min(candidates, key=lambda r: abs(r["start_time_utc"] - row["start_time_utc"]))

    def _row(self, i: int) -> dict:
        a = self._arrays
        duration, distance = float(a["duration_s"][i]), float(a["distance_m"][i])
        return {
            "activity_id": a["activity_id"][i].decode(),
            "sport": self._sports[a["sport"][i]],
            "start_time_utc": pd.Timestamp(int(a["start_us"][i]), unit="us", tz="UTC"),
            "elapsed_time_s": None if np.isnan(duration) else duration,
            "distance_m": None if np.isnan(distance) else distance,
        }

    def _fold(self) -> None:
        recent = TwinIndex(pd.DataFrame([r for _, r in self._recent]))
        codes = np.array([self._sport_code(s) for s in recent._sports], dtype="int16")
        added = {**recent._arrays, "sport": codes[recent._arrays["sport"]]}
        self._arrays = self._sorted({k: np.concatenate([self._arrays[k], added[k]])
                                     for k in self._arrays})
        self._recent = []

    def _sport_code(self, sport) -> int:
        sport = None if sport is None or pd.isna(sport) else str(sport)
        if sport not in self._sports:
            self._sports.append(sport)
        return self._sports.index(sport)

    @staticmethod
    def _sorted(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        order = np.argsort(arrays["start_us"], kind="stable")
        return {k: v[order] for k, v in arrays.items()}


def _start(entry: tuple[int, dict]) -> int:
    return entry[0]


def _micros(start) -> int:
    """A start time as microseconds since 1970."""
    return pd.Timestamp(start).value // 1000


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
