import pytest

from pipeline import cli


def test_unknown_athlete_id_is_a_usage_error(capsys, data_dir):
    code = cli.main(["profile", "--data-dir", str(data_dir), "--athlete", "../etc"])
    assert code == 2
    assert "invalid athlete id" in capsys.readouterr().err


def test_missing_command_is_a_usage_error():
    with pytest.raises(SystemExit) as e:
        cli.main([])
    assert e.value.code == 2


def test_profile_sets_and_shows_timezone(capsys, data_dir):
    assert cli.main(["profile", "--data-dir", str(data_dir), "--timezone", "America/Denver"]) == 0
    assert "America/Denver" in capsys.readouterr().out
    assert cli.main(["profile", "--data-dir", str(data_dir), "--timezone", "Mars/Base"]) == 2


def test_an_as_of_date_in_the_future_is_a_usage_error(capsys, data_dir):
    from datetime import date, timedelta

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(SystemExit) as e:
        cli.main(["analyze", "--data-dir", str(data_dir), "--as-of", tomorrow])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "in the future" in err and tomorrow in err and "Traceback" not in err
