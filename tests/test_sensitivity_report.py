"""A sensitivity study's figures and report (sim.sensitivity_report), from synthetic folders.

The folders are written here in the study format (docs/sensitivity.md), with made-up
indices whose answer is known: in each study one factor clearly drives drift, two more
are distinguishable, the others sit at the dummy's level; complaints are undefined at
some design points and workers per child never changes.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text

from sim import sensitivity_report as sr
from sim.plots import morris_figure, morris_ranking_figure, save_compact, sobol_ranking_figure

FACTORS = [
    ("need.progress_effect_per_week", 0.0, 0.2, 0.1, False),
    ("workforce.casework_hours_per_week", 20.0, 30.0, 25.0, False),
    ("pathway.cpp_visit_hours", 2.0, 6.0, 4.0, False),
    ("pathway.assessment_hours", 8.0, 20.0, 12.0, False),
    ("workforce.team_size", 4, 8, 6, True),
    ("complaints.upheld_prob", 0.2, 0.6, 0.4, False),
]
KEYS = [f[0] for f in FACTORS] + ["dummy"]
KPIS = ["drift_share", "visits_on_time", "complaints_per_1000_referrals", "workers_per_child"]
REPS = 3

# Per KPI, per factor: (index, its interval, distinguishable); the dummy last. Morris mu*
# is in the KPI's own unit (a share as a fraction), Sobol ST a share of the variance.
MORRIS = {
    "drift_share": [
        (0.041, 0.008, True),
        (0.023, 0.005, True),
        (0.012, 0.003, True),
        (0.002, 0.002, False),
        (0.003, 0.003, False),
        (0.001, 0.001, False),
        (0.002, 0.002, False),
    ],
    "visits_on_time": [
        (0.004, 0.004, False),
        (0.002, 0.003, False),
        (0.090, 0.010, True),
        (0.003, 0.002, False),
        (0.001, 0.001, False),
        (0.002, 0.002, False),
        (0.003, 0.002, False),
    ],
    "complaints_per_1000_referrals": [(math.nan, math.nan, False)] * 7,
    "workers_per_child": [(0.0, 0.0, False)] * 7,
}
SOBOL = {
    "drift_share": [
        (0.55, 0.06, True),
        (0.30, 0.05, True),
        (0.10, 0.03, True),
        (0.01, 0.02, False),
        (0.02, 0.02, False),
        (0.00, 0.01, False),
        (0.01, 0.02, False),
    ],
    "visits_on_time": [
        (0.02, 0.02, False),
        (0.01, 0.02, False),
        (0.85, 0.05, True),
        (0.02, 0.03, False),
        (0.00, 0.01, False),
        (0.01, 0.01, False),
        (0.01, 0.02, False),
    ],
    "complaints_per_1000_referrals": [(math.nan, math.nan, False)] * 7,
    "workers_per_child": [(math.nan, math.nan, False)] * 7,
}
TOP = {
    "drift_share": [
        "need.progress_effect_per_week",
        "workforce.casework_hours_per_week",
        "pathway.cpp_visit_hours",
    ],
    "visits_on_time": ["pathway.cpp_visit_hours"],
    "complaints_per_1000_referrals": [],
    "workers_per_child": [],
}


def _write(path: Path, rows: list[dict], columns: list[str]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _cell(x: float) -> str:
    return "" if math.isnan(x) else repr(x)


def make_study(folder: Path, method: str) -> Path:
    """A finished study folder in the engine's format, with the indices above."""
    folder.mkdir(parents=True)
    factors = [
        {"key": k, "low": lo, "high": hi, "default": d, "whole": w, "why": f"why {k}"}
        for k, lo, hi, d, w in FACTORS
    ] + [{"key": "dummy", "low": 0, "high": 1, "default": 0.5, "whole": False, "why": ""}]
    settings = {"trajectories": 4, "levels": 4, "resamples": 100}
    if method == "sobol":
        settings = {"base_samples": 8, "resamples": 100, "max_factors": 8}
    study = {
        "method": method,
        "factors": factors,
        "kpis": KPIS,
        "replications": REPS,
        "seed": 7,
        "overrides": ["run.years=2"],
        "settings": settings,
        "kept_from": "results/sensitivity/morris" if method == "sobol" else None,
        "kept_rule": "distinguishable for at least one KPI, at most 8",
        "wall_seconds": 750.0,
    }
    (folder / "study.json").write_text(json.dumps(study, indent=1))
    rng = np.random.default_rng(1)
    points = 4 * (len(KEYS) + 1) if method == "morris" else 8 * (len(KEYS) + 2)
    design = [{"point": p, **{k: rng.uniform() for k in KEYS}} for p in range(points)]
    _write(folder / "design.csv", design, ["point", *KEYS])
    outputs = [
        {
            "point": p,
            "replication": r,
            "drift_share": 0.2 + 0.1 * design[p][KEYS[0]] + 0.01 * rng.normal(),
            "visits_on_time": 0.8 - 0.1 * design[p][KEYS[2]] + 0.01 * rng.normal(),
            "complaints_per_1000_referrals": "" if p % 5 == 0 and r == 0 else rng.uniform(),
            "workers_per_child": 1.5,
        }
        for p in range(points)
        for r in range(REPS)
    ]
    _write(folder / "outputs.csv", outputs, ["point", "replication", *KPIS])
    indices = []
    for kpi, values in (MORRIS if method == "morris" else SOBOL).items():
        for key, (x, half, found) in zip(KEYS, values, strict=True):
            row = dict.fromkeys(sr.INDEX_COLUMNS, "")
            row.update(method=method, parameter=key, kpi=kpi, distinguishable=str(found).lower())
            if method == "morris":
                row.update(mu_star=_cell(x), mu_star_conf=_cell(half), sigma=_cell(x / 2))
            else:
                row.update(ST=_cell(x), ST_conf=_cell(half), S1=_cell(x * 0.8))
                row.update(S1_conf=_cell(half))
            indices.append(row)
    _write(folder / "indices.csv", indices, list(sr.INDEX_COLUMNS))
    noise = [
        {"kpi": "drift_share", "noise_share": 0.12, "replications": REPS},
        {"kpi": "visits_on_time", "noise_share": 0.05, "replications": REPS},
        {"kpi": "complaints_per_1000_referrals", "noise_share": 0.9, "replications": REPS},
        {"kpi": "workers_per_child", "noise_share": "", "replications": REPS},
    ]
    _write(folder / "noise.csv", noise, ["kpi", "noise_share", "replications"])
    return folder


@pytest.fixture(params=["morris", "sobol"])
def study(request, tmp_path) -> Path:
    return make_study(tmp_path / request.param, request.param)


def test_figures_are_small_pngs_one_set_per_kpi(study):
    paths = sr.write_figures(study)
    method = json.loads((study / "study.json").read_text())["method"]
    expected = {f"ranking_{k}.png" for k in KPIS}
    if method == "morris":
        expected |= {f"morris_{k}.png" for k in KPIS}
    assert {p.name for p in paths} == expected
    for path in paths:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", path
        assert len(data) < 150_000, (path, len(data))
    assert not (study / ".partial").exists()


def test_top_assumptions_are_the_largest_distinguishable(study):
    assert sr.top_assumptions(study) == TOP
    assert sr.top_assumptions(study, n=1)["drift_share"] == [TOP["drift_share"][0]]


def test_report_names_each_kpis_top_factor_and_the_noise_level_ones(study):
    sr.write_all(study)
    page = (study / "report.html").read_text()
    study_ = sr.read_study(study)
    summary = page.split("<h2>", 2)[1]  # the "which assumptions drive which KPI" section
    for kpi, top in TOP.items():
        if top:
            sentence = sr.kpi_sentence(study_, kpi)
            assert f"depends most on <strong>{top[0]}</strong>" in sentence
            assert sentence in summary
    # 3 of the 6 assumptions sit at the dummy's level for drift, 5 for visits
    drift = sr.kpi_sentence(study_, "drift_share")
    assert "3 of 6 assumptions are not distinguishable from noise" in drift
    assert "5 of 6 assumptions are not distinguishable" in sr.kpi_sentence(study_, "visits_on_time")
    # each dummy-level factor is called not distinguishable in drift's table
    table = page.split("<h2>Plan-days in drift")[1].split("</table>")[0]
    for key in ("pathway.assessment_hours", "workforce.team_size", "complaints.upheld_prob"):
        row = table.split(f"<td>{key}</td>")[1].split("</tr>")[0]
        assert "not distinguishable from noise" in row
    assert "<td>dummy</td>" in table
    assert "<script" not in page
    assert "http" not in page
    assert page.count("data:image/png;base64,") == (8 if "morris_" in page else 4)


def test_report_gives_units_noise_shares_and_settings(tmp_path):
    # Morris mu* in the KPI's difference unit: 0.041 of a share is 4.1 percentage points
    study = sr.read_study(make_study(tmp_path / "m", "morris"))
    assert "(mu* 4.1 percentage points, ± 0.8)" in sr.kpi_sentence(study, "drift_share")
    sobol = sr.read_study(make_study(tmp_path / "s", "sobol"))
    assert "ST 55% of the variance, ± 6 percentage points" in sr.kpi_sentence(sobol, "drift_share")
    page = sr._render(study, study.folder, study.folder).read_text()
    assert "replication noise accounts for 12% of the spread between design points" in page
    assert "It ran for 12.5 minutes (wall clock)" in page
    assert "32 design points, each run with the same 3 replications" in page
    assert "why need.progress_effect_per_week" in page  # the factor table's justification
    assert "does not say what share" in page  # what a Morris screen cannot say


def test_undefined_and_constant_kpis_are_said_not_drawn(study):
    study_ = sr.read_study(study)
    flat = sr.kpi_sentence(study_, "workers_per_child")
    assert "did not change across the" in flat
    assert "every point gave 1.5" in flat
    gaps = sr.kpi_sentence(study_, "complaints_per_1000_referrals")
    points = len(study_.design)
    undefined = len(range(0, points, 5))
    assert f"undefined (nothing to measure) in {undefined} of {points * REPS} runs" in gaps
    assert "No indices could be estimated" in gaps
    assert sr.write_figures(study)  # and the figures say so instead of failing


def test_morris_figure_greys_the_factors_at_noise_level():
    fig = morris_figure(
        ["a", "b", "c", "d", "dummy"],
        [4.0, 0.3, 2.0, 0.2, 0.25],
        [1.0, 0.2, 0.5, 0.1, 0.1],
        [True, False, True, False, False],
        4,
        0.4,
        "title",
        "percentage points",
    )
    (ax,) = fig.axes
    counts = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert counts == {
        "distinguishable from noise": 2,
        "not distinguishable from noise": 2,
        "dummy (the model ignores it)": 1,
    }
    assert {t.get_text() for t in ax.texts} == {"a", "b", "c", "d", "dummy"}


def test_short_names_drop_the_group_only_when_unambiguous():
    keys = ["need.detection_prob", "workforce.detection_prob", "need.weekly_noise_sd", "dummy"]
    assert sr.short_names(keys) == {
        "need.detection_prob": "need.detection_prob",
        "workforce.detection_prob": "workforce.detection_prob",
        "need.weekly_noise_sd": "weekly_noise_sd",
        "dummy": "dummy",
    }


def _command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.sensitivity_report", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("missing", ["indices.csv", "noise.csv", "study.json"])
def test_command_names_the_missing_file_in_one_line(tmp_path, missing):
    folder = make_study(tmp_path / "study", "morris")
    (folder / missing).unlink()
    result = _command(str(folder))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "not a finished sensitivity study" in result.stderr
    assert f"{missing} is missing" in result.stderr
    assert not (folder / "report.html").exists()


def test_command_refuses_a_missing_folder_and_a_broken_file(tmp_path):
    result = _command(str(tmp_path / "nowhere"))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    assert "no such folder" in result.stderr
    folder = make_study(tmp_path / "study", "sobol")
    (folder / "indices.csv").write_text("method,parameter\nsobol,dummy\n")
    result = _command(str(folder))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    assert "indices.csv: no column 'kpi'" in result.stderr


def test_command_rebuilds_the_figures_and_report(tmp_path):
    folder = make_study(tmp_path / "study", "sobol")
    result = _command(str(folder))
    assert result.returncode == 0, result.stderr
    printed = result.stdout.split()
    assert printed[-1] == str(folder / "report.html")
    assert len(printed) == len(KPIS) + 1
    assert all(Path(p).exists() for p in printed)


def _crowded(n: int) -> tuple[list[str], np.ndarray, np.ndarray, list[bool]]:
    """``n`` factors: a few large effects, the rest crowded near the origin with the dummy."""
    rng = np.random.default_rng(5)
    names = [f"assumption_number_{i}" for i in range(n - 1)] + ["dummy"]
    found = [i < 6 for i in range(n)]
    mu = np.where(found, rng.uniform(1, 5, n), rng.uniform(0, 0.4, n))
    return names, mu, mu * rng.uniform(0.3, 0.6, n), found


def test_crowded_labels_neither_overlap_nor_leave_the_axes():
    names, mu, sigma, found = _crowded(45)
    fig = morris_figure(names, mu, sigma, found, 44, 0.4, "title", "percentage points")
    (ax,) = fig.axes
    fig.canvas.draw()
    frame = ax.get_window_extent()
    boxes = [Text.get_window_extent(t) for t in ax.texts]  # the text without its line
    assert len(boxes) == 45
    for n, box in enumerate(boxes):
        inside = (
            frame.x0 <= box.x0 <= box.x1 <= frame.x1 and frame.y0 <= box.y0 <= box.y1 <= frame.y1
        )
        assert inside, ax.texts[n].get_text()
        for other in boxes[n + 1 :]:
            assert not box.overlaps(other), ax.texts[n].get_text()


def test_figures_of_sixty_factors_stay_under_150_kb(tmp_path):
    # every assumption of the schema as a factor (about 60): the report embeds them all
    names, mu, sigma, found = _crowded(60)
    scatter = morris_figure(names, mu, sigma, found, 59, 0.4, "title", "percentage points")
    ranked = morris_ranking_figure(names, mu, mu / 5, found, 59, 0.4, "title", "points")
    sobol = sobol_ranking_figure(names, (mu, mu / 5), (mu, mu / 5), found, 59, 0.4, "title")
    for n, fig in enumerate((scatter, ranked, sobol)):
        size = save_compact(fig, tmp_path / f"{n}.png").stat().st_size
        assert size < 150_000, (n, size)
