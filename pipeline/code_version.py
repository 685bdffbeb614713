"""A hash of the source of a module and every ``pipeline`` module it imports, recursively: the
key that invalidates cached results when any code that shaped them changes."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from pathlib import Path


def imported_modules(tree: ast.Module, *, package: str, anywhere: bool = True) -> set[str]:
    """Names of the modules of ``package`` that a module's syntax tree imports, with
    ``from package.x import y`` giving both ``x`` and ``x.y`` (one of them is a module).
    ``anywhere``: also imports inside functions (else only the module's own statements)."""
    names: set[str] = set()
    for node in (ast.walk(tree) if anywhere else tree.body):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n == package or n.startswith(package + ".")}


def module_file(name: str, *, package_dir: Path) -> Path | None:
    """The source file of module ``name`` under ``package_dir`` (the top-level package's
    folder), or None when ``name`` is not a module (e.g. a class imported by name)."""
    parts = name.split(".")[1:]
    for path in (package_dir.joinpath(*parts).with_suffix(".py") if parts else None,
                 package_dir.joinpath(*parts, "__init__.py")):
        if path is not None and path.is_file():
            return path
    return None


def module_files(root: str, *, package_dir: Path | None = None) -> dict[str, Path]:
    """Every module ``root`` depends on within its top-level package, by name -> source file
    (``root`` included, and the ``__init__`` of each package on the way). Read from the source,
    nothing is imported; ``package_dir`` defaults to where the package is installed."""
    package = root.split(".")[0]
    if package_dir is None:
        package_dir = Path(importlib.util.find_spec(package).origin).parent
    files: dict[str, Path] = {}
    todo = [(root, True)]
    while todo:
        name, anywhere = todo.pop()
        if name in files:
            continue
        path = module_file(name, package_dir=package_dir)
        if path is None:
            continue
        files[name] = path
        # a parent package's __init__ runs on import, but its functions (lazy imports) do not
        todo += [(name.rsplit(".", i)[0], False) for i in range(1, name.count(".") + 1)]
        todo += [(m, True) for m in imported_modules(ast.parse(path.read_bytes()),
                                                     package=package, anywhere=anywhere)]
    return files


def code_version(root: str, *, package_dir: Path | None = None) -> str:
    """16 hex digits over the names and bytes of ``module_files(root)``."""
    h = hashlib.sha256()
    for name, path in sorted(module_files(root, package_dir=package_dir).items()):
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]
