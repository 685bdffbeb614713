"""An added entry's cells (no pandas: the one-line commands use these)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pipeline.entrylog.cells import added_entry, cell_text


def test_cell_text_writes_what_the_csv_rules_read_back():
    assert [cell_text(v) for v in (None, True, False, 3, date(2026, 1, 2), "x")] == [
        "", "yes", "no", "3", "2026-01-02", "x"]
    assert cell_text(6.5) == "6.5"
    for x in (0.1, 1e-7, 1e20, 2.5e-300):  # exact, and never an exponent
        assert Decimal(cell_text(x)) == Decimal(x) and float(cell_text(x)) == x
        assert "e" not in cell_text(x).lower()
    assert "e" not in cell_text(1e20)


def test_added_entry_is_left_out_when_it_no_longer_validates():
    def entry_from_cells(cells, *, source, line, today):
        assert today == date.max and line is None  # no date bound: checked when added
        return (None, ["bad"]) if cells["n"] == "x" else ((source, cells), [])

    def entry(cells):
        return added_entry(cells, columns=("n", "m"), entry_from_cells=entry_from_cells,
                           cli_source="cli")

    assert entry({"n": "1", "extra": "dropped"}) == ("cli", {"n": "1", "m": ""})
    assert entry({"n": "x"}) is None
