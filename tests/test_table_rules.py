"""The rules an import checks without pandera (``table_rules``) refuse and accept what pandera's
models built from them do; the Arrow schema and empty frame are the ones pandera's give."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pytest
from pandera.errors import SchemaError, SchemaErrors

from pipeline import schemas, table_rules
from pipeline import store as st
from pipeline.demo.fit_encode import activity_fit_bytes
from pipeline.ingest.parse.model import sample_columns
from tests.factories import steady_samples
from tests.test_schemas import BAD, GOOD, good_samples

# frames the array check cannot be given: a text cell is read as NaN by ``sample_columns``
ARRAY_BAD = sorted(set(BAD) - {"text in a float column", "missing timestamp"})


@pytest.mark.parametrize("case", ARRAY_BAD)
def test_the_array_check_refuses_what_pandera_refuses(case):
    df = BAD[case](good_samples())
    with pytest.raises((SchemaError, SchemaErrors)):
        schemas.Samples.validate(df.copy())
    with pytest.raises(table_rules.RulesViolated):
        columns = sample_columns(df)
        table_rules.check_sample_arrays({"timestamp_utc": columns.timestamp, **columns.floats})


@pytest.mark.parametrize("case", sorted(GOOD))
def test_the_array_check_accepts_what_pandera_accepts(case):
    df = GOOD[case](good_samples())
    schemas.Samples.validate(df.copy())
    columns = sample_columns(df)
    table_rules.check_sample_arrays({"timestamp_utc": columns.timestamp, **columns.floats})


def activity_rows(n: int = 3) -> pd.DataFrame:
    """Valid activity rows as an import makes them (parsed from generated FIT runs)."""
    from pipeline.config import Thresholds
    from pipeline.ingest.run import parse_leaf
    from pipeline.ingest.sources import Leaf, bytes_sha256

    rows = []
    for i in range(n):
        data = activity_fit_bytes(steady_samples(f"2024-05-0{i + 1}T07:00Z", n=300))
        leaf = Leaf(f"run{i}.fit", "fit", data, bytes_sha256(data))
        outcome = parse_leaf(leaf, profile_timezone=None, thresholds=Thresholds())
        rows += [row for row, _ in outcome.activities]
    return pd.DataFrame(rows)


def _set(column, value, row=1):
    def apply(df):
        df[column] = df[column].astype(object)
        df.at[row, column] = value
        return df
    return apply


ROWS_BAD = {
    "negative distance": _set("distance_m", -5.0),
    "hr above 255": _set("avg_hr_bpm", 300.0),
    "hr zero": _set("max_hr_bpm", 0.0),
    "fraction above 1": _set("uphill_time_fraction", 1.5),
    "rpe 11": _set("rpe_0_10", 11.0),
    "unknown sport": _set("sport", "jogging"),
    "unknown format": _set("format", "csv"),
    "unknown date source": _set("local_date_source", "guess"),
    "twice the same id": lambda df: df.assign(activity_id="same-0"),
    "no id": _set("activity_id", None),
    "no start": _set("start_time_utc", None),
    "negative sample count": _set("n_samples", -1),
}


@pytest.mark.parametrize("case", sorted(ROWS_BAD))
def test_activity_rows_are_refused_as_pandera_refuses_them(case):
    rows = ROWS_BAD[case](activity_rows())
    with pytest.raises((SchemaError, SchemaErrors)):
        schemas.Activities.validate(rows.copy())
    with pytest.raises((table_rules.RulesViolated, pa.ArrowInvalid, pa.ArrowTypeError)):
        st.activities_table(rows)


def test_valid_activity_rows_make_the_table_pandera_validated_rows_make():
    rows = activity_rows()
    rows.loc[0, "rpe_0_10"] = 4.0
    table = st.activities_table(rows)
    via_pandera = pa.Table.from_pandas(
        st._dates_to_date32(schemas.Activities.validate(rows.copy())),
        schema=st.activities_schema(), preserve_index=False).sort_by("start_time_utc")
    assert table.equals(via_pandera)
    assert table["rpe_0_10"].null_count == len(rows) - 1


def test_the_arrow_schema_and_empty_frame_are_pandera_s():
    empty = st.empty_frame(schemas.Activities)
    ours = st._empty_table_frame(table_rules.ACTIVITIES)
    assert list(ours.columns) == list(empty.columns)
    assert list(ours.dtypes.astype(str)) == list(empty.dtypes.astype(str))
    schema = pa.Schema.from_pandas(st._dates_to_date32(empty), preserve_index=False)
    for name, type_ in st.ACTIVITY_LIST_TYPES.items():
        schema = schema.set(schema.get_field_index(name), pa.field(name, type_))
    assert schema.equals(st.activities_schema(), check_metadata=True)


def test_an_import_loads_no_pandera_nor_the_analysis_stack(tmp_path):
    """pandera's import and validations cost more than the rest of a one-file import (issue 20):
    a whole ``runload ingest`` (new store, then one more file) loads neither it nor the
    analysis stack."""
    folder = tmp_path / "in"
    folder.mkdir()
    for day in ("2024-05-01", "2024-05-03"):
        (folder / f"{day}.fit").write_bytes(
            activity_fit_bytes(steady_samples(f"{day}T07:00Z", n=120)))
    code = ("import sys\nfrom pipeline.cli import main\n"
            "for _ in range(2):\n"
            f"    main(['ingest', {str(folder)!r}, '--data-dir', {str(tmp_path / 'd')!r}, "
            "'--no-progress', '--json'])\n"
            "heavy = ('pandera', 'dask', 'prefect', 'matplotlib', 'sklearn', 'scipy')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
