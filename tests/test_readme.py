"""Every command of the CLI is documented in the README and shows an example in its help."""

import argparse
from pathlib import Path

from pipeline import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _commands(parser: argparse.ArgumentParser, prefix: str = "runload") -> list[tuple[str, object]]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                inner = _commands(sub, f"{prefix} {name}")
                out += inner or [(f"{prefix} {name}", sub)]
    return out


def test_every_command_is_in_the_readme_with_an_example_in_its_help():
    commands = _commands(cli.build_parser())
    assert {name for name, _ in commands} >= {
        "runload ingest", "runload pain add", "runload pain import", "runload analyze",
        "runload report", "runload run", "runload demo"}
    for name, sub in commands:
        assert f"`{name}" in README, f"{name} is not documented in README.md"
        assert sub.epilog and sub.epilog.startswith(f"example: {name}"), name


def test_the_quick_start_has_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split()[0:2] for line in block.strip().splitlines()] == [["make", "demo"],
                                                                          ["make", "test"]]


def test_your_own_data_in_four_commands_that_parse():
    section = README.split("## Your own data in four commands", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```bash")[1:]]
    assert [line.split()[:2] for line in blocks[0].strip().splitlines()] == [["make", "install"]]
    commands = [line.split("#")[0].split() for line in blocks[1].strip().splitlines()]
    assert [c[1] for c in commands] == ["ingest", "pain", "analyze", "report"]
    for command in commands:  # each is a valid command line as written
        cli.build_parser().parse_args(command[1:])


def test_the_readme_stays_short_and_links_the_detail():
    assert len(README.encode()) < 10_000
    docs = Path(__file__).resolve().parents[1] / "docs"
    for name in ("usage.md", "analysis.md", "robustness.md", "performance.md"):
        assert f"(docs/{name})" in README and (docs / name).exists(), name
    assert "(docs/img/report.png)" in README and (docs / "img" / "report.png").exists()


def test_make_install_links_runload_into_a_bin_folder(tmp_path):
    import shutil
    import subprocess

    if not shutil.which("make"):
        import pytest
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "Makefile", tmp_path)
    shutil.copy(root / "pyproject.toml", tmp_path)
    fake = tmp_path / ".venv" / "bin" / "runload"  # newer than pyproject.toml: no setup runs
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho runload\n")
    fake.chmod(0o755)
    out = subprocess.run(["make", "install", f"INSTALL_DIR={tmp_path / 'bin'}"], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    link = tmp_path / "bin" / "runload"
    assert link.is_symlink() and link.resolve() == fake.resolve()
    assert "PATH" in out or "ready" in out
