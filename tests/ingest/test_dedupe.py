import pandas as pd

from pipeline.config import Thresholds
from pipeline.ingest.dedupe import TwinIndex, is_twin, merged

T = Thresholds()
START = pd.Timestamp("2026-03-01T07:00:00Z")


def row(activity_id="a", start=START, elapsed=3600.0, distance=10000.0, fmt="fit",
        channels=("heart_rate_bpm", "cadence_spm", "speed_mps"), sport="running", **extra):
    return {"activity_id": activity_id, "start_time_utc": start, "elapsed_time_s": elapsed,
            "distance_m": distance, "format": fmt, "channels": list(channels), "n_samples": 3600,
            "sport": sport, "source_files": [f"{activity_id}.{fmt}"], "name": None, "gear": None,
            "rpe_0_10": None, **extra}


def test_twins_within_two_minutes_and_five_percent():
    a = row()
    assert is_twin(a, row("b", START + pd.Timedelta(seconds=90), 3500, 9700), thresholds=T)
    assert not is_twin(a, row("b", START + pd.Timedelta(seconds=150)), thresholds=T)
    assert not is_twin(a, row("b", distance=10600), thresholds=T)
    assert not is_twin(a, row("b", elapsed=3900), thresholds=T)
    assert not is_twin(a, row("b", sport="cycling"), thresholds=T)
    # a swim without distance: duration alone decides
    assert is_twin(row(distance=None), row("b", distance=None), thresholds=T)


def test_index_finds_closest_twin_among_many():
    index = TwinIndex(pd.DataFrame([row(f"r{i}", START + pd.Timedelta(days=i)) for i in range(50)]))
    probe = row("new", START + pd.Timedelta(days=17, seconds=30), fmt="gpx")
    assert index.twin_of(probe, thresholds=T)["activity_id"] == "r17"
    assert index.twin_of(row("x", START + pd.Timedelta(hours=5)), thresholds=T) is None


def test_merge_keeps_id_and_all_sources_and_takes_the_richest_data():
    gpx = row("gpx1", fmt="gpx", channels=("latitude_deg", "longitude_deg"), name="Morning Run",
              gear="Pegasus")
    fit = row("fit1", fmt="fit")
    combined, use_new = merged(gpx, fit)
    assert use_new
    assert combined["activity_id"] == "gpx1"
    assert combined["source_files"] == ["gpx1.gpx", "fit1.fit"]
    assert combined["format"] == "fit" and combined["name"] == "Morning Run"
    combined2, use_new2 = merged(fit, gpx)
    assert not use_new2 and combined2["activity_id"] == "fit1" and combined2["format"] == "fit"


def test_index_finds_twins_among_activities_added_across_folds():
    from pipeline.ingest.keyindex import FOLD

    index = TwinIndex(pd.DataFrame([row("r0", START), row("ride", START + pd.Timedelta(days=3),
                                                         sport="cycling")]))
    for i in range(1, FOLD + 10):  # one fold, then some not yet folded
        index.add(row(f"r{i}", START + pd.Timedelta(days=4 * i),
                      sport="walking" if i % 7 == 0 else "running"))
    for i in (0, 7, 300, FOLD - 1, FOLD + 5):
        probe = row(f"new{i}", START + pd.Timedelta(days=4 * i, seconds=-40), fmt="gpx")
        assert index.twin_of(probe, thresholds=T)["activity_id"] == f"r{i}"
    ride = row("gpx", START + pd.Timedelta(days=3, seconds=5), sport="cycling")
    assert index.twin_of(ride, thresholds=T)["activity_id"] == "ride"
    assert index.twin_of({**ride, "sport": "swimming"}, thresholds=T) is None  # other family

    # a twin that changes its stored values (a richer source) is found by the new ones
    for i in (3, FOLD + 2):
        index.replace(f"r{i}", row(f"r{i}", START + pd.Timedelta(days=4 * i), distance=5000.0))
        assert index.twin_of(row("p", START + pd.Timedelta(days=4 * i), distance=10000.0,
                                 elapsed=None), thresholds=T) is None
        assert index.twin_of(row("p", START + pd.Timedelta(days=4 * i), distance=5100.0),
                             thresholds=T)["activity_id"] == f"r{i}"


def test_index_prefers_the_closest_start_and_reads_any_duration_column():
    index = TwinIndex(pd.DataFrame([
        row("early", START - pd.Timedelta(seconds=100), elapsed=None, timer_time_s=3600.0),
        row("late", START + pd.Timedelta(seconds=30), elapsed=None, moving_time_s=3550.0),
    ]))
    twin = index.twin_of(row("n", START, distance=None), thresholds=T)
    assert twin["activity_id"] == "late"
    assert index.twin_of(row("n", START - pd.Timedelta(seconds=90), distance=None),
                         thresholds=T)["activity_id"] == "early"
    assert index.twin_of(row("n", START, elapsed=4000.0, distance=None), thresholds=T) is None
