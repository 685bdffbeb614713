"""Tiny generated activities for tests: per-second samples with known totals."""

from __future__ import annotations

import io
import stat
import zipfile

import numpy as np
import pandas as pd


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
