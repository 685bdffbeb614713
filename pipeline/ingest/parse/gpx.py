"""GPX files -> parsed activities (gpxpy), with Garmin TrackPointExtension heart rate and cadence.

One file is one activity: its tracks and segments are joined in time order. Safety: the prolog is
scanned for a DTD first (refused), so gpxpy's parser never sees an entity definition, and the
nesting depth is checked (gpxpy recurses over <extensions> in C: a stack overflow kills the
process).
"""

from __future__ import annotations

import datetime as dt

import gpxpy
import gpxpy.gpx
import numpy as np

from pipeline.config import Thresholds
from pipeline.errors import NotAnActivity, UnreadableInput
from pipeline.ingest.parse.model import ParsedActivity
from pipeline.ingest.parse.trackpoints import samples_frame, sport_from_words
from pipeline.ingest.parse.xml_safety import (
    local_name,
    parse_error,
    refuse_deep_nesting,
    refuse_dtd,
    refuse_html,
    xml_start,
    xml_text,
)

# GPX <type> values, lower-cased, as written by Garmin Connect, Strava, Runkeeper and others.
# Strava's own GPX export writes numbers: 1 ride, 9 run, 10 walk (4 hike).
GPX_TYPES = {
    "running": "running", "run": "running", "street_running": "running", "9": "running",
    "trail_running": "trail_running", "trail_run": "trail_running", "trailrun": "trail_running",
    "treadmill_running": "treadmill_running", "treadmill": "treadmill_running",
    "indoor_running": "treadmill_running", "virtualrun": "treadmill_running",
    "cycling": "cycling", "biking": "cycling", "ride": "cycling", "bike": "cycling",
    "road_biking": "cycling", "mountain_biking": "cycling", "virtualride": "cycling",
    "1": "cycling",
    "swimming": "swimming", "swim": "swimming", "open_water_swimming": "swimming",
    "lap_swimming": "swimming",
    "walking": "walking", "walk": "walking", "hiking": "walking", "hike": "walking",
    "10": "walking", "4": "walking",
}
_EXT_FIELDS = {
    "hr": "heart_rate_bpm", "heartrate": "heart_rate_bpm",
    "cad": "cadence", "cadence": "cadence",
    "speed": "speed_mps",
    "atemp": "temperature_c", "temp": "temperature_c",
}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# No GPS receiver recorded anything before GPS time began; earlier stamps are placeholders (the
# corpus' Mojstrovka.gpx has 1901-12-13T20:45:52, the smallest 32-bit Unix time, on every point).
GPS_EPOCH = dt.datetime(1980, 1, 6, tzinfo=dt.timezone.utc)


def _sport(gpx: gpxpy.gpx.GPX, *, source: str, warnings: list[str]) -> str | None:
    """The activity's sport from <type>; else from words in the track name or file name; None
    when nothing states it (``samples_frame`` then judges it by speed)."""
    stated = next((t.type.strip() for t in gpx.tracks if t.type and t.type.strip()), None)
    hints = " ".join(filter(None, [*(t.name for t in gpx.tracks), gpx.name, source]))
    if stated is not None:
        sport = GPX_TYPES.get(stated.lower()) or sport_from_words(stated)
        if sport:
            return sport
        sport = sport_from_words(hints)
        if sport:
            return sport
        warnings.append(f"sport {stated!r} not recognised; stored as other")
        return "other"
    return sport_from_words(hints)


def _extension_values(point: gpxpy.gpx.GPXTrackPoint) -> dict[str, float]:
    """Heart rate, cadence, speed and temperature from TrackPointExtension v1/v2 or plain tags."""
    out: dict[str, float] = {}
    for ext in point.extensions:
        name = local_name(ext.tag).lower()
        children = list(ext) if name.endswith("trackpointextension") else [ext]
        for child in children:
            field = _EXT_FIELDS.get(local_name(child.tag).lower())
            if field and child.text:
                try:
                    out[field] = float(child.text.strip())
                except ValueError:
                    pass
    return out


def _no_activity_reason(gpx: gpxpy.gpx.GPX) -> str:
    n_track_points = sum(len(s.points) for t in gpx.tracks for s in t.segments)
    if n_track_points:
        placeholder = any(
            p.time is not None for t in gpx.tracks for s in t.segments for p in s.points
        )
        times = "placeholder times from before GPS began" if placeholder else "no times"
        return f"a track of {n_track_points} point(s) with {times} (a course, not a recording)"
    if gpx.routes:
        return "a route (a planned course) without a recorded track"
    if gpx.waypoints:
        return f"only {len(gpx.waypoints)} waypoint(s), no recorded track"
    return "no track points"


def _timed_segments(gpx: gpxpy.gpx.GPX) -> list[list[gpxpy.gpx.GPXTrackPoint]]:
    """Each segment's timed points, segments ordered by their first time."""
    segments = []
    for track in gpx.tracks:
        for segment in track.segments:
            points = [p for p in segment.points if p.time is not None and _utc(p.time) >= GPS_EPOCH]
            if points:
                segments.append(points)
    return sorted(segments, key=lambda pts: _utc(pts[0].time))


def _utc(t: dt.datetime) -> dt.datetime:
    # GPX times without an offset are UTC by the schema
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)


def read_gpx(
    data: bytes, *, source: str, thresholds: Thresholds | None = None
) -> list[ParsedActivity]:
    """The one activity in a GPX file (a list, like every reader), samples per ``schemas.Samples``.

    Without a stated sport (<type>, or a sport word in the track or file name) the sport is judged
    from the median moving speed, with a warning (``trackpoints.sport_from_speed``).

    Raises ``UnsafeInput`` for a DTD/entity or nesting deeper than ``xml_safety.MAX_XML_DEPTH``,
    ``UnreadableInput`` for HTML, invalid XML or a non-GPX root, ``NotAnActivity`` when no track
    has two or more timed points.
    """
    data = xml_start(data)
    refuse_html(data, kind="GPX", source=source)
    # every check reads the text gpxpy gets (expat cannot read multi-byte encodings' bytes)
    text = xml_text(data, source=source)
    root = refuse_dtd(text, source=source)
    if root != "gpx":
        raise UnreadableInput(f"not a GPX file: its root element is <{root}>", source=source)
    refuse_deep_nesting(text, source=source)  # gpxpy's recursion would crash the process
    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXXMLSyntaxException as e:
        raise parse_error(e.__cause__ or e, source=source) from None
    except gpxpy.gpx.GPXException as e:
        raise UnreadableInput(f"not a valid GPX file: {e}", source=source) from None

    warnings: list[str] = []
    segments = _timed_segments(gpx)
    points = [p for seg in segments for p in seg]
    if not points:
        raise NotAnActivity(f"not an activity: {_no_activity_reason(gpx)}", source=source)
    untimed = sum(len(s.points) for t in gpx.tracks for s in t.segments) - len(points)
    if untimed:
        warnings.append(f"ignored {untimed} track point(s) without a real time")

    n = len(points)
    time_us = np.empty(n, dtype=np.int64)
    cols = {k: np.full(n, np.nan) for k in ("latitude_deg", "longitude_deg", "altitude_m")}
    ext_cols: dict[str, np.ndarray] = {}
    for i, p in enumerate(points):
        delta = _utc(p.time) - _EPOCH
        time_us[i] = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        cols["latitude_deg"][i] = p.latitude if p.latitude is not None else np.nan
        cols["longitude_deg"][i] = p.longitude if p.longitude is not None else np.nan
        if p.elevation is not None:
            cols["altitude_m"][i] = p.elevation
        values = _extension_values(p) if p.extensions else {}
        if p.speed is not None:
            values.setdefault("speed_mps", p.speed)
        for field, value in values.items():
            ext_cols.setdefault(field, np.full(n, np.nan))[i] = value
    cadence = ext_cols.pop("cadence", None)
    cols.update(ext_cols)

    samples, sport = samples_frame(
        time_us=time_us, columns=cols, cadence=cadence,
        sport=_sport(gpx, source=source, warnings=warnings), warnings=warnings,
        thresholds=thresholds,
    )
    samples.attrs.pop("steps_per_count", None)
    if samples["timestamp_utc"].nunique() < 2:
        raise NotAnActivity("not an activity: fewer than two timed points", source=source)
    offset = points[0].time.utcoffset()
    name = next((t.name.strip() for t in gpx.tracks if t.name and t.name.strip()), None)
    return [
        ParsedActivity(
            format="gpx",
            sport=sport,
            start_time_utc=samples["timestamp_utc"].iloc[0],
            samples=samples,
            device=(gpx.creator or "").strip() or None,
            name=name or gpx.name,
            # an offset other than Z states the local time; Z says nothing about it
            utc_offset_min=offset.total_seconds() / 60 if offset else None,
            warnings=warnings,
        )
    ]
