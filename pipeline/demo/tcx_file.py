"""TCX bytes from a samples frame, as Garmin Connect or Strava export them (demo, fixtures)."""

from __future__ import annotations

from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from pipeline.ingest.parse.trackpoints import cumulative_distance_m

TCD_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def _column(samples: pd.DataFrame, name: str) -> np.ndarray:
    if name not in samples.columns:
        return np.full(len(samples), np.nan)
    return pd.to_numeric(samples[name], errors="coerce").to_numpy(dtype=float)


def _time(ts: pd.Timestamp) -> str:
    return ts.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _num(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


def _lap_bounds(distance_m: np.ndarray, lap_m: float | None) -> list[tuple[int, int]]:
    """(first row, row after last) of each lap: one per ``lap_m`` of distance, or one lap."""
    n = len(distance_m)
    if lap_m is None or not np.isfinite(distance_m).any():
        return [(0, n)]
    index = np.floor(np.nan_to_num(pd.Series(distance_m).ffill().to_numpy(), nan=0.0) / lap_m)
    starts = [0] + [i for i in range(1, n) if index[i] > index[i - 1]]
    return list(zip(starts, starts[1:] + [n]))


def _trackpoint(i, times, lat, lon, alt, dist, hr, speed, run_cad, bike_cad) -> str:
    parts = [f"<Trackpoint><Time>{_time(times.iloc[i])}</Time>"]
    if np.isfinite(lat[i]) and np.isfinite(lon[i]):
        parts.append(
            f"<Position><LatitudeDegrees>{lat[i]:.7f}</LatitudeDegrees>"
            f"<LongitudeDegrees>{lon[i]:.7f}</LongitudeDegrees></Position>"
        )
    if np.isfinite(alt[i]):
        parts.append(f"<AltitudeMeters>{_num(alt[i])}</AltitudeMeters>")
    if np.isfinite(dist[i]):
        parts.append(f"<DistanceMeters>{_num(dist[i])}</DistanceMeters>")
    if np.isfinite(hr[i]):
        parts.append(f"<HeartRateBpm><Value>{int(round(hr[i]))}</Value></HeartRateBpm>")
    if np.isfinite(bike_cad[i]):
        parts.append(f"<Cadence>{int(round(bike_cad[i]))}</Cadence>")
    tpx = []
    if np.isfinite(speed[i]):
        tpx.append(f"<Speed>{_num(speed[i], 3)}</Speed>")
    if np.isfinite(run_cad[i]):
        tpx.append(f"<RunCadence>{int(round(run_cad[i]))}</RunCadence>")
    if tpx:
        parts.append(f'<Extensions><TPX xmlns="{AX_NS}">{"".join(tpx)}</TPX></Extensions>')
    parts.append("</Trackpoint>")
    return "".join(parts)


def tcx_activity_bytes(
    samples: pd.DataFrame,
    *,
    sport: str = "Running",
    leading_whitespace: bool = False,
    lap_m: float | None = 1000.0,
    device: str | None = None,
) -> bytes:
    """A TCX file (UTF-8 bytes) holding the samples as one Activity.

    ``sport`` is the TCX Sport attribute (Running, Biking, Other). One lap per ``lap_m`` metres
    (None: one lap), each with total time, distance, max speed, average and maximum heart rate.
    Trackpoints carry time, position, altitude, distance, heart rate, and the ActivityExtension
    ``TPX`` speed (m/s) and ``RunCadence`` (strides per minute, as Garmin writes it); rides get
    the crank ``Cadence`` instead. ``leading_whitespace`` starts the file with a newline and spaces
    before the XML declaration, as Strava's exports do. ``device`` fills Creator/Name.
    """
    if "timestamp_utc" not in samples.columns or samples.empty:
        raise ValueError("a TCX activity needs timestamp_utc")
    times = pd.to_datetime(samples["timestamp_utc"], utc=True).reset_index(drop=True)
    lat, lon = _column(samples, "latitude_deg"), _column(samples, "longitude_deg")
    alt, hr = _column(samples, "altitude_m"), _column(samples, "heart_rate_bpm")
    speed, dist = _column(samples, "speed_mps"), _column(samples, "distance_m")
    if not np.isfinite(dist).any() and np.isfinite(lat).any():
        dist = cumulative_distance_m(lat, lon)
    biking = sport == "Biking"
    run_cad = np.full(len(samples), np.nan) if biking else _column(samples, "cadence_spm") / 2.0
    bike_cad = _column(samples, "cadence_rpm") if biking else np.full(len(samples), np.nan)
    elapsed = (times - times.iloc[0]).dt.total_seconds().to_numpy()

    laps = []
    bounds = _lap_bounds(dist, lap_m)
    for k, (a, b) in enumerate(bounds):
        end = b if b < len(samples) else b - 1  # a lap runs until the next one starts
        lap_time = elapsed[end] - elapsed[a]
        lap_d = dist[a : end + 1]
        lap_dist = np.nanmax(lap_d) - np.nanmin(lap_d) if np.isfinite(lap_d).any() else 0.0
        head = [
            f'<Lap StartTime="{_time(times.iloc[a])}">',
            f"<TotalTimeSeconds>{_num(lap_time, 1)}</TotalTimeSeconds>",
            f"<DistanceMeters>{_num(lap_dist)}</DistanceMeters>",
        ]
        if np.isfinite(speed[a:b]).any():
            head.append(f"<MaximumSpeed>{_num(np.nanmax(speed[a:b]), 3)}</MaximumSpeed>")
        head.append("<Calories>0</Calories>")
        if np.isfinite(hr[a:b]).any():
            avg, top = int(round(np.nanmean(hr[a:b]))), int(round(np.nanmax(hr[a:b])))
            head.append(f"<AverageHeartRateBpm><Value>{avg}</Value></AverageHeartRateBpm>")
            head.append(f"<MaximumHeartRateBpm><Value>{top}</Value></MaximumHeartRateBpm>")
        trigger = "Distance" if len(bounds) > 1 and k < len(bounds) - 1 else "Manual"
        head.append(f"<Intensity>Active</Intensity><TriggerMethod>{trigger}</TriggerMethod><Track>")
        points = [
            _trackpoint(i, times, lat, lon, alt, dist, hr, speed, run_cad, bike_cad)
            for i in range(a, b)
        ]
        tail = ["</Track>"]
        if np.isfinite(run_cad[a:b]).any():
            tail.append(
                f'<Extensions><LX xmlns="{AX_NS}"><AvgRunCadence>'
                f"{int(round(np.nanmean(run_cad[a:b])))}</AvgRunCadence></LX></Extensions>"
            )
        tail.append("</Lap>")
        laps.append("".join(head) + "\n" + "\n".join(points) + "\n" + "".join(tail))

    creator = ""
    if device:
        creator = (
            f'<Creator xsi:type="Device_t"><Name>{escape(device)}</Name><UnitId>0</UnitId>'
            "<ProductID>0</ProductID><Version><VersionMajor>1</VersionMajor>"
            "<VersionMinor>0</VersionMinor></Version></Creator>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<TrainingCenterDatabase xmlns="{TCD_NS}" xmlns:xsi="{XSI_NS}" xmlns:ns3="{AX_NS}">\n'
        f'<Activities><Activity Sport="{escape(sport)}"><Id>{_time(times.iloc[0])}</Id>\n'
        + "\n".join(laps)
        + f"\n{creator}</Activity></Activities>\n</TrainingCenterDatabase>\n"
    )
    prefix = "\n   " if leading_whitespace else ""
    return (prefix + body).encode("utf-8")
