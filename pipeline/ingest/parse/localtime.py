"""The athlete's local date of an activity: the one place where UTC becomes local time.

Order (SCIENCE.md): the FIT ``activity`` message's ``local_timestamp`` offset; else the time zone
at the first GPS point (offline lookup with ``timezonefinder``, DST-correct offset via
``zoneinfo``); else the athlete's configured time zone, or UTC when none is configured. A virtual
activity (Zwift...) skips the GPS step: its positions lie on a game map, not where the athlete is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from pipeline.errors import UsageError
from pipeline.ingest.parse.model import ParsedActivity, SampleColumns, sample_columns, utc_datetime

DEVICE_RELATIVE = "device-relative times"  # the FIT reader's warning for power-on clocks
# Apps that ride and run in virtual worlds (their GPS positions are a game map), as they name
# themselves in a file's creator or device
VIRTUAL_APPS = ("zwift", "rouvy", "mywhoosh", "fulgaz", "bkool")


def virtual_app(name: str | None) -> bool:
    """Whether a creator or device name is a virtual-world app (e.g. "Zwift", "zwift 1.0")."""
    text = (name or "").lower()
    return any(app in text for app in VIRTUAL_APPS)


@cache
def _finder():
    """The shared TimezoneFinder, built on first use: importing and opening its polygon data takes
    about 0.4 s (measured), paid once per process rather than once per activity; each lookup after
    that takes microseconds."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def local_start(
    parsed: ParsedActivity, *, profile_timezone: str | None
) -> tuple[float | None, datetime, str]:
    """``(utc_offset_min, local_date, source)`` of the activity's start.

    ``utc_offset_min`` is local time minus UTC in minutes (-420 for Denver in winter);
    ``local_date`` is the local calendar date as a naive midnight datetime; ``source`` is one of
    ``schemas.LOCAL_DATE_SOURCES``.
    """
    start = utc_datetime(parsed.start_time_utc)
    if parsed.utc_offset_min is not None and np.isfinite(parsed.utc_offset_min):
        offset = float(parsed.utc_offset_min)
        return offset, _midnight(start + timedelta(minutes=offset)), "fit_local_timestamp"
    zone_name = None if parsed.virtual else gps_timezone(parsed.columns)
    source = "gps_timezone"
    if zone_name is None:
        zone_name, source = profile_timezone or "UTC", "profile_timezone"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {zone_name!r}: set a valid one with "
            "`runload profile --timezone Europe/Berlin`"
        ) from None
    local = start.astimezone(zone)
    offset = local.utcoffset().total_seconds() / 60.0
    return offset, _midnight(local), source


def on_utc_clock(parsed: ParsedActivity, *, profile_timezone: str | None) -> ParsedActivity:
    """``parsed`` with true UTC times when the FIT reader could only date it in local time.

    Old devices count seconds from power-on; the reader dates such a file from its
    ``local_timestamp`` and warns ``device-relative times`` (SCIENCE.md). The UTC start then
    needs the time zone: the one at the first GPS point, else the athlete's, else UTC. The local
    date stays the one the device recorded.
    """
    if parsed.utc_offset_min is not None or not any(
        w.startswith(DEVICE_RELATIVE) for w in parsed.warnings
    ):
        return parsed
    zone_name = (None if parsed.virtual else gps_timezone(parsed.columns)) or profile_timezone \
        or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    start = utc_datetime(parsed.start_time_utc)
    offset = zone.utcoffset(start.replace(tzinfo=None)).total_seconds() / 60.0
    shift = timedelta(minutes=offset)
    return replace(parsed, start_time_utc=start - shift,
                   columns=parsed.columns.shifted(-shift), utc_offset_min=offset)


def gps_timezone(samples: SampleColumns | pd.DataFrame | None) -> str | None:
    """IANA time-zone name at the first valid GPS point (e.g. ``America/Denver``); None without
    one. Over open sea the lookup gives an ``Etc/GMT±N`` nautical zone."""
    if samples is not None and not isinstance(samples, SampleColumns):  # a samples frame
        samples = sample_columns(samples)
    if samples is None or not len(samples) or not {"latitude_deg", "longitude_deg"} <= set(
            samples.floats):
        return None
    lat, lon = samples.floats["latitude_deg"], samples.floats["longitude_deg"]
    # (0, 0) is what some devices write before a fix; it is not a place anyone runs.
    valid = (
        np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
        & ~((lat == 0) & (lon == 0))
    )  # fmt: skip
    if not valid.any():
        return None
    i = int(np.argmax(valid))
    return _finder().timezone_at(lng=float(lon[i]), lat=float(lat[i]))


def _midnight(local: datetime) -> datetime:
    return datetime(local.year, local.month, local.day)
