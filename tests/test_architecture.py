"""The layout docs/architecture.md describes is the real one, and data flows one way."""

import ast
import re
from pathlib import Path

import pytest

from pipeline.code_version import imported_modules
from pipeline.layers import STAGES, stage_of

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("pipeline", *path.relative_to(PACKAGE).with_suffix("").parts)
        out[".".join(parts).removesuffix(".__init__")] = path
    return out


def _imports(path: Path) -> set[str]:
    return imported_modules(ast.parse(path.read_bytes()), package="pipeline")


def test_every_module_has_a_stage():
    unplaced = [m for m in _modules() if m != "pipeline" and stage_of(m) is None]
    assert unplaced == [], "place these in pipeline/layers.py STAGES"


@pytest.mark.parametrize("module", [m for m in _modules() if m != "pipeline"])
def test_no_module_imports_from_a_later_stage(module):
    path = _modules()[module]
    mine = stage_of(module)
    if mine is None:
        pytest.skip("unplaced: test_every_module_has_a_stage fails for it")
    upward = sorted(f"{name} ({STAGES[stage_of(name)][0]})" for name in _imports(path)
                    if stage_of(name) is not None and stage_of(name) > mine)
    assert upward == [], f"{module} ({STAGES[mine][0]}) imports from a later stage"


def test_the_package_root_imports_the_api_only_lazily():
    tree = ast.parse((PACKAGE / "__init__.py").read_bytes())
    assert imported_modules(tree, package="pipeline", anywhere=False) == set()


def test_nothing_under_parse_imports_the_store():
    for path in (PACKAGE / "ingest" / "parse").glob("*.py"):
        assert not any(m == "pipeline.store" or m.startswith("pipeline.store.")
                       for m in _imports(path)), path.name


def test_stage_of_detects_an_upward_import():
    assert stage_of("pipeline.ingest.parse.fit") < stage_of("pipeline.store")
    assert stage_of("pipeline.ingest.run") > stage_of("pipeline.store")
    assert stage_of("pipeline.relation.tolerance") < stage_of("pipeline.recommend")
    assert stage_of("pipeline.nowhere") is None


def test_architecture_doc_names_only_what_exists():
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`(pipeline/[\w/]*\w(?:\.py)?/?)`", text))
    assert len(named) >= 15
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == []


def test_architecture_doc_lists_every_stage_in_order():
    text = (ROOT / "docs" / "architecture.md").read_text()
    positions = [text.find(f"**{name}**") for name, _ in STAGES]
    assert -1 not in positions and positions == sorted(positions)
