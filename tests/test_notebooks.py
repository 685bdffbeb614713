"""The notebooks: committed without outputs, named ``<step>-<description>.ipynb``, using only the
package's API, and each runs top to bottom against the demo athlete (and a small cohort)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import time
from pathlib import Path

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
NAME = re.compile(r"^\d+(\.\d+)*-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")
# the package modules a notebook may import: the analysts' API and its documented helpers
PUBLIC_MODULES = {"pipeline", "pipeline.plots", "pipeline.schemas", "pipeline.errors",
                  "pipeline.recommend", "pipeline.relation.tolerance", "pipeline.sql"}

nbformat = pytest.importorskip("nbformat")


def code_of(notebook: Path) -> str:
    """The notebook's code cells as one Python source (IPython magics left out)."""
    nb = nbformat.read(notebook, as_version=4)
    cells = ["\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith("%"))
             for c in nb.cells if c.cell_type == "code"]
    return "\n\n".join(cells)


def test_there_are_notebooks_named_step_description():
    assert len(NOTEBOOKS) >= 4
    for notebook in NOTEBOOKS:
        assert NAME.match(notebook.name), notebook.name


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(notebook):
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: strip them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_only_the_package_api_and_defines_nothing(notebook):
    tree = ast.parse(code_of(notebook))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline"):
            assert node.module in PUBLIC_MODULES, f"imports {node.module}"
            assert not any(a.name.startswith("_") for a in node.names)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pipeline"):
                    assert alias.name in PUBLIC_MODULES, f"imports {alias.name}"
        # functions and classes belong in the package, where they are tested and reused
        assert not isinstance(node, (ast.FunctionDef, ast.ClassDef)), f"defines {node.name}"
    assert "RUNLOAD_DATA_DIR" in code_of(notebook)


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    """The demo athlete ``me`` built by ``runload demo`` in a temp folder, plus two cohort
    athletes: the same history analysed as of the end of its flare week and four weeks later.

    ``RUNLOAD_NOTEBOOK_DATA_DIR`` names an existing demo data folder to use instead (quicker
    when iterating on a notebook)."""
    if os.environ.get("RUNLOAD_NOTEBOOK_DATA_DIR"):
        return Path(os.environ["RUNLOAD_NOTEBOOK_DATA_DIR"])
    import pandas as pd

    import pipeline
    from pipeline.cli import main

    root = tmp_path_factory.mktemp("notebooks")
    with pytest.MonkeyPatch.context() as mp:  # a busy machine starts Prefect's server slowly
        mp.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
        assert main(["demo", "--dir", str(root / "demo")]) == 0
    data = root / "demo" / "data"
    weekly = pipeline.load_athlete(data, "me").weekly
    flare_week = weekly.loc[weekly["pain_next_morning_mean_0_10"].idxmax(), "week_start"]
    for athlete, as_of in (("flare", flare_week + pd.Timedelta(days=6)),
                           ("return", flare_week + pd.Timedelta(days=34))):
        shutil.copytree(data / "processed" / "me", data / "processed" / athlete)
        assert main(["analyze", "--data-dir", str(data), "--athlete", athlete,
                     "--as-of", f"{as_of:%Y-%m-%d}"]) == 0
    return data


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom_on_the_demo(notebook, demo_data, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("RUNLOAD_DATA_DIR", str(demo_data))  # the kernel inherits it
    monkeypatch.setenv("RUNLOAD_ATHLETE", "me")
    nb = nbformat.read(notebook, as_version=4)
    started = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
    seconds = time.perf_counter() - started
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert figures, "the notebook drew no figure"
    assert seconds < 60, f"{notebook.name} took {seconds:.0f} s"
