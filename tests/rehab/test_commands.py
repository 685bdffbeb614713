from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline import cli, rehab
from pipeline import store as st
from pipeline.errors import InputError, RehabLogError

TODAY = date(2026, 6, 30)


def write(tmp_path: Path, text: str, name: str = "rehab.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_import_keeps_the_raw_file_adds_stage_and_reports_unknown_names(tmp_path):
    store = st.Store(tmp_path / "data", "me")
    text = ("date,exercise,sets,reps,load_kg,hold_s,pain,note\n"
            "2026-06-01,isometric bridge hold,5,,,45,2,\n"
            "2026-06-01,clamshells,3,15,,,0,\n"
            "2026-06-03,Pilates reformer,,,,,,=1+1\n")
    result = rehab.import_csv(store, write(tmp_path, text), today=TODAY)
    log = rehab.rehab_log(store)
    assert len(result.new) == 3 and len(log) == 3
    assert Path(result.raw_copy).read_text() == text  # kept unchanged
    stage = dict(zip(log["exercise"], log["stage"]))
    assert stage["isometric bridge hold"] == "isometric" and stage["clamshells"] == "isotonic"
    assert stage["Pilates reformer"] is None or str(stage["Pilates reformer"]) in ("nan", "None")
    assert log.set_index("exercise").loc["Pilates reformer", "note"] == "=1+1"  # never a formula
    assert result.as_dict()["unknown_exercises"] == ["Pilates reformer"]
    again = rehab.import_csv(store, write(tmp_path, text), today=TODAY)
    assert again.unchanged == 3 and not again.new and len(rehab.rehab_log(store)) == 3


def test_any_invalid_row_rejects_the_whole_file_with_every_line(tmp_path):
    store = st.Store(tmp_path / "data", "me")
    text = ("date,exercise,sets,pain\n"
            "2026-06-01,bridge,3,2\n"
            "2026-06-02,,3,2\n"
            "2026-06-03,bridge,three,2\n"
            "2026-06-04,bridge,3,11\n"
            "2099-01-01,bridge,3,1\n")
    with pytest.raises(RehabLogError) as e:
        rehab.import_csv(store, write(tmp_path, text), today=TODAY)
    lines = dict(e.value.problems)
    assert sorted(lines) == [3, 4, 5, 6]
    assert "exercise is missing" in lines[3]
    assert "not a whole number" in lines[4]
    assert "outside 0-10" in lines[5]
    assert "in the future" in lines[6]
    assert rehab.rehab_log(store).empty


def test_header_errors_name_the_column(tmp_path):
    store = st.Store(tmp_path / "data", "me")
    with pytest.raises(RehabLogError) as e:
        rehab.import_csv(store, write(tmp_path, "date,excercise\n2026-06-01,bridge\n"),
                         today=TODAY)
    assert "did you mean 'exercise'" in e.value.problems[0][1]


def test_cli_rehab_add_and_import(tmp_path, capsys):
    data = tmp_path / "data"
    assert cli.main(["rehab", "add", "--data-dir", str(data), "--date", "2026-06-01",
                     "--exercise", "single-leg RDL", "--sets", "3", "--reps", "8",
                     "--load-kg", "12", "--pain", "1"]) == 0
    assert cli.main(["rehab", "add", "--data-dir", str(data), "--exercise", "bridge"]) == 0
    log = rehab.rehab_log(st.Store(data, "me"))
    assert log["exercise"].tolist() == ["single-leg RDL", "bridge"]
    assert log["load_kg"].tolist()[0] == 12.0 and log["stage"].tolist()[0] == "heavy_slow"
    bad = write(tmp_path, "date,exercise\n2026-06-01,\n")
    assert cli.main(["rehab", "import", "--data-dir", str(data), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "Traceback" not in err
    assert cli.main(["rehab", "add", "--data-dir", str(data), "--exercise", "x",
                     "--pain", "12"]) == 2


def test_rehab_add_appends_to_the_raw_log_and_the_next_read_folds_it(tmp_path, capsys):
    """``rehab add`` writes only the raw log (normalised cells a rebuild reads back); the next
    read folds it into rehab_log.parquet, noting how far, and folds nothing twice."""
    import json

    data = tmp_path / "data"
    store = st.Store(data, "me")
    assert cli.main(["rehab", "add", "--data-dir", str(data), "--date", "2026-06-01",
                     "--exercise", "single-leg  RDL", "--sets", "3", "--load-kg", "12.5",
                     "--hold-s", "0.1", "--note", "=1+1"]) == 0
    assert "recorded rehab 2026-06-01 single-leg RDL" in capsys.readouterr().out
    log = store.added_log_path("rehab")
    assert log == data / "raw" / "me" / "log" / "rehab_added.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["cells"] for r in records] == [{
        "date": "2026-06-01", "exercise": "single-leg RDL", "sets": "3", "reps": "",
        "load_kg": "12.5", "hold_s": format(Decimal(0.1), "f"),
        "pain": "", "note": "=1+1"}]
    assert not store.rehab_log_path.exists()  # folded on the next read, not by the command

    frame = rehab.rehab_log(store)
    assert frame["exercise"].tolist() == ["single-leg RDL"] and frame["hold_s"].tolist() == [0.1]
    assert frame["note"].tolist() == ["=1+1"] and frame["source"].tolist() == ["cli"]
    assert st.folded_offset(store.rehab_log_path) == log.stat().st_size
    written = store.rehab_log_path.stat().st_mtime_ns
    rehab.rehab_log(store)
    assert store.rehab_log_path.stat().st_mtime_ns == written  # nothing pending: not rewritten


def test_an_invalid_rehab_add_writes_nothing(tmp_path):
    data = tmp_path / "data"
    assert cli.main(["rehab", "add", "--data-dir", str(data), "--exercise", "bridge",
                     "--sets", "300"]) == 2
    assert not st.Store(data, "me").added_log_path("rehab").exists()


def test_entries_added_then_imported_fold_in_the_order_made(tmp_path):
    """An import folds the entries added before it first: the import's row replaces the added
    one of the same exercise and day, and the import is noted (with the added log's size then)."""
    from pipeline import rawlog

    store = st.Store(tmp_path / "data", "me")
    rehab.record_entry(store, date=date(2026, 6, 1), exercise="Clamshells", sets=4, today=TODAY)
    rehab.import_csv(store, write(tmp_path, "date,exercise,sets\n2026-06-01,clamshells,2\n"),
                     today=TODAY)
    assert rehab.rehab_log(store)["sets"].tolist() == [2]
    (record,) = rawlog.recorded_imports(store, "rehab")
    assert record["added_offset"] == store.added_log_path("rehab").stat().st_size
    assert record["raw"].startswith("rehab/")


def test_rehab_add_after_an_import_replaces_its_entry(tmp_path):
    store = st.Store(tmp_path / "data", "me")
    rehab.import_csv(store, write(tmp_path, "date,exercise,sets\n2026-06-01,clamshells,2\n"),
                     today=TODAY)
    result = rehab.add_entry(store, date=date(2026, 6, 1), exercise="Clamshells", sets=4,
                             today=TODAY)
    assert len(result.replaced) == 1 and result.total == 1
    assert rehab.rehab_log(store)["sets"].tolist() == [4]


@pytest.mark.parametrize("content", [b"", b" \n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_an_empty_file_is_refused_naming_the_rehab_logs_columns(tmp_path, content):
    # a byte-order mark alone used to get the pain log's words ("at least date and pain")
    store = st.Store(tmp_path / "data", "me")
    path = tmp_path / "rehab.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match="is empty") as caught:
        rehab.import_csv(store, path, today=TODAY)
    assert "date and exercise" in str(caught.value) and "pain" not in str(caught.value)
    assert not store.raw_rehab_dir.exists()
