"""The lecture map is checked, not claimed: every display equation of the lecture is mapped to
registry ids, property tests (which must exist) or errata (which must be known), by the section
that owns it. Every section has landed, so all 64 equations must be mapped: none pending."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rlspec import spec
from rlspec.spec import lecture_map

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "lecture" / lecture_map.LECTURE.name


def test_lecture_has_64_display_equations() -> None:
    assert len(lecture_map.display_equations()) == lecture_map.EQUATION_COUNT


@pytest.mark.skipif(not SHARED.exists(), reason="no shared lecture copy beside the checkout")
def test_lecture_copy_equals_shared_lecture() -> None:
    assert lecture_map.LECTURE.read_bytes() == SHARED.read_bytes(), "spec/lecture is out of date"


def test_ownership_covers_every_equation_once() -> None:
    owned = sorted(n for numbers in lecture_map.OWNERSHIP.values() for n in numbers)
    assert owned == list(range(1, lecture_map.EQUATION_COUNT + 1))
    assert set(lecture_map.OWNERSHIP) == set(spec.SECTION_KEYS)
    for section in spec.sections():
        assert section.equations == lecture_map.OWNERSHIP[section.key], section.key


def function_exists(path: str, name: str) -> bool:
    """Whether the file at `path` (from the repository root) defines `def name(`."""
    file = ROOT / path
    return file.exists() and re.search(rf"^\s*def {re.escape(name)}\(", file.read_text(), re.M) is not None


def target_problems(section: str, number: int, kind: str, targets: tuple[str, ...]) -> list[str]:
    ids = {f.id for f in spec.formulas()}
    errata = {e.id for e in lecture_map.errata()}
    problems, kinds = [], set()
    for target in targets:
        if "::" in target:
            path, _, name = target.partition("::")
            kinds.add("property")
            if not function_exists(path, name):
                problems.append(f"eq {number} ({section}): test {target} does not exist")
        elif target in errata:
            kinds.add("erratum")
        elif target in ids:
            kinds.add("formula")
        else:
            problems.append(f"eq {number} ({section}): {target!r} is neither a registry id nor an erratum")
    if kind not in kinds:
        problems.append(f"eq {number} ({section}): a {kind!r} row names no {kind} target")
    return problems


def test_every_row_is_owned_and_every_target_exists() -> None:
    problems = []
    for mapped in lecture_map.rows():
        row = mapped.row
        if not 1 <= row.number <= lecture_map.EQUATION_COUNT:
            problems.append(f"{mapped.section}: no display equation {row.number}")
            continue
        if lecture_map.owner(row.number) != mapped.section:
            problems.append(
                f"eq {row.number} is mapped by {mapped.section}, but {lecture_map.owner(row.number)} owns it"
            )
        problems += target_problems(mapped.section, row.number, row.kind, row.targets)
    assert not problems, "\n".join(problems)


def test_errata_are_settled_by_existing_tests() -> None:
    problems = []
    seen: set[str] = set()
    ids = {f.id for f in spec.formulas()}
    for section in spec.sections():
        for erratum in section.errata:
            if erratum.id in seen:
                problems.append(f"erratum {erratum.id} is defined twice")
            if not re.fullmatch(r"[a-z]+\.[a-z0-9_]+", erratum.id) or erratum.id in ids:
                problems.append(f"erratum id {erratum.id} is not of the form section.name or is a formula id")
            seen.add(erratum.id)
            if erratum.equation and lecture_map.owner(erratum.equation) != section.key:
                problems.append(f"erratum {erratum.id} (eq {erratum.equation}) is listed by {section.key}")
            if not erratum.settled_by:
                problems.append(f"erratum {erratum.id} names no test that settles it")
            for test in erratum.settled_by:
                path, _, name = test.partition("::")
                if not function_exists(path, name):
                    problems.append(f"erratum {erratum.id}: test {test} does not exist")
    assert not problems, "\n".join(problems)


def test_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    cov = lecture_map.coverage()
    with capsys.disabled():
        print(f"\nlecture map coverage: {cov.figure} mapped; pending (sections not written yet): "
              f"{list(cov.pending) or 'none'}")
    assert not cov.unmapped, f"equations of existing sections without a row: {list(cov.unmapped)}"
    assert not cov.pending, f"equations of sections with no module: {list(cov.pending)}"
    assert len(cov.mapped) == lecture_map.EQUATION_COUNT


def test_sections_beyond_the_lecture_own_no_equation_and_say_so() -> None:
    loaded = lecture_map.loaded_sections()
    for key in lecture_map.BEYOND_LECTURE:
        assert key in spec.SECTION_KEYS, key
        assert lecture_map.OWNERSHIP[key] == (), f"{key} is beyond the lecture but owns equations"
        if key in loaded:
            assert "beyond the lecture" in loaded[key].title, f"{key}: its title must say so"
            assert not loaded[key].lecture_map and not loaded[key].errata, key
            assert all(f.section == loaded[key].title for f in loaded[key].formulas), key
    lecture_keys = [k for k in spec.SECTION_KEYS if k not in lecture_map.BEYOND_LECTURE]
    assert all(lecture_map.OWNERSHIP[k] for k in lecture_keys), "a lecture section owns no equation"
