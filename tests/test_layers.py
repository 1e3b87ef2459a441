"""Layers run one way: rlspec.spec (data) <- rlspec.reference (math) <- rlspec.oracle (instances,
precision, bounds, vectors) <- rlspec.conformance_tests (suite, grader) <- rlspec.cli.

Every import statement of every module is read with `ast` (imports inside functions and under
TYPE_CHECKING included), resolved to the package it names, and checked against the layers below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {  # repository folder -> subpackage of rlspec
    "spec": "spec",
    "reference": "reference",
    "oracle": "oracle",
    "conformance_tests": "conformance_tests",
}
FORBIDDEN = {  # a layer may not import these (the layers above it)
    "spec": {"reference", "oracle", "conformance_tests", "cli"},
    "reference": {"oracle", "conformance_tests", "cli"},
    "oracle": {"conformance_tests", "cli"},
    "conformance_tests": {"cli"},
}
TEST_ONLY = ("mutants",)  # conformance_tests/mutants is test material, not part of the package


def module_name(path: Path, root: Path = ROOT) -> str:
    """conformance_tests/grading/grade.py -> rlspec.conformance_tests.grading.grade"""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["rlspec", *parts])


def imported(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def layer_of(name: str) -> str | None:
    """The rlspec layer a dotted name belongs to (None outside rlspec, "" for rlspec itself)."""
    parts = name.split(".")
    if parts[0] in FOLDERS and parts[0] != "rlspec":
        return parts[0]  # a bare top-level import such as `import oracle` (never allowed)
    if parts[0] != "rlspec":
        return None
    if len(parts) == 1 or parts[1] in ("vectors", "__version__"):
        return ""  # the package itself and its data: below every layer
    # rlspec.cli and its helpers (rlspec.teach, rlspec.pieces, ...) are the top layer
    return parts[1] if parts[1] in FOLDERS else "cli"


def violations(folder: str, root: Path = ROOT) -> list[str]:
    bad = []
    for path in sorted((root / folder).rglob("*.py")):
        if any(part in TEST_ONLY for part in path.relative_to(root).parts):
            continue
        for line, name in imported(path, root):
            layer = layer_of(name)
            top = name.split(".")[0]
            if top in FOLDERS:
                bad.append(f"{path.relative_to(root)}:{line} imports {name} (use rlspec.{name})")
            elif layer in FORBIDDEN[folder]:
                bad.append(f"{path.relative_to(root)}:{line} imports {name} ({layer} is above {folder})")
    return bad


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_layer_imports_a_layer_above_it(folder: str) -> None:
    assert violations(folder) == []


def test_the_checker_sees_upward_imports_inside_functions_and_relative(tmp_path: Path) -> None:
    (tmp_path / "oracle" / "sub").mkdir(parents=True)
    (tmp_path / "oracle" / "sub" / "probe.py").write_text(
        "import numpy\n"
        "from rlspec.oracle import instance\n"
        "def f():\n"
        "    from rlspec.conformance_tests import sources\n"
        "    from ...conformance_tests import worker\n"
        "    import oracle.instance\n"
        "    from rlspec import teach\n"
    )
    assert violations("oracle", tmp_path) == [
        "oracle/sub/probe.py:4 imports rlspec.conformance_tests.sources (conformance_tests is above oracle)",
        "oracle/sub/probe.py:5 imports rlspec.conformance_tests.worker (conformance_tests is above oracle)",
        "oracle/sub/probe.py:6 imports oracle.instance (use rlspec.oracle.instance)",
        "oracle/sub/probe.py:7 imports rlspec.teach (cli is above oracle)",
    ]
