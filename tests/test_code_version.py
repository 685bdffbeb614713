import shutil
from pathlib import Path

import pipeline
from pipeline.code_version import code_version, module_files


def _package(root: Path) -> Path:
    """pkg: run imports parse.fit inside a function; fit imports schemas; __init__ imports heavy
    lazily (inside a function) and nothing imports other."""
    pkg = root / "pkg"
    (pkg / "parse").mkdir(parents=True)
    files = {
        "__init__.py": "def __getattr__(name):\n    from pkg import heavy\n    return heavy\n",
        "run.py": "def go():\n    from pkg.parse.fit import read\n    return read()\n",
        "parse/__init__.py": "",
        "parse/fit.py": "from pkg.schemas import COLUMNS\n\ndef read():\n    return COLUMNS\n",
        "schemas.py": "COLUMNS = ['a']\n",
        "heavy.py": "X = 1\n",
        "other.py": "Y = 2\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    return pkg


def test_every_module_a_module_imports_is_found_recursively_and_nothing_else(tmp_path):
    pkg = _package(tmp_path)
    assert sorted(module_files("pkg.run", package_dir=pkg)) == [
        "pkg", "pkg.parse", "pkg.parse.fit", "pkg.run", "pkg.schemas"]


def test_a_change_anywhere_the_code_reaches_changes_the_version(tmp_path):
    pkg = _package(tmp_path)
    before = code_version("pkg.run", package_dir=pkg)
    for name in ("parse/fit.py", "schemas.py", "parse/__init__.py"):
        path = pkg / name
        original = path.read_text()
        path.write_text(original + "# changed\n")
        assert code_version("pkg.run", package_dir=pkg) != before, name
        path.write_text(original)
    assert code_version("pkg.run", package_dir=pkg) == before
    (pkg / "other.py").write_text("Y = 3\n")  # not reached: no new key
    (pkg / "heavy.py").write_text("X = 3\n")  # only imported lazily by the package's __init__
    assert code_version("pkg.run", package_dir=pkg) == before


def test_the_parse_cache_key_covers_every_parser_and_the_rules_samples_are_checked_by(tmp_path):
    source = Path(pipeline.__file__).parent
    files = module_files("pipeline.ingest.parse_file", package_dir=source)
    parse_dir = source / "ingest" / "parse"
    assert {p for p in parse_dir.glob("*.py")} <= set(files.values())
    # the samples rules (a file whose samples break them is quarantined) and their writer
    assert {source / "table_rules.py", source / "parquet_files.py"} <= set(files.values())

    copy = tmp_path / "pipeline"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_version("pipeline.ingest.parse_file", package_dir=copy)
    with open(copy / "ingest" / "parse" / "gpx.py", "a") as f:
        f.write("\n# a parser fix\n")
    assert code_version("pipeline.ingest.parse_file", package_dir=copy) != before
