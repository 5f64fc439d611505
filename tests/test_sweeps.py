"""Sweeps: the end-of-multirun summary, comparison figures, re-drawing and resuming."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.colors import to_hex
from scipy import stats

from sim.analysis import t_interval
from sim.compare import main as compare_main
from sim.metrics import KPIS
from sim.plots import OTHER_COLORS, SCENARIO_COLORS, scenario_color
from sim.results import read_csv, write_csv
from sim.sweeps import (
    HEADLINE_KPIS,
    Job,
    choose_baseline,
    difference_figure,
    kpi_figure,
    load_job,
    paired_difference_rows,
    pairing_note,
    write_sweep_outputs,
)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, multirun) -> Path:
    sweep_dir = tmp_path_factory.mktemp("sweep")
    proc = multirun(sweep_dir, "workforce.caseload_cap=16,24")
    assert proc.returncode == 0, proc.stderr
    return sweep_dir


def test_multirun_writes_a_sweep_summary_and_figures(sweep):
    rows = read_csv(sweep / "sweep_summary.csv")
    assert len(rows) == 2 * len(KPIS)
    assert {r["workforce.caseload_cap"] for r in rows} == {"16", "24"}
    assert {"kpi", "mean", "ci_low", "ci_high", "n"} <= set(rows[0])
    for kpi in HEADLINE_KPIS:
        assert (sweep / f"compare_{kpi}.png").stat().st_size > 10_000
    paired = read_csv(sweep / "paired_differences.csv")
    assert len(paired) == len(KPIS)  # one non-baseline job: caseload cap 24
    assert {r["label"] for r in paired} == {"workforce.caseload_cap=24"}
    assert {r["baseline"] for r in paired} == {"workforce.caseload_cap=16"}  # first job
    assert (sweep / "difference_visits_on_time.png").stat().st_size > 10_000


def test_running_a_sweep_again_skips_finished_jobs_but_not_half_written_ones(sweep, multirun):
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    record = jobs[0] / "run.json"
    data = json.loads(record.read_text())
    data["status"] = "running"  # as if the job had been interrupted
    record.write_text(json.dumps(data))
    proc = multirun(sweep, "workforce.caseload_cap=16,24")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Skipped: a complete result") == 1
    assert json.loads(record.read_text())["status"] == "complete"


def test_a_sweep_killed_part_way_resumes_without_recomputing_finished_jobs(
    tmp_path, signalled, multirun
):
    sweep = tmp_path / "sweep"
    short = ["run.replications=2", "run.years=1.2", "run.warmup_years=0.2", "run.n_jobs=1"]
    caps = "workforce.caseload_cap=16,20,24"
    proc = signalled(
        tmp_path, "SIGTERM", "sweep_job", "-m", *short, caps, f"hydra.sweep.dir={sweep}"
    )
    assert proc.returncode == 143, proc.stderr
    first, second = sorted((p for p in sweep.iterdir() if p.is_dir()), key=_cap)
    assert proc.stderr.splitlines() == [
        f"cpsim: interrupted (SIGTERM); run.json says interrupted: {second}"
    ]
    assert _cap(first) == "16"
    assert json.loads((first / "run.json").read_text())["status"] == "complete"
    assert json.loads((second / "run.json").read_text())["status"] == "interrupted"
    assert not (second / "summary.csv").exists()
    assert not (sweep / "sweep_summary.csv").exists(), "no summary of a sweep that stopped"
    finished = {p: p.stat().st_mtime_ns for p in first.iterdir() if p.is_file()}

    proc = multirun(sweep, caps)  # the same command again
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Skipped: a complete result") == 1
    assert {p: p.stat().st_mtime_ns for p in first.iterdir() if p.is_file()} == finished
    jobs = [p for p in sweep.iterdir() if p.is_dir()]
    assert len(jobs) == 3
    assert all(json.loads((p / "run.json").read_text())["status"] == "complete" for p in jobs)
    assert len(read_csv(sweep / "sweep_summary.csv")) == 3 * len(KPIS)


def _cap(job: Path) -> str:
    return job.name.partition("workforce.caseload_cap=")[2]


def _sweep(sweep_dir: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    """``python -m sim -m OVERRIDES`` into ``sweep_dir``, with nothing else added."""
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_a_seed_sweep_gives_a_job_and_a_summary_row_per_seed(tmp_path):
    """The command of issue 12, as printed: three full-size quick runs (about 25 s)."""
    sweep = tmp_path / "seeds"
    proc = _sweep(sweep, "run.seed=1,2,3", "run=quick")
    assert proc.returncode == 0, proc.stderr
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir())
    assert jobs == ["run.seed=1,run=quick", "run.seed=2,run=quick", "run.seed=3,run=quick"]
    rows = read_csv(sweep / "sweep_summary.csv")
    assert len(rows) == 3 * len(KPIS)
    for kpi in KPIS:
        assert sorted(r["run.seed"] for r in rows if r["kpi"] == kpi) == ["1", "2", "3"]
    means = {r["run.seed"]: r["mean"] for r in rows if r["kpi"] == "referrals_per_year"}
    assert len(set(means.values())) == 3, "each seed ran on its own"
    paired = read_csv(sweep / "paired_differences.csv")
    assert paired, "a row per job and KPI, each saying why it is not paired"
    assert {r["note"] for r in paired} == {
        f"skipped: seed {s}, the baseline's is 1 (replications pair only under the same seed)"
        for s in (2, 3)
    }
    assert not list(sweep.glob("difference_*.png"))


def test_a_replications_sweep_gives_a_job_per_value(tmp_path):
    sweep = tmp_path / "reps"
    short = ["run.years=1.2", "run.warmup_years=0.2", "run.n_jobs=1"]
    proc = _sweep(sweep, "run.replications=1,2", *short)
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(sweep / "sweep_summary.csv")
    assert len(rows) == 2 * len(KPIS)
    assert {(r["run.replications"], r["n"]) for r in rows if r["kpi"] == "referrals_per_year"} == {
        ("1", "1.0"),
        ("2", "2.0"),
    }


def test_jobs_run_with_different_seeds_are_not_paired():
    base = _rep_job("a", {"run.seed": "1"}, {"visits_on_time": BASE})
    other = _rep_job("b", {"run.seed": "2"}, {"visits_on_time": BASE})
    base.seed, other.seed = 1, 2
    assert pairing_note(other, base).startswith("skipped: seed 2, the baseline's is 1")
    other.seed = 1
    assert pairing_note(other, base) == ""


def test_sweep_summary_is_identical_under_the_joblib_launcher(sweep, tmp_path, multirun):
    parallel = tmp_path / "joblib"
    proc = multirun(
        parallel,
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "run.n_jobs=2",
        "workforce.caseload_cap=16,24",
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("sweep_summary.csv", "paired_differences.csv"):
        assert (parallel / name).read_bytes() == (sweep / name).read_bytes()


def test_a_tiny_sweep_runs_through_submitits_local_executor(sweep, tmp_path, multirun):
    """The SLURM launcher's local executor: same jobs, same summary, no cluster needed."""
    local = tmp_path / "submitit"
    proc = multirun(
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
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == [
        SCENARIO_COLORS[s] for s in ("baseline", "high_turnover", "improvement")
    ]


def test_every_named_scenario_has_its_own_fixed_colour():
    from sim import CONF_DIR

    names = {p.stem for p in (CONF_DIR / "scenario").glob("*.yaml")}
    assert names <= set(SCENARIO_COLORS)
    assert len(set(SCENARIO_COLORS.values())) == len(SCENARIO_COLORS)
    assert scenario_color("baseline") == "#7f7f7f"
    assert scenario_color("high_caseload") == "#d62728"


def test_other_labels_get_a_colour_from_their_name_the_same_in_every_process():
    # crc32(b"my_scenario") % 12 == 3; Python's salted hash() would differ between runs
    assert scenario_color("my_scenario") == OTHER_COLORS[3] == "#393b79"
    assert scenario_color("my_scenario") == scenario_color("my" + "_scenario")
    assert set(OTHER_COLORS).isdisjoint(SCENARIO_COLORS.values())
    colours = {scenario_color(f"workforce.caseload_cap={c}") for c in range(8, 40)}
    assert colours <= set(OTHER_COLORS)
    assert len(colours) > 4  # spread over the palette, not one colour


BASE = [0.80, 0.82, 0.78, 0.81]
DROP = [0.05, 0.03, 0.06, 0.04]  # how much lower high_caseload is, replication by replication


def _rep_job(
    name: str, overrides: dict[str, str], values: dict[str, list[float]], num: int | None = None
) -> Job:
    """A job with per-replication KPIs (kpis.csv rows) and the summary they imply."""
    n = len(next(iter(values.values())))
    kpis = [{"replication": float(i), **{k: v[i] for k, v in values.items()}} for i in range(n)]
    summary = {}
    for kpi, v in values.items():
        mean, low, high, count = t_interval(v)
        summary[kpi] = {"mean": mean, "ci_low": low, "ci_high": high, "n": float(count)}
    return Job(Path(name), overrides, summary, kpis, num)


def _scenario_jobs() -> list[Job]:
    high = [b - d for b, d in zip(BASE, DROP, strict=True)]
    better = [b + 0.02 for b in BASE]  # the same shift in every replication
    return [
        _rep_job("j_high", {"scenario": "high_caseload"}, {"visits_on_time": high}),
        _rep_job("j_base", {"scenario": "baseline"}, {"visits_on_time": BASE}),
        _rep_job("j_imp", {"scenario": "improvement"}, {"visits_on_time": better}),
    ]


def test_paired_differences_match_a_hand_computed_t_interval():
    jobs = _scenario_jobs()
    baseline, reason = choose_baseline(jobs)
    assert baseline.path.name == "j_base"  # by its scenario, though listed second
    assert "baseline scenario" in reason
    rows = paired_difference_rows(jobs, baseline)
    assert [(r["label"], r["kpi"]) for r in rows] == [
        ("scenario=high_caseload", "visits_on_time"),
        ("scenario=improvement", "visits_on_time"),
    ]
    high, imp = rows
    diffs = [-d for d in DROP]
    mean = sum(diffs) / 4
    sd = (sum((d - mean) ** 2 for d in diffs) / 3) ** 0.5
    half = stats.t.ppf(0.975, df=3) * sd / 4**0.5
    assert high["mean_difference"] == pytest.approx(-0.045)
    assert high["ci_low"] == pytest.approx(-0.045 - half)
    assert high["ci_high"] == pytest.approx(-0.045 + half)
    assert high["n"] == 4
    assert high["baseline"] == "scenario=baseline"
    assert high["note"] == ""
    # a constant shift has no spread: the paired interval shrinks to the shift itself
    assert imp["mean_difference"] == pytest.approx(0.02)
    assert imp["ci_low"] == pytest.approx(0.02)
    assert imp["ci_high"] == pytest.approx(0.02)


def test_difference_figure_has_a_bar_per_job_a_zero_line_and_names_the_baseline():
    fig = difference_figure(_scenario_jobs(), "visits_on_time")
    ax = fig.axes[0]
    assert len(ax.patches) == 2  # high_caseload and improvement; not the baseline
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "scenario=high_caseload",
        "scenario=improvement",
    ]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([-4.5, 2.0])  # percentage points
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == [scenario_color("high_caseload"), scenario_color("improvement")]
    zero = [ln for ln in ax.lines if list(ln.get_xdata()) == [0.0, 0.0]]
    assert len(zero) == 1
    assert "difference from scenario=baseline" in fig.get_suptitle()
    assert "percentage points" in ax.get_xlabel()
    assert "on time" in ax.get_xlabel()


def test_the_baseline_is_the_default_configuration_or_else_the_first_job():
    def grid(caps, turnovers, nums=None):
        jobs = []
        for i, (c, t) in enumerate((c, t) for c in caps for t in turnovers):
            over = {"workforce.caseload_cap": str(c), "workforce.turnover_base": str(t)}
            num = None if nums is None else nums[i]
            jobs.append(_rep_job(f"c{c}t{t}", over, {"visits_on_time": BASE}, num))
        return jobs

    # the schema defaults are caseload_cap 26 and turnover_base 0.087
    baseline, reason = choose_baseline(grid((16, 26), ("0.10", "0.087")))
    assert baseline.overrides == {
        "workforce.caseload_cap": "26",
        "workforce.turnover_base": "0.087",
    }
    assert "defaults" in reason
    policies = [
        _rep_job(
            f"p{a}{b}",
            {"policy.not_seen_list": a, "policy.track_complaint_actions": b},
            {"x": BASE},
        )
        for a in ("true", "false")
        for b in ("true", "false")
    ]
    assert choose_baseline(policies)[0].path.name == "pfalsefalse"
    baseline, reason = choose_baseline(grid((12, 16), ("0.1", "0.3"), nums=[3, 2, 0, 1]))
    assert baseline.path.name == "c16t0.1"  # Hydra's job 0, though listed third
    assert "first job" in reason


def test_jobs_with_unequal_replication_counts_are_skipped_with_a_note():
    jobs = _scenario_jobs()
    jobs.append(_rep_job("j_short", {"scenario": "high_turnover"}, {"visits_on_time": BASE[:3]}))
    baseline = choose_baseline(jobs)[0]
    rows = paired_difference_rows(jobs, baseline)
    short = next(r for r in rows if r["label"] == "scenario=high_turnover")
    assert short["note"] == "skipped: 3 replications, the baseline has 4"
    assert short["n"] == 0
    ax = difference_figure(jobs, "visits_on_time", baseline).axes[0]
    assert len(ax.patches) == 2
    assert len(ax.get_yticklabels()) == 3
    assert any("skipped: 3 replications" in t.get_text() for t in ax.texts)


def test_write_sweep_outputs_writes_paired_differences_beside_the_summary(tmp_path):
    jobs = _scenario_jobs()
    write_sweep_outputs(tmp_path, jobs)
    rows = read_csv(tmp_path / "paired_differences.csv")
    assert list(rows[0]) == [
        "job",
        "label",
        "baseline",
        "kpi",
        "mean_difference",
        "ci_low",
        "ci_high",
        "n",
        "too_few_replications",
        "note",
    ]
    assert [r["job"] for r in rows] == ["j_high", "j_imp"]
    assert [r["too_few_replications"] for r in rows] == ["1", "1"]  # 4 replications
    assert float(rows[0]["mean_difference"]) == pytest.approx(-0.045)
    assert rows[1]["n"] == "4"
    assert (tmp_path / "sweep_summary.csv").exists()
    assert (tmp_path / "difference_visits_on_time.png").exists()
    assert not (tmp_path / "difference_drift_share.png").exists()  # no such KPI here
    report = (tmp_path / "report.html").read_text()
    assert "Paired differences from the baseline" in report
    assert "Differences from scenario=baseline, the baseline scenario." in report
    assert report.count("<figcaption>") == 2  # one comparison and one difference figure
    assert report.count("With 4 replications (fewer than 5)") == 2  # differences, summary
    assert "<th>too_few_replications</th>" not in report  # a flag, not a swept value
    summary = read_csv(tmp_path / "sweep_summary.csv")
    assert {r["too_few_replications"] for r in summary} == {"1"}


def test_a_single_job_has_no_paired_differences(tmp_path):
    write_sweep_outputs(tmp_path, _scenario_jobs()[:1])
    assert (tmp_path / "sweep_summary.csv").exists()
    assert not (tmp_path / "paired_differences.csv").exists()


def test_load_job_keeps_each_replications_kpis_and_the_hydra_job_number(tmp_path):
    job_dir = tmp_path / "scenario=improvement"
    (job_dir / ".hydra").mkdir(parents=True)
    (job_dir / "run.json").write_text(json.dumps({"status": "complete"}))
    (job_dir / ".hydra" / "overrides.yaml").write_text("- scenario=improvement\n")
    (job_dir / ".hydra" / "hydra.yaml").write_text("hydra:\n  job:\n    num: 5\n")
    write_csv(
        job_dir / "kpis.csv", [{"replication": r, "visits_on_time": v} for r, v in enumerate(BASE)]
    )
    mean, low, high, n = t_interval(BASE)
    summary = [{"kpi": "visits_on_time", "mean": mean, "ci_low": low, "ci_high": high, "n": n}]
    write_csv(job_dir / "summary.csv", summary)
    for name in ("timeseries.csv", "episodes.csv", "workers.csv", "teams.csv"):
        (job_dir / name).write_text("replication\n")
    job = load_job(job_dir)
    assert job is not None
    assert job.num == 5
    assert [row["visits_on_time"] for row in job.kpis] == BASE
    assert [row["replication"] for row in job.kpis] == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "experiment", ["caseload_vs_turnover", "policy_comparison", "scenario_gallery"]
)
def test_experiment_files_compose_and_define_a_sweep(experiment):
    import yaml

    from sim import CONF_DIR
    from sim.experiment import check_overrides

    assert check_overrides([f"experiment={experiment}"], multirun=True) is None
    params = yaml.safe_load((CONF_DIR / "experiment" / f"{experiment}.yaml").read_text())["hydra"][
        "sweeper"
    ]["params"]
    assert len(params) >= 1


def test_policy_comparison_runs_its_four_jobs(tmp_path, multirun):
    sweep = tmp_path / "policies"
    proc = multirun(sweep, "experiment=policy_comparison")
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(sweep / "sweep_summary.csv")
    combos = {(r["policy.not_seen_list"], r["policy.track_complaint_actions"]) for r in rows}
    assert combos == {("False", "False"), ("False", "True"), ("True", "False"), ("True", "True")}


def test_a_sweep_jobs_progress_bar_names_the_job_and_its_overrides(capsys, small_config) -> None:
    from sim.experiment import sweep_job_label
    from sim.runner import run_replications

    label = sweep_job_label(3, "workforce.caseload_cap=16,workforce.turnover_base=0.2", "base")
    assert label == "job 3 (workforce.caseload_cap=16,workforce.turnover_base=0.2)"
    assert sweep_job_label(0, "", "baseline") == "job 0 (baseline)", "no overrides: the scenario"
    cfg = small_config(scale=0.1, years=1.0, warmup=0.5, replications=1, n_jobs=1)
    run_replications(cfg, progress=True, label=label)
    assert f"{label}: replications" in capsys.readouterr().err
