"""GPX bytes from a samples frame, as Strava or Garmin Connect export them (demo, fixtures)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import gpxpy.gpx
import numpy as np
import pandas as pd

TPX_NS = {
    1: "http://www.garmin.com/xmlschemas/TrackPointExtension/v1",
    2: "http://www.garmin.com/xmlschemas/TrackPointExtension/v2",
}
_FOOT_SPORTS = ("running", "trail_running", "treadmill_running", "walking", "water_running")


def _column(samples: pd.DataFrame, name: str) -> np.ndarray:
    if name not in samples.columns:
        return np.full(len(samples), np.nan)
    return pd.to_numeric(samples[name], errors="coerce").to_numpy(dtype=float)


def _tpx_extension(ns: str, hr: float, cad: float) -> ET.Element | None:
    if not (np.isfinite(hr) or np.isfinite(cad)):
        return None
    ext = ET.Element(f"{{{ns}}}TrackPointExtension")
    if np.isfinite(hr):
        ET.SubElement(ext, f"{{{ns}}}hr").text = str(int(round(hr)))
    if np.isfinite(cad):
        ET.SubElement(ext, f"{{{ns}}}cad").text = str(int(round(cad)))
    return ext


def gpx_activity_bytes(
    samples: pd.DataFrame,
    *,
    sport: str = "running",
    name: str | None = None,
    creator: str = "StravaGPX",
    tpx_version: int = 2,
    utc_offset_min: int = 0,
    n_tracks: int = 1,
    n_segments: int = 1,
) -> bytes:
    """A GPX 1.1 file (UTF-8 bytes) holding the samples as one activity.

    ``samples`` has ``schemas.Samples`` columns (any may be missing; rows without a position are
    skipped, GPX needs one). Heart rate and cadence go in Garmin's TrackPointExtension
    (``tpx_version`` 1 or 2); running cadence is written in strides per minute, as watches do.
    Times are UTC (``Z``) unless ``utc_offset_min`` asks for local times with an offset. The points
    are split evenly over ``n_tracks`` tracks of ``n_segments`` segments each.
    """
    if "latitude_deg" not in samples.columns or "longitude_deg" not in samples.columns:
        raise ValueError("a GPX track needs latitude_deg and longitude_deg")
    ns = TPX_NS[tpx_version]
    lat, lon = _column(samples, "latitude_deg"), _column(samples, "longitude_deg")
    ok = np.isfinite(lat) & np.isfinite(lon)
    times = None
    if "timestamp_utc" in samples.columns:
        times = pd.to_datetime(samples["timestamp_utc"], utc=True).reset_index(drop=True)
    alt = _column(samples, "altitude_m")
    hr = _column(samples, "heart_rate_bpm")
    if sport == "cycling":
        cad = _column(samples, "cadence_rpm")
    elif sport in _FOOT_SPORTS:
        cad = _column(samples, "cadence_spm") / 2.0  # strides per minute
    else:
        cad = np.full(len(samples), np.nan)
    tz = dt.timezone(dt.timedelta(minutes=utc_offset_min)) if utc_offset_min else dt.timezone.utc

    gpx = gpxpy.gpx.GPX()
    gpx.creator = creator
    gpx.nsmap["gpxtpx"] = ns
    rows = np.flatnonzero(ok)
    if times is not None and len(rows):
        gpx.time = times.iloc[rows[0]].to_pydatetime().astimezone(dt.timezone.utc)
    for t_rows in np.array_split(rows, n_tracks):
        track = gpxpy.gpx.GPXTrack(name=name)
        track.type = sport
        gpx.tracks.append(track)
        for s_rows in np.array_split(t_rows, n_segments):
            segment = gpxpy.gpx.GPXTrackSegment()
            track.segments.append(segment)
            for i in s_rows:
                when = times.iloc[i].to_pydatetime().astimezone(tz) if times is not None else None
                point = gpxpy.gpx.GPXTrackPoint(
                    float(lat[i]),
                    float(lon[i]),
                    elevation=float(round(alt[i], 2)) if np.isfinite(alt[i]) else None,
                    time=when,
                )
                ext = _tpx_extension(ns, hr[i], cad[i])
                if ext is not None:
                    point.extensions.append(ext)
                segment.points.append(point)
    return gpx.to_xml(version="1.1").encode("utf-8")
