"""Tiny generated activities for tests: per-second samples with known totals."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd


M_PER_DEG_LAT = 111_195.0  # metres per degree of latitude on the mean-radius sphere


# a runner's dynamics and position as the FIT fixtures carry them (1e-5 degrees north a second)
RUNNING_DYNAMICS = {
    "step_length_m": 1.05, "stance_time_ms": 240.0, "vertical_oscillation_mm": 85.0,
    "latitude_deg": lambda t: 39.7 + t * 1e-5, "longitude_deg": -105.0, "power_w": 250.0,
}


def steady_samples(start_utc, *, n: int, speed_mps: float = 3.0, lat: float | None = None,
                   lon: float | None = None, m_per_deg_lat: float = M_PER_DEG_LAT,
                   **channels) -> pd.DataFrame:
    """``n`` 1 Hz samples (UTC, from ``start_utc``) of steady movement due north at
    ``speed_mps``: ``distance_m`` and ``speed_mps``, positions from (``lat``, ``lon``) when given,
    and each further channel from a number, an array of ``n``, or a function of the seconds."""
    t = np.arange(n, dtype=float)
    distance = t * speed_mps
    frame = {"timestamp_utc": pd.Timestamp(start_utc).tz_localize("UTC")
             if pd.Timestamp(start_utc).tzinfo is None else pd.Timestamp(start_utc)}
    frame["timestamp_utc"] = frame["timestamp_utc"] + pd.to_timedelta(t, unit="s")
    frame |= {"distance_m": distance, "speed_mps": np.full(n, speed_mps)}
    for name, value in channels.items():
        value = value(t) if callable(value) else value
        frame[name] = np.array(np.broadcast_to(np.asarray(value, dtype=float), n))
    if lat is not None:
        frame["latitude_deg"] = lat + distance / m_per_deg_lat
        frame["longitude_deg"] = np.full(n, lon)
    return pd.DataFrame(frame)


def run_samples(start_utc: str, *, minutes: float = 30, speed_mps: float = 3.0,
                cadence_spm: float = 170.0, hr_bpm: float = 145.0, lat: float = 39.74,
                lon: float = -104.99, climb_grade: float = 0.0) -> pd.DataFrame:
    """1 Hz samples of a steady run heading north from (lat, lon)."""
    n = int(minutes * 60)
    t = np.arange(n, dtype=float)
    distance = t * speed_mps
    return pd.DataFrame({
        "timestamp_utc": pd.Timestamp(start_utc) + pd.to_timedelta(t, unit="s"),
        "elapsed_s": t,
        "distance_m": distance,
        "speed_mps": np.full(n, speed_mps),
        "altitude_m": 1600 + climb_grade * distance,
        "heart_rate_bpm": np.full(n, hr_bpm),
        "cadence_spm": np.full(n, cadence_spm),
        "step_length_m": np.full(n, speed_mps / (cadence_spm / 60)),
        "latitude_deg": lat + distance / 111_320.0,
        "longitude_deg": np.full(n, lon),
    })


def twin_recordings(samples: pd.DataFrame, *, gpx: Path, fit: Path, name: str) -> None:
    """One run recorded twice: a GPX named ``name`` at ``gpx`` (without the step length, which
    GPX does not carry) and a running FIT at ``fit``; their folders are made."""
    # imported here: the other factories are used by tests that need no file writers
    from pipeline.demo.fit_file import fit_activity_bytes
    from pipeline.demo.gpx_file import gpx_activity_bytes

    for path in (gpx, fit):
        path.parent.mkdir(parents=True, exist_ok=True)
    gpx.write_bytes(gpx_activity_bytes(samples.drop(columns=["step_length_m"]), name=name))
    fit.write_bytes(fit_activity_bytes(samples, sport="running"))


def zip_bytes(entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    """A deflated zip of ``entries``; ``symlinks`` adds members that are symbolic links."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # unix: the mode in external_attr counts
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return buf.getvalue()
