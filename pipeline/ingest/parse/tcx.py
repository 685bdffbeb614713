"""TCX files (Garmin, Strava, TomTom) -> parsed activities: laps as device totals, trackpoints.

Parsed with defusedxml (no DTD, entities or external references); Strava's leading whitespace
before the XML declaration is tolerated. Each <Activity> becomes one ParsedActivity.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from pipeline.config import Thresholds
from pipeline.errors import NotAnActivity, UnreadableInput
from pipeline.ingest.parse.localtime import virtual_app
from pipeline.ingest.parse.model import ParsedActivity, sample_columns
from pipeline.ingest.parse.plausible import (
    ImplausibleDate,
    date_problem,
    heart_rate_bpm,
    time_us_problem,
)
from pipeline.ingest.parse.sample_dates import in_main_stretch
from pipeline.ingest.parse.trackpoints import samples_frame, sport_from_words
from pipeline.ingest.parse.xml_safety import local_name, safe_root

TCX_SPORTS = {"running": "running", "biking": "cycling"}  # the schema's third value is "Other"
_POINT_FIELDS = {
    "AltitudeMeters": "altitude_m",
    "DistanceMeters": "distance_m",
    "Cadence": "cadence",
}
# ActivityExtension/v2 TPX children, by local name
_TPX_FIELDS = {"Speed": "speed_mps", "RunCadence": "run_cadence", "Watts": "power_w"}


def _float(el: ET.Element | None) -> float:
    if el is None or el.text is None:
        return np.nan
    try:
        return float(el.text.strip())
    except ValueError:
        return np.nan


def _child(el: ET.Element, name: str) -> ET.Element | None:
    """The first child with this local name, whatever its namespace."""
    for c in el:
        if local_name(c.tag) == name:
            return c
    return None


def _value(el: ET.Element, name: str) -> float:
    """The number in ``<name><Value>..</Value></name>`` (TCX heart rates), NaN when absent."""
    child = _child(el, name)
    return _float(_child(child, "Value")) if child is not None else np.nan


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if local_name(c.tag) == name]


def _trackpoints(laps: list[ET.Element]) -> tuple[list[str], dict[str, list[float]]]:
    """Every trackpoint's time text and values, in file order, across laps and tracks."""
    times: list[str] = []
    values: dict[str, list[float]] = {
        k: [] for k in ("latitude_deg", "longitude_deg", "heart_rate_bpm",
                        *_POINT_FIELDS.values(), *_TPX_FIELDS.values())
    }
    for lap in laps:
        for track in _children(lap, "Track"):
            for tp in _children(track, "Trackpoint"):
                row = dict.fromkeys(values, np.nan)
                when = None
                for el in tp:
                    name = local_name(el.tag)
                    if name == "Time":
                        when = (el.text or "").strip()
                    elif name == "Position":
                        row["latitude_deg"] = _float(_child(el, "LatitudeDegrees"))
                        row["longitude_deg"] = _float(_child(el, "LongitudeDegrees"))
                    elif name == "HeartRateBpm":
                        row["heart_rate_bpm"] = _float(_child(el, "Value"))
                    elif name in _POINT_FIELDS:
                        row[_POINT_FIELDS[name]] = _float(el)
                    elif name == "Extensions":
                        for tpx in el:
                            for x in tpx:
                                field = _TPX_FIELDS.get(local_name(x.tag))
                                if field:
                                    row[field] = _float(x)
                if not when:
                    continue
                times.append(when)
                for k, v in row.items():
                    values[k].append(v)
    return times, values


def _lap_totals(laps: list[ET.Element], *, cadence_factor: float, crank: bool) -> dict:
    """The device's totals summed over laps, keyed by ``schemas.Activities`` column names."""
    time_s = np.array([_float(_child(lap, "TotalTimeSeconds")) for lap in laps])
    dist_m = np.array([_float(_child(lap, "DistanceMeters")) for lap in laps])
    avg_hr = np.array([_value(lap, "AverageHeartRateBpm") for lap in laps])
    max_hr = np.array([_value(lap, "MaximumHeartRateBpm") for lap in laps])
    lap_cad = []
    for lap in laps:
        value = np.nan
        ext = _child(lap, "Extensions")
        if ext is not None and not crank:
            for lx in ext:
                value = _float(_child(lx, "AvgRunCadence"))
        if not np.isfinite(value):
            value = _float(_child(lap, "Cadence"))
        lap_cad.append(value)
    cad = np.array(lap_cad)

    def weighted(values: np.ndarray) -> float | None:
        ok = np.isfinite(values) & (values > 0) & np.isfinite(time_s) & (time_s > 0)
        return float(np.average(values[ok], weights=time_s[ok])) if ok.any() else None

    # 255 (or 0) in every lap is a device without a strap; outside 25-250 bpm is no heart rate
    avg_hr, max_hr = heart_rate_bpm(avg_hr), heart_rate_bpm(max_hr)

    out: dict = {}
    if np.isfinite(time_s).any():
        out["timer_time_s"] = float(np.nansum(time_s))
    if np.isfinite(dist_m).any():
        out["distance_m"] = float(np.nansum(dist_m))
    if out.get("timer_time_s") and out.get("distance_m") is not None:
        out["avg_speed_mps"] = out["distance_m"] / out["timer_time_s"]
    hr = weighted(avg_hr)
    if hr is not None:
        out["avg_hr_bpm"] = hr
    if (np.isfinite(max_hr) & (max_hr > 0)).any():
        out["max_hr_bpm"] = float(np.nanmax(max_hr))
    c = weighted(cad)
    if c is not None:
        if crank:
            out["avg_cadence_rpm"] = c
        else:
            out["avg_cadence_spm"] = c * cadence_factor
    return out


def _sport(activity: ET.Element, *, source: str) -> str | None:
    """The stated sport (Running/Biking), else a sport word in the notes or file name, "other" for
    Sport="Other"; None when nothing states it (``samples_frame`` then judges it by speed)."""
    stated = (activity.get("Sport") or "").strip()
    sport = TCX_SPORTS.get(stated.lower())
    if sport:
        return sport
    notes = getattr(_child(activity, "Notes"), "text", None)
    guess = sport_from_words(" ".join(filter(None, [notes, source])))
    if guess:
        return guess
    return "other" if stated else None


def _activity(
    activity: ET.Element, *, index: int, source: str, thresholds: Thresholds | None
) -> ParsedActivity:
    warnings: list[str] = []
    stated = _sport(activity, source=source)
    laps = _children(activity, "Lap")
    times, values = _trackpoints(laps)
    stamps = pd.to_datetime(
        pd.Series(times, dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    good = stamps.notna().to_numpy()
    if not good.all():
        warnings.append(f"ignored {int((~good).sum())} trackpoint(s) with an unreadable time")
    # the first stated offset gives the local time; Strava and Garmin write Z (no information)
    offset_min = None
    for t, ok in zip(times, good):
        if ok and not t.endswith("Z") and ("+" in t[10:] or "-" in t[10:]):
            offset = pd.Timestamp(t).utcoffset()
            offset_min = offset.total_seconds() / 60 if offset is not None else None
            break
    epoch = pd.Timestamp(0, tz="UTC").as_unit("us")  # ns would overflow for a year like 3026
    time_us = ((stamps[good] - epoch) // pd.Timedelta(microseconds=1)).to_numpy(dtype=np.int64)
    if len(time_us):  # the main stretch's date decides (one wrong digit is dropped later)
        far = (thresholds or Thresholds()).far_sample_gap_s
        main = time_us[in_main_stretch(time_us, max_gap_s=far)]
        problem = time_us_problem(int(np.median(main)))
        if problem:
            raise ImplausibleDate(problem, source=source)
    cols = {k: np.asarray(v, dtype=float)[good] for k, v in values.items()}
    run_cad = cols.pop("run_cadence")
    cadence = cols.pop("cadence")
    if stated != "cycling" and np.isfinite(run_cad).any():
        cadence = run_cad  # RunCadence is the running value; <Cadence> is meant for rides
    samples, sport = samples_frame(
        time_us=time_us, columns=cols, cadence=cadence, sport=stated, warnings=warnings,
        thresholds=thresholds,
    )
    crank = sport == "cycling"
    # the samples' unit decision applies to the laps' average cadence too; without samples,
    # Garmin's TCX schema says RunCadence is strides per minute
    factor = 1.0 if crank else samples.attrs.pop("steps_per_count", 2.0)
    session = _lap_totals(laps, cadence_factor=factor, crank=crank)

    creator = _child(activity, "Creator")
    device_el = _child(creator, "Name") if creator is not None else None
    device = ((device_el.text or "").strip() or None) if device_el is not None else None
    start = _activity_start(activity, laps, samples)
    summary_only = samples["timestamp_utc"].nunique() < 2
    if summary_only:
        if not session.get("timer_time_s") or start is None:
            raise NotAnActivity("not an activity: fewer than two timed points", source=source)
        problem = date_problem(start)
        if problem:
            raise ImplausibleDate(problem, source=source)
        warnings.append("no trackpoints: only the laps' totals")
        samples = samples.iloc[0:0]
    else:
        last, first = samples["timestamp_utc"].iloc[-1], samples["timestamp_utc"].iloc[0]
        far = (thresholds or Thresholds()).far_sample_gap_s
        if abs((start - first).total_seconds()) > far:
            warnings.append(f"the lap's start time is dated more than {far / 3600:g} h away "
                            "from its trackpoints (a wrong date): the first trackpoint's used")
            start = first
        first = min(start, first)
        # trackpoints can stop before the last lap ends, while the laps' timer time runs on:
        # the elapsed time reaches at least the last lap's end (its start + its timer time)
        end = max(last, _last_lap_end(laps, latest=last + pd.Timedelta(seconds=far)) or last)
        session["elapsed_time_s"] = (end - first).total_seconds()
    return ParsedActivity(
        format="tcx",
        sport=sport,
        start_time_utc=start,
        columns=sample_columns(samples),
        session=session,
        device=device,
        utc_offset_min=offset_min,
        summary_only=summary_only,
        warnings=warnings,
        session_index=index,
        virtual=virtual_app(device),  # a Zwift export: positions on a game map
    )


def _last_lap_end(laps: list[ET.Element], *, latest: pd.Timestamp) -> pd.Timestamp | None:
    """The last lap's StartTime plus its TotalTimeSeconds (UTC), None when the lap does not say
    or would end after ``latest`` (a wrongly dated lap start)."""
    if not laps:
        return None
    lap = laps[-1]
    seconds = _float(_child(lap, "TotalTimeSeconds"))
    text = (lap.get("StartTime") or "").strip()
    begun = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce") if text else pd.NaT
    if pd.isna(begun) or not np.isfinite(seconds) or seconds < 0:
        return None
    end = begun.as_unit("us") + pd.Timedelta(seconds=float(seconds))
    return end if end <= latest else None


def _activity_start(activity: ET.Element, laps: list[ET.Element], samples: pd.DataFrame):
    """The first lap's StartTime (the timer start), else the Id, else the first trackpoint; UTC."""
    lap_start = laps[0].get("StartTime") if laps else None
    for text in [lap_start, getattr(_child(activity, "Id"), "text", None)]:
        if text:
            t = pd.to_datetime(text.strip(), utc=True, format="ISO8601", errors="coerce")
            if pd.notna(t):
                return t.as_unit("us")
    return samples["timestamp_utc"].iloc[0] if len(samples) else None


def read_tcx(
    data: bytes, *, source: str, thresholds: Thresholds | None = None
) -> list[ParsedActivity]:
    """One ParsedActivity per <Activity>, samples per ``schemas.Samples``, lap sums as ``session``.

    Raises ``UnsafeInput`` for a DTD/entity/external reference, ``UnreadableInput`` for HTML,
    invalid XML or a non-TCX root, ``NotAnActivity`` for courses, workouts and activities with
    fewer than two timed trackpoints and no lap totals, ``ImplausibleDate`` (an
    ``UnreadableInput``) when every activity is dated before 1990 or after tomorrow (one beside
    others that are not is skipped with a warning).
    """
    root = safe_root(data, kind="TCX", source=source)
    if local_name(root.tag) != "TrainingCenterDatabase":
        raise UnreadableInput(
            f"not a TCX file: its root element is <{local_name(root.tag)}>", source=source
        )
    activities_el = _child(root, "Activities")
    activities = _children(activities_el, "Activity") if activities_el is not None else []
    if not activities:
        held = [local_name(c.tag) for c in root if local_name(c.tag) in ("Courses", "Workouts")]
        what = f"only {' and '.join(held).lower()}" if held else "no activities"
        raise NotAnActivity(f"not an activity: a TCX file with {what}", source=source)
    out, errors = [], []
    for i, activity in enumerate(activities):
        try:
            out.append(_activity(activity, index=i, source=source, thresholds=thresholds))
        except (NotAnActivity, ImplausibleDate) as e:
            errors.append(e)
    if not out:
        # a wrong clock is the file's problem (quarantined) before "too few points"
        raise next((e for e in errors if isinstance(e, ImplausibleDate)), errors[0])
    for e in errors:
        for a in out:
            a.warnings.append(f"another activity in the file skipped: {e.reason}")
    return out
