from datetime import date

import pytest

from pipeline import cli
from pipeline import store as st
from pipeline.painlog import local_today, pain_log


def test_unknown_athlete_id_is_a_usage_error(capsys, data_dir):
    code = cli.main(["profile", "--data-dir", str(data_dir), "--athlete", "../etc"])
    assert code == 2
    assert "invalid athlete id" in capsys.readouterr().err


def test_missing_command_prints_the_help(capsys):
    # issue 19: a bare `runload` shows what it can do (still exit 2: no command was given)
    assert cli.main([]) == 2
    out, err = capsys.readouterr()
    assert "usage: runload" in out and "ingest" in out and "report" in out
    assert "error" not in out + err
    assert cli.main(["pain"]) == 2
    assert "{add,import}" in capsys.readouterr().out


@pytest.mark.parametrize("typo, meant", [("ingset", "ingest"), ("analyse", "analyze"),
                                         ("reprot", "report")])
def test_a_mistyped_command_gets_a_did_you_mean(capsys, typo, meant):
    with pytest.raises(SystemExit) as e:
        cli.main([typo])
    assert e.value.code == 2
    assert f"did you mean '{meant}'?" in capsys.readouterr().err


def test_no_did_you_mean_when_nothing_is_close(capsys):
    with pytest.raises(SystemExit):
        cli.main(["xyzzy"])
    assert "did you mean" not in capsys.readouterr().err


def test_profile_sets_and_shows_timezone(capsys, data_dir):
    assert cli.main(["profile", "--data-dir", str(data_dir), "--timezone", "America/Denver"]) == 0
    assert "America/Denver" in capsys.readouterr().out
    assert cli.main(["profile", "--data-dir", str(data_dir), "--timezone", "Mars/Base"]) == 2


def test_the_console_script_validates_without_loading_hypothesis(tmp_path):
    """``runload`` (cli.entry) validates as ``main`` does, without the data-synthesis imports
    pandera makes when hypothesis is installed (issue 20); an import loads no pandera at all."""
    import json
    import subprocess
    import sys

    from pipeline.demo.fit_file import fit_activity_bytes
    from tests.factories import run_samples

    fit = tmp_path / "run.fit"
    fit.write_bytes(fit_activity_bytes(run_samples("2026-01-10T07:00:00Z", minutes=5),
                                       sport="running"))
    log = tmp_path / "pain.csv"
    log.write_text("date,context,pain\n2026-01-10,next_morning,2\n")
    data = str(tmp_path / "data")
    code = ("import sys; from pipeline.cli import entry\n"
            f"sys.argv = ['runload', 'ingest', {str(fit)!r}, '--data-dir', {data!r}, '--json']\n"
            "status = entry()\n"
            "print(status, 'pandera' in sys.modules)\n"
            f"sys.argv = ['runload', 'pain', 'import', {str(log)!r}, '--data-dir', {data!r}]\n"
            "status = entry()\n"
            "loaded = [m for m in sys.modules if m.startswith('hypothesis.')]\n"
            "print(status, not loaded, 'pandera.backends.pandas.builtin_checks' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    summary, rest = out.split("}\n", 1)
    lines = rest.splitlines()
    assert json.loads(summary + "}")["new"] and lines[0].split() == ["0", "False"]
    # the pain log was validated (pandera's checks loaded) and no hypothesis module was
    assert lines[-1].split() == ["0", "True", "True"]


def test_pain_add_defaults_to_today_and_accepts_dates_without_leading_zeros(capsys, data_dir):
    base = ["pain", "add", "--data-dir", str(data_dir), "--pain"]
    assert cli.main([*base, "2"]) == 0
    assert cli.main([*base, "4", "--date", "2021-6-4"]) == 0
    dates = sorted(pain_log(st.Store(data_dir, "me"))["date"].dt.date)
    assert dates == [date(2021, 6, 4), local_today(st.Store(data_dir, "me"))]
    with pytest.raises(SystemExit) as e:
        cli.main([*base, "4", "--date", "14/06/2021"])
    assert e.value.code == 2
    assert "use YYYY-MM-DD" in capsys.readouterr().err


def test_help_texts_say_the_real_defaults():
    parser = cli.build_parser()
    commands = {a.dest: a for a in parser._actions if a.dest == "command"}["command"].choices
    report = {a.dest: a.help for a in commands["report"]._actions}
    assert "runload analyze" in report["as_of"] and "today" not in report["as_of"]
    serve = {a.dest: a.help for a in commands["serve"]._actions}
    assert serve["interval_minutes"] and "60" in serve["interval_minutes"]


def test_a_missing_path_is_a_usage_error_and_nothing_is_recorded(capsys, data_dir, tmp_path):
    code = cli.main(["ingest", "--data-dir", str(data_dir), str(tmp_path / "no" / "such.fit"),
                     str(tmp_path / "gone.zip")])
    assert code == 2
    err = capsys.readouterr().err
    assert "such.fit" in err and "gone.zip" in err and "nothing was imported" in err
    assert list(data_dir.iterdir()) == []  # no ledger, no quarantine, no athlete folder


def test_an_as_of_date_in_the_future_is_a_usage_error(capsys, data_dir):
    from datetime import date, timedelta

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(SystemExit) as e:
        cli.main(["analyze", "--data-dir", str(data_dir), "--as-of", tomorrow])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "in the future" in err and tomorrow in err and "Traceback" not in err
