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


def test_the_console_script_validates_without_loading_hypothesis(tmp_path):
    """``runload`` (cli.entry) ingests and validates as ``main`` does, without the
    data-synthesis imports pandera makes when hypothesis is installed (issue 20)."""
    import json
    import subprocess
    import sys

    from pipeline.demo.fit_file import fit_activity_bytes
    from tests.factories import run_samples

    fit = tmp_path / "run.fit"
    fit.write_bytes(fit_activity_bytes(run_samples("2026-01-10T07:00:00Z", minutes=5),
                                       sport="running"))
    code = ("import sys; from pipeline.cli import entry\n"
            f"sys.argv = ['runload', 'ingest', {str(fit)!r}, '--data-dir', "
            f"{str(tmp_path / 'data')!r}, '--json']\n"
            "status = entry()\n"
            "loaded = [m for m in sys.modules if m.startswith('hypothesis.')]\n"
            "print(status, not loaded, 'pandera.backends.pandas.builtin_checks' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    summary, last = out.rsplit("}", 1)
    # a validation ran (pandera's checks are loaded) and loaded no hypothesis module
    assert json.loads(summary + "}")["new"] and last.split() == ["0", "True", "True"]
