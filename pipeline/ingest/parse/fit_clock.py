"""The clock of a FIT file: how its date-times become UTC, and the athlete's UTC offset.

FIT date-times count seconds from 1989-12-31T00:00Z; values below 0x10000000 count from the
device's power-on instead (SCIENCE.md). Such a file is dated from its ``timestamp_correlation``
message (device clock paired with UTC and local time) when it has one, else from the activity's
``local_timestamp`` (local time only: ``localtime.on_utc_clock`` finds UTC later).
"""

from __future__ import annotations

import numpy as np

from pipeline.errors import UnreadableInput

FIT_EPOCH_UNIX_S = 631065600  # 1989-12-31T00:00:00Z
RELATIVE_LIMIT_S = 0x10000000  # below this a FIT date-time counts from the device's power-on


def clock(messages: dict, warnings: list[str], source: str) -> tuple[float, float | None]:
    """(shift in s for device-relative times, UTC offset in minutes or None) of decoded messages
    (``fit_recover`` shape); ``UnreadableInput`` when device-relative times cannot be dated."""
    acts = [a for a in messages["activity"] if a.get("timestamp") is not None]
    times = [s.get("start_time") for s in messages["session"]] + [a["timestamp"] for a in acts]
    if not any(t is not None for t in times):  # truncated before any session: the records decide
        times = [r.get("timestamp") for r in messages["record"][:1]]
    # a few device-relative records in a dated file (before the clock was set) are dropped later
    relative = any(t is not None and t < RELATIVE_LIMIT_S for t in times)
    local = next((a for a in acts if (a.get("local_timestamp") or 0) >= RELATIVE_LIMIT_S), None)
    correlation = _correlation(messages)
    if relative and correlation is not None:
        # the device's clock paired with UTC: times on that clock become UTC
        utc, system, local_s = correlation
        warnings.append("times counted from the device's power-on: dated from its "
                        "timestamp_correlation message")
        return utc - system, _offset_min(local_s, utc)
    if relative:
        if local is None or local["timestamp"] >= RELATIVE_LIMIT_S:
            raise UnreadableInput(
                "the file's times count from the device's power-on and it has no "
                "local timestamp: its date cannot be known",
                source=source,
            )
        warnings.append(
            "device-relative times: dated from the activity's local timestamp; "
            "start_time_utc holds local time, UTC offset unknown"
        )
        return local["local_timestamp"] - local["timestamp"], None
    if local is None:
        return 0.0, (None if correlation is None else _offset_min(correlation[2], correlation[0]))
    return 0.0, _offset_min(local["local_timestamp"], local["timestamp"])


def _offset_min(local_s: float | None, utc_s: float) -> float | None:
    """Local time minus UTC in minutes, to the quarter hour; None when unknown or beyond +-14 h."""
    if local_s is None or local_s < RELATIVE_LIMIT_S:
        return None
    offset_min = round((local_s - utc_s) / 900.0) * 15.0
    return offset_min if abs(offset_min) <= 14 * 60 else None


def _correlation(messages: dict) -> tuple[float, float, float | None] | None:
    """(UTC, device clock, local time) of the first ``timestamp_correlation`` message that pairs
    a real UTC time with the device's clock, in FIT-epoch seconds; None without one."""
    for m in messages.get("timestamp_correlation", []):
        utc, system = m.get("timestamp"), m.get("system_timestamp")
        if isinstance(utc, (int, float)) and isinstance(system, (int, float)) \
                and utc >= RELATIVE_LIMIT_S:
            local = m.get("local_timestamp")
            return float(utc), float(system), (float(local) if local is not None else None)
    return None


def fit_utc(seconds: np.ndarray, shift: float) -> np.ndarray:
    """FIT-epoch seconds (device-relative ones shifted) as datetime64[ms], NaT where missing."""
    s = np.where(seconds < RELATIVE_LIMIT_S, seconds + shift, seconds)
    ms = (s + FIT_EPOCH_UNIX_S) * 1000.0
    out = np.full(len(ms), np.datetime64("NaT"), dtype="datetime64[ms]")
    ok = np.isfinite(ms)
    out[ok] = ms[ok].astype(np.int64).astype("datetime64[ms]")
    return out
