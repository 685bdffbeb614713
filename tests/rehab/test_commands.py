from datetime import date
from pathlib import Path

import pytest

from pipeline import cli, rehab
from pipeline import store as st
from pipeline.errors import RehabLogError

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
