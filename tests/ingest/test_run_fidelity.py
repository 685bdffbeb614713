"""An import of files from devices the tests had not seen: one GPX giving several activities, and
recordings dated in impossible years quarantined while the rest of the import goes on."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline import cli
from pipeline import store as st
from pipeline.demo.fit_encode import activity_fit_bytes
from pipeline.demo.gpx_file import gpx_activity_bytes
from pipeline.demo.tcx_file import tcx_activity_bytes
from tests.factories import run_samples
from tests.ingest.parse.test_gpx_outings import DAY0, gpx_bytes, track


def _ingest(data_dir, *paths) -> tuple[int, dict]:
    code = cli.main(["ingest", "--json", "--data-dir", str(data_dir), *map(str, paths)])
    return code


def _summary(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def _moved(samples: pd.DataFrame, year: int) -> pd.DataFrame:
    """The same run ``year - 2026`` years later (microsecond timestamps: any year)."""
    out = samples.copy()
    ts = out["timestamp_utc"].astype("datetime64[us, UTC]")
    out["timestamp_utc"] = ts + pd.DateOffset(years=year - ts.iloc[0].year)
    return out


def test_a_gpx_of_three_days_becomes_three_activities_once(data_dir, tmp_path, capsys):
    path = tmp_path / "three_days.gpx"
    path.write_bytes(gpx_bytes(*(track(DAY0 + pd.Timedelta(days=d).to_pytimedelta())
                                 for d in (0, 1, 3))))
    assert _ingest(data_dir, path) == 0
    assert len(_summary(capsys)["new_activity_ids"]) == 3
    activities = st.read_activities(st.Store(data_dir, "me"))
    assert activities["local_date"].dt.day.tolist() == [1, 2, 4]
    assert activities["activity_id"].str.endswith(("-0", "-1", "-2")).all()
    assert (activities["distance_m"] > 1700).all()
    assert _ingest(data_dir, path) == 0  # again: nothing new
    assert len(st.read_activities(st.Store(data_dir, "me"))) == 3


@pytest.mark.parametrize("year", [1970, 2100, 2300, 3026])
def test_a_recording_dated_in_an_impossible_year_is_quarantined_and_the_import_goes_on(
        data_dir, tmp_path, capsys, year):
    run = run_samples("2026-03-21T07:00:00Z", minutes=2)
    good = tmp_path / "good.fit"
    good.write_bytes(activity_fit_bytes(run, sport="running"))
    bad = []
    for kind, writer in (("gpx", gpx_activity_bytes), ("tcx", tcx_activity_bytes)):
        path = tmp_path / f"y{year}.{kind}"
        path.write_bytes(writer(_moved(run, year)))
        bad.append(path)
    code = _ingest(data_dir, *bad, good)
    summary = _summary(capsys)
    assert code == 1  # some inputs rejected, the rest processed
    reasons = {r["source"]: r["reason"] for r in summary["quarantined"]}
    said = "before 1990" if year < 1990 else "after tomorrow"
    for path in bad:
        assert said in reasons[str(path)] and str(year) in reasons[str(path)]
    assert len(summary["new_activity_ids"]) == 1
