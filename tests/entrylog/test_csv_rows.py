"""The CSV rules the pain and rehab logs share, on a toy log (columns date, n, note)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from pipeline.entrylog import csv_rows
from pipeline.errors import InputError

COLUMNS, REQUIRED = ("date", "n", "note"), ("date", "n")


@dataclass(frozen=True)
class Row:
    date: str
    n: int
    note: str
    line: int | None


class ToyError(Exception):
    def __init__(self, source, problems):
        super().__init__(source)
        self.problems = problems


def toy_entry(cells, *, source, line, today):
    def whole(cell: str) -> int:
        if not cell.strip().isdigit():
            raise ValueError(f"n {csv_rows.shown(cell)} is not a whole number")
        return int(cell)

    parsers = {"date": str.strip, "n": whole, "note": str.strip}
    values, problems = csv_rows.parsed_cells(parsers, cells, required=REQUIRED)
    if problems or any(c not in cells for c in REQUIRED):
        return None, problems
    return Row(values["date"], values["n"], values["note"], line), []


def rows(text: str) -> list[Row]:
    return csv_rows.entries_from_rows(text, source="toy.csv", today=date(2026, 1, 1),
                                      columns=COLUMNS, required=REQUIRED,
                                      entry_from_cells=toy_entry, error=ToyError)


def test_rows_carry_their_first_physical_line_past_blank_rows_and_multiline_cells():
    text = 'date,n,note\n\n2026-01-01,1,"two\nlines"\n2026-01-02,2,\n'
    assert [(r.n, r.note, r.line) for r in rows(text)] == [(1, "two\nlines", 3), (2, "", 5)]


@pytest.mark.parametrize("text", ["sep=;\ndate;n\n2026-01-01;7\n", "date;n\n2026-01-01;7\n"])
def test_semicolons_and_excels_sep_line_are_read(text):
    assert [r.n for r in rows(text)] == [7]


def test_every_problem_is_raised_at_once_with_its_line():
    text = "date,n,colour\n2026-01-01,x,red\n2026-01-02,3,,stray\n2026-01-03,4,\n"
    with pytest.raises(ToyError) as caught:
        rows(text)
    lines = dict(caught.value.problems)
    assert sorted(lines) == [1, 2, 3]
    assert "unknown column 'colour'" in lines[1]
    assert "is not a whole number" in lines[2]
    assert "column(s) 4, which the header does not name" in lines[3]


def test_the_header_names_unknown_repeated_and_missing_columns():
    index, named, problems = csv_rows.header_index([" Date ", "nte", "date", ""],
                                                   columns=COLUMNS, required=REQUIRED)
    assert index == {"date": 0} and named == {0, 1, 2}
    assert "did you mean 'note'?" in problems[0]
    assert problems[1] == "column 'date' appears more than once"
    assert problems[2].startswith("missing required column(s): n ")


def test_a_row_missing_a_required_column_gives_no_reason_of_its_own():
    # the header's problem names it once for the whole file
    values, problems = csv_rows.parsed_cells({"date": str.strip, "n": int}, {"date": "x"},
                                             required=REQUIRED)
    assert values == {"date": "x"} and problems == []


@pytest.mark.parametrize("text, value", [("3,5", 3.5), ("-0", 0.0), (".5", 0.5), ("+2.", 2.0),
                                         ("1e3", None), ("nan", None), ("1,000.5", None),
                                         ("٣", None), ("", None)])
def test_plain_decimals(text, value):
    assert csv_rows.plain_decimal(text) == value
    if value == 0.0:
        assert str(csv_rows.plain_decimal(text)) == "0.0"  # no negative zero


def test_csv_text_drops_the_byte_order_mark_and_refuses_what_is_not_utf8():
    assert csv_rows.csv_text(b"\xef\xbb\xbfdate\n", source="s", empty_message="e") == "date\n"
    with pytest.raises(InputError, match="my log wants rows"):
        csv_rows.csv_text(b"\xef\xbb\xbf \n", source="s",
                          empty_message="is empty: my log wants rows")
    with pytest.raises(InputError, match="UTF-16"):
        csv_rows.csv_text(b"\xff\xfed\x00", source="s", empty_message="e")
    with pytest.raises(InputError, match="not UTF-8"):
        csv_rows.csv_text(b"caf\xe9", source="s", empty_message="e")
