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
