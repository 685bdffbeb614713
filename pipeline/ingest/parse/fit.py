"""FIT activity files -> ``ParsedActivity`` (one per session), decoded with fitparse.

Units follow ../shared/SCIENCE.md "Units in watch files": running cadence is strides/min
(steps/min = 2 x (cadence + fractional_cadence)), cycling cadence crank rpm; step length and
vertical oscillation millimetres, stance time milliseconds; positions semicircles. Local time
comes from the activity message's ``local_timestamp`` only (``device_settings.time_offset`` is
wrong on some devices). Damaged files are recovered by ``fit_recover``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.errors import InputError, NotAnActivity, UnreadableInput
from pipeline.ingest.parse.altitude import altitude_without_spikes
from pipeline.ingest.parse.fit_clock import FIT_EPOCH_UNIX_S, RELATIVE_LIMIT_S  # noqa: F401
from pipeline.ingest.parse.fit_clock import clock as _clock
from pipeline.ingest.parse.fit_clock import fit_utc as _utc
from pipeline.ingest.parse.fit_fast import decode_fit_fast
from pipeline.ingest.parse.fit_recover import WANTED, Decoded, decoded_fit
from pipeline.ingest.parse.model import ParsedActivity, SampleColumns
from pipeline.ingest.parse.plausible import (
    EARLIEST_UTC,
    ImplausibleDate,
    date_problem,
    heart_rate_bpm,
    latest_utc,
    plausible_hr,
)
from pipeline.ingest.parse.sample_dates import (
    STRAY_SHARE,
    far_dates_warning,
    near_session,
    without_strays,
)
from pipeline.table_rules import SAMPLE_CHANNELS

SEMICIRCLE_DEG = 180.0 / 2**31
STRIDE_SPORTS = ("running", "walking", "hiking")  # FIT cadence in strides/min
FOOT_SPORTS = ("running", "trail_running", "treadmill_running", "walking", "water_running")
MAX_SPEED_FOOT_MPS = 30.0  # faster than any human on foot: a glitch
MAX_SPEED_OTHER_MPS = 40.0  # 144 km/h: faster than a cyclist descending
EARLIEST = EARLIEST_UTC  # earlier dates come from an unset clock (plausible.py: one rule)
# Activities recorded in a virtual world: their positions are a game map, not a time zone.
VIRTUAL_MANUFACTURERS = ("zwift",)
VIRTUAL_SUB_SPORTS = ("virtual_activity",)
FILE_TYPE_NAMES = {
    "settings": "device settings",
    "workout": "workout",
    "course": "course",
    "weight": "weight scale",
    "monitoring_a": "daily monitoring",
    "monitoring_b": "daily monitoring",
    "monitoring_daily": "daily monitoring",
    "totals": "totals",
    "goals": "goals",
    "sport": "sport settings",
    "device": "device description",
    "schedules": "schedule",
    "blood_pressure": "blood pressure",
    "segment": "segment",
    "segment_list": "segment list",
    "activity_summary": "activity summary",
}
# (record field, sample column, factor): record values in SI units after the factor
RECORD_FIELDS = (
    ("distance", "distance_m", 1.0),
    ("heart_rate", "heart_rate_bpm", 1.0),
    ("step_length", "step_length_m", 0.001),
    ("stance_time", "stance_time_ms", 1.0),
    ("vertical_oscillation", "vertical_oscillation_mm", 1.0),
    ("vertical_ratio", "vertical_ratio_pct", 1.0),
    ("stance_time_balance", "stance_time_balance_pct", 1.0),
    ("power", "power_w", 1.0),
    ("temperature", "temperature_c", 1.0),
)
# (session field, Activities column, factor); a 0 here means "not measured"
SESSION_FIELDS = (
    ("total_distance", "distance_m", 1.0),
    ("total_elapsed_time", "elapsed_time_s", 1.0),
    ("total_timer_time", "timer_time_s", 1.0),
    ("avg_heart_rate", "avg_hr_bpm", 1.0),
    ("max_heart_rate", "max_hr_bpm", 1.0),
    ("avg_power", "avg_power_w", 1.0),
    ("avg_step_length", "avg_step_length_m", 0.001),
    ("avg_stance_time", "avg_stance_time_ms", 1.0),
    ("avg_vertical_oscillation", "avg_vertical_oscillation_mm", 1.0),
    ("avg_vertical_ratio", "avg_vertical_ratio_pct", 1.0),
    ("avg_stance_time_balance", "avg_stance_time_balance_pct", 1.0),
)


def read_fit(data: bytes, *, source: str) -> list[ParsedActivity]:
    """The activities in a FIT file: one per session (a multisport file gives several).

    Raises ``NotAnActivity`` for valid files without an activity (settings, workouts, courses,
    monitoring, weight) and ``UnreadableInput`` when nothing usable can be read; no other error.
    """
    try:
        decoded = fast_decoded(data) or decoded_fit(data, source=source)
        return activities_from_messages(decoded, source=source)
    except InputError:
        raise
    except Exception as exc:  # a decoder or a value we did not foresee: never a traceback
        raise UnreadableInput(
            f"FIT file could not be read ({type(exc).__name__}: {exc})", source=source
        ) from exc


def fast_decoded(data: bytes) -> Decoded | None:
    """The fast decoder's messages with the records as columns (``record_columns``, and the first
    timed record alone under ``record``), or None when the file is left to fitparse: when the
    fast decoder refuses it, or there is no session (then fitparse's records name the sport)."""
    try:
        fast = decode_fit_fast(data)
    except Exception:  # noqa: BLE001 - the fast path never decides a file's fate
        return None
    if fast is None or not fast.messages["session"]:
        return None
    if set(WANTED) - {"record", "hr"} - set(fast.messages):  # a message it does not read
        return None
    ts = fast.records["timestamp"]
    timed = ts[np.isfinite(ts)]
    first = [{"timestamp": float(timed[0])}] if len(timed) else []
    # "hr": the fast decoder refuses files with hr messages
    messages = {**fast.messages, "hr": [], "record": first, "record_columns": fast.records}
    return Decoded(messages, "fit_fast")


def fit_name(value, kind: str) -> str | None:
    """An enum value as its FIT profile name (fitparse leaves newer values as ints)."""
    if value is None or isinstance(value, str):
        return value
    from garmin_fit_sdk import Profile

    return Profile["types"].get(kind, {}).get(int(value), str(value))


def activity_sport(sport: str | None, sub_sport: str | None) -> str:
    """One of ``schemas.SPORTS`` for a FIT (sport, sub_sport) pair."""
    sub = sub_sport or ""
    if sport == "running" or sub in ("treadmill", "indoor_running"):
        if sub in ("treadmill", "indoor_running"):
            return "treadmill_running"
        return "trail_running" if sub == "trail" else "running"
    if sport in ("cycling", "e_biking") or sub in ("indoor_cycling", "spin"):
        return "cycling"
    if sport == "swimming":
        return "swimming"
    if sport in ("walking", "hiking"):
        return "walking"
    return "other"


def _floats(values: list) -> np.ndarray:
    """Floats with NaN for None and anything non-numeric."""
    try:
        return np.array(values, dtype=float)
    except (TypeError, ValueError):
        return np.array(
            [
                v if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan
                for v in values
            ],
            dtype=float,
        )


def _first_valid(*arrays: np.ndarray) -> np.ndarray:
    out = arrays[0].copy()
    for a in arrays[1:]:
        out = np.where(np.isnan(out), a, out)
    return out


def _latest() -> pd.Timestamp:
    return latest_utc()


def record_columns(
    records: list[dict] | dict[str, np.ndarray], shift: float, warnings: list[str]
) -> dict[str, np.ndarray]:
    """Record messages (dicts, or fit_fast's columns) as column arrays in SI units, implausible
    values cleaned to NaN/dropped.

    ``cadence_raw`` (cadence + fractional, device units) is converted per sport later.
    """

    if isinstance(records, dict):  # fit_fast's columns: fitparse's names and units
        timed = np.isfinite(records["timestamp"])
        n = int(timed.sum())

        def col(key):
            return records[key][timed] if key in records else np.full(n, np.nan)
    else:

        def col(key):
            return _floats([r.get(key) for r in records])

    ts = _utc(col("timestamp"), shift)
    cols: dict[str, np.ndarray] = {"timestamp": ts}
    cols["speed_mps"] = _first_valid(col("enhanced_speed"), col("speed"))
    cols["altitude_m"] = _first_valid(col("enhanced_altitude"), col("altitude"))
    cadence, fraction = col("cadence"), col("fractional_cadence")
    cols["cadence_raw"] = cadence + np.where(np.isnan(fraction), 0.0, fraction)
    for field, name, factor in RECORD_FIELDS:
        cols[name] = col(field) * factor
    lat, lon = col("position_lat") * SEMICIRCLE_DEG, col("position_long") * SEMICIRCLE_DEG
    bad = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    cols["latitude_deg"], cols["longitude_deg"] = (
        np.where(bad, np.nan, lat),
        np.where(bad, np.nan, lon),
    )
    names = records if isinstance(records, dict) else {k for r in records for k in r}
    dev_keys = sorted(k for k in names if k.startswith("dev_"))
    for key in dev_keys:
        values = col(key)
        if np.isfinite(values).any():
            cols[key] = values
    # a zero step length, stance time or oscillation is a sensor that is not attached
    for name in (
        "step_length_m",
        "stance_time_ms",
        "vertical_oscillation_mm",
        "vertical_ratio_pct",
    ):
        cols[name] = np.where(cols[name] <= 0, np.nan, cols[name])
    balance = cols["stance_time_balance_pct"]  # left share of stance time: a per cent
    cols["stance_time_balance_pct"] = np.where((balance <= 0) | (balance > 100), np.nan, balance)
    _clean(
        cols,
        "heart_rate_bpm",
        np.isfinite(cols["heart_rate_bpm"]) & np.isnan(heart_rate_bpm(cols["heart_rate_bpm"])),
        "heart-rate values outside 25-250 bpm",
        warnings,
    )
    _clean(cols, "distance_m", cols["distance_m"] < 0, "negative distances", warnings)
    _clean(cols, "speed_mps", cols["speed_mps"] < 0, "negative speeds", warnings)
    earliest, latest = (t.tz_convert("UTC").tz_localize(None).to_datetime64()
                        for t in (EARLIEST, _latest()))
    keep = (ts >= earliest) & (ts <= latest)  # NaT compares False: dropped
    if (~keep).any():
        warnings.append(f"{int((~keep).sum()):,} records with missing or implausible dates dropped")
        cols = {k: v[keep] for k, v in cols.items()}
    order = np.argsort(cols["timestamp"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    # a chained FIT file can hold the same records twice: keep one of each identical record
    # (sorted, identical records share a timestamp: strictly rising times need no search)
    if (np.diff(cols["timestamp"]) > np.timedelta64(0)).all():
        return cols
    repeated = pd.DataFrame(cols).duplicated().to_numpy()
    return {k: v[~repeated] for k, v in cols.items()} if repeated.any() else cols


def _near_session(cols: dict, session: dict, start: np.datetime64, shift: float,
                  warnings: list[str]) -> dict:
    """One session's record columns without the records dated more than a day outside it (a
    damaged record with a plausible date); its start and end where known, else the main stretch
    of records (``sample_dates.near_session``)."""
    ts = cols["timestamp"].astype("datetime64[us]").astype(np.int64)
    start_us = None if np.isnat(start) else int(start.astype("datetime64[us]").astype(np.int64))
    end = session.get("timestamp")
    if end is not None:
        end = _utc(_floats([end]), shift)[0]
    elif start_us is not None and session.get("total_elapsed_time") is not None:
        end = start + np.timedelta64(int(1000 * float(session["total_elapsed_time"])), "ms")
    end_us = None if end is None or np.isnat(end) else int(
        end.astype("datetime64[us]").astype(np.int64))
    if start_us is not None and end_us is not None and end_us < start_us:
        end_us = None  # a damaged end: the records decide
    margin = Thresholds.far_sample_gap_s
    keep = near_session(ts, start_us=start_us, end_us=end_us, margin_s=margin)
    if not keep.all():
        warnings.append(f"{int((~keep).sum()):,} records dated more than a day outside the "
                        "session: implausible dates dropped")
    # a session whose end was written from a damaged record holds it within its bounds
    inside = np.flatnonzero(keep)
    stray = ~without_strays(ts[inside], max_gap_s=margin, max_share=STRAY_SHARE)
    if stray.any():
        keep[inside[stray]] = False
        warnings.append(far_dates_warning(int(stray.sum()), what="the rest of the session",
                                          margin_s=margin))
    return cols if keep.all() else {k: v[keep] for k, v in cols.items()}


def _clean(cols: dict, name: str, bad: np.ndarray, what: str, warnings: list[str]) -> None:
    if bad.any():
        warnings.append(f"{int(bad.sum()):,} {what} set to null")
        cols[name] = np.where(bad, np.nan, cols[name])


def session_columns(
    cols: dict[str, np.ndarray], sport_fit: str | None, sport: str, warnings: list[str]
) -> SampleColumns:
    """The ``schemas.Samples`` columns for one activity's slice of the record columns."""
    n = len(cols["timestamp"])
    ts = cols["timestamp"].astype("datetime64[us]")
    us = ts.astype(np.int64)
    # (as pandas' total_seconds: microseconds over 1e6)
    floats = {"elapsed_s": (us - us[0]) / 1e6 if n else np.array([], float)}
    for name in SAMPLE_CHANNELS[1:]:
        values = cols.get(name)
        floats[name] = values if values is not None else np.full(n, np.nan)
    if sport_fit in STRIDE_SPORTS or sport in FOOT_SPORTS:
        floats["cadence_spm"] = 2.0 * cols["cadence_raw"]
    else:  # crank rpm for rides; strokes or cycles per minute for other sports
        floats["cadence_rpm"] = cols["cadence_raw"]
    floats["altitude_m"] = altitude_without_spikes(floats["elapsed_s"], floats["altitude_m"],
                                                   warnings)
    limit = MAX_SPEED_FOOT_MPS if sport in FOOT_SPORTS else MAX_SPEED_OTHER_MPS
    speed = floats["speed_mps"]
    if (speed > limit).any():
        warnings.append(f"{int((speed > limit).sum()):,} speeds above {limit:.0f} m/s set to null")
        floats["speed_mps"] = np.where(speed > limit, np.nan, speed)
    for key in cols:
        if key.startswith("dev_"):
            floats[key] = cols[key]
    return SampleColumns(ts, floats)


def session_totals(session: dict, sport_fit: str | None, sport: str, has_altitude: bool) -> dict:
    """The device's own totals keyed by ``schemas.Activities`` columns; absent when not given."""
    out = {}
    for field, name, factor in SESSION_FIELDS:
        value = session.get(field)
        if isinstance(value, (int, float)) and value > 0 and math.isfinite(value):
            out[name] = float(value) * factor
    for name in ("avg_hr_bpm", "max_hr_bpm"):
        if name in out and not plausible_hr(out[name]):
            del out[name]
    if out.get("avg_stance_time_balance_pct", 0) > 100:
        del out["avg_stance_time_balance_pct"]
    speed = session.get("enhanced_avg_speed") or session.get("avg_speed")
    limit = MAX_SPEED_FOOT_MPS if sport in FOOT_SPORTS else MAX_SPEED_OTHER_MPS
    if isinstance(speed, (int, float)) and 0 < speed <= limit:
        out["avg_speed_mps"] = float(speed)
    ascent = session.get("total_ascent")
    if isinstance(ascent, (int, float)) and (ascent > 0 or (ascent == 0 and has_altitude)):
        out["ascent_m"] = float(ascent)
    cadence = session.get("avg_running_cadence")
    if cadence is None:
        cadence = session.get("avg_cadence")
    if isinstance(cadence, (int, float)) and cadence > 0:
        fraction = session.get("avg_fractional_cadence")
        cadence = float(cadence) + (float(fraction) if isinstance(fraction, (int, float)) else 0.0)
        if sport_fit in STRIDE_SPORTS or sport in FOOT_SPORTS:
            out["avg_cadence_spm"] = 2.0 * cadence
        else:
            out["avg_cadence_rpm"] = cadence
    return out


def _device(messages: dict) -> str | None:
    """ "<manufacturer> <product>" from the file_id, e.g. "garmin fr965"."""
    for m in messages["file_id"]:
        maker = fit_name(m.get("manufacturer"), "manufacturer")
        product = m.get("garmin_product")
        if product is not None:  # fitparse's profile predates newer watches: ask the SDK's
            product = fit_name(product, "garmin_product")
        else:
            product = m.get("product")
        parts = [str(p) for p in (maker, product) if p is not None]
        if parts:
            return " ".join(parts)
    return None


def _fallback_sport(messages: dict) -> tuple[str | None, str | None]:
    """(sport, sub_sport) when there is no session: the sport message, a lap or the records."""
    for m in messages["sport"] + messages["lap"]:
        if m.get("sport") is not None:
            return fit_name(m.get("sport"), "sport"), fit_name(m.get("sub_sport"), "sub_sport")
    for r in messages["record"][:50]:
        if r.get("activity_type") is not None:
            return fit_name(r["activity_type"], "activity_type"), None
    return None, None


def _check_is_activity(decoded: Decoded, source: str) -> None:
    """Raise unless the file holds an activity (a session or timed records)."""
    messages = decoded.messages
    types = [
        fit_name(m.get("type"), "file") for m in messages["file_id"] if m.get("type") is not None
    ]
    if types and "activity" not in types:
        kind = FILE_TYPE_NAMES.get(types[0], types[0])
        raise NotAnActivity(f"a FIT {kind} file, not an activity", source=source)
    if not messages["session"] and not any(
        r.get("timestamp") is not None for r in messages["record"]
    ):
        if decoded.problem:  # damage took the activity, not a file without one
            raise UnreadableInput(
                "damaged FIT activity: no session or record could be read", source=source
            )
        raise NotAnActivity(
            "a FIT file with no session and no timed records: no activity in it", source=source
        )


def _sub_sport(sport: str, sport_fit: str | None, sub: str | None) -> str | None:
    if sport_fit == "transition":
        return "transition"
    if sport == "other" and sub in (None, "generic"):
        return sport_fit  # e.g. "rowing", "training": more telling than "generic"
    return sub


def _distinct_sessions(sessions: list[dict]) -> list[dict]:
    """Timed sessions, each once: a chained FIT file can repeat the same activity. Without any
    timed session, the first untimed one (it still names the sport and holds the totals; the
    records date it)."""
    untimed = [s for s in sessions if s.get("start_time") is None and s.get("timestamp") is None]
    if len(untimed) == len(sessions):
        return untimed[:1]
    seen, out = set(), []
    for s in sessions:
        if s.get("start_time") is None and s.get("timestamp") is None:
            continue
        key = tuple(
            s.get(k)
            for k in ("start_time", "timestamp", "sport", "total_elapsed_time", "total_distance")
        )
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def activities_from_messages(decoded: Decoded, *, source: str) -> list[ParsedActivity]:
    """One ``ParsedActivity`` per session of a decoded FIT file (records split by start time)."""
    messages = decoded.messages
    _check_is_activity(decoded, source)
    warnings: list[str] = []
    shift, offset = _clock(messages, warnings, source)
    records = messages.get("record_columns")
    if records is None:
        records = [r for r in messages["record"] if r.get("timestamp") is not None]
    cols = record_columns(records, shift, warnings)
    sessions = _distinct_sessions(messages["session"])
    if not sessions:  # truncated before the session was written: one activity, no totals
        sport_fit, sub = _fallback_sport(messages)
        sessions = [{"sport": sport_fit, "sub_sport": sub, "_no_session": True}]
    starts = []
    for s in sessions:
        start = s.get("start_time")
        if start is None and s.get("timestamp") is not None:
            start = s["timestamp"] - (s.get("total_elapsed_time") or 0.0)
        starts.append(
            _utc(_floats([start]), shift)[0] if start is not None else np.datetime64("NaT", "ms")
        )
    order = sorted(range(len(sessions)), key=lambda i: (np.isnat(starts[i]), starts[i]))
    sessions, starts = [sessions[i] for i in order], np.array([starts[i] for i in order])
    bounds = np.where(np.isnat(starts), np.datetime64("1970-01-01", "ms"), starts)
    which = np.clip(np.searchsorted(bounds, cols["timestamp"], side="right") - 1, 0, None)
    device = _device(messages)
    maker = _manufacturer(messages)
    out = []
    implausible = None  # the first session date that cannot be a recording's
    for index, session in enumerate(sessions):
        part = {k: v[which == index] for k, v in cols.items()}
        sport_fit = fit_name(session.get("sport"), "sport")
        sub_fit = fit_name(session.get("sub_sport"), "sub_sport")
        sport = activity_sport(sport_fit, sub_fit)
        local_warnings = list(warnings)
        part = _near_session(part, session, starts[index], shift, local_warnings)
        samples = session_columns(part, sport_fit, sport, local_warnings)
        start = (
            pd.Timestamp(starts[index]).tz_localize("UTC") if not np.isnat(starts[index]) else None
        )
        if start is None or not (EARLIEST <= start <= _latest()):
            implausible = implausible or (date_problem(start) if start is not None else None)
            if not len(samples):  # cannot be dated: the other sessions still count
                warnings.append(f"session {index} skipped: no plausible date")
                continue
            start = pd.Timestamp(samples.timestamp[0]).tz_localize("UTC")
        has_alt = bool(np.isfinite(samples.floats["altitude_m"]).any())
        totals = (
            {} if session.get("_no_session") else session_totals(session, sport_fit, sport, has_alt)
        )
        _elapsed_from_samples(totals, samples, local_warnings)
        out.append(
            ParsedActivity(
                format="fit",
                sport=sport,
                start_time_utc=start.as_unit("us"),
                columns=samples,
                session=totals,
                sub_sport=_sub_sport(sport, sport_fit, sub_fit),
                device=device,
                utc_offset_min=offset,
                summary_only=not len(samples),
                partial_reason=decoded.problem,
                warnings=local_warnings,
                decoder=decoded.decoder,
                session_index=index,
                virtual=sub_fit in VIRTUAL_SUB_SPORTS or maker in VIRTUAL_MANUFACTURERS,
            )
        )
    if not out:
        first = messages["record"][:1]  # the first timed record, both decoders
        if implausible is None and first and first[0].get("timestamp") is not None:
            when = _utc(_floats([first[0]["timestamp"]]), shift)[0]
            if not np.isnat(when):
                implausible = date_problem(pd.Timestamp(when).tz_localize("UTC"))
        if implausible is None:
            raise UnreadableInput("no plausible date in the file's sessions or records",
                                  source=source)
        raise ImplausibleDate(f"no plausible date: {implausible}", source=source)
    return out


def _elapsed_from_samples(totals: dict, samples: SampleColumns, warnings: list[str]) -> None:
    """The session's elapsed time from the records kept (in place) when it reaches more than a
    day beyond them: the device summed it up to a damaged record dated weeks late."""
    elapsed = totals.get("elapsed_time_s")
    if elapsed is None or len(samples) < 2:
        return
    span = float(samples.floats["elapsed_s"][-1])
    if elapsed > span + Thresholds.far_sample_gap_s:
        warnings.append(f"the session's elapsed time ({elapsed / 86_400:.1f} days) reaches far "
                        f"beyond its records: elapsed time taken from the records ({span:.0f} s)")
        totals["elapsed_time_s"] = span


def _manufacturer(messages: dict) -> str | None:
    """The file_id's manufacturer as its FIT profile name (e.g. "garmin", "zwift")."""
    for m in messages["file_id"]:
        if m.get("manufacturer") is not None:
            return str(fit_name(m.get("manufacturer"), "manufacturer"))
    return None
