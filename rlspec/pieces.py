"""Where the pieces of one formula live, found by one rule (CONTRIBUTING.md, "adding a formula").

For the formula `prefix.name` registered in section `S` (spec/sections/S.py):

    registry      spec/sections/S.py               the entry, with the literal id "prefix.name"
    reference     reference/S.py                   def name (or def prefix_name, the adapter name)
    certificate   oracle/certificates/S.py         the same function name (bound == "certified")
    example       conformance_tests/examples/np_S.py   def prefix_name (the adapter name)
    mutants       conformance_tests/mutants/*.py   KILLS = (..., "prefix.name", ...)
    vectors       vectors/v2/prefix.name/          case-<k>.json
    lecture       S's lecture map rows naming "prefix.name", or a section/entry beyond the lecture
    tests         tests/reference/test_S.py naming the reference function (or any test naming the id)

So the id's name part is in every piece's name: `git grep clip_objective_batch` finds them all.
`rlspec show ID` prints them; tests/test_pieces.py checks every registry entry against the rule.
Mutants and tests are repository material (not installed): outside a checkout they are "not
installed", never "missing".
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rlspec import conformance_tests, spec
from rlspec.oracle.vectors import VECTOR_VERSION
from rlspec.spec import lecture_map
from rlspec.spec.formula import Formula
from rlspec.vectors import DIRECTORY as VECTORS

SPEC_DIR = Path(spec.__file__).resolve().parent
SUITE_DIR = Path(conformance_tests.__file__).resolve().parent
MUTANTS = SUITE_DIR / "mutants"
REPOSITORY = SPEC_DIR.parent  # the checkout (an editable install), or site-packages/rlspec
TESTS = REPOSITORY / "tests" / "reference"
VECTOR_SET = VECTORS / VECTOR_VERSION


@dataclass(frozen=True)
class Piece:
    kind: str  # registry, reference, certificate, example, mutants, vectors, lecture, tests
    where: str  # a path in the repository's layout, with the function or the detail
    problem: str = ""  # why the rule is not met; "" when it is

    @property
    def ok(self) -> bool:
        return not self.problem


def section_of(f: Formula) -> str:
    """The key of the section that registers `f`."""
    for section in spec.sections():
        if f in section.formulas:
            return section.key
    raise KeyError(f.id)


def function_names(f: Formula) -> tuple[str, str]:
    """The two names the rule allows for the reference function (and so the certificate)."""
    return f.id.split(".", 1)[1], f.adapter_name


def _split(path: str) -> tuple[str, str]:
    module, _, function = path.partition(":")
    return module, function


def _defines(module_name: str, function: str) -> bool:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    return callable(getattr(module, function, None))


@cache
def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def registry_piece(f: Formula, key: str) -> Piece:
    where = f"spec/sections/{key}.py"
    if f'id="{f.id}"' not in _source(SPEC_DIR / "sections" / f"{key}.py"):
        return Piece("registry", where, f'the entry does not spell its id literally (id="{f.id}")')
    return Piece("registry", where)


def reference_piece(f: Formula, key: str) -> Piece:
    module, function = _split(f.reference)
    where = f"reference/{key}.py: {function}"
    if module != f"rlspec.reference.{key}":
        return Piece("reference", where, f"{f.reference} is not in rlspec.reference.{key}")
    if function not in function_names(f):
        names = " or ".join(function_names(f))
        return Piece("reference", where, f"the reference function is named {function}, not {names}")
    if not _defines(module, function):
        return Piece("reference", where, f"{f.reference} does not exist")
    return Piece("reference", where)


def certificate_piece(f: Formula, key: str) -> Piece | None:
    """None for an estimated bound without a certificate."""
    if f.certificate is None:
        if f.bound == "certified":
            return Piece("certificate", "-", 'bound is "certified" but no certificate is named')
        return None
    module, function = _split(f.certificate)
    where = f"oracle/certificates/{key}.py: {function}"
    expected = _split(f.reference)[1]
    if module != f"rlspec.oracle.certificates.{key}":
        return Piece("certificate", where, f"{f.certificate} is not in rlspec.oracle.certificates.{key}")
    if function != expected:
        message = f"the certificate is named {function}, not {expected} (as its reference)"
        return Piece("certificate", where, message)
    if not _defines(module, function):
        return Piece("certificate", where, f"{f.certificate} does not exist")
    return Piece("certificate", where)


def example_piece(f: Formula, key: str) -> Piece:
    where = f"conformance_tests/examples/np_{key}.py: {f.adapter_name}"
    if not _defines(f"rlspec.conformance_tests.examples.np_{key}", f.adapter_name):
        return Piece("example", where, f"np_{key}.py defines no {f.adapter_name}")
    return Piece("example", where)


@cache
def mutant_kills() -> dict[str, tuple[str, ...]]:
    """Mutant file name -> the ids its KILLS names (read with ast, never imported)."""
    out: dict[str, tuple[str, ...]] = {}
    for path in sorted(MUTANTS.glob("*.py")) if MUTANTS.is_dir() else []:
        for node in ast.parse(_source(path)).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "KILLS" for t in node.targets
            ):
                out[path.name] = tuple(str(v) for v in ast.literal_eval(node.value))
    return out


def mutants_piece(f: Formula) -> Piece:
    if not MUTANTS.is_dir():
        return Piece("mutants", "not installed (conformance_tests/mutants is repository material)")
    names = [name for name, kills in mutant_kills().items() if f.id in kills]
    if not names:
        return Piece("mutants", "conformance_tests/mutants/", f'no mutant has "{f.id}" in its KILLS')
    return Piece("mutants", "conformance_tests/mutants/" + ", ".join(names))


def vectors_piece(f: Formula) -> Piece:
    folder = VECTOR_SET / f.id
    cases = sorted(folder.glob("case-*.json")) if folder.is_dir() else []
    where = f"vectors/{VECTOR_VERSION}/{f.id}/"
    if not cases:
        message = f"no case in vectors/{VECTOR_VERSION}/{f.id}/ (rlspec vectors build --formulas {f.id})"
        return Piece("vectors", where, message)
    return Piece("vectors", f"{where} ({len(cases)} cases)")


def lecture_piece(f: Formula, key: str) -> Piece:
    numbers = sorted({m.row.number for m in lecture_map.rows() if f.id in m.row.targets})
    if numbers:
        return Piece("lecture", "eq " + ", ".join(str(n) for n in numbers))
    if key in lecture_map.BEYOND_LECTURE:
        return Piece("lecture", f"beyond the lecture (section {key})")
    if f.beyond_lecture:
        return Piece("lecture", f"no display equation: {f.beyond_lecture}")
    return Piece(
        "lecture",
        "-",
        f"no lecture-map row names {f.id} and the entry has no beyond_lecture reason",
    )


def tests_piece(f: Formula, key: str) -> Piece:
    """The section's property tests when they name the reference function (or the id), else
    any test file naming the id in quotes (e.g. tests/oracle/test_margins.py)."""
    if not TESTS.is_dir():
        return Piece("tests", "not installed (tests/ is repository material)")
    own = TESTS / f"test_{key}.py"
    function = _split(f.reference)[1]
    if re.search(rf"\b{function}\b", _source(own)) or f'"{f.id}"' in _source(own):
        return Piece("tests", f"tests/reference/test_{key}.py")
    others = [p for p in sorted(TESTS.parent.rglob("test_*.py")) if f'"{f.id}"' in _source(p)]
    if others:
        return Piece("tests", ", ".join(str(p.relative_to(TESTS.parent.parent)) for p in others))
    return Piece("tests", f"tests/reference/test_{key}.py", f"no test names {function} or {f.id}")


def pieces(f: Formula, key: str | None = None) -> list[Piece]:
    """Every piece of `f` (registered in section `key`, found when not given), in the
    checklist's order, each with its problem if any."""
    key = section_of(f) if key is None else key
    found = [
        registry_piece(f, key),
        reference_piece(f, key),
        certificate_piece(f, key),
        example_piece(f, key),
        mutants_piece(f),
        vectors_piece(f),
        lecture_piece(f, key),
        tests_piece(f, key),
    ]
    return [p for p in found if p is not None]


def problems(formulas: tuple[Formula, ...] | None = None) -> list[str]:
    """`id: kind: problem` for every piece that breaks the rule (all formulas by default)."""
    chosen = spec.formulas() if formulas is None else formulas
    return [f"{f.id}: {p.kind}: {p.problem}" for f in chosen for p in pieces(f) if not p.ok]
