import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import store as st
from pipeline.ingest.activity_table import ActivityTable
from pipeline.ingest.parse.speed_profile import easy_speed_mps, fast_time_fraction
from tests.features.factories import activity

MARGIN = 0.15


def run(activity_id: str, day: int, median_mps: float, sport: str = "running") -> dict:
    """A run on day ``day`` of 2025 whose speed percentiles rise evenly through ``median_mps``."""
    return activity(str(pd.Timestamp("2025-01-01") + pd.Timedelta(days=day))[:10], sport,
                    activity_id=activity_id, source_files=[f"{activity_id}.fit"],
                    moving_speed_percentiles_mps=np.linspace(median_mps - 1, median_mps + 1, 101))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(st, "ACTIVITY_ROW_GROUP", 4)  # several row groups from a few rows
    return st.Store(tmp_path, "a")


def written(store: st.Store, rows: list[dict]) -> ActivityTable:
    table = ActivityTable(store, fast_margin=MARGIN)
    for row in rows:
        table.put(row)
    table.write()
    return table


def test_new_rows_merge_into_the_written_ones_by_start_time_in_full_row_groups(store):
    written(store, [run(f"even{d}", d, 3.0) for d in range(0, 20, 2)])
    table = written(store, [run(f"odd{d}", d, 3.0) for d in range(19, 0, -2)])

    activities = st.read_activities(store)
    assert activities["activity_id"].tolist() == [
        f"{'even' if d % 2 == 0 else 'odd'}{d}" for d in range(20)]
    groups = pq.ParquetFile(store.activities_path).metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [4] * 5
    assert table.get("odd7")["start_time_utc"] == pd.Timestamp("2025-01-08 08:00", tz="UTC")


def test_a_changed_row_replaces_the_written_one_and_get_returns_a_copy(store):
    table = written(store, [run(f"r{d}", d, 3.0) for d in range(10)])
    row = table.get("r6")
    row["distance_m"] = 7777.0
    assert table.get("r6")["distance_m"] == 5000.0  # unchanged until put
    table.put(row)
    assert table.get("r6")["distance_m"] == 7777.0
    table.write()

    activities = st.read_activities(store).set_index("activity_id")
    assert len(activities) == 10 and activities.loc["r6", "distance_m"] == 7777.0
    assert ActivityTable(store, fast_margin=MARGIN).get("r6")["distance_m"] == 7777.0
    assert table.get("r9")["source_files"].tolist() == ["r9.fit"]
    assert table.get("missing") is None


def test_fast_time_fraction_follows_the_easy_pace_of_every_run_written_so_far(store):
    first = [run(f"slow{d}", d, 3.0) for d in range(6)]
    written(store, first)
    before = st.read_activities(store).set_index("activity_id")["fast_time_fraction"]
    # the easy pace (median of medians) is 3.0 m/s; the limit 3.45 lies between p72 and p73
    assert before["slow0"] == pytest.approx(fast_time_fraction(
        first[0]["moving_speed_percentiles_mps"], easy_speed_mps=3.0, margin=MARGIN))

    faster = [run(f"fast{d}", d, 4.0) for d in range(6, 13)] + [run("ride", 13, 8.0, "cycling")]
    written(store, faster)
    activities = st.read_activities(store)
    easy = easy_speed_mps(activities)
    assert easy == pytest.approx(4.0)  # 7 of the 13 runs are at 4 m/s now; the ride is no run
    expected = [fast_time_fraction(p, easy_speed_mps=easy, margin=MARGIN) if s != "cycling"
                else None for p, s in zip(activities["moving_speed_percentiles_mps"],
                                          activities["sport"])]
    assert activities["fast_time_fraction"].tolist() == pytest.approx(
        [np.nan if e is None else e for e in expected], nan_ok=True)
    assert activities.set_index("activity_id").loc["slow0", "fast_time_fraction"] == 0.0


def test_a_file_written_by_an_older_version_is_read_and_rewritten_to_the_current_schema(store):
    old = pd.DataFrame([run("old", 1, 3.0)]).drop(columns=["rpe_0_10"])
    old["gear"] = None
    store.activities_path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(old, preserve_index=False), store.activities_path)
    assert pq.read_schema(store.activities_path).field("gear").type == pa.null()
    assert pd.isna(ActivityTable(store, fast_margin=MARGIN).get("old")["rpe_0_10"])  # before a write

    table = written(store, [run("new", 2, 3.0) | {"gear": "Shoe X", "rpe_0_10": 4.0}])
    activities = st.read_activities(store).set_index("activity_id")
    assert activities.loc["new", "gear"] == "Shoe X" and pd.isna(activities.loc["old", "gear"])
    assert activities.loc["new", "rpe_0_10"] == 4.0 and pd.isna(activities.loc["old", "rpe_0_10"])
    assert pq.read_schema(store.activities_path).equals(st.activities_schema())
    assert table.get("old")["source_files"].tolist() == ["old.fit"]
