"""What every reader returns: one parsed activity, before de-duplication and storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

# A bulk import's workers never import pandas (0.4 s of start-up that no worker needs): times
# are ``datetime`` (tz-aware UTC; ``pd.Timestamp`` is one too) and NumPy datetime64 here, and
# pandas is imported only where a frame is asked for.

UTC = timezone.utc
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


def utc_datetime(value) -> datetime | None:
    """``value`` (a datetime, naive meaning UTC, or a NumPy datetime64 in UTC) as a tz-aware UTC
    ``datetime`` (a ``pd.Timestamp`` stays one); None for None and NaT."""
    if value is None:
        return None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return EPOCH_UTC + timedelta(microseconds=int(value.astype("datetime64[us]").astype(np.int64)))
    if value != value:  # NaT
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_microseconds(value: datetime) -> int:
    """Microseconds since the epoch of a tz-aware ``datetime`` (exact, any year)."""
    return (value - EPOCH_UTC) // timedelta(microseconds=1)


@dataclass(frozen=True)
class SampleColumns:
    """One activity's samples as NumPy columns, the form a bulk import carries from the decoder
    to the samples file (a DataFrame per file cost more than decoding it).

    ``timestamp`` is datetime64[us] in UTC (naive; NaT where a sample has no time), in file
    order; ``floats`` holds every other column by ``schemas.Samples`` name (then any ``dev_*``
    developer field) as float64, NaN where missing, each as long as ``timestamp``.
    """

    timestamp: np.ndarray
    floats: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.timestamp)

    def column(self, name: str) -> np.ndarray:
        """The column as floats; all NaN when there is none."""
        values = self.floats.get(name)
        return values if values is not None else np.full(len(self), np.nan)

    def frame(self) -> pd.DataFrame:
        """The ``schemas.Samples`` frame of these columns (``timestamp_utc`` first)."""
        import pandas as pd

        ts = pd.DatetimeIndex(self.timestamp).tz_localize("UTC")
        return pd.DataFrame({"timestamp_utc": ts, **self.floats})

    def shifted(self, by: timedelta) -> SampleColumns:
        """The same samples with every time moved by ``by`` (whole microseconds)."""
        return SampleColumns(self.timestamp + np.timedelta64(by // timedelta(microseconds=1), "us"),
                             self.floats)


def sample_columns(frame: pd.DataFrame) -> SampleColumns:
    """A samples frame (``timestamp_utc`` and numeric columns) as ``SampleColumns``; a column
    that is not numeric is read as numbers, what cannot be read becomes NaN."""
    import pandas as pd

    n = len(frame)
    if "timestamp_utc" in frame:
        ts = pd.to_datetime(frame["timestamp_utc"], utc=True)
        timestamp = ts.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    else:
        timestamp = np.full(n, np.datetime64("NaT", "us"))
    floats = {}
    for name, column in frame.items():
        if name == "timestamp_utc":
            continue
        if not pd.api.types.is_numeric_dtype(column.dtype):
            column = pd.to_numeric(column, errors="coerce")
        floats[name] = column.to_numpy(dtype=float, na_value=np.nan)
    return SampleColumns(timestamp, floats)


@dataclass
class ParsedActivity:
    """One activity read from one input.

    ``columns`` are the samples (SI units, UTC times; ``schemas.Samples`` columns, then extra
    ``dev_*`` columns for FIT developer fields); ``samples`` is the same as a frame. ``session``
    holds the device's own totals where the file has them (FIT session / TCX lap sums), keyed by
    ``schemas.Activities`` column names; values computed from the samples take precedence only
    where the device gave none.
    """

    format: str  # fit / gpx / tcx
    sport: str  # one of schemas.SPORTS
    start_time_utc: datetime  # tz-aware UTC (a pd.Timestamp from the GPX and TCX readers)
    columns: SampleColumns
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

    @cached_property
    def samples(self) -> pd.DataFrame:
        """The samples as a ``schemas.Samples`` frame (built on first use: an import writes
        ``columns`` without one)."""
        return self.columns.frame()
