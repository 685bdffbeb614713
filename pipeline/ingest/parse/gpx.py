"""GPX files -> parsed activities (gpxpy), with Garmin TrackPointExtension heart rate and cadence.

A file holds one activity per outing: its tracks and segments are joined in time order, and a
new outing starts where a track or segment begins hours after the previous one ended
(``Thresholds.outing_gap_s``: three tracks recorded on three days are three activities; the
tracks of one outing, split at a pause, stay one). One segment holding days of recording apart
(a gap of a day or more, ``far_sample_gap_s``) is cut there too; a few points dated a day away
are not an outing but wrong dates, dropped. Safety: the prolog is
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
from pipeline.errors import InputError, NotAnActivity, UnreadableInput
from pipeline.ingest.parse.localtime import virtual_app
from pipeline.ingest.parse.model import (
    EPOCH_UTC,
    ParsedActivity,
    sample_columns,
    utc_datetime,
    utc_microseconds,
)
from pipeline.ingest.parse.plausible import ImplausibleDate, time_us_problem
from pipeline.ingest.parse.sample_dates import day_stretches, in_main_stretch
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
# No GPS receiver recorded anything before GPS time began; earlier stamps are placeholders (the
# corpus' Mojstrovka.gpx has 1901-12-13T20:45:52, the smallest 32-bit Unix time, on every point).
GPS_EPOCH = dt.datetime(1980, 1, 6, tzinfo=dt.UTC)


def _sport(tracks: list[gpxpy.gpx.GPXTrack], gpx: gpxpy.gpx.GPX, *, source: str,
           warnings: list[str]) -> str | None:
    """An outing's sport from its tracks' <type>; else from words in the track name or file name;
    None when nothing states it (``samples_frame`` then judges it by speed)."""
    stated = next((t.type.strip() for t in tracks if t.type and t.type.strip()), None)
    hints = " ".join(filter(None, [*(t.name for t in tracks), gpx.name, source]))
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


def _timed_segments(
    gpx: gpxpy.gpx.GPX, *, far_s: float,
) -> list[tuple[gpxpy.gpx.GPXTrack, list[gpxpy.gpx.GPXTrackPoint], dt.datetime, dt.datetime]]:
    """(track, timed points, first and last time of their main stretch) of each segment, ordered
    by first time. A segment holding days of recording apart (a gap over ``far_s``, each part
    of substance: ``sample_dates.day_stretches``) gives one entry per part."""
    segments = []
    for track in gpx.tracks:
        for segment in track.segments:
            points = [p for p in segment.points
                      if p.time is not None and utc_datetime(p.time) >= GPS_EPOCH]
            if not points:
                continue
            time_us = np.array([_time_us(p.time) for p in points], dtype=np.int64)
            part = day_stretches(time_us, max_gap_s=far_s)
            for k in range(int(part.max()) + 1):
                mine = part == k
                piece = [p for p, m in zip(points, mine) if m]
                main = time_us[mine][in_main_stretch(time_us[mine], max_gap_s=far_s)]
                segments.append((track, piece, _from_us(main.min()), _from_us(main.max())))
    return sorted(segments, key=lambda item: item[2])


def _time_us(t: dt.datetime) -> int:
    """UTC microseconds since the Unix epoch (any year gpxpy reads; GPX times without an offset
    are UTC by the schema)."""
    return utc_microseconds(utc_datetime(t))


def _from_us(time_us: int) -> dt.datetime:
    return EPOCH_UTC + dt.timedelta(microseconds=int(time_us))


def _outings(segments: list, *, gap_s: float) -> list[list]:
    """The segments (``_timed_segments``) grouped into outings: a segment starting more than
    ``gap_s`` seconds after every earlier segment ended begins a new outing."""
    outings: list[list] = []
    end = None
    for track, points, first, last in segments:
        if end is None or (first - end).total_seconds() > gap_s:
            outings.append([])
        outings[-1].append((track, points))
        end = last if end is None else max(end, last)
    return outings


def _refuse_early_recording(gpx: gpxpy.gpx.GPX, *, source: str) -> None:
    """``ImplausibleDate`` when a segment's points, all dated before GPS began, still run at
    distinct times (at least half of them different whole seconds): a recording from a device
    with an unset clock (a 1970 date), not a course whose points share one placeholder time
    (1901-12-13, the smallest 32-bit Unix time)."""
    for track in gpx.tracks:
        for segment in track.segments:
            timed = [utc_datetime(p.time) for p in segment.points if p.time is not None]
            times = {t.replace(microsecond=0) for t in timed}
            if len(times) >= max(2, len(timed) / 2):
                raise ImplausibleDate(time_us_problem(_time_us(min(times))), source=source)


def read_gpx(
    data: bytes, *, source: str, thresholds: Thresholds | None = None
) -> list[ParsedActivity]:
    """The activities in a GPX file, one per outing (``_outings``), samples per
    ``schemas.Samples``; ``session_index`` numbers them in time order.

    Without a stated sport (<type>, or a sport word in the track or file name) the sport is judged
    from the median moving speed, with a warning (``trackpoints.sport_from_speed``).

    Raises ``UnsafeInput`` for a DTD/entity or nesting deeper than ``xml_safety.MAX_XML_DEPTH``,
    ``UnreadableInput`` for HTML, invalid XML or a non-GPX root, ``ImplausibleDate`` (an
    ``UnreadableInput``) when every outing is dated before 1990 or after tomorrow,
    ``NotAnActivity`` when no track has two or more timed points. An outing that is not an
    activity, or wrongly dated, beside others that are, is skipped with a warning.
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

    thresholds = thresholds or Thresholds()
    segments = _timed_segments(gpx, far_s=thresholds.far_sample_gap_s)
    if not segments:
        _refuse_early_recording(gpx, source=source)
        raise NotAnActivity(f"not an activity: {_no_activity_reason(gpx)}", source=source)
    n_timed = sum(len(seg[1]) for seg in segments)
    untimed = sum(len(s.points) for t in gpx.tracks for s in t.segments) - n_timed
    outings = _outings(segments, gap_s=thresholds.outing_gap_s)
    out: list[ParsedActivity] = []
    skipped: list[tuple[InputError, int]] = []
    for outing in outings:
        try:
            activity = _outing_activity(outing, gpx, source=source, thresholds=thresholds)
        except (NotAnActivity, ImplausibleDate) as e:
            skipped.append((e, sum(len(points) for _, points in outing)))
            continue
        activity.session_index = len(out)
        out.append(activity)
    if not out:
        # a wrong clock is the file's problem (quarantined) before "too few points"
        raise next((e for e, _ in skipped if isinstance(e, ImplausibleDate)), skipped[0][0])
    notes = []
    if untimed:
        notes.append(f"ignored {untimed} track point(s) without a real time")
    if len(outings) > 1:
        notes.append(f"{len(outings)} outings more than {thresholds.outing_gap_s / 3600:g} h "
                     "apart in one file: each is its own activity")
    notes += [f"an outing of {n} point(s) skipped: {e.reason}" for e, n in skipped]
    for activity in out:
        activity.warnings[:0] = notes
    return out


def _outing_activity(outing: list, gpx: gpxpy.gpx.GPX, *, source: str,
                     thresholds: Thresholds) -> ParsedActivity:
    """One outing's tracks (``_outings``) as one activity; ``ImplausibleDate`` when its main
    stretch of times is before 1990 or after tomorrow, ``NotAnActivity`` under two timed
    points."""
    warnings: list[str] = []
    # file order within a segment: a time going backwards is dropped, not sorted into place
    points = [p for _, pts in outing for p in pts]
    tracks = list(dict.fromkeys(track for track, _ in outing))
    n = len(points)
    time_us = np.array([_time_us(p.time) for p in points], dtype=np.int64)
    # the main stretch's date decides (one point with a wrong digit is dropped later)
    main = time_us[in_main_stretch(time_us, max_gap_s=thresholds.far_sample_gap_s)]
    problem = time_us_problem(int(np.median(main)))
    if problem:
        raise ImplausibleDate(problem, source=source)
    cols = {k: np.full(n, np.nan) for k in ("latitude_deg", "longitude_deg", "altitude_m")}
    ext_cols: dict[str, np.ndarray] = {}
    for i, p in enumerate(points):
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

    stated = _sport(tracks, gpx, source=source, warnings=warnings)
    samples, sport = samples_frame(
        time_us=time_us, columns=cols, cadence=cadence, sport=stated, warnings=warnings,
        thresholds=thresholds,
    )
    samples.attrs.pop("steps_per_count", None)
    if samples["timestamp_utc"].nunique() < 2:
        raise NotAnActivity("not an activity: fewer than two timed points", source=source)
    offset = points[0].time.utcoffset()
    name = next((t.name.strip() for t in tracks if t.name and t.name.strip()), None)
    return ParsedActivity(
        format="gpx",
        sport=sport,
        start_time_utc=samples["timestamp_utc"].iloc[0],
        columns=sample_columns(samples),
        device=(gpx.creator or "").strip() or None,
        name=name or gpx.name,
        # an offset other than Z states the local time; Z says nothing about it
        utc_offset_min=offset.total_seconds() / 60 if offset else None,
        warnings=warnings,
        virtual=_virtual(tracks, gpx),
    )


# Track types and creators of rides and runs in a virtual world (Zwift, Strava's virtual types):
# their positions are a game map, not a place with a time zone.
VIRTUAL_TYPES = ("virtualride", "virtualrun", "virtual_activity", "virtual_ride", "virtual_run")


def _virtual(tracks: list[gpxpy.gpx.GPXTrack], gpx: gpxpy.gpx.GPX) -> bool:
    """Whether the outing was recorded in a virtual world (its type or the recording app)."""
    types = {(t.type or "").strip().lower() for t in tracks}
    return bool(types & set(VIRTUAL_TYPES)) or virtual_app(gpx.creator)
