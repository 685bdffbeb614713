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
