"""The pain log: CSV parsing, strict validation with line numbers, merging, raw copies, CLI."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from pipeline import cli, painlog
from pipeline import store as st
from pipeline.errors import InputError, PainLogError, StoreLockedError, UsageError
from pipeline.schemas import CROSS_CONTEXTS, CROSS_SPORTS, PAIN_CONTEXTS

TODAY = date(2026, 6, 30)  # every import below passes it, so the tests do not age


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def write(tmp_path: Path, content: bytes | str, name: str = "pain.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.fixture
def store(data_dir) -> st.Store:
    return st.Store(data_dir, "me")


def problems_of(excinfo) -> dict[int, str]:
    return dict(excinfo.value.problems)


# --- good files ------------------------------------------------------------------------------


def test_comma_csv_is_stored_with_every_field(tmp_path, store):
    path = write(tmp_path, (
        "date,context,pain,time,weakness,rehab,compression,note\n"
        "2026-06-01,next_morning,3,07:30,no,yes,,stiff getting up\n"
        "2026-06-01,during_run,4.5,18:05,yes,no,true,\n"
        "2026-06-02,,0,,,,,\n"
    ))
    result = painlog.import_csv(store, path, today=TODAY)
    assert (len(result.new), result.unchanged, result.total) == (3, 0, 3)
    log = painlog.pain_log(store)
    assert list(log["date"].dt.date) == [date(2026, 6, 1), date(2026, 6, 1), date(2026, 6, 2)]
    # sorted by date, then by context in the contract's order (during_run before next_morning)
    assert list(log["context"]) == ["during_run", "next_morning", "daily"]
    assert list(log["pain_0_10"]) == [4.5, 3.0, 0.0]
    assert log["time"].iloc[0] == "18:05" and pd.isna(log["time"].iloc[2])
    assert log["weakness"].tolist() == [True, False, pd.NA]
    assert log["rehab"].tolist() == [False, True, pd.NA]
    assert log["compression"].tolist() == [True, pd.NA, pd.NA]
    assert log["note"].iloc[1] == "stiff getting up" and pd.isna(log["note"].iloc[0])
    assert list(log["line"]) == [3, 2, 4] and set(log["source"]) == {str(path)}


def test_semicolons_bom_decimal_comma_and_loose_header(tmp_path, store):
    content = ("\ufeff Date ; PAIN;Context ;Time\n"
               "2026-06-03;3,5;Next Morning;7:05\n2026-06-04;2;sitting;\n")
    path = write(tmp_path, content.encode("utf-8"))
    painlog.import_csv(store, path, today=TODAY)
    log = painlog.pain_log(store)
    assert list(log["pain_0_10"]) == [3.5, 2.0]
    assert list(log["context"]) == ["next_morning", "sitting"]
    assert log["time"].iloc[0] == "07:05"


def test_excel_sep_line_blank_lines_and_trailing_separators(tmp_path, store):
    path = write(tmp_path, "sep=;\n\ndate;pain;note;;\n2026-06-01;2;a, b;;\n\n2026-06-02;1;;;\n")
    result = painlog.import_csv(store, path, today=TODAY)
    log = painlog.pain_log(store)
    assert len(result.new) == 2 and log["note"].iloc[0] == "a, b"
    assert list(log["line"]) == [4, 6]


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("yes", True), ("YES", True), ("y", True), ("True", True), ("1", True), (" Y ", True),
     ("no", False), ("No", False), ("n", False), ("FALSE", False), ("0", False), ("", None)],
)
def test_yes_no_spellings(tmp_path, store, spelling, expected):
    path = write(tmp_path, f"date,pain,weakness,rehab,compression\n"
                           f"2026-06-01,1,{spelling},{spelling},{spelling}\n")
    painlog.import_csv(store, path, today=TODAY)
    row = painlog.pain_log(store).iloc[0]
    for flag in ("weakness", "rehab", "compression"):
        assert (row[flag] is pd.NA) if expected is None else (row[flag] == expected)


def test_formula_cells_stay_text(tmp_path, store):
    notes = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", '=HYPERLINK("http://x","y")']
    rows = [["date", "pain", "note"]] + [[f"2026-06-0{i + 1}", "1", n] for i, n in enumerate(notes)]
    painlog.import_csv(store, write(tmp_path, csv_bytes(rows)), today=TODAY)
    assert list(painlog.pain_log(store)["note"]) == notes


def test_multiline_note_keeps_physical_line_numbers(tmp_path, store):
    path = write(tmp_path, 'date,pain,note\n2026-06-01,1,"line one\nline two\nthree"\n'
                           '2026-06-02,12,x\n')
    with pytest.raises(PainLogError) as e:
        painlog.import_csv(store, path, today=TODAY)
    assert list(problems_of(e)) == [5]


# --- bad files -------------------------------------------------------------------------------


def test_bad_csv_reports_every_row_and_merges_nothing(tmp_path, store):
    good = write(tmp_path, "date,pain\n2026-05-01,2\n", name="earlier.csv")
    painlog.import_csv(store, good, today=TODAY)
    before_bytes = store.pain_log_path.read_bytes()
    raw_before = sorted(store.raw_pain_dir.iterdir())
    bad = write(tmp_path, (
        "date,context,pain,time,weakness\n"       # 1
        "2026-06-01,daily,3,,\n"                  # 2 fine
        "2026-06-02,daily,11,,\n"                 # 3 pain 11
        "2026-13-01,daily,2,,\n"                  # 4 no month 13
        "2026-07-15,daily,2,,\n"                  # 5 future
        "2026-06-03,morning,2,,\n"                # 6 unknown context
        "2026-06-04,daily,2,,maybe\n"             # 7 weakness maybe
        "2026-06-05,daily,2,25:00,\n"             # 8 time 25:00
        "2026-06-06,daily,,,\n"                   # 9 pain missing
        ",daily,abc,7.30,\n"                      # 10 three problems in one row
    ), name="bad.csv")
    with pytest.raises(PainLogError) as e:
        painlog.import_csv(store, bad, today=TODAY)
    problems = problems_of(e)
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "pain '11' is outside 0-10" in problems[3]
    assert "'2026-13-01' does not exist" in problems[4]
    assert "2026-07-15 is in the future" in problems[5]
    assert "'morning'" in problems[6] and "next_morning" in problems[6]
    assert "weakness 'maybe'" in problems[7]
    assert "time '25:00'" in problems[8]
    assert "pain is missing" in problems[9]
    assert all(s in problems[10] for s in ("date is missing", "'abc'", "'7.30'"))
    message = str(e.value)
    assert "nothing was merged" in message and all(f"line {n}:" in message for n in problems)
    assert store.pain_log_path.read_bytes() == before_bytes
    assert sorted(store.raw_pain_dir.iterdir()) == raw_before


def test_missing_pain_column_is_one_error_for_the_file(tmp_path, store):
    path = write(tmp_path, "date,context,note\n2026-06-01,daily,x\n2026-06-02,daily,y\n")
    with pytest.raises(PainLogError) as e:
        painlog.import_csv(store, path, today=TODAY)
    assert list(problems_of(e)) == [1]
    assert "missing required column(s): pain" in e.value.problems[0][1]
    assert not store.pain_log_path.exists() and not store.raw_pain_dir.exists()


def test_unknown_and_repeated_columns_are_rejected_with_a_hint(tmp_path, store):
    path = write(tmp_path, "date,pain,wekness,pain\n2026-06-01,2,yes,3\n")
    with pytest.raises(PainLogError) as e:
        painlog.import_csv(store, path, today=TODAY)
    header = problems_of(e)[1]
    assert "unknown column 'wekness' (did you mean 'weakness'?)" in header
    assert "'pain' appears more than once" in header


def test_values_outside_the_header_are_rejected(tmp_path, store):
    path = write(tmp_path, "date,pain,note\n2026-06-01,2,knee, left side\n2026-06-02,2,ok\n")
    with pytest.raises(PainLogError) as e:
        painlog.import_csv(store, path, today=TODAY)
    assert list(problems_of(e)) == [2] and "column(s) 4" in problems_of(e)[2]


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "is empty"), (b" \n\n", "is empty"), (b"\xef\xbb\xbf", "is empty"),
     (b"date,pain\n2026-06-01,\x002\n", "not a text file"),
     (b"date,pain\n2026-06-01,2 \xe9\n", "not UTF-8"),
     ("date,pain\n".encode("utf-16"), "UTF-16"),
     (b"PK\x03\x04rest", "Excel workbook")],
)
def test_unusable_files_are_clear_errors(tmp_path, store, content, reason):
    with pytest.raises(InputError) as e:
        painlog.import_csv(store, write(tmp_path, content), today=TODAY)
    assert reason in str(e.value) and str(tmp_path / "pain.csv") in str(e.value)
    assert not store.raw_pain_dir.exists()


def test_undecodable_byte_offset_is_given(tmp_path, store):
    with pytest.raises(InputError) as e:
        painlog.import_csv(store, write(tmp_path, b"\xef\xbb\xbfdate,pain\n\xff"), today=TODAY)
    assert e.value.offset == 13


def test_missing_file_and_folder(tmp_path, store):
    with pytest.raises(InputError, match="no such file"):
        painlog.import_csv(store, tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        painlog.import_csv(store, tmp_path)


# --- merging ---------------------------------------------------------------------------------


def test_reimport_changes_nothing(tmp_path, store):
    path = write(tmp_path, "date,context,pain,time\n2026-06-01,daily,2,\n"
                           "2026-06-01,daily,3,08:00\n2026-06-02,sitting,1,\n")
    painlog.import_csv(store, path, today=TODAY)
    before = painlog.pain_log(store)
    result = painlog.import_csv(store, path, today=TODAY)
    pd.testing.assert_frame_equal(painlog.pain_log(store), before)
    assert (len(result.new), len(result.replaced), result.unchanged) == (0, 0, 3)
    assert "0 new, 0 replaced earlier ones, 3 unchanged" in result.text()
    assert len(list(store.raw_pain_dir.iterdir())) == 1


def test_later_entry_replaces_the_earlier_one_and_says_so(tmp_path, store):
    first = write(tmp_path, "date,context,pain\n2026-06-01,sitting,2\n2026-06-02,daily,1\n",
                  "a.csv")
    later = write(tmp_path, "date,context,pain\n2026-06-01,sitting,5\n2026-06-02,daily,1\n"
                            "2026-06-03,daily,0\n", "b.csv")
    painlog.import_csv(store, first, today=TODAY)
    result = painlog.import_csv(store, later, today=TODAY)
    assert (len(result.new), len(result.replaced), result.unchanged) == (1, 1, 1)
    assert result.as_dict()["replaced_entries"] == [{
        "date": "2026-06-01", "context": "sitting", "time": None, "pain_before": 2.0,
        "pain_after": 5.0, "changes": ["pain 2 -> 5"], "source_before": str(first), "line": 2}]
    assert "replaced 2026-06-01 sitting (line 2): pain 2 -> 5" in result.text()
    log = painlog.pain_log(store)
    assert list(log["pain_0_10"]) == [5.0, 1.0, 0.0]
    # the unchanged entry keeps where it first came from
    assert list(log["source"]) == [str(later), str(first), str(later)]


def test_same_key_twice_in_one_file_keeps_the_later_row(tmp_path, store):
    path = write(tmp_path, "date,pain\n2026-06-01,2\n2026-06-02,1\n2026-06-01,4\n")
    result = painlog.import_csv(store, path, today=TODAY)
    assert list(painlog.pain_log(store)["pain_0_10"]) == [4.0, 1.0]
    assert "line 4 replaces line 2" in result.text() and result.total == 2


def test_raw_csv_is_kept_byte_identical_and_never_overwritten(tmp_path, store):
    content = "\ufeffdate;pain\r\n2026-06-01;2,5\r\n".encode()
    path = write(tmp_path, content, name="my log.csv")
    result = painlog.import_csv(store, path, today=TODAY)
    (raw,) = store.raw_pain_dir.iterdir()
    assert raw.read_bytes() == content and raw.name.endswith("-my_log.csv")
    assert result.raw_copy == str(raw)
    raw.write_bytes(b"someone's edit")  # even a changed raw file is left alone
    painlog.import_csv(store, path, today=TODAY)
    assert raw.read_bytes() == b"someone's edit"


def test_import_refuses_while_another_writer_holds_the_lock(tmp_path, store):
    path = write(tmp_path, "date,pain\n2026-06-01,2\n")
    with st.locked(store), pytest.raises(StoreLockedError):
        painlog.import_csv(store, path, today=TODAY)
    assert not store.pain_log_path.exists() and not store.raw_pain_dir.exists()


def test_future_means_after_today_in_the_athletes_zone(store):
    st.write_profile(store, {"timezone": "Pacific/Kiritimati"})  # UTC+14
    ahead = painlog.local_today(store)
    st.write_profile(store, {"timezone": "Pacific/Pago_Pago"})  # UTC-11
    assert painlog.local_today(store) < ahead


# --- pain add --------------------------------------------------------------------------------


def test_add_entry_merges_like_an_import(store):
    result = painlog.add_entry(store, date=date(2026, 6, 1), pain=3, context="after_run",
                               time="19:00", note="=cmd", today=TODAY)
    assert len(result.new) == 1
    row = painlog.pain_log(store).iloc[0]
    assert (row["weakness"], row["rehab"], row["compression"]) == (False, False, False)
    assert row["note"] == "=cmd" and row["source"] == "cli" and row["line"] is pd.NA
    again = painlog.add_entry(store, date=date(2026, 6, 1), pain=3.0, context="after_run",
                              time="19:00", note="=cmd", today=TODAY)
    assert again.unchanged == 1 and not again.changed
    changed = painlog.add_entry(store, date="2026-06-01", pain=6.5, context="after_run",
                                time="19:00", weakness=True, today=TODAY)
    assert len(changed.replaced) == 1 and painlog.pain_log(store)["pain_0_10"].tolist() == [6.5]
    assert "pain 3 -> 6.5, weakness no -> yes, note changed" in changed.text()


@pytest.mark.parametrize("pain", [11.0, -1.0, float("nan"), float("inf"), 1e300])
def test_add_entry_rejects_bad_values_and_writes_nothing(store, pain):
    with pytest.raises(UsageError, match="pain"):
        painlog.add_entry(store, date=date(2026, 6, 1), pain=pain, today=TODAY)
    with pytest.raises(UsageError, match="in the future"):
        painlog.add_entry(store, date=TODAY + timedelta(days=1), pain=1, today=TODAY)
    assert not store.pain_log_path.exists()


# --- properties ------------------------------------------------------------------------------

# UTF-8-encodable text without NUL (a NUL makes a file "not text" before any row is read)
TEXT = hs.characters(codec="utf-8", exclude_characters="\x00")
SPELLINGS = {True: ["yes", "Yes", "TRUE", "true", "1", "y", "Y"],
             False: ["no", "NO", "false", "False", "0", "n", "N"], None: [""]}


@hs.composite
def valid_rows(draw):
    """(cells as written, the entry's expected stored values)."""
    day = draw(hs.dates(min_value=date(2000, 1, 1), max_value=TODAY))
    context = draw(hs.sampled_from(PAIN_CONTEXTS))
    hundredths = draw(hs.integers(0, 1000))
    pain_text = f"{hundredths // 100}.{hundredths % 100:02d}"
    time = draw(hs.none() | hs.tuples(hs.integers(0, 23), hs.integers(0, 59)))
    flags = [draw(hs.sampled_from([True, False, None])) for _ in range(3)]
    note = draw(hs.text(TEXT, max_size=30))
    # a cross-training context names its sport; the others name none
    activity = draw(hs.sampled_from(CROSS_SPORTS)) if context in CROSS_CONTEXTS else None
    cells = [day.isoformat(), context, pain_text, "" if time is None else "%02d:%02d" % time]
    cells += [draw(hs.sampled_from(SPELLINGS[f])) for f in flags] + [note, activity or ""]
    expected = (day, context, float(pain_text), None if time is None else "%02d:%02d" % time,
                *flags, note.strip() or None, activity)
    return cells, expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=hs.lists(valid_rows(), max_size=8, unique_by=lambda r: r[1][:2] + r[1][3:4]),
       delimiter=hs.sampled_from([",", ";"]), bom=hs.booleans())
def test_any_valid_rows_round_trip(rows, delimiter, bom):
    header = ["date", "context", "pain", "time", "weakness", "rehab", "compression", "note",
              "activity"]
    with tempfile.TemporaryDirectory() as tmp:
        store = st.Store(Path(tmp) / "data", "me")
        path = write(Path(tmp), csv_bytes([header] + [c for c, _ in rows], delimiter=delimiter,
                                          bom=bom))
        result = painlog.import_csv(store, path, today=TODAY)
        log = painlog.pain_log(store)
    assert len(result.new) == len(rows) == len(log)
    stored = {
        (r["date"].date(), r["context"], r["pain_0_10"], None if pd.isna(r["time"]) else r["time"],
         *(None if pd.isna(r[f]) else bool(r[f]) for f in ("weakness", "rehab", "compression")),
         None if pd.isna(r["note"]) else r["note"],
         None if pd.isna(r["activity"]) else r["activity"])
        for r in log.to_dict("records")
    }
    assert stored == {expected for _, expected in rows}


NOT_A_NUMBER = (hs.sampled_from(["nan", "inf", "-inf", "1e1", "3 4", "1..2", "--1", "", " "])
                | hs.text(TEXT, max_size=12).filter(lambda s: any(c.isalpha() for c in s)))
OUT_OF_RANGE = hs.floats(allow_nan=False, allow_infinity=False).filter(
    lambda x: not 0 <= x <= 10).map(repr)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad=NOT_A_NUMBER | OUT_OF_RANGE, before=hs.integers(0, 5), after=hs.integers(0, 3))
def test_any_bad_pain_is_rejected_with_its_line(bad, before, after):
    days = [f"2026-01-{d:02d}" for d in range(1, before + after + 2)]
    rows = [["date", "pain"]] + [[d, "1"] for d in days]
    rows[before + 1][1] = bad
    with tempfile.TemporaryDirectory() as tmp:
        store = st.Store(Path(tmp) / "data", "me")
        with pytest.raises(PainLogError) as e:
            painlog.import_csv(store, write(Path(tmp), csv_bytes(rows)), today=TODAY)
        assert not store.pain_log_path.exists()
    ((line, reason),) = e.value.problems
    assert line == before + 2 and reason.startswith("pain")


# --- command line ----------------------------------------------------------------------------


def test_cli_pain_add_and_import(tmp_path, data_dir, capsys):
    base = ["--data-dir", str(data_dir)]
    assert cli.main(["pain", "add", *base, "--date", "2025-03-01", "--pain", "3",
                     "--context", "next_morning", "--rehab", "--note", "=2+2"]) == 0
    # recorded without pandas; folded into pain_log.parquet by the import below (issue 20)
    assert "recorded pain 3 for 2025-03-01 next_morning" in capsys.readouterr().out
    path = write(tmp_path, "date;pain;context\n2025-03-01;4;next_morning\n2025-03-02;1;\n")
    assert cli.main(["pain", "import", *base, "--json", str(path)]) == 0
    summary = __import__("json").loads(capsys.readouterr().out)
    assert (summary["new"], summary["replaced"], summary["total_entries"]) == (1, 1, 2)
    log = painlog.pain_log(st.Store(data_dir, "me"))
    assert list(log["pain_0_10"]) == [4.0, 1.0]


def test_cli_bad_file_lists_every_line_without_traceback(tmp_path, data_dir, capsys):
    future = (date.today() + timedelta(days=30)).isoformat()
    path = write(tmp_path, f"date,pain,context\n2025-01-01,11,daily\n2025-01-02,2,daily\n"
                           f"{future},1,daily\n2025-01-03,1,morning\n")
    assert cli.main(["pain", "import", "--data-dir", str(data_dir), str(path)]) == 1
    err = capsys.readouterr().err
    assert all(f"line {n}:" in err for n in (2, 4, 5)) and "line 3:" not in err
    assert "Traceback" not in err and "nothing was merged" in err
    assert cli.main(["pain", "import", "--data-dir", str(data_dir), str(tmp_path / "x.csv")]) == 1
    assert cli.main(["pain", "add", "--data-dir", str(data_dir), "--date", "2025-01-01",
                     "--pain", "11"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "outside 0-10" in err and "Traceback" not in err
    assert not st.Store(data_dir, "me").pain_log_path.exists()


def test_painlog_does_not_import_prefect():
    code = "import sys, pipeline.painlog; sys.exit('prefect' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --- cross-training contexts (issue 18) ------------------------------------------------------


def test_cross_training_pain_names_its_sport_and_two_sports_on_one_day_are_two_entries(tmp_path):
    store = st.Store(tmp_path / "data", "me")
    path = write(tmp_path, csv_bytes([
        ["date", "context", "pain", "activity"],
        ["2026-06-01", "after_cross_training", "4", "Cycling"],
        ["2026-06-01", "after_cross_training", "1", "swimming"],
        ["2026-06-02", "during-cross-training", "2", "water running"],
    ]))
    painlog.import_csv(store, path, today=TODAY)
    log = painlog.pain_log(store)
    assert list(zip(log["context"], log["activity"], log["pain_0_10"])) == [
        ("after_cross_training", "cycling", 4.0), ("after_cross_training", "swimming", 1.0),
        ("during_cross_training", "water_running", 2.0)]


def test_cross_training_context_without_sport_and_sport_without_it_are_rejected(tmp_path):
    store = st.Store(tmp_path / "data", "me")
    path = write(tmp_path, csv_bytes([
        ["date", "context", "pain", "activity"],
        ["2026-06-01", "after_cross_training", "4", ""],
        ["2026-06-02", "next_morning", "2", "cycling"],
        ["2026-06-03", "during_cross_training", "2", "rowing"],
        ["2026-06-04", "daily", "1", ""],
    ]))
    with pytest.raises(PainLogError) as e:
        painlog.import_csv(store, path, today=TODAY)
    lines = dict(e.value.problems)
    assert set(lines) == {2, 3, 4}
    assert "needs an activity" in lines[2]
    assert "only for the contexts" in lines[3]
    assert "unknown activity 'rowing'" in lines[4]
    assert painlog.pain_log(store).empty  # all or nothing


def test_pain_add_with_activity_on_the_command_line(tmp_path, capsys):
    data = tmp_path / "data"
    code = cli.main(["pain", "add", "--data-dir", str(data), "--date", "2026-06-01", "--pain",
                     "3", "--context", "after_cross_training", "--activity", "cycling"])
    assert code == 0
    log = painlog.pain_log(st.Store(data, "me"))
    assert log["activity"].tolist() == ["cycling"]
    code = cli.main(["pain", "add", "--data-dir", str(data), "--date", "2026-06-01", "--pain",
                     "3", "--context", "after_cross_training"])
    assert code == 2 and "needs an activity" in capsys.readouterr().err
