"""What every stored activity must satisfy, checked over every activity the real-file corpus gives:
moving <= elapsed, a plausible ascent per km, heart rates in 25-250 bpm or null, cadence in a
plausible range for the sport. (The same kinds of file are checked on real files kept outside
this repository.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.ingest.parse.model import SampleColumns
from pipeline.ingest.run import parse_leaf
from pipeline.ingest.sources import Leaf, bytes_sha256
from pipeline.schemas import RUNNING_SPORTS

FOLDERS = ("fit", "fit-damaged", "gpx", "tcx", "history")
KINDS = {".fit": "fit", ".gpx": "gpx", ".tcx": "tcx"}
# Ascent per km over a whole activity: a 10 % average climb counted on every kilometre is more
# than road or trail runs and rides reach. Mountain running is exempt when the file says so, or
# when its altitude shows it: one climb from its lowest to its highest point makes at least half
# of the ascent (a vertical-kilometre run, not noise or spikes summed up). On foot elsewhere
# (hiking a via ferrata) 500 m/km is already a wall.
MAX_ASCENT_M_PER_KM = {"run": 100.0, "cycling": 100.0, "other": 500.0}
# Average cadence over moving time: running 100-230 steps/min (power-hiking a mountain run's steep
# climb to a sprint; strides mistaken for steps would read 60-95), walking
# 60-200 steps/min (run-walk mixes included), cycling 20-150 rpm (a grind to a spin-up).
CADENCE = {"run": ("avg_cadence_spm", 100.0, 230.0), "walking": ("avg_cadence_spm", 60.0, 200.0),
           "cycling": ("avg_cadence_rpm", 20.0, 150.0)}


def _group(sport: str) -> str:
    return "run" if sport in RUNNING_SPORTS else sport


@pytest.fixture(scope="module")
def corpus_rows(corpus) -> pd.DataFrame:
    """Every activity row the corpus' activity files give (parsed as an import parses them)."""
    rows = []
    for folder in FOLDERS:
        for path in sorted((corpus / folder).iterdir()):
            kind = KINDS.get(path.suffix.lower())
            if kind is None:
                continue
            data = path.read_bytes()
            leaf = Leaf(source=f"{folder}/{path.name}", kind=kind, data=data,
                        sha256=bytes_sha256(data))
            outcome = parse_leaf(leaf, profile_timezone=None, thresholds=Thresholds())
            rows += [{**row, "climb_m": _one_climb_m(samples)}
                     for row, samples in outcome.activities]
    return pd.DataFrame(rows)


def _one_climb_m(samples: SampleColumns) -> float:
    """The largest rise (m) from a low point to a later high point of the altitude samples."""
    alt = samples.column("altitude_m")
    alt = alt[np.isfinite(alt)]
    return float((alt - np.minimum.accumulate(alt)).max()) if len(alt) else 0.0


def _failures(rows: pd.DataFrame, bad: pd.Series, what: str) -> list[str]:
    return [f"{s[0]}: {what}" for s in rows.loc[bad.fillna(False), "source_files"]]


@pytest.mark.corpus
@pytest.mark.slow
def test_every_corpus_activity_satisfies_the_invariants(corpus_rows):
    rows = corpus_rows
    assert len(rows) >= 120  # every folder read
    problems = []
    elapsed = rows["elapsed_time_s"]
    for key in ("moving_time_s", "timer_time_s"):
        problems += _failures(rows, rows[key] > elapsed, f"{key} > elapsed_time_s")
    km = rows["distance_m"] / 1000
    group = rows["sport"].map(_group)
    mountain = (rows["sub_sport"].fillna("") + " " + rows["name"].fillna("")).str.contains(
        "mountain", case=False) | (rows["climb_m"] >= 0.5 * rows["ascent_m"])
    limit = group.map(MAX_ASCENT_M_PER_KM).fillna(MAX_ASCENT_M_PER_KM["other"])
    steep = (km >= 1) & (rows["ascent_m"] / km > limit) & ~mountain
    problems += _failures(rows, steep, "ascent per km implausible")
    for key in ("avg_hr_bpm", "max_hr_bpm"):
        hr = rows[key]
        problems += _failures(rows, hr.notna() & ~hr.between(25, 250), f"{key} outside 25-250")
    problems += _failures(rows, rows["avg_hr_bpm"] > rows["max_hr_bpm"], "avg HR above max HR")
    for sport, (key, lo, hi) in CADENCE.items():
        value = rows[key].where(group == sport)
        problems += _failures(rows, value.notna() & ~value.between(lo, hi),
                              f"{key} outside {lo:g}-{hi:g} for {sport}")
    assert not problems, "\n".join(problems)
    # the checks had something to check
    assert rows["moving_time_s"].notna().sum() >= 100
    assert rows["avg_hr_bpm"].notna().sum() >= 30
    assert rows["ascent_m"].notna().sum() >= 60
    assert rows["avg_cadence_spm"].notna().sum() >= 20
