"""FIT files written from sample frames (``schemas.Samples`` columns), for demo and test fixtures.

Built with ``fit-tool``; what it writes decodes with fitparse and Garmin's SDK. Units follow the FIT
profile: running cadence is written as strides/min plus ``fractional_cadence`` (steps/min / 2),
cycling cadence as crank rpm, step length and vertical oscillation in mm, stance time in ms.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from fit_tool.base_type import BaseType
from fit_tool.data_message import DataMessage
from fit_tool.developer_field import DeveloperField
from fit_tool.endian import Endian
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages import record_message as rm
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.common_fields import TimestampField
from fit_tool.profile.messages.course_message import CourseMessage
from fit_tool.profile.messages.developer_data_id_message import DeveloperDataIdMessage
from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
from fit_tool.profile.messages.device_settings_message import DeviceSettingsMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.field_description_message import FieldDescriptionMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.messages.user_profile_message import UserProfileMessage
from fit_tool.profile.messages.workout_message import WorkoutMessage
from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
from fit_tool.profile.profile_type import (
    Activity,
    Event,
    EventType,
    FileType,
    GarminProduct,
    Manufacturer,
    Sport,
    SubSport,
    WorkoutStepDuration,
    WorkoutStepTarget,
)

FIT_EPOCH_S = 631065600  # 1989-12-31T00:00:00Z in Unix seconds

# device name -> (manufacturer, product); the product is a Garmin product id where one applies
DEVICES = {
    "forerunner_965": (Manufacturer.GARMIN.value, GarminProduct.FR965.value),
    "forerunner_255": (Manufacturer.GARMIN.value, GarminProduct.FR255.value),
    "edge_530": (Manufacturer.GARMIN.value, GarminProduct.EDGE_530.value),
    "development": (Manufacturer.DEVELOPMENT.value, 1),
}

# project sport -> FIT (sport, sub_sport); a sport not listed here may be given as a FIT name
SPORT_FIT = {
    "running": (Sport.RUNNING, SubSport.GENERIC),
    "trail_running": (Sport.RUNNING, SubSport.TRAIL),
    "treadmill_running": (Sport.RUNNING, SubSport.TREADMILL),
    "cycling": (Sport.CYCLING, SubSport.ROAD),
    "indoor_cycling": (Sport.CYCLING, SubSport.INDOOR_CYCLING),
    "swimming": (Sport.SWIMMING, SubSport.LAP_SWIMMING),
    "open_water": (Sport.SWIMMING, SubSport.OPEN_WATER),
    "walking": (Sport.WALKING, SubSport.GENERIC),
    "hiking": (Sport.HIKING, SubSport.GENERIC),
    "transition": (Sport.TRANSITION, SubSport.GENERIC),
    "other": (Sport.GENERIC, SubSport.GENERIC),
    "strength": (Sport.TRAINING, SubSport.STRENGTH_TRAINING),
}
# FIT cadence is strides/min for these sports (steps/min = 2 x cadence)
STRIDE_SPORTS = (Sport.RUNNING, Sport.WALKING, Sport.HIKING)


def fit_sport(sport: str, sub_sport: str | None = None) -> tuple[Sport, SubSport]:
    """The FIT (sport, sub_sport) enums for a project sport name, or FIT names like ``"rowing"``."""
    if sport in SPORT_FIT:
        fsport, fsub = SPORT_FIT[sport]
    else:
        fsport, fsub = Sport[sport.upper()], SubSport.GENERIC
    if sub_sport is not None:
        fsub = SubSport[sub_sport.upper()]
    return fsport, fsub


def _ms(timestamps: pd.Series) -> np.ndarray:
    """Unix milliseconds (int64) of tz-aware UTC timestamps."""
    ts = pd.to_datetime(timestamps, utc=True).dt.tz_localize(None)
    return ts.to_numpy(dtype="datetime64[ms]").astype(np.int64)


def _col(samples: pd.DataFrame, name: str) -> np.ndarray:
    """A float column, all NaN when the frame lacks it."""
    if name in samples.columns:
        return pd.to_numeric(samples[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.full(len(samples), np.nan)


def _ok(x: float) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _nanmean(a: np.ndarray) -> float:
    return float(np.nanmean(a)) if np.isfinite(a).any() else math.nan


def _file_id(builder: FitFileBuilder, file_type: FileType, device: str, created_ms: int) -> None:
    manufacturer, product = DEVICES.get(device, DEVICES["development"])
    msg = FileIdMessage()
    msg.type = file_type
    msg.manufacturer = manufacturer
    msg.product = product
    msg.serial_number = 3_456_789_012
    msg.time_created = int(created_ms)
    builder.add(msg)
    if file_type == FileType.ACTIVITY:
        info = DeviceInfoMessage()
        info.timestamp = int(created_ms)
        info.manufacturer = manufacturer
        info.product = product
        info.serial_number = 3_456_789_012
        info.software_version = 12.34
        info.device_index = 0
        builder.add(info)


def _event(builder: FitFileBuilder, ms: int, event_type: EventType) -> None:
    msg = EventMessage()
    msg.timestamp = int(ms)
    msg.event = Event.TIMER
    msg.event_type = event_type
    msg.event_group = 0
    builder.add(msg)


def _dev_power_header(builder: FitFileBuilder) -> None:
    """A Stryd-like developer field ``Power`` (W, uint16) on records."""
    ddi = DeveloperDataIdMessage()
    ddi.application_id = bytes(range(16))
    ddi.developer_data_index = 0
    ddi.application_version = 1
    builder.add(ddi)
    desc = FieldDescriptionMessage()
    desc.developer_data_index = 0
    desc.field_definition_number = 0
    desc.fit_base_type_id = BaseType.UINT16.value
    desc.field_name = "Power"
    desc.units = "Watts"
    desc.native_field_num = 7
    builder.add(desc)


# sample column -> the record field that carries it
_RECORD_FIELD = {
    "distance_m": rm.RecordDistanceField,
    "speed_mps": rm.RecordEnhancedSpeedField,
    "altitude_m": rm.RecordEnhancedAltitudeField,
    "heart_rate_bpm": rm.RecordHeartRateField,
    "cadence_spm": rm.RecordCadenceField,
    "cadence_rpm": rm.RecordCadenceField,
    "step_length_m": rm.RecordStepLengthField,
    "stance_time_ms": rm.RecordStanceTimeField,
    "vertical_oscillation_mm": rm.RecordVerticalOscillationField,
    "vertical_ratio_pct": rm.RecordVerticalRatioField,
    "stance_time_balance_pct": rm.RecordStanceTimeBalanceField,
    "power_w": rm.RecordPowerField,
    "latitude_deg": rm.RecordPositionLatField,
    "longitude_deg": rm.RecordPositionLongField,
    "temperature_c": rm.RecordTemperatureField,
}


# sample column -> the record attribute it sets, in the field's units (cadence, which depends on
# the sport, and power, which may go to a developer field, are set on their own)
_RECORD_VALUES = (
    ("distance_m", "distance", float),
    ("speed_mps", "enhanced_speed", float),
    ("altitude_m", "enhanced_altitude", float),
    ("heart_rate_bpm", "heart_rate", round),
    ("step_length_m", "step_length", lambda m: float(m) * 1000.0),  # mm
    ("stance_time_ms", "stance_time", float),
    ("vertical_oscillation_mm", "vertical_oscillation", float),
    ("vertical_ratio_pct", "vertical_ratio", float),
    ("stance_time_balance_pct", "stance_time_balance", float),
    ("temperature_c", "temperature", round),
)


def _lean_record(field_classes: list[type], developer_fields: list) -> RecordMessage:
    """A record message holding only the given fields.

    ``RecordMessage()`` builds all ~80 profile fields (about 1 ms per record); building only the
    channels a sample frame has makes writing a long run several times faster.
    """
    msg = RecordMessage.__new__(RecordMessage)
    DataMessage.__init__(
        msg,
        name=RecordMessage.NAME,
        global_id=RecordMessage.ID,
        local_id=0,
        endian=Endian.LITTLE,
        fields=[cls(size=0, growable=True) for cls in field_classes],
        developer_fields=developer_fields,
    )
    msg.growable = True
    return msg


def _records(builder, samples: pd.DataFrame, fsport: Sport, developer_power: bool) -> None:
    """One record message per sample row; NaN values are left out (FIT 'invalid')."""
    ms = _ms(samples["timestamp_utc"])
    cols = {c: _col(samples, c) for c in _RECORD_FIELD}
    strides = fsport in STRIDE_SPORTS
    present = [c for c, a in cols.items() if np.isfinite(a).any()]
    if developer_power and "power_w" in present:
        present.remove("power_w")
    if strides and "cadence_spm" in present:
        present.append("fractional")
    field_classes = [TimestampField] + list(
        dict.fromkeys(
            rm.RecordFractionalCadenceField if c == "fractional" else _RECORD_FIELD[c]
            for c in present
        )
    )
    for i in range(len(samples)):
        v = {k: a[i] for k, a in cols.items()}
        dev = []
        if developer_power and _ok(v["power_w"]):
            field = DeveloperField(
                developer_data_index=0,
                field_id=0,
                size=2,
                base_type=BaseType.UINT16,
                name="Power",
                units="Watts",
            )
            field.set_value(0, round(v["power_w"]))
            dev.append(field)
        msg = _lean_record(field_classes, dev)
        msg.timestamp = int(ms[i])
        if _ok(v["latitude_deg"]) and _ok(v["longitude_deg"]):
            msg.position_lat = float(v["latitude_deg"])
            msg.position_long = float(v["longitude_deg"])
        for column, name, in_field_units in _RECORD_VALUES:
            if _ok(v[column]):
                setattr(msg, name, in_field_units(v[column]))
        if strides and _ok(v["cadence_spm"]):
            half = v["cadence_spm"] / 2.0
            msg.cadence = math.floor(half)
            msg.fractional_cadence = half - math.floor(half)
        elif not strides and _ok(v["cadence_rpm"]):
            msg.cadence = round(v["cadence_rpm"])
        if _ok(v["power_w"]) and not developer_power:
            msg.power = round(v["power_w"])
        builder.add(msg)


def _totals(samples: pd.DataFrame, fsport: Sport) -> dict:
    """Session totals recomputed from the samples, in FIT units (s, m, m/s, strides/min, mm)."""
    ms = _ms(samples["timestamp_utc"])
    dist = _col(samples, "distance_m")
    alt = _col(samples, "altitude_m")
    elapsed = (ms[-1] - ms[0]) / 1000.0 if len(ms) else 0.0
    out = {"start_ms": int(ms[0]), "end_ms": int(ms[-1]), "elapsed": elapsed}
    out["distance"] = float(np.nanmax(dist)) if np.isfinite(dist).any() else math.nan
    out["hr_avg"] = _nanmean(_col(samples, "heart_rate_bpm"))
    hr = _col(samples, "heart_rate_bpm")
    out["hr_max"] = float(np.nanmax(hr)) if np.isfinite(hr).any() else math.nan
    out["speed"] = out["distance"] / elapsed if elapsed > 0 and _ok(out["distance"]) else math.nan
    if fsport in STRIDE_SPORTS:
        out["cadence"] = _nanmean(_col(samples, "cadence_spm")) / 2.0
    else:
        out["cadence"] = _nanmean(_col(samples, "cadence_rpm"))
    rises = np.diff(alt[np.isfinite(alt)])
    out["ascent"] = float(rises[rises > 0].sum()) if len(rises) else math.nan
    out["power"] = _nanmean(_col(samples, "power_w"))
    out["step_length_mm"] = _nanmean(_col(samples, "step_length_m")) * 1000.0
    out["stance_time"] = _nanmean(_col(samples, "stance_time_ms"))
    out["vertical_oscillation"] = _nanmean(_col(samples, "vertical_oscillation_mm"))
    return out


def _summary_messages(builder, t: dict, fsport: Sport, fsub: SubSport, index: int) -> None:
    """One lap and one session covering ``t`` (see ``_totals``)."""
    for cls in (LapMessage, SessionMessage):
        msg = cls()
        msg.message_index = index
        msg.timestamp = t["end_ms"]
        msg.start_time = t["start_ms"]
        msg.event = Event.LAP if cls is LapMessage else Event.SESSION
        msg.event_type = EventType.STOP
        msg.sport = fsport
        msg.sub_sport = fsub
        msg.total_elapsed_time = t["elapsed"]
        msg.total_timer_time = t.get("timer", t["elapsed"])
        if _ok(t.get("distance")):
            msg.total_distance = t["distance"]
        if _ok(t.get("speed")):
            msg.enhanced_avg_speed = t["speed"]
        if _ok(t.get("hr_avg")):
            msg.avg_heart_rate = round(t["hr_avg"])
        if _ok(t.get("hr_max")):
            msg.max_heart_rate = round(t["hr_max"])
        if _ok(t.get("cadence")):
            msg.avg_cadence = math.floor(t["cadence"])
            if fsport in STRIDE_SPORTS:
                msg.avg_fractional_cadence = t["cadence"] - math.floor(t["cadence"])
        if _ok(t.get("ascent")):
            msg.total_ascent = round(t["ascent"])
        if _ok(t.get("power")):
            msg.avg_power = round(t["power"])
        if _ok(t.get("step_length_mm")):
            msg.avg_step_length = t["step_length_mm"]
        if _ok(t.get("stance_time")):
            msg.avg_stance_time = t["stance_time"]
        if _ok(t.get("vertical_oscillation")):
            msg.avg_vertical_oscillation = t["vertical_oscillation"]
        if cls is SessionMessage:
            msg.first_lap_index = index
            msg.num_laps = 1
        builder.add(msg)


def _activity_message(
    builder, end_ms: int, timer_s: float, n_sessions: int, utc_offset_min: float | None
) -> None:
    msg = ActivityMessage()
    msg.timestamp = int(end_ms)
    msg.total_timer_time = timer_s
    msg.num_sessions = n_sessions
    msg.type = Activity.MANUAL
    msg.event = Event.ACTIVITY
    msg.event_type = EventType.STOP
    if utc_offset_min is not None:
        msg.local_timestamp = int(end_ms // 1000 - FIT_EPOCH_S + round(utc_offset_min * 60))
    builder.add(msg)


def fit_activity_bytes(
    samples: pd.DataFrame,
    *,
    sport: str,
    sub_sport: str | None = None,
    utc_offset_min: float | None = None,
    device: str = "forerunner_965",
    developer_power: bool = False,
) -> bytes:
    """A FIT activity file: file_id, device_info, timer events, one record per sample, a lap, a
    session with totals and an activity message whose ``local_timestamp`` carries the offset.

    ``sport`` is a project sport (``"running"``, ``"trail_running"``, ``"cycling"``...) or a FIT
    sport name; ``sub_sport`` a FIT sub-sport name overriding the default. With
    ``developer_power`` the ``power_w`` column goes into a developer field "Power" (like Stryd).
    """
    return fit_multisport_bytes(
        [(sport, samples)],
        utc_offset_min=utc_offset_min,
        device=device,
        developer_power=developer_power,
        sub_sports=[sub_sport],
    )


def fit_multisport_bytes(
    legs: list[tuple[str, pd.DataFrame]],
    *,
    utc_offset_min: float | None = None,
    device: str = "forerunner_965",
    developer_power: bool = False,
    sub_sports: list[str | None] | None = None,
) -> bytes:
    """A FIT activity with one session (and lap) per leg, in order; legs are (sport, samples).

    A leg's sport may be ``"transition"``. Each leg is a timer start..stop block of records.
    """
    if not legs or any(len(df) == 0 for _, df in legs):
        raise ValueError("every leg needs at least one sample")
    sub_sports = sub_sports or [None] * len(legs)
    builder = FitFileBuilder(auto_define=True, min_string_size=16)
    first_ms = int(_ms(legs[0][1]["timestamp_utc"])[0])
    _file_id(builder, FileType.ACTIVITY, device, first_ms)
    if developer_power:
        _dev_power_header(builder)
    sessions = []
    for index, ((sport, samples), sub) in enumerate(zip(legs, sub_sports)):
        fsport, fsub = fit_sport(sport, sub)
        samples = samples.sort_values("timestamp_utc")
        t = _totals(samples, fsport)
        _event(builder, t["start_ms"], EventType.START)
        _records(builder, samples, fsport, developer_power)
        _event(builder, t["end_ms"], EventType.STOP_ALL)
        sessions.append((t, fsport, fsub, index))
    for index, (t, fsport, fsub, _) in enumerate(sessions):
        _summary_messages(builder, t, fsport, fsub, index)
    timer = sum(t["elapsed"] for t, *_ in sessions)
    _activity_message(builder, sessions[-1][0]["end_ms"], timer, len(sessions), utc_offset_min)
    return builder.build_bytes()


def fit_summary_only_bytes(
    *,
    sport: str,
    start_time_utc: pd.Timestamp,
    elapsed_time_s: float,
    distance_m: float | None = None,
    avg_hr_bpm: float | None = None,
    utc_offset_min: float | None = None,
) -> bytes:
    """A FIT activity with a session but no records, as a manual entry writes it."""
    fsport, fsub = fit_sport(sport)
    start_ms = int(pd.Timestamp(start_time_utc).tz_convert("UTC").value // 1_000_000)
    end_ms = start_ms + int(elapsed_time_s * 1000)
    builder = FitFileBuilder(auto_define=True, min_string_size=16)
    _file_id(builder, FileType.ACTIVITY, "development", start_ms)
    t = {
        "start_ms": start_ms,
        "end_ms": end_ms,
        "elapsed": float(elapsed_time_s),
        "distance": math.nan if distance_m is None else float(distance_m),
        "hr_avg": math.nan if avg_hr_bpm is None else float(avg_hr_bpm),
    }
    if distance_m is not None and elapsed_time_s > 0:
        t["speed"] = distance_m / elapsed_time_s
    _summary_messages(builder, t, fsport, fsub, 0)
    _activity_message(builder, end_ms, float(elapsed_time_s), 1, utc_offset_min)
    return builder.build_bytes()


def fit_non_activity_bytes(kind: str = "settings") -> bytes:
    """A valid FIT file that holds no activity: ``kind`` is ``settings``, ``workout`` or ``course``
    (a course has positioned records but no session)."""
    created_ms = 1_767_225_600_000  # 2026-01-01T00:00:00Z
    builder = FitFileBuilder(auto_define=True, min_string_size=16)
    if kind == "settings":
        _file_id(builder, FileType.SETTINGS, "forerunner_965", created_ms)
        profile = UserProfileMessage()
        profile.friendly_name = "runner"
        profile.weight = 70.0
        builder.add(profile)
        settings = DeviceSettingsMessage()
        settings.utc_offset = 0
        builder.add(settings)
    elif kind == "workout":
        _file_id(builder, FileType.WORKOUT, "forerunner_965", created_ms)
        workout = WorkoutMessage()
        workout.sport = Sport.RUNNING
        workout.workout_name = "easy 30"
        workout.num_valid_steps = 1
        builder.add(workout)
        step = WorkoutStepMessage()
        step.message_index = 0
        step.duration_type = WorkoutStepDuration.TIME
        step.duration_time = 1800.0
        step.target_type = WorkoutStepTarget.OPEN
        builder.add(step)
    elif kind == "course":
        _file_id(builder, FileType.COURSE, "edge_530", created_ms)
        course = CourseMessage()
        course.name = "loop"
        course.sport = Sport.CYCLING
        builder.add(course)
        for i in range(5):
            rec = RecordMessage()
            rec.timestamp = created_ms + i * 1000
            rec.position_lat = 40.0 + i * 1e-4
            rec.position_long = -105.0
            rec.distance = i * 11.0
            builder.add(rec)
    else:
        raise ValueError(f"unknown kind {kind!r}: settings, workout or course")
    return builder.build_bytes()
