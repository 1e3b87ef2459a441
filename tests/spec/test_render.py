"""The generated documentation is up to date with the registry, and the generator behaves."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlspec import spec
from rlspec.spec import lecture_map, render

GENERATED = sorted((p for p in render.render_all() if p != render.CONFORMANCE), key=str)


@pytest.mark.parametrize("path", GENERATED, ids=lambda p: p.name)
def test_generated_file_is_up_to_date(path: Path) -> None:
    expected = render.render_all()[path]
    got = path.read_text(encoding="utf-8") if path.exists() else None
    assert got == expected, f"{path} is out of date with the registry: run `rlspec docs`"


def test_no_stale_section_pages() -> None:
    pages = {p.name for p in render.PAGES.glob("*.md")}
    assert pages == {f"{s.key}.md" for s in spec.sections()}, "stale spec/pages: run `rlspec docs`"


@pytest.mark.parametrize("name", render.REGIONS)
def test_conformance_generated_regions_are_up_to_date(name: str) -> None:
    """Only the generated regions: the prose around them is written by hand."""
    assert render.CONFORMANCE.exists(), "CONFORMANCE.md is missing: run `rlspec docs`"
    got = render.region(render.CONFORMANCE.read_text(encoding="utf-8"), name)
    expected = render.region(render.render_all()[render.CONFORMANCE], name)
    assert got == expected, f"CONFORMANCE.md region {name!r} is out of date: run `rlspec docs`"


def test_conformance_regions_are_created_when_missing() -> None:
    text = render.conformance(None)
    for name in render.REGIONS:
        assert f"<!-- BEGIN GENERATED: {name} -->" in text and f"<!-- END GENERATED: {name} -->" in text
    assert "mdp.v" in text and f"/{lecture_map.EQUATION_COUNT}" in text


def test_regions_are_replaced_in_place_and_prose_kept() -> None:
    text = "intro\n<!-- BEGIN GENERATED: formulas -->\nold\n<!-- END GENERATED: formulas -->\noutro\n"
    out = render.replace_region(text, "formulas", "new")
    assert out == "intro\n<!-- BEGIN GENERATED: formulas -->\nnew\n<!-- END GENERATED: formulas -->\noutro\n"


def test_every_formula_in_the_table_with_its_signature() -> None:
    table = render.formula_table()
    for f in spec.formulas():
        assert f"`{f.id}`" in table and f.adapter_name in table


def test_errata_page_lists_every_erratum() -> None:
    page = render.errata_page()
    for section in spec.sections():
        for e in section.errata:
            assert f"`{e.id}`" in page
