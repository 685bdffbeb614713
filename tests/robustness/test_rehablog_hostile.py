"""Hostile rehab logs through the command line: the pain log's rules (every bad line named,
nothing merged, cells are data), and the demo's generated rehab log holds no formula cell."""

from __future__ import annotations


import pytest

from pipeline import rehab
from pipeline.demo.athlete import demo_athlete
from pipeline.demo.generate import rehab_log_csv
from tests.robustness.conftest import formula_cells, refused_rows

BAD_ROWS = [
    ("date,exercise,sets,reps,load_kg,hold_s,pain,note", None),
    ("2026-13-01,bridge,,,,,,", "date '2026-13-01' does not exist"),
    ("2099-01-01,bridge,,,,,,", "in the future"),
    ("2026-01-01,,,,,,,", "exercise is missing"),
    ("2026-01-02," + "x" * 81 + ",,,,,,", "longer than 80 characters"),
    ("2026-01-03,bridge,0,,,,,", "sets '0' is outside 1-50"),
    ("2026-01-04,bridge,2.5,,,,,", "sets '2.5' is not a whole number"),
    ("2026-01-05,bridge,,-3,,,,", "reps '-3' is not a whole number"),
    ("2026-01-06,bridge,,,heavy,,,", "load_kg 'heavy' is not a number"),
    ("2026-01-07,bridge,,,,nan,,", "hold_s 'nan' is not a number"),
    ("2026-01-08,bridge,,,,,11,", "pain '11' is outside 0-10"),
    ("2026-01-09,bridge,,,,,=1+1,", "pain '=1+1' is not a number"),
    ("2026-01-10,bridge,,,,,,fine,extra", "which the header does not name"),
]


def test_every_invalid_value_is_reported_with_its_line_and_nothing_is_merged(sandbox):
    refused_rows(sandbox, "rehab", BAD_ROWS)
    assert not sandbox.store.rehab_log_path.exists()
    assert not sandbox.store.raw_rehab_dir.exists()  # not even the raw copy of a refused file


@pytest.mark.parametrize("content,reason", [
    (b"", "is empty"),
    (b"\xff\xfed\x00a\x00", "UTF-16"),
    (b"PK\x03\x04rest", "not a CSV"),
    (b"date,exercise\n2026-01-01,\x00bridge\n", "NUL bytes"),
])
def test_files_that_are_not_csv_text_are_one_plain_error(sandbox, content, reason):
    path = sandbox.write("rehab.csv", content)
    code, _, err = sandbox.run("rehab", "import", str(path))
    assert code == 1 and reason in err and "Traceback" not in err


def test_formula_cells_are_stored_as_text(sandbox):
    csv = sandbox.write("rehab.csv", b'date,exercise,note\n2026-01-01,=HYPERLINK("x"),@SUM(A1)\n')
    code, _, err = sandbox.run("rehab", "import", str(csv))
    assert code == 0, err
    log = rehab.rehab_log(sandbox.store)
    assert log["exercise"].tolist() == ['=HYPERLINK("x")'] and log["note"].tolist() == ["@SUM(A1)"]


def test_the_demo_rehab_log_holds_no_formula_cell():
    text = rehab_log_csv(demo_athlete(seed=3, weeks=10))
    assert len([c for line in text.splitlines() for c in line.split(",")]) > 100
    assert not formula_cells(text)
