"""The documentation in docs/ matches the code: parameter table, sources, KPI definitions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.config import parameter_rows
from sim.docs import OUTPUT, parameters_markdown
from sim.metrics import KPIS

DOCS = Path(__file__).resolve().parents[1] / "docs"
SOURCE_WORDS = ("FACTS.md", "seed", "assumption", "DESIGN.md", "derived")


def test_parameters_md_is_up_to_date():
    assert OUTPUT == DOCS / "parameters.md"
    assert OUTPUT.exists(), "docs/parameters.md is missing: run `python -m sim.docs`"
    assert OUTPUT.read_text() == parameters_markdown(), (
        "docs/parameters.md is out of date: run `python -m sim.docs`"
    )


def _is_label(source: str) -> bool:
    """``label``, optionally qualified in brackets, e.g. ``label (experiments)``."""
    return source == "label" or source.startswith("label (")


@pytest.mark.parametrize("row", parameter_rows(), ids=lambda row: row["key"])
def test_every_parameter_has_a_source(row):
    source = row["source"].strip()
    assert source, f"{row['key']} has no source"
    assert any(word in source for word in SOURCE_WORDS) or _is_label(source), (
        f"{row['key']}: source {source!r} names no FACTS.md row, seed, DESIGN.md section, "
        "derivation or assumption, and is not a label"
    )


def _documented_names(text: str) -> set[str]:
    """Names in headings or in the first cell of table rows, backticks removed."""
    names = set()
    for line in text.splitlines():
        if line.startswith("#"):
            names.update(re.findall(r"[a-z0-9_]+", line.lstrip("#").replace("`", "")))
        elif line.startswith("|"):
            cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
            names.update(cells)
    return names


@pytest.mark.parametrize("kpi", list(KPIS))
def test_every_kpi_is_documented(kpi):
    text = (DOCS / "kpis.md").read_text()
    assert kpi in _documented_names(text), (
        f"KPI {kpi} has no heading or table entry in docs/kpis.md"
    )


README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize(
    "command",
    [
        "python -m sim.story",
        "python -m sim.audit",
        "python -m sim.explorer",
        "python -m sim.compare",
        "--versus",
        "--example lambeth",
    ],
)
def test_readme_documents_every_command(command):
    assert command in README.read_text()


def test_readme_pictures_exist():
    text = README.read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert "results/reference/story_timeline.png" in pictures
    for picture in pictures:
        assert (README.parent / picture).is_file(), picture


def test_readme_shows_the_reference_story_excerpt():
    excerpt = (README.parent / "results" / "reference" / "story_excerpt.md").read_text()
    assert excerpt.strip() in README.read_text()
