"""The HTML report: self-contained, captioned, complete."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from sim.experiment import run_experiment
from sim.metrics import KPIS
from sim.report import rough_intervals
from sim.results import read_csv


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


def test_run_report_flags_rough_intervals_and_shows_what_was_set_beside_what_resulted(run_dir):
    summary = read_csv(run_dir / "summary.csv")
    assert list(summary[0]) == ["kpi", "mean", "ci_low", "ci_high", "n", "too_few_replications"]
    assert {r["too_few_replications"] for r in summary} == {"1"}  # two replications
    _, text = _parse(run_dir / "report.html")
    assert "With 2 replications (fewer than 5) the 95% intervals are too rough to trust" in text
    assert "(too few replications)</td>" in text
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    base = KPIS["turnover_rate"].show(config["workforce"]["turnover_base"])  # e.g. 8.5% a year
    row = re.search(r"<tr><td>turnover_rate</td>.*?</tr>", text).group(0)
    assert "<td>Social worker turnover that resulted</td>" in row
    assert f"<td>base rate set: {base} (workforce.turnover_base)</td>" in row
    row = re.search(r"<tr><td>caseload_mean</td>.*?</tr>", text).group(0)
    cap = config["workforce"]["caseload_cap"]
    assert f"cap set: {cap} cases per worker (workforce.caseload_cap)" in row
    row = re.search(r"<tr><td>visits_on_time</td>.*?</tr>", text).group(0)
    assert "that resulted" not in row  # nothing of that name is set
    assert row.endswith("<td></td></tr>")


def test_enough_replications_are_not_flagged():
    rows = [{"kpi": "x", "n": "5", "too_few_replications": "0"}]
    assert rough_intervals(rows) == ""
    assert rough_intervals([{"kpi": "x", "n": "4"}])  # an older summary.csv: read from n
    assert not rough_intervals([{"kpi": "x", "n": "0", "too_few_replications": ""}])  # skipped
