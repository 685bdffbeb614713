import numpy as np
import pandas as pd

from pipeline.ingest.activity_table import ActivityTable


def row(activity_id: str, km: float) -> dict:
    return {"activity_id": activity_id, "distance_m": km * 1000,
            "source_files": [f"{activity_id}.fit"], "hr_seconds_by_bpm": np.arange(4.0)}


def test_rows_written_and_rows_changed_since_make_one_table():
    table = ActivityTable(pd.DataFrame([row("a", 5), row("b", 8)]))
    table.put(row("c", 10))
    replaced = table.get("a")
    replaced["distance_m"] = 5500.0
    assert table.get("a")["distance_m"] == 5000.0  # get returns a copy: unchanged until put
    table.put(replaced)

    frame = table.frame().set_index("activity_id")
    assert len(table) == 3 and sorted(frame.index) == ["a", "b", "c"]
    assert frame.loc["a", "distance_m"] == 5500.0 and frame.loc["c", "distance_m"] == 10000.0
    assert table.get("b")["source_files"] == ["b.fit"]
    assert table.get("missing") is None


def test_after_written_the_changed_rows_are_part_of_the_written_frame():
    table = ActivityTable(pd.DataFrame(columns=["activity_id", "distance_m"]))
    table.put(row("a", 5))
    assert table.frame()["activity_id"].tolist() == ["a"]
    table.written(table.frame())
    table.put(row("b", 6))
    assert len(table) == 2
    np.testing.assert_array_equal(table.get("a")["hr_seconds_by_bpm"], np.arange(4.0))
    assert table.frame()["activity_id"].tolist() == ["a", "b"]
