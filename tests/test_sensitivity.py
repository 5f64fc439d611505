"""The sensitivity engine (issue 17): known answers, resuming, determinism, refusals, batches.

Most tests run the engine on an analytic stand-in for the model (``evaluate`` is
injectable): KPI ``visits_on_time`` is ``x1 + 0.2 x2`` and ``drift_share`` is ``0.3 x2``
(each factor scaled to [0, 1] over its range), plus noise drawn from the point's run
seed and the replication, as the model's would be. x3 is read by nothing. So x1
dominates the first KPI, x3 and the dummy do nothing, and the dummy's indices are what
the noise alone gives.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.config import Config
from sim.interrupts import Interrupted
from sim.results import read_csv
from sim.sensitivity import PointJob, cli, plan, prepare, run_study
from sim.sensitivity_analysis import keep, noise_share, point_means
from sim.sensitivity_design import DUMMY, dummy_seed
from sim.sensitivity_folder import analyse_folder
from sim.sensitivity_settings import MorrisSettings, SobolSettings

X1, X2, X3 = "workforce.casework_hours_per_week", "need.detection_prob", "complaints.upheld_prob"
RANGES = {X1: [15.0, 35.0], X2: [0.7, 1.0], X3: [0.2, 0.6]}
KPIS = ["visits_on_time", "drift_share"]
NOISE = 0.05
"""The analytic KPIs' noise (sd of one replication)."""
SOURCE = str(Path(sim.__file__).resolve().parents[1])


def _unit(job: PointJob, key: str) -> float:
    low, high = RANGES[key]
    return (job.values[key] - low) / (high - low)


def analytic_kpis(job: PointJob) -> dict[str, float]:
    """The stand-in model: x1 dominates visits_on_time, x3 and the dummy do nothing."""
    noise = np.random.default_rng([job.cfg.run.seed, job.replication]).normal(0.0, NOISE)
    x1, x2 = _unit(job, X1), _unit(job, X2)
    return {"visits_on_time": x1 + 0.2 * x2 + noise, "drift_share": 0.3 * x2 + noise}


def analytic(jobs, n_jobs, progress, done) -> None:
    for j, job in enumerate(jobs):
        done(j, analytic_kpis(job))


def _settings(kind=MorrisSettings, **given):
    base = {"factors": [X1, X2, X3], "ranges": RANGES, "kpis": KPIS, "n_jobs": 1}
    return kind(**{**base, **given})


def _rows(path: Path, kpi: str) -> dict[str, dict[str, str]]:
    return {r["parameter"]: r for r in read_csv(path / "indices.csv") if r["kpi"] == kpi}


@pytest.fixture(scope="module")
def base() -> Config:
    return Config()


def test_morris_finds_the_dominant_factor_and_the_dummy_measures_noise(base, tmp_path):
    trajectories, replications = 20, 3
    settings = _settings(trajectories=trajectories, replications=replications, out=str(tmp_path))
    analysis = run_study(plan(base, settings), analytic, progress=False).analysis
    assert analysis is not None
    rows = _rows(tmp_path, "visits_on_time")
    mu = {name: float(r["mu_star"]) for name, r in rows.items()}
    assert max(mu, key=mu.get) == X1
    assert mu[X1] == pytest.approx(1.0, abs=1e-9), "x1's effect over its whole range is 1"
    assert mu[X3] == 0.0, "x3 is read by nothing and its steps keep the random numbers"
    # A dummy step changes only the random numbers: its elementary effect is the difference
    # of two independent point means over the step (2/3 of the range at 4 levels), sd
    # NOISE sqrt(2 / R) / (2/3); mu* (the mean of |EE| over 20 trajectories) is then about
    # 0.8 of it with a standard error of 0.6 / sqrt(20) of it. 0.3 to 1.6 is > 3 s.e. wide.
    sd_effect = NOISE * math.sqrt(2 / replications) / (2 / 3)
    assert 0.3 * sd_effect < mu[DUMMY] < 1.6 * sd_effect
    assert rows[X1]["distinguishable"] == "true"
    assert rows[X3]["distinguishable"] == rows[DUMMY]["distinguishable"] == "false"
    noise = {r["kpi"]: float(r["noise_share"]) for r in read_csv(tmp_path / "noise.csv")}
    assert 0.0 < noise["visits_on_time"] < 0.05, "x1's spread dwarfs the noise"
    # The finished study also gets its figures and report, with the run's time.
    assert (tmp_path / "morris_visits_on_time.png").is_file()
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "casework_hours_per_week" in page
    assert "(wall clock)" in page
    assert json.loads((tmp_path / "run_time.json").read_text())["points_run"] == len(
        read_csv(tmp_path / "design.csv")
    )


def test_sobol_finds_the_dominant_factor_and_the_dummys_total_index_is_near_zero(base, tmp_path):
    settings = _settings(SobolSettings, base_samples=256, replications=3, out=str(tmp_path))
    run_study(plan(base, settings), analytic, progress=False)
    rows = _rows(tmp_path, "visits_on_time")
    st = {name: float(r["ST"]) for name, r in rows.items()}
    assert max(st, key=st.get) == X1
    assert st[X1] > 0.85  # exactly 1 / (1 + 0.04 + 0.01) = 0.95 in expectation
    # The dummy's ST is the noise variance of a point mean over the total variance:
    # (0.05^2 / 3) / (1/12 + 0.04/12 + 0.05^2/3) = 0.009; 0.05 allows for the estimate.
    assert abs(st[DUMMY]) < 0.05
    assert rows[X1]["distinguishable"] == "true"
    assert rows[DUMMY]["distinguishable"] == "false"
    assert {r["S1"] for r in rows.values()} != {""}
    assert {r["mu_star"] for r in rows.values()} == {""}


def test_points_share_their_random_numbers_unless_the_dummy_steps(base):
    settings = _settings(trajectories=3, replications=2)
    study = plan(base, settings)
    seeds = [cfg.run.seed for cfg in study.configs]
    steps = 0
    for i in range(1, study.n_points):
        if i % 5 == 0:  # a new trajectory of 4 steps
            continue
        moved = [study.spec.keys[j] for j in np.nonzero(study.x[i] != study.x[i - 1])[0]]
        assert (seeds[i] != seeds[i - 1]) == (moved == [DUMMY]), moved
        steps += moved == [DUMMY]
    assert steps == 3, "one dummy step a trajectory"
    assert dummy_seed(base.run.seed, 1, 0.5) == dummy_seed(base.run.seed, 1, 0.5)
    assert dummy_seed(base.run.seed, 1, 0.5) != dummy_seed(base.run.seed, 2, 0.5)


def test_whole_number_factors_are_run_as_whole_numbers(base, tmp_path):
    settings = MorrisSettings(
        factors=["workforce.caseload_cap"],
        ranges={"workforce.caseload_cap": [16, 30]},
        kpis=KPIS,
        trajectories=4,
        out=str(tmp_path),
    )
    study = plan(base, settings)
    caps = {cfg.workforce.caseload_cap for cfg in study.configs}
    assert all(isinstance(c, int) for c in caps)
    assert caps <= {16, 21, 25, 30}, "levels 16, 20.7, 25.3, 30 rounded"
    run_study(
        study, lambda jobs, n, p, done: [done(j, {k: 0.5 for k in KPIS}) for j in range(len(jobs))]
    )
    column = [row["workforce.caseload_cap"] for row in read_csv(tmp_path / "design.csv")]
    assert set(column) <= {"16", "21", "25", "30"}


def test_an_interrupted_study_resumes_without_recomputing_a_finished_point(base, tmp_path):
    settings = _settings(trajectories=4, replications=2)
    whole = plan(base, settings)
    whole.folder = tmp_path / "whole"
    run_study(whole, analytic)
    stopped_at = 7

    def failing(jobs, n_jobs, progress, done):
        for j, job in enumerate(jobs):
            if job.point == stopped_at:
                raise RuntimeError("the evaluation failed")
            done(j, analytic_kpis(job))

    study = plan(base, settings)
    study.folder = tmp_path / "resumed"
    with pytest.raises(RuntimeError):
        run_study(study, failing)
    kept = sorted(p.name for p in (study.folder / "points").iterdir())
    assert kept == [f"{i:05d}.csv" for i in range(stopped_at)]
    assert not any((study.folder / n).exists() for n in ("outputs.csv", "indices.csv", "noise.csv"))
    evaluated: list[int] = []

    def counting(jobs, n_jobs, progress, done):
        evaluated.extend(job.point for job in jobs)
        analytic(jobs, n_jobs, progress, done)

    outcome = run_study(study, counting)
    assert sorted(set(evaluated)) == list(range(stopped_at, study.n_points))
    assert (outcome.found, outcome.ran) == (stopped_at, study.n_points - stopped_at)
    for name in ("design.csv", "study.json", "outputs.csv", "indices.csv", "noise.csv"):
        assert (study.folder / name).read_bytes() == (whole.folder / name).read_bytes(), name
    evaluated.clear()
    run_study(study, counting)
    assert evaluated == [], "a finished study runs nothing again"


def test_an_interruption_names_the_folder_of_the_points_kept(base, tmp_path):
    def interrupted(jobs, n_jobs, progress, done):
        done(0, analytic_kpis(jobs[0]))
        done(1, analytic_kpis(jobs[1]))
        raise KeyboardInterrupt

    study = plan(base, _settings(trajectories=2, replications=2, out=str(tmp_path)))
    with pytest.raises(Interrupted) as stop:
        run_study(study, interrupted)
    assert stop.value.folder == tmp_path
    assert [p.name for p in (tmp_path / "points").iterdir()] == ["00000.csv"]


def test_a_kpi_with_nothing_to_measure_at_a_point_gets_no_indices_and_a_note(base, tmp_path):
    def gaps(jobs, n_jobs, progress, done):
        for j, job in enumerate(jobs):
            kpis = analytic_kpis(job)
            if job.point == 3:
                kpis["drift_share"] = math.nan
            done(j, kpis)

    outcome = run_study(plan(base, _settings(trajectories=2, out=str(tmp_path))), gaps)
    assert outcome.analysis is not None
    assert outcome.analysis.notes == [
        "drift_share: no indices, nothing to measure at 1 of 10 design points"
    ]
    drift = _rows(tmp_path, "drift_share")
    assert {r["mu_star"] for r in drift.values()} == {""}
    assert {r["distinguishable"] for r in drift.values()} == {"false"}
    assert _rows(tmp_path, "visits_on_time")[X1]["mu_star"] != ""
    outputs = [r for r in read_csv(tmp_path / "outputs.csv") if r["point"] == "3"]
    assert [r["drift_share"] for r in outputs] == ["", "", ""]


def test_noise_share_is_the_noise_variance_of_a_point_mean_over_that_of_the_means():
    values = np.array([[1.0, 3.0], [5.0, 7.0]])
    # within-point variance 2, over 2 replications 1; point means 2 and 6, variance 8
    assert noise_share(values) == pytest.approx(1 / 8)
    assert noise_share(np.array([[1.0, 3.0], [1.0, 3.0]])) == 1.0, "capped at 1"
    assert math.isnan(noise_share(np.array([[1.0], [2.0]])))
    assert point_means(np.array([[1.0, math.nan], [math.nan, math.nan]]))[0] == 1.0
    assert math.isnan(point_means(np.array([[math.nan, math.nan]]))[0])


def _index_row(parameter: str, kpi: str, mu: float, mark: bool) -> dict[str, str]:
    return {
        "parameter": parameter,
        "kpi": kpi,
        "mu_star": str(mu),
        "distinguishable": str(mark).lower(),
    }


def test_the_keep_rule_ranks_by_mu_star_over_the_dummys():
    rows = [
        _index_row("a", "k1", 0.5, True),  # 5 x the dummy
        _index_row("b", "k1", 0.3, False),
        _index_row("c", "k1", 0.2, True),
        _index_row(DUMMY, "k1", 0.1, False),
        _index_row("a", "k2", 1.0, True),  # 1 x the dummy
        _index_row("b", "k2", 9.0, False),
        _index_row("c", "k2", 80.0, True),  # 8 x the dummy: c's best
        _index_row(DUMMY, "k2", 10.0, False),
    ]
    assert keep(rows, "distinguishable", 8)[0] == ["c", "a"]
    assert keep(rows, "distinguishable", 1)[0] == ["c"]
    assert keep(rows, "ranked", 8)[0] == ["c", "a", "b"]
    assert "at most 1; kept 1 of 3" in keep(rows, "distinguishable", 1)[1]


def test_the_sobol_stage_takes_the_factors_the_screen_kept(base, tmp_path):
    screen = tmp_path / "morris"
    run_study(plan(base, _settings(trajectories=20, replications=3, out=str(screen))), analytic)
    sobol = plan(base, SobolSettings(keep_from=str(screen), kpis=KPIS, base_samples=8))
    kept = [f.key for f in sobol.spec.factors]
    assert kept[-1] == DUMMY
    assert X1 in kept
    assert X3 not in kept
    assert sobol.spec.kept_from == str(screen)
    assert sobol.spec.kept_rule.startswith("distinguishable: ")
    assert {f.key: (f.low, f.high) for f in sobol.spec.factors}[X1] == (15.0, 35.0)


@pytest.fixture(scope="module")
def real_study(tmp_path_factory, small_config):
    """A tiny Morris study of the model itself: 3 factors, 20 points, 2 replications."""
    cfg = small_config(scale=0.1, years=1.2, warmup=0.2)
    folder = tmp_path_factory.mktemp("real")
    settings = _settings(trajectories=4, replications=2, out=str(folder), kpis=None)
    run_study(plan(cfg, settings), progress=False)
    return cfg, settings, folder


def test_the_weekly_casework_budget_dominates_visits_on_time_in_the_model(real_study):
    # Visits are done in the hours a worker has for casework; at 15 hours a week a team
    # falls behind its visits, at 35 it keeps up. Detection on visits and complaints
    # upheld do not change how many visits are made (a 25-fold margin when checked).
    _, _, folder = real_study
    rows = _rows(folder, "visits_on_time")
    mu = {name: float(r["mu_star"]) for name, r in rows.items()}
    assert max(mu, key=mu.get) == X1
    assert rows[X1]["distinguishable"] == "true"
    assert mu[X1] > 5 * max(mu[X2], mu[X3], mu[DUMMY])


def test_a_study_gives_identical_outputs_whatever_the_number_of_processes(real_study, tmp_path):
    cfg, settings, folder = real_study
    run_study(plan(cfg, replace(settings, out=str(tmp_path), n_jobs=2)), progress=False)
    for name in ("design.csv", "outputs.csv", "indices.csv", "noise.csv"):
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name


TINY = [
    "authority=rutland",
    "run.years=1.2",
    "run.warmup_years=0.2",
    f"sensitivity.factors=[{X1},{X2}]",
    f"sensitivity.ranges={{{X1}:[15,35],{X2}:[0.7,1]}}",
    "sensitivity.kpis=[visits_on_time,drift_share]",
    "sensitivity.trajectories=2",
    "sensitivity.replications=2",
    "sensitivity.n_jobs=1",
]
"""A tiny study through the command line: 2 factors, 8 points of a small authority."""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sensitivity.factors=[need.nope]"], "sensitivity.factors: unknown key 'need.nope'"),
        (
            ["sensitivity.factors=[pathway.icpc_due_wd]"],
            "pathway.icpc_due_wd has no plausible range",
        ),
        (
            [f"sensitivity.factors=[{X2}]", f"sensitivity.ranges={{{X2}:[0.5,1.2]}}"],
            f"sensitivity.ranges: {X2} = 1.2 is out of range; allowed: 0 to 1",
        ),
        (["sensitivity.factors=[workforce.dynamics]"], "workforce.dynamics is not a number"),
        (["sensitivity.trajectoriez=3"], "unknown key 'sensitivity.trajectoriez'"),
        (["sensitivity=fast"], "unknown sensitivity 'fast'; available: morris, sobol"),
        (["sensitivity.levels=3"], "sensitivity.levels = 3 is out of range"),
        (["sensitivity=sobol", "sensitivity.base_samples=6"], "a power of 2"),
        (["run.replications=5"], "run.replications: sim.sensitivity ignores it"),
        (["run.n_jobs=2"], "run.n_jobs: sim.sensitivity ignores it; use sensitivity.n_jobs"),
        (["sensitivity.batch=range(0,2)"], "gives several values"),
        (["sensitivity.kpis=[nope]"], "unknown KPI 'nope'"),
    ],
)
def test_bad_input_is_one_line_with_status_2(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as end:
        cli([*args, f"sensitivity.out={tmp_path / 'study'}"])
    assert end.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("sim.sensitivity: error: ")
    assert message in err[0]
    assert not (tmp_path / "study").exists()


def test_changed_settings_on_a_study_folder_are_refused_in_one_line(tmp_path, capsys):
    out = f"sensitivity.out={tmp_path}"
    prepare([*TINY, out])  # writes study.json and design.csv, runs nothing
    changed = [a for a in TINY if not a.startswith("sensitivity.trajectories=")]
    with pytest.raises(SystemExit) as end:
        cli([*changed, out, "sensitivity.trajectories=3"])
    assert end.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "holds another study (settings: " in err[0]
    assert "to start afresh remove the folder or give another sensitivity.out" in err[0]


def _command(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SOURCE, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "sim.sensitivity", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=cwd,
        env=env,
    )


def test_a_batched_study_runs_through_submitits_local_executor(tmp_path):
    """Three batches as three tasks of the SLURM launcher's local executor, one folder."""
    batched = tmp_path / "batched"
    proc = _command(
        tmp_path,
        "-m",
        *TINY,
        f"sensitivity.out={batched}",
        "sensitivity.batches=3",
        "sensitivity.batch=range(0,3)",
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
    )
    assert proc.returncode == 0, proc.stderr
    assert len(list((batched / "points").iterdir())) == 8
    assert "strongest factors" in proc.stdout, "analysed when the tasks ended"
    # the same study in one process, planned from the same overrides, gives the same files
    plain = tmp_path / "plain"
    run_study(prepare([*TINY, f"sensitivity.out={plain}"]), progress=False)
    for name in ("study.json", "design.csv", "outputs.csv", "indices.csv", "noise.csv"):
        assert (batched / name).read_bytes() == (plain / name).read_bytes(), name
    # a plain rerun at stage analyse finds every point done and writes the outputs again
    for name in ("outputs.csv", "indices.csv", "noise.csv"):
        (batched / name).unlink()
    proc = _command(tmp_path, *TINY, f"sensitivity.out={batched}", "sensitivity.stage=analyse")
    assert proc.returncode == 0, proc.stderr
    assert "8 design points: 8 done before, 0 run now" in proc.stdout
    assert (batched / "indices.csv").read_bytes() == (plain / "indices.csv").read_bytes()
    assert analyse_folder(batched).method == "morris"
