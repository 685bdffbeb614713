"""Shared pieces of the robustness tests: generated inputs, a sandbox that runs ``runload`` through
``pipeline.cli.main`` and checks that nothing was written outside its data folder."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli
from pipeline import store as st
from pipeline.demo.fit_encode import activity_fit_bytes
from tests.factories import run_samples


def fit_run(start_utc: str, *, minutes: float = 2, **samples_options) -> bytes:
    """A small valid FIT run (1 Hz records, session, activity) starting at ``start_utc``."""
    return activity_fit_bytes(run_samples(start_utc, minutes=minutes, **samples_options),
                              sport="running", utc_offset_min=60)


def listing(root: Path, *, skip: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` except ``skip`` (and below it): its size and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d != skip]
        for name in dirnames + filenames:
            p = here / name
            info = p.lstat()
            out[str(p.relative_to(root))] = (info.st_size if p.is_file() else 0, info.st_mtime_ns)
    return out


class Sandbox:
    """A test folder: ``inputs/`` for what the user gives, ``data/`` for the store.

    Every ``run`` checks that the command left everything outside ``data/`` as it was (the
    inputs unchanged, no file escaping through an archive or link), and that no traceback
    reached the user. The working directory is the sandbox, so relative writes would show.
    """

    def __init__(self, root: Path, capsys):
        self.root = root
        self.data = root / "data"
        self.inputs = root / "inputs"
        self.inputs.mkdir()
        self.capsys = capsys
        self.store = st.Store(self.data, "me")

    def write(self, name: str, data: bytes) -> Path:
        path = self.inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def run(self, *args: str) -> tuple[int, str, str]:
        """``runload ARGS --data-dir data`` -> (exit code, stdout, stderr)."""
        before = listing(self.root, skip=self.data)
        parent_before = sorted(p.name for p in self.root.parent.iterdir())
        self.capsys.readouterr()
        try:
            code = cli.main([*args, "--data-dir", str(self.data)])
        except SystemExit as e:  # argparse's own usage errors (exit 2)
            code = e.code
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err and "Traceback" not in out
        assert listing(self.root, skip=self.data) == before, "written outside the data folder"
        assert sorted(p.name for p in self.root.parent.iterdir()) == parent_before
        return code, out, err

    def ingest(self, *paths: Path | str) -> tuple[int, dict, str]:
        """``runload ingest --json PATHS`` -> (exit code, the JSON summary, stderr)."""
        code, out, err = self.run("ingest", "--json", *map(str, paths))
        return code, json.loads(out), err

    def activities(self) -> pd.DataFrame:
        return st.read_activities(self.store)

    def ledger(self) -> pd.DataFrame:
        return st.read_sources(self.store)


def reasons(summary: dict, key: str) -> dict[str, str]:
    """{source: reason} of one list of an ingest summary (``refused``, ``quarantined``, ...)."""
    return {item["source"]: item["reason"] for item in summary[key]}


def refused_rows(sandbox: Sandbox, log: str, bad_rows: list[tuple[str, str | None]]) -> None:
    """Import ``bad_rows`` (a header, then rows each with the reason it must get) through
    ``runload <log> import``: refused, every row named at its line with its reason."""
    csv = sandbox.write(f"{log}.csv", "\n".join(row for row, _ in bad_rows).encode() + b"\n")
    code, out, err = sandbox.run(log, "import", str(csv))
    assert code == 1 and "Traceback" not in err
    assert err.startswith(f"runload: {csv}: {len(bad_rows) - 1} invalid row(s), nothing was merged")
    reported = dict(re.findall(r"^  line (\d+): (.*)$", err, flags=re.M))
    for line, (_, reason) in enumerate(bad_rows[1:], start=2):
        assert reason in reported[str(line)], (line, reported.get(str(line)))


def formula_cells(csv_text: str) -> list[str]:
    """The cells of a CSV a spreadsheet would read as a formula (a signed number is a value)."""
    cells = [c for line in csv_text.splitlines() for c in line.split(",")]
    number = re.compile(r"[+-]?[0-9.]+")
    return [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")
            and not number.fullmatch(c)]


@pytest.fixture
def sandbox(tmp_path, capsys, monkeypatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)
    for variable in cli.LIMIT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return Sandbox(tmp_path, capsys)


@pytest.fixture
def good_fit(sandbox) -> Path:
    """A valid run beside each bad input: it must be ingested whatever the bad one does."""
    return sandbox.write("good.fit", fit_run("2026-03-02T07:00:00Z"))
