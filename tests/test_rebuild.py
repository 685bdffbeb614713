"""``runload rebuild``: everything under data/processed/ comes back from data/raw/ alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli, rawlog
from pipeline import store as st
from tests.factories import zip_bytes
from tests.robustness.conftest import fit_run

AS_OF = "2026-03-12"


class History:
    """An athlete's store built through the command line, as a user would."""

    def __init__(self, root: Path, capsys):
        self.root, self.capsys = root, capsys
        self.data = root / "data"
        self.inputs = root / "in"
        self.store = st.Store(self.data, "me")

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = cli.main([*args, "--data-dir", str(self.data)])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err and "internal error" not in err, err
        return code, out, err

    def write(self, name: str, data: bytes | str) -> Path:
        path = self.inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def snapshot(self) -> dict:
        s = self.store
        return {
            "activities": st.read_activities(s).sort_values("activity_id").reset_index(drop=True),
            "sources": st.read_sources(s).drop(columns=["ingested_at_utc"])
                         .sort_values(["source_file", "sha256"]).reset_index(drop=True),
            "pain_log": st.read_pain_log(s),
            "rehab_log": st.read_rehab_log(s),
            "profile": st.read_profile(s),
            "daily": st.read_daily(s),
            "recommendation": st.read_recommendation(s),
            "samples": {p.name: p.read_bytes() for p in s.samples_dir.iterdir()},
        }


def assert_same(before: dict, after: dict) -> None:
    for name, value in before.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(after[name], value, obj=name)
        else:
            assert after[name] == value, name


@pytest.fixture
def history(tmp_path, capsys, monkeypatch) -> History:
    """Profile set, a folder and a zip ingested (a twin by bytes, an unreadable file), pain and
    rehab imported and added in turns (each replacing an earlier entry), the profile changed, one
    more run, then analysed."""
    monkeypatch.chdir(tmp_path)
    h = History(tmp_path, capsys)
    assert h.run("profile", "--timezone", "Europe/Berlin")[0] == 0
    for i in range(3):
        h.write(f"watch/run{i}.fit", fit_run(f"2026-03-0{i + 2}T07:00:00Z"))
    h.write("watch/broken.fit", b"not a FIT file")
    h.write("export.zip", zip_bytes({"a/run9.fit": fit_run("2026-03-09T07:00:00Z"),
                                     "a/copy.fit": fit_run("2026-03-02T07:00:00Z")}))
    assert h.run("ingest", str(h.inputs / "watch"), str(h.inputs / "export.zip"))[0] == 1
    h.write("p1.csv", "date,pain,context\n2026-03-02,2,next_morning\n2026-03-03,1,\n")
    assert h.run("pain", "import", str(h.inputs / "p1.csv"))[0] == 0
    assert h.run("pain", "add", "--date", "2026-03-02", "--pain", "4", "--context",
                 "next_morning", "--note", "=1+1")[0] == 0
    assert h.run("pain", "add", "--date", "2026-03-04", "--pain", "0")[0] == 0
    h.write("p2.csv", "date,pain\n2026-03-04,3\n")
    assert h.run("pain", "import", str(h.inputs / "p2.csv"))[0] == 0
    assert h.run("pain", "add", "--date", "2026-03-05", "--pain", "1", "--weakness")[0] == 0
    h.write("r1.csv", "date,exercise,sets,reps\n2026-03-02,clamshells,3,15\n"
                      "2026-03-03,isometric bridge hold,5,\n")
    assert h.run("rehab", "import", str(h.inputs / "r1.csv"))[0] == 0
    assert h.run("rehab", "add", "--date", "2026-03-02", "--exercise", "Clamshells", "--sets",
                 "4", "--reps", "12", "--note", "=1+1")[0] == 0
    assert h.run("rehab", "add", "--date", "2026-03-04", "--exercise", "single-leg RDL",
                 "--sets", "3", "--load-kg", "12.5", "--pain", "1.5")[0] == 0
    h.write("r2.csv", "date,exercise,sets\n2026-03-04,Single-leg  rdl,2\n")
    assert h.run("rehab", "import", str(h.inputs / "r2.csv"))[0] == 0
    assert h.run("rehab", "add", "--date", "2026-03-05", "--exercise", "foam roll", "--hold-s",
                 "0.1")[0] == 0
    assert h.run("profile", "--hr-max", "190")[0] == 0
    h.write("late.fit", fit_run("2026-03-10T07:00:00Z"))
    assert h.run("ingest", str(h.inputs / "late.fit"))[0] == 0
    assert h.run("analyze", "--as-of", AS_OF)[0] == 0
    return h


def test_deleting_everything_processed_and_rebuilding_gives_the_same_store(history):
    before = history.snapshot()
    log = before["pain_log"].set_index("date")
    # the store holds what the test means to compare: the CLI entry replaced the import's, the
    # second import replaced a CLI entry, the twin's names were kept
    assert log.loc["2026-03-02", "pain_0_10"] == 4 and log.loc["2026-03-04", "pain_0_10"] == 3
    assert (before["pain_log"]["source"] == "cli").sum() == 2
    assert len(before["activities"]) == 5 and before["profile"]["hr_max_bpm"] == 190
    # the same for the rehab log: a CLI entry replaced an import's (same exercise and day, any
    # case), the second import replaced a CLI entry; a decimal cell keeps its exact value
    rehab = before["rehab_log"].set_index("date")
    assert rehab.loc["2026-03-02", "sets"] == 4 and rehab.loc["2026-03-02", "note"] == "=1+1"
    assert rehab.loc["2026-03-04", "sets"] == 2 and pd.isna(rehab.loc["2026-03-04", "load_kg"])
    assert rehab.loc["2026-03-05", "hold_s"] == 0.1
    assert before["rehab_log"]["source"].tolist().count("cli") == 2
    assert any(len(s) == 2 for s in before["activities"]["source_files"])

    shutil.rmtree(history.data / "processed")
    code, out, _ = history.run("rebuild", "--as-of", AS_OF)
    assert code == 0, out
    assert "5 activities" in out and "5 pain entries" not in out and "4 pain entries" in out
    assert "4 rehab entries" in out
    assert_same(before, history.snapshot())
    assert not (history.store.processed_dir / ".before-rebuild").exists()


def test_deleted_samples_files_are_restored_by_a_rebuild(history):
    before = history.snapshot()
    shutil.rmtree(history.store.samples_dir)
    assert history.run("rebuild", "--as-of", AS_OF)[0] == 0
    assert_same(before, history.snapshot())


def test_a_rebuild_twice_changes_nothing_and_adds_nothing_to_the_raw_logs(history):
    logs = {p: p.read_bytes() for p in history.store.raw_log_dir.iterdir()}
    assert history.run("rebuild", "--as-of", AS_OF)[0] == 0
    once = history.snapshot()
    assert history.run("rebuild", "--as-of", AS_OF)[0] == 0
    assert_same(once, history.snapshot())
    assert {p: p.read_bytes() for p in history.store.raw_log_dir.iterdir()} == logs


def test_a_store_from_before_the_raw_logs_keeps_names_cli_entries_and_profile(history):
    """Stores written before the logs existed: the processed files still readable seed them."""
    before = history.snapshot()
    shutil.rmtree(history.store.raw_log_dir)
    assert history.run("rebuild", "--as-of", AS_OF)[0] == 0
    after = history.snapshot()
    for name in ("activities", "pain_log", "rehab_log", "profile", "samples"):
        assert_same({name: before[name]}, after)
    # and now the logs hold it: deleting processed/ no longer loses anything
    shutil.rmtree(history.data / "processed")
    assert history.run("rebuild", "--as-of", AS_OF)[0] == 0
    for name in ("activities", "pain_log", "rehab_log", "profile"):
        assert_same({name: before[name]}, history.snapshot())


def test_a_missing_raw_copy_is_named_and_the_rest_rebuilt(history):
    record = next(r for r in rawlog.recorded_imports(history.store, "activity")
                  if r["source"].endswith("late.fit"))
    (history.store.raw_dir / record["raw"]).unlink()
    code, out, _ = history.run("rebuild", "--as-of", AS_OF)
    assert code == 1
    assert "late.fit: left out (its raw copy" in out
    assert len(st.read_activities(history.store)) == 4


def test_nothing_to_rebuild_is_a_clear_error(tmp_path, capsys):
    code = cli.main(["rebuild", "--data-dir", str(tmp_path / "data"), "--athlete", "nobody"])
    err = capsys.readouterr().err
    assert code == 1 and "nothing to rebuild for athlete 'nobody'" in err


def test_import_and_profile_logs_are_json_lines_in_order(history):
    imports = rawlog.recorded_imports(history.store, "activity")
    assert [Path(r["source"]).name for r in imports] == [
        "broken.fit", "run0.fit", "run1.fit", "run2.fit", "export.zip", "late.fit"]
    # where each raw copy is (the unreadable one is in quarantine/, where a rebuild looks next)
    assert [(history.store.raw_dir / r["raw"]).is_file() for r in imports] == [False] + [True] * 5
    # the late run was imported after both profile changes: it saw the whole profile
    assert imports[-1]["profile_offset"] == history.store.profile_log_path.stat().st_size
    assert imports[0]["profile_offset"] < imports[-1]["profile_offset"]
    lines = history.store.profile_log_path.read_text().splitlines()
    assert [json.loads(line)["set"] for line in lines] == [{"timezone": "Europe/Berlin"},
                                                          {"hr_max_bpm": 190.0}]


def test_an_import_that_changes_nothing_is_not_noted_again(history):
    """`runload run` imports the inbox's CSVs on every run: the log grows only with changes."""
    for log, name in (("pain", "p2.csv"), ("rehab", "r2.csv")):
        before = rawlog.recorded_imports(history.store, log)
        assert len(before) == 2
        assert history.run(log, "import", str(history.inputs / name))[0] == 0
        assert rawlog.recorded_imports(history.store, log) == before


def test_a_rebuild_stopped_half_way_is_finished_by_running_it_again(history, monkeypatch):
    """Even for a store from before the logs: what only the old ledger and pain log knew (the
    names given) is in the raw logs before anything is moved aside."""
    from pipeline import rebuild as rebuild_module

    before = history.snapshot()
    shutil.rmtree(history.store.raw_log_dir)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rebuild_module, "ingest_paths", killed)
    assert history.run("rebuild", "--as-of", AS_OF)[0] == 130
    assert not history.store.activities_path.exists()  # moved aside, nothing rebuilt yet
    monkeypatch.undo()
    shutil.rmtree(history.store.processed_dir / ".before-rebuild")  # even that gone
    assert history.run("rebuild", "--as-of", AS_OF)[0] == 0
    for name in ("activities", "pain_log", "rehab_log", "profile", "samples"):
        assert_same({name: before[name]}, history.snapshot())


def test_quarantined_inputs_come_back_as_quarantined(tmp_path, capsys, monkeypatch):
    """A plain file and a .gz nothing could read (the .gz kept under its content's hash)."""
    import gzip

    monkeypatch.chdir(tmp_path)
    h = History(tmp_path, capsys)
    good = h.write("good.fit", fit_run("2026-03-02T07:00:00Z"))
    bad = h.write("bad.fit", b"not a FIT file")
    bad_gz = h.write("bad.fit.gz", gzip.compress(b"not a FIT file either"))
    assert h.run("ingest", str(good), str(bad), str(bad_gz))[0] == 1
    ledger = st.read_sources(h.store).set_index("source_file")["status"].to_dict()
    shutil.rmtree(h.data / "processed")
    code, out, _ = h.run("rebuild")
    assert code == 0, out
    assert st.read_sources(h.store).set_index("source_file")["status"].to_dict() == ledger
    assert ledger[str(bad_gz)] == "quarantined" and len(st.read_activities(h.store)) == 1
