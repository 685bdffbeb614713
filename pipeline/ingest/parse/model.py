"""What every reader returns: one parsed activity, before de-duplication and storage."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class ParsedActivity:
    """One activity read from one input.

    ``samples`` follows ``schemas.Samples`` (SI units, UTC timestamps; extra ``dev_*`` columns for
    FIT developer fields). ``session`` holds the device's own totals where the file has them
    (FIT session / TCX lap sums), keyed by ``schemas.Activities`` column names; values computed
    from the samples take precedence only where the device gave none.
    """

    format: str  # fit / gpx / tcx
    sport: str  # one of schemas.SPORTS
    start_time_utc: pd.Timestamp  # tz-aware UTC
    samples: pd.DataFrame
    session: dict = field(default_factory=dict)
    sub_sport: str | None = None
    device: str | None = None
    name: str | None = None
    # Local time: offset from UTC in minutes when the file states it (FIT local_timestamp)
    utc_offset_min: float | None = None
    summary_only: bool = False
    partial_reason: str | None = None  # set when recovered from a damaged file
    warnings: list[str] = field(default_factory=list)
    session_index: int = 0  # position in a multisport file
    decoder: str | None = None  # FIT: "fit_fast", or "fitparse"/"garmin-fit-sdk" (the fallback)
    # recorded in a virtual world (Zwift...): its positions say nothing about the local time
    virtual: bool = False
