"""Write the demo athlete's files: what a runner would download from Garmin and Strava.

Layout under the chosen folder::

    garmin/<local start>.fit          every session, 1 Hz (runs, rides, pool swims)
    strava/activities/<id>.gpx|.tcx   Strava's exports of some of the same runs (twins)
    pain_log.csv                      the pain log, in the contract's CSV format
    rehab_log.csv                     the rehab log (``runload rehab import``)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pipeline.demo.athlete import DemoAthlete, PlannedActivity, activity_samples
from pipeline.demo.fit_encode import activity_fit_bytes
from pipeline.demo.gpx_file import gpx_activity_bytes
from pipeline.demo.tcx_file import tcx_activity_bytes
from pipeline.store import atomic_write_bytes

PAIN_COLUMNS = ("date", "context", "pain", "time", "weakness", "rehab", "compression", "note",
                "activity")
REHAB_COLUMNS = ("date", "exercise", "sets", "reps", "load_kg", "hold_s", "pain")
STRAVA_ID_BASE = 11_000_000_000  # Strava activity ids are ~11 digits


@dataclass(frozen=True)
class DemoFiles:
    """The files written for one demo athlete."""

    directory: Path
    fit_files: tuple[Path, ...]  # one per session
    twin_files: tuple[Path, ...]  # GPX/TCX exports of runs that also have a FIT file
    pain_log: Path
    rehab_log: Path | None = None

    @property
    def activity_files(self) -> tuple[Path, ...]:
        """Every activity file, FIT and twins."""
        return self.fit_files + self.twin_files


def pain_log_csv(athlete: DemoAthlete) -> str:
    """The pain log as CSV text with the contract's header."""
    yes_no = {True: "yes", False: "no"}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(PAIN_COLUMNS)
    for e in athlete.pain_log:
        writer.writerow([e.date.isoformat(), e.context, f"{e.pain:g}", e.time, "no",
                         yes_no[e.rehab], yes_no[e.compression], e.note, e.activity])
    return buf.getvalue()


def rehab_log_csv(athlete: DemoAthlete) -> str:
    """The rehab log as CSV text with the contract's header."""
    def cell(v) -> str:
        return "" if v is None else f"{v:g}"

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(REHAB_COLUMNS)
    for e in athlete.rehab_log:
        writer.writerow([e.date.isoformat(), e.exercise, e.sets, cell(e.reps), cell(e.load_kg),
                         cell(e.hold_s), f"{e.pain:g}"])
    return buf.getvalue()


def _strava_name(a: PlannedActivity) -> str:
    hour = a.start_local.hour
    part = "Morning" if hour < 12 else "Afternoon" if hour < 17 else "Evening"
    return f"{part} {'Trail Run' if a.sport == 'trail_running' else 'Run'}"


def write_demo(athlete: DemoAthlete, directory: Path) -> DemoFiles:
    """Write every session as FIT, the Strava twins, and ``pain_log.csv`` under ``directory``."""
    directory = Path(directory)
    fit_files: list[Path] = []
    twin_files: list[Path] = []
    for i, a in enumerate(athlete.activities):
        samples = activity_samples(athlete, a)
        fit = directory / "garmin" / f"{a.start_local:%Y-%m-%d-%H-%M-%S}.fit"
        atomic_write_bytes(fit, activity_fit_bytes(samples, sport=a.sport,
                                                   utc_offset_min=a.utc_offset_min))
        fit_files.append(fit)
        strava_id = STRAVA_ID_BASE + athlete.seed * 10_000_000 + i * 7919
        for fmt in a.twins:
            path = directory / "strava" / "activities" / f"{strava_id}.{fmt}"
            if fmt == "gpx":
                data = gpx_activity_bytes(samples, sport=a.sport, name=_strava_name(a))
            else:  # Strava's TCX starts with whitespace before the XML declaration
                data = tcx_activity_bytes(samples, sport="Running", leading_whitespace=True,
                                          lap_m=None)
            atomic_write_bytes(path, data)
            twin_files.append(path)
    pain_log = directory / "pain_log.csv"
    atomic_write_bytes(pain_log, pain_log_csv(athlete).encode())
    rehab_log = directory / "rehab_log.csv"
    atomic_write_bytes(rehab_log, rehab_log_csv(athlete).encode())
    return DemoFiles(directory=directory, fit_files=tuple(fit_files),
                     twin_files=tuple(twin_files), pain_log=pain_log, rehab_log=rehab_log)
