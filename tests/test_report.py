"""The HTML report: self-contained, captioned, complete."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.experiment import run_experiment
from sim.metrics import KPIS


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.captions = 0
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag == "figcaption":
            self.captions += 1


def _parse(path: Path) -> tuple[_Page, str]:
    text = path.read_text()
    page = _Page()
    page.feed(text)
    return page, text


def _offline(page: _Page, text: str) -> None:
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert not re.search(r"(src|href)=\"?https?://", text)
    assert "script" not in page.tags
    assert "link" not in page.tags


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, small_config) -> Path:
    out = tmp_path_factory.mktemp("run")
    run_experiment(
        OmegaConf.structured(small_config(years=1.5, warmup=0.5, replications=2)),
        out,
        progress=False,
    )
    return out


def test_run_report_is_self_contained_with_captioned_figures_and_every_kpi(run_dir):
    page, text = _parse(run_dir / "report.html")
    assert len(page.images) == 2
    assert page.captions == 2
    _offline(page, text)
    for kpi in KPIS:
        assert f"<td>{kpi}</td>" in text
    assert "scenario_name: baseline" in text  # the configuration closes the page


def test_sweep_report_is_self_contained_and_captioned(tmp_path, multirun):
    sweep = tmp_path / "sweep"
    proc = multirun(sweep, "workforce.caseload_cap=16,24")
    assert proc.returncode == 0, proc.stderr
    page, text = _parse(sweep / "report.html")
    differences = sorted(sweep.glob("difference_*.png"))
    assert len(differences) >= 5  # headline KPIs with paired values in a short run
    assert len(page.images) == 7 + len(differences)
    assert page.captions == 7 + len(differences)
    assert "against workforce.caseload_cap" in text
    assert "Differences from workforce.caseload_cap=16, the first job of the sweep" in text
    assert "each job minus workforce.caseload_cap=16" in text
    assert "<th>mean difference</th>" in text
    _offline(page, text)
