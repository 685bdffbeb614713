"""``schemas.validate_samples`` accepts and rejects exactly what ``Samples.validate`` does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandera.errors import SchemaError, SchemaErrors

from pipeline import schemas


def good_samples(n: int = 50) -> pd.DataFrame:
    """A valid samples frame: every channel in range, some nulls where allowed."""
    rng = np.random.default_rng(7)
    df = pd.DataFrame({c: rng.uniform(1, 50, n) for c in schemas.SAMPLE_CHANNELS})
    df.insert(0, "timestamp_utc", pd.date_range("2024-05-01", periods=n, freq="s", tz="UTC",
                                                unit="us"))
    df["elapsed_s"] = np.arange(n, dtype=float)
    df.loc[3, "heart_rate_bpm"] = np.nan
    df.loc[4, "latitude_deg"] = np.nan
    df["dev_extra"] = 1.0  # extra columns are allowed (strict=False)
    return df


def _edit(column, value, row=5):
    def apply(df):
        df[column] = df[column].astype(object) if isinstance(value, str) else df[column]
        df.loc[row, column] = value
        return df
    return apply


def _drop(column):
    return lambda df: df.drop(columns=[column])


def _retype(column, dtype):
    def apply(df):
        df[column] = df[column].astype(dtype)
        return df
    return apply


def _naive_timestamps(df):
    df["timestamp_utc"] = df["timestamp_utc"].dt.tz_localize(None)
    return df


def _ns_timestamps(df):
    df["timestamp_utc"] = df["timestamp_utc"].dt.as_unit("ns")
    return df


# frames both validators must reject, and frames both must accept (after coercion)
BAD = {
    "hr zero": _edit("heart_rate_bpm", 0.0),
    "hr above 255": _edit("heart_rate_bpm", 255.5),
    "negative speed": _edit("speed_mps", -0.1),
    "negative elapsed": _edit("elapsed_s", -1.0),
    "null elapsed": _edit("elapsed_s", np.nan),
    "null timestamp": _edit("timestamp_utc", pd.NaT),
    "latitude 91": _edit("latitude_deg", 91.0),
    "longitude -181": _edit("longitude_deg", -181.0),
    "balance 101": _edit("stance_time_balance_pct", 101.0),
    "minus infinity": _edit("power_w", -np.inf),
    "missing column": _drop("temperature_c"),
    "missing timestamp": _drop("timestamp_utc"),
    "text in a float column": _edit("cadence_spm", "fast"),
}
GOOD = {
    "as built": lambda df: df,
    "hr exactly 255": _edit("heart_rate_bpm", 255.0),
    "latitude -90": _edit("latitude_deg", -90.0),
    "zero speed": _edit("speed_mps", 0.0),
    "plus infinity distance": _edit("distance_m", np.inf),
    "all-null channel": _edit("power_w", np.nan, row=slice(None)),
    "integer channel": _retype("cadence_spm", "int64"),
    "nullable Float64 channel": _retype("altitude_m", "Float64"),
    "naive timestamps": _naive_timestamps,
    "nanosecond timestamps": _ns_timestamps,
    "negative altitude and temperature": lambda df: df.assign(altitude_m=-30.0, temperature_c=-5.0),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_both_validators_reject(case):
    df = BAD[case](good_samples())
    with pytest.raises((SchemaError, SchemaErrors)):  # pandera collects coercion errors
        schemas.Samples.validate(df.copy())
    with pytest.raises(SchemaError):
        schemas.validate_samples(df.copy())


@pytest.mark.parametrize("case", sorted(GOOD))
def test_both_validators_accept_with_the_same_result(case):
    df = GOOD[case](good_samples())
    expected = schemas.Samples.validate(df.copy())
    got = schemas.validate_samples(df.copy())
    pd.testing.assert_frame_equal(got, expected)


def test_a_valid_frame_is_returned_without_a_copy():
    df = good_samples()
    assert schemas.validate_samples(df) is df


def test_an_empty_frame_is_valid_for_both():
    df = good_samples().iloc[:0]
    pd.testing.assert_frame_equal(schemas.validate_samples(df), schemas.Samples.validate(df))


def test_the_pandera_models_are_built_from_the_table_rules():
    from pipeline import table_rules

    for model, rules in ((schemas.Samples, table_rules.SAMPLES),
                         (schemas.Activities, table_rules.ACTIVITIES)):
        columns = model.to_schema().columns
        assert list(columns) == [c.name for c in rules]
        for rule in rules:
            assert columns[rule.name].nullable == rule.nullable
            assert columns[rule.name].unique == rule.unique
    hr = schemas.Samples.to_schema().columns["heart_rate_bpm"]
    assert [(c.name, c.statistics) for c in hr.checks] == [
        ("greater_than", {"min_value": 0}), ("less_than_or_equal_to", {"max_value": 255})]
    sport = schemas.Activities.to_schema().columns["sport"]
    assert [c.statistics["allowed_values"] for c in sport.checks] == [schemas.SPORTS]
    assert str(schemas.Activities.to_schema().columns["start_time_utc"].dtype) == \
        "datetime64[us, UTC]"


def test_pandera_imports_neither_dask_nor_the_analysis_stack():
    """Importing pandera's Dask typing cost 0.8-1 s of every command that validated (issue 20)."""
    import subprocess
    import sys

    code = ("import sys; import pipeline.ingest.run, pipeline.ingest.parse.fit, pipeline.store\n"
            "from pipeline.store import empty_frame; from pipeline import schemas\n"
            "schemas.Activities.validate(empty_frame(schemas.Activities))\n"
            "heavy = ('dask', 'prefect', 'matplotlib', 'sklearn', 'scipy', 'distributed')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_pandera_still_validates_after_dask_itself_was_imported():
    """The stub is only put in place when Dask's dataframe is not loaded; validation works
    either way."""
    import subprocess
    import sys

    code = ("import dask.dataframe\nfrom pipeline import schemas\nfrom pipeline.store import "
            "empty_frame\nschemas.Activities.validate(empty_frame(schemas.Activities))\n"
            "import pandera.typing.dask as d; print(d.DASK_INSTALLED)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "True"
