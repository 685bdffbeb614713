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

from pipeline.errors import InputError, NotAnActivity, UnreadableInput
from pipeline.ingest.parse.fit_clock import FIT_EPOCH_UNIX_S, RELATIVE_LIMIT_S  # noqa: F401
from pipeline.ingest.parse.fit_clock import clock as _clock
from pipeline.ingest.parse.fit_clock import fit_utc as _utc
from pipeline.ingest.parse.fit_fast import decode_fit_fast
from pipeline.ingest.parse.fit_recover import WANTED, Decoded, decoded_fit
from pipeline.ingest.parse.fit_records import (
    EARLIEST,
    FOOT_SPORTS,
    MAX_SPEED_FOOT_MPS,
    MAX_SPEED_OTHER_MPS,
    STRIDE_SPORTS,
    _elapsed_from_samples,
    _floats,
    _latest,
    _near_session,
    record_columns,
    session_columns,
)
from pipeline.ingest.parse.model import ParsedActivity, utc_datetime
from pipeline.ingest.parse.plausible import ImplausibleDate, date_problem, plausible_hr

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
        start = utc_datetime(starts[index])
        if start is None or not (EARLIEST <= start <= _latest()):
            implausible = implausible or (date_problem(start) if start is not None else None)
            if not len(samples):  # cannot be dated: the other sessions still count
                warnings.append(f"session {index} skipped: no plausible date")
                continue
            start = utc_datetime(samples.timestamp[0])
        has_alt = bool(np.isfinite(samples.floats["altitude_m"]).any())
        totals = (
            {} if session.get("_no_session") else session_totals(session, sport_fit, sport, has_alt)
        )
        _elapsed_from_samples(totals, samples, local_warnings)
        out.append(
            ParsedActivity(
                format="fit",
                sport=sport,
                start_time_utc=start,
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
                implausible = date_problem(when)
        if implausible is None:
            raise UnreadableInput("no plausible date in the file's sessions or records",
                                  source=source)
        raise ImplausibleDate(f"no plausible date: {implausible}", source=source)
    return out


def _manufacturer(messages: dict) -> str | None:
    """The file_id's manufacturer as its FIT profile name (e.g. "garmin", "zwift")."""
    for m in messages["file_id"]:
        if m.get("manufacturer") is not None:
            return str(fit_name(m.get("manufacturer"), "manufacturer"))
    return None
