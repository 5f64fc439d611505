"""Sweeps: the end-of-multirun summary, comparison figures, re-drawing and resuming."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.compare import main as compare_main
from sim.metrics import KPIS
from sim.results import read_csv
from sim.sweeps import HEADLINE_KPIS, Job, kpi_figure

SHORT = ["run.replications=2", "run.years=1.2", "run.warmup_years=0.2", "run.n_jobs=1"]


def _multirun(sweep_dir: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *SHORT, *overrides, f"hydra.sweep.dir={sweep_dir}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    sweep_dir = tmp_path_factory.mktemp("sweep")
    proc = _multirun(sweep_dir, "workforce.caseload_cap=16,24")
    assert proc.returncode == 0, proc.stderr
    return sweep_dir


def test_multirun_writes_a_sweep_summary_and_figures(sweep):
    rows = read_csv(sweep / "sweep_summary.csv")
    assert len(rows) == 2 * len(KPIS)
    assert {r["workforce.caseload_cap"] for r in rows} == {"16", "24"}
    assert {"kpi", "mean", "ci_low", "ci_high", "n"} <= set(rows[0])
    for kpi in HEADLINE_KPIS:
        assert (sweep / f"compare_{kpi}.png").stat().st_size > 10_000


def test_running_a_sweep_again_skips_finished_jobs_but_not_half_written_ones(sweep):
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    record = jobs[0] / "run.json"
    data = json.loads(record.read_text())
    data["status"] = "running"  # as if the job had been interrupted
    record.write_text(json.dumps(data))
    proc = _multirun(sweep, "workforce.caseload_cap=16,24")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Skipped: a complete result") == 1
    assert json.loads(record.read_text())["status"] == "complete"


def test_sweep_summary_is_identical_under_the_joblib_launcher(sweep, tmp_path):
    parallel = tmp_path / "joblib"
    proc = _multirun(
        parallel,
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "run.n_jobs=2",
        "workforce.caseload_cap=16,24",
    )
    assert proc.returncode == 0, proc.stderr
    assert (parallel / "sweep_summary.csv").read_bytes() == (
        sweep / "sweep_summary.csv"
    ).read_bytes()


def test_a_tiny_sweep_runs_through_submitits_local_executor(sweep, tmp_path):
    """The SLURM launcher's local executor: same jobs, same summary, no cluster needed."""
    local = tmp_path / "submitit"
    proc = _multirun(
        local,
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
        "workforce.caseload_cap=16,24",
    )
    assert proc.returncode == 0, proc.stderr
    assert (local / "sweep_summary.csv").read_bytes() == (sweep / "sweep_summary.csv").read_bytes()


def test_compare_redraws_without_running(sweep, tmp_path):
    out = tmp_path / "cmp"
    assert compare_main([str(sweep), "--out", str(out)]) == 0
    assert len(read_csv(out / "sweep_summary.csv")) == 2 * len(KPIS)
    assert compare_main([str(tmp_path / "missing")]) == 2


def _job(name: str, overrides: dict[str, str], mean: float) -> Job:
    stats = {"mean": mean, "ci_low": mean - 0.01, "ci_high": mean + 0.01, "n": 4}
    return Job(Path(name), overrides, {"visits_on_time": stats})


def test_one_swept_number_gives_a_line_with_a_band():
    jobs = [_job(f"j{c}", {"workforce.caseload_cap": str(c)}, 0.9 - c / 100) for c in (12, 16, 20)]
    ax = kpi_figure(jobs, "visits_on_time").axes[0]
    assert ax.get_xlabel() == "workforce.caseload_cap"
    assert "on time" in ax.get_ylabel()
    assert len(ax.lines) == 1
    assert list(ax.lines[0].get_xdata()) == [12, 16, 20]
    assert len(ax.collections) == 1  # the interval band


def test_two_swept_numbers_give_a_heatmap():
    jobs = [
        _job(f"j{c}{t}", {"workforce.caseload_cap": str(c), "workforce.turnover_base": str(t)}, 0.8)
        for c in (12, 16)
        for t in (0.1, 0.3)
    ]
    fig = kpi_figure(jobs, "visits_on_time")
    assert fig.axes[0].images[0].get_array().shape == (2, 2)
    assert len(fig.axes) == 2  # the heatmap and its colour bar


def test_named_scenarios_give_bars_with_intervals():
    jobs = [
        _job(f"j{s}", {"scenario": s}, 0.7) for s in ("baseline", "high_turnover", "improvement")
    ]
    ax = kpi_figure(jobs, "visits_on_time").axes[0]
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "scenario=baseline",
        "scenario=high_turnover",
        "scenario=improvement",
    ]


@pytest.mark.parametrize(
    "experiment", ["caseload_vs_turnover", "policy_comparison", "scenario_gallery"]
)
def test_experiment_files_compose_and_define_a_sweep(experiment):
    import yaml

    from sim.experiment import CONF_DIR, check_overrides

    assert check_overrides([f"experiment={experiment}"], multirun=True) is None
    params = yaml.safe_load((CONF_DIR / "experiment" / f"{experiment}.yaml").read_text())["hydra"][
        "sweeper"
    ]["params"]
    assert len(params) >= 1


def test_policy_comparison_runs_its_four_jobs(tmp_path):
    sweep = tmp_path / "policies"
    proc = _multirun(sweep, "experiment=policy_comparison")
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(sweep / "sweep_summary.csv")
    combos = {(r["policy.not_seen_list"], r["policy.track_complaint_actions"]) for r in rows}
    assert combos == {("False", "False"), ("False", "True"), ("True", "False"), ("True", "True")}
