"""The documentation in docs/ matches the code: parameter table, sources, KPI definitions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.config import parameter_rows
from sim.docs import (
    EPISODE_COLUMNS,
    KPI_GROUP_TEXT,
    KPI_OUTPUT,
    OUTPUT,
    SENSITIVITY_OUTPUT,
    TEAM_COLUMNS,
    TIMESERIES_COLUMNS,
    WORKER_COLUMNS,
    kpis_markdown,
    parameters_markdown,
    with_factors,
)
from sim.metrics import KPIS

DOCS = Path(__file__).resolve().parents[1] / "docs"
SOURCE_WORDS = ("FACTS.md", "seed", "assumption", "DESIGN.md", "derived")


def test_parameters_md_is_up_to_date():
    assert OUTPUT == DOCS / "parameters.md"
    assert OUTPUT.exists(), "docs/parameters.md is missing: run `python -m sim.docs`"
    assert OUTPUT.read_text() == parameters_markdown(), (
        "docs/parameters.md is out of date: run `python -m sim.docs`"
    )


def test_sensitivity_factors_table_is_up_to_date():
    assert SENSITIVITY_OUTPUT == DOCS / "sensitivity.md"
    text = SENSITIVITY_OUTPUT.read_text()
    assert text == with_factors(text), (
        "the factors table in docs/sensitivity.md is out of date: run `python -m sim.docs`"
    )


def test_the_parameter_table_shows_plausible_ranges():
    text = OUTPUT.read_text()
    assert "| plausible range |" in text
    assert "| 6 to 20: assumption" in text  # pathway.assessment_hours


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


def test_kpis_md_is_up_to_date():
    assert KPI_OUTPUT == DOCS / "kpis.md"
    assert KPI_OUTPUT.exists(), "docs/kpis.md is missing: run `python -m sim.docs`"
    assert KPI_OUTPUT.read_text() == kpis_markdown(), (
        "docs/kpis.md is out of date: run `python -m sim.docs`"
    )


@pytest.mark.parametrize("kpi", list(KPIS))
def test_every_kpi_is_documented(kpi):
    text = (DOCS / "kpis.md").read_text()
    assert kpi in _documented_names(text), (
        f"KPI {kpi} has no heading or table entry in docs/kpis.md"
    )
    assert f"### `{kpi}`" in text
    section = text.split(f"### `{kpi}`", 1)[1].split("\n### ", 1)[0]
    assert KPIS[kpi].label in section
    assert KPIS[kpi].definition in section, f"{kpi}: its docstring is not on the page"


def test_kpi_group_texts_open_existing_groups():
    groups = {kpi.group for kpi in KPIS.values()}
    assert set(KPI_GROUP_TEXT) <= groups


def test_the_output_tables_columns_are_all_documented(small_config):
    from datetime import date

    from sim.results import replication_result
    from sim.runner import run_one

    cfg = small_config(scale=0.1, years=0.5, warmup=0.1)
    result = replication_result(run_one(cfg, 0).rec, 0, date.fromisoformat(cfg.run.start_date))
    assert list(result.timeseries[0]) == [c for c, _ in TIMESERIES_COLUMNS]
    assert list(result.episodes[0]) == [c for c, _ in EPISODE_COLUMNS]
    assert list(result.workers[0]) == [c for c, _ in WORKER_COLUMNS]
    assert list(result.teams[0]) == [c for c, _ in TEAM_COLUMNS]


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
