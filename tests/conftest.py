"""Shared fixtures: the real-file corpus (skipped when absent) and a fresh data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

CORPUS = Path(
    os.environ.get("RUNLOAD_CORPUS", Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """``../shared/corpus`` (real files from public test suites); the test skips without it."""
    if not (CORPUS / "MANIFEST.csv").exists():
        pytest.skip("../shared/corpus is not present (a fresh clone has none)")
    return CORPUS


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """An empty ``data/`` folder for one test."""
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/``: screenshots and page images kept after the run."""
    d = Path(__file__).resolve().parents[1] / "test-artifacts"
    d.mkdir(exist_ok=True)
    return d
