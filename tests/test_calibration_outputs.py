"""The model as a function of fitted parameters (sim.calibration_model) and what a
calibration writes (sim.calibration_outputs), on the tiny model."""

from __future__ import annotations

import csv
import math
import pickle
import shlex
import subprocess
import sys
from datetime import date

import numpy as np
import pytest
import yaml

from sim.abc_fit import AbcSettings, Posterior, prior, run
from sim.calibration_model import FitModel
from sim.calibration_outputs import (
    FIT_COLUMNS,
    PARAMETER_COLUMNS,
    POINT_COLUMNS,
    PointSettings,
    best_point,
    distances,
    fit_rows,
    parameter_rows,
    run_command,
    write_outputs,
)
from sim.config import ConfigError, Factor

HOURS, DETECT = "workforce.casework_hours_per_week", "need.detection_prob"
FACTORS = (
    Factor(HOURS, 21.0, 29.0, 25.0, False, "plausible range"),
    Factor(DETECT, 0.85, 1.0, 0.95, False, "plausible range"),
)
KPIS = ("visits_on_time", "referrals_per_year")
OBSERVED = {"visits_on_time": 0.8, "referrals_per_year": 400.0}
SDS = {"visits_on_time": 0.05, "referrals_per_year": 40.0}


@pytest.fixture(scope="module")
def model(small_config):
    """The tiny model (a tenth of the average authority, 1.2 years) with 2 replications."""
    return FitModel(small_config(scale=0.1, years=1.2, warmup=0.2), FACTORS, KPIS, 2)


def test_the_model_returns_finite_kpis_the_same_at_the_same_point(model):
    params = {"workforce__casework_hours_per_week": 24.0, "need__detection_prob": 0.9}
    first = model(params)
    assert list(first) == list(KPIS)
    assert all(math.isfinite(v) for v in first.values())
    assert model(params) == first  # common random numbers: replications 0 and 1
    assert model({HOURS: 24.0, DETECT: 0.9}) == first  # schema keys work too


def test_a_value_the_schema_refuses_gives_nan_not_an_error(model):
    refused = model({"workforce__casework_hours_per_week": 24.0, "need__detection_prob": 1.5})
    assert all(math.isnan(v) for v in refused.values())
    with pytest.raises(ConfigError, match="need.detection_prob"):
        model.config([24.0, 1.5])


def test_the_model_pickles_and_gives_the_same_kpis_after(model):
    params = {HOURS: 27.0, DETECT: 0.95}
    assert pickle.loads(pickle.dumps(model))(params) == model(params)


def test_a_batch_gives_means_and_variances_per_point_and_nan_for_a_refused_one(model):
    x = np.array([[24.0, 0.9], [24.0, 1.5]])
    means, variances = model.simulate(x, n_jobs=1, progress=False)
    assert means.shape == variances.shape == (2, 2)
    single = model({HOURS: 24.0, DETECT: 0.9})
    assert means[0].tolist() == pytest.approx([single[k] for k in KPIS], rel=1e-12)
    assert np.all(np.isfinite(variances[0]))
    assert np.all(variances[0] >= 0)
    assert np.all(np.isnan(means[1]))


def test_posterior_predictive_draws_each_run_their_own_replication(model):
    # The same parameters at two draws differ only by their replication (R + i).
    draws = model.predictive(np.array([[24.0, 0.9], [24.0, 0.9]]), progress=False)
    assert draws.shape == (2, 2)
    assert draws[0, 1] != draws[1, 1]


def test_an_unknown_kpi_is_refused(small_config):
    with pytest.raises(ConfigError, match="unknown no_such_kpi"):
        FitModel(small_config(), FACTORS, ("no_such_kpi",), 1)


def test_fit_rows_give_the_band_of_the_draws_and_whether_the_figure_is_in_it():
    draws = np.column_stack([np.linspace(0.6, 0.9, 101), np.linspace(300, 350, 101)])
    draws[0] = math.nan  # a refused draw is left out
    rows = {r["target"]: r for r in fit_rows(KPIS, OBSERVED, SDS, draws)}
    visits, referrals = rows["visits_on_time"], rows["referrals_per_year"]
    assert visits["band_low"] == pytest.approx(np.percentile(draws[1:, 0], 5))
    assert visits["band_high"] == pytest.approx(np.percentile(draws[1:, 0], 95))
    assert visits["simulated_mean"] == pytest.approx(draws[1:, 0].mean())
    assert visits["within"] is True  # 0.8 inside about [0.62, 0.88]
    assert referrals["within"] is False  # 400 above about [303, 348]
    assert referrals["uncertainty"] == 40.0


def test_shrinkage_says_which_parameters_the_data_pin_down():
    rng = np.random.default_rng(1)
    flat = rng.uniform(0.85, 1.0, 4000)  # the data say nothing: shrinkage about 0.1
    narrow = rng.normal(25.0, 0.5, 4000)  # 90% width 1.6 of a range of 8: about 0.8
    post = Posterior((HOURS, DETECT), np.column_stack([narrow, flat]), np.full(4000, 1 / 4000), 5)
    bounds = np.array([[21.0, 29.0], [0.85, 1.0]])
    rows = {r["parameter"]: r for r in parameter_rows(post, bounds)}
    assert rows[HOURS]["shrinkage"] == pytest.approx(1 - 2 * 1.645 * 0.5 / 8, abs=0.03)
    assert rows[HOURS]["pinned"] is True
    assert rows[DETECT]["shrinkage"] == pytest.approx(0.1, abs=0.03)
    assert rows[DETECT]["pinned"] is False
    assert rows[HOURS]["median"] == pytest.approx(25.0, abs=0.05)
    assert rows[HOURS]["effective_sample_size"] == pytest.approx(4000)


def test_a_posterior_carried_by_a_few_particles_says_nothing_about_pinning():
    """With one particle holding most of the weight (effective sample size below 20) the
    interval is rough: ``pinned`` is left empty whatever the shrinkage."""
    rng = np.random.default_rng(2)
    samples = np.column_stack([rng.normal(25.0, 0.5, 40), rng.uniform(0.85, 1.0, 40)])
    weights = np.full(40, 0.25 / 39)
    weights[0] = 0.75  # effective sample size 1 / (0.75^2 + 39 (0.25/39)^2) = 1.77
    post = Posterior((HOURS, DETECT), samples, weights, 3)
    rows = parameter_rows(post, np.array([[21.0, 29.0], [0.85, 1.0]]))
    assert rows[0]["effective_sample_size"] == pytest.approx(1.0 / (0.5625 + 0.0625 / 39))
    assert [r["pinned"] for r in rows] == ["", ""]


def test_distances_are_abcs_weighted_two_norm_and_infinite_with_a_nan():
    means = np.array([[0.85, 440.0], [0.8, 400.0], [math.nan, 400.0]])
    d = distances(means, KPIS, OBSERVED, SDS)
    assert d[0] == pytest.approx(math.hypot(0.05 / 0.05, 40.0 / 40.0))
    assert d[1] == 0.0
    assert d[2] == math.inf


def test_the_point_is_the_draw_closest_to_the_targets_over_common_replications(model):
    """Three draws: the one whose KPI means (the same replications for each) are closest
    wins; the rows say so; with no draws the point is the posterior medians."""
    post = Posterior(
        (HOURS, DETECT), np.array([[22.0, 0.9], [26.0, 0.95]]), np.array([0.5, 0.5]), 2
    )
    tried = np.array([[22.0, 0.9], [26.0, 0.95], [28.0, 1.0]])
    means = model.means_at(tried, 3, progress=False)
    assert means.shape == (3, 2)
    observed = dict(zip(KPIS, means[1].tolist(), strict=True))  # draw 1 fits exactly
    point = best_point(model, post, tried, observed, SDS, PointSettings(3, 3), progress=False)
    assert point.values.tolist() == [26.0, 0.95]
    assert [r["chosen"] for r in point.rows] == [False, True, False]
    assert point.rows[1]["distance"] == 0.0
    assert "posterior draw 1" in point.how
    medians = best_point(model, post, tried, observed, SDS, PointSettings(0, 3))
    assert medians.values.tolist() == post.median().tolist()
    assert medians.rows == []


def test_the_point_tries_distinct_draws_and_lists_them_when_every_one_is_refused(model):
    """Weighted draws repeat particles: a repeat is skipped (it would run the same
    replications again), and a row's draw is the check's draw. When the schema refuses
    every draw tried, the medians stand in and the draws are still listed, none chosen."""
    post = Posterior(
        (HOURS, DETECT), np.array([[22.0, 0.9], [26.0, 0.95]]), np.array([0.5, 0.5]), 2
    )
    tried = np.array([[22.0, 0.9], [22.0, 0.9], [26.0, 0.95], [22.0, 0.9], [28.0, 1.0]])
    means = model.means_at(tried[[2]], 3, progress=False)
    observed = dict(zip(KPIS, means[0].tolist(), strict=True))  # check draw 2 fits exactly
    point = best_point(model, post, tried, observed, SDS, PointSettings(3, 3), progress=False)
    assert [r["draw"] for r in point.rows] == [0, 2, 4]
    assert [r["chosen"] for r in point.rows] == [False, True, False]
    assert point.how.startswith("posterior draw 2: of 3 distinct draws")
    refused = np.array([[22.0, 1.5], [26.0, 1.2]])  # detection above 1: refused
    medians = best_point(model, post, refused, observed, SDS, PointSettings(3, 3))
    assert medians.values.tolist() == post.median().tolist()
    assert [(r["draw"], r["chosen"], r["distance"]) for r in medians.rows] == [
        (0, False, math.inf),
        (1, False, math.inf),
    ]


@pytest.fixture(scope="module")
def written(model, tmp_path_factory):
    """A calibration's outputs from a made-up posterior (hours near 26, detection flat)."""
    rng = np.random.default_rng(7)
    n = 60
    samples = np.column_stack([rng.normal(26.0, 0.4, n), rng.uniform(0.85, 1.0, n)])
    weights = rng.uniform(0.5, 1.5, n)
    post = Posterior((HOURS, DETECT), samples, weights / weights.sum(), 4, [3.0, 2.0], 400, 1.0)
    folder = tmp_path_factory.mktemp("calibration")
    out = write_outputs(
        folder,
        model,
        post,
        OBSERVED,
        SDS,
        draws=6,
        progress=False,
        overrides=("run.years=0.2",),
        when=date(2025, 3, 31),
    )
    return folder, post, out


def _read(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_folder_holds_every_output_with_its_columns(written):
    folder, post, out = written
    posterior = _read(folder / "posterior.csv")
    assert list(posterior[0]) == ["sample", "weight", HOURS, DETECT]
    assert len(posterior) == 60
    assert sum(float(r["weight"]) for r in posterior) == pytest.approx(1.0)
    assert [float(r[HOURS]) for r in posterior] == post.samples[:, 0].tolist()
    fit = _read(folder / "fit.csv")
    assert tuple(fit[0]) == FIT_COLUMNS
    assert [r["target"] for r in fit] == list(KPIS)
    for row in fit:
        inside = float(row["band_low"]) <= float(row["published"]) <= float(row["band_high"])
        assert row["within"] == ("true" if inside else "false")
    assert out.draws.shape == (6, 2)
    params = _read(folder / "parameters.csv")
    assert tuple(params[0]) == PARAMETER_COLUMNS
    assert [r["pinned"] for r in params] == ["true", "false"]
    header = (folder / "points.csv").read_text(encoding="utf-8").splitlines()
    assert header == [",".join((*POINT_COLUMNS, HOURS, DETECT, *KPIS))]  # medians: no draws
    for name in ("posterior_predictive.png", "pairs.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (folder / ".partial").exists()


def test_calibrated_yaml_is_a_scenario_at_the_posterior_medians(written):
    folder, post, _ = written
    text = (folder / "calibrated.yaml").read_text(encoding="utf-8")
    assert text.startswith("# @package _global_\n")
    assert "2025-03-31" in text
    assert "visits_on_time 0.8 ± 0.05" in text
    assert run_command(folder, "calibrated", ["run.years=0.2"]) in text
    values = yaml.safe_load(text)
    median = post.median()
    assert values["scenario_name"] == "calibrated"
    assert values["workforce"]["casework_hours_per_week"] == pytest.approx(median[0], rel=1e-5)
    assert values["need"]["detection_prob"] == pytest.approx(median[1], rel=1e-5)
    assert (folder / "scenario" / "calibrated.yaml").read_text(encoding="utf-8") == text


def test_calibrated_yaml_holds_the_chosen_draw_and_points_csv_the_draws_tried(model, tmp_path):
    rng = np.random.default_rng(3)
    samples = np.column_stack([rng.uniform(22.0, 28.0, 20), rng.uniform(0.85, 1.0, 20)])
    post = Posterior((HOURS, DETECT), samples, np.full(20, 1 / 20), 2)
    write_outputs(
        tmp_path, model, post, OBSERVED, SDS, draws=4, progress=False, point=PointSettings(3, 2)
    )
    rows = _read(tmp_path / "points.csv")
    assert [int(r["draw"]) for r in rows] == [0, 1, 2]
    chosen = [r for r in rows if r["chosen"] == "true"]
    assert len(chosen) == 1
    assert float(chosen[0]["distance"]) == min(float(r["distance"]) for r in rows)
    values = yaml.safe_load((tmp_path / "calibrated.yaml").read_text(encoding="utf-8"))
    assert values["workforce"]["casework_hours_per_week"] == pytest.approx(
        float(chosen[0][HOURS]), rel=1e-5
    )
    assert f"posterior draw {chosen[0]['draw']}: of 3 distinct draws" in (
        tmp_path / "calibrated.yaml"
    ).read_text(encoding="utf-8")


def test_the_documented_command_runs_the_calibrated_values(written, tmp_path):
    folder, post, _ = written
    values = yaml.safe_load((folder / "calibrated.yaml").read_text(encoding="utf-8"))
    command = shlex.split(run_command(folder))
    assert command[:3] == ["python", "-m", "sim"]
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            *command[1:],
            "run.years=0.2",
            "run.warmup_years=0.1",
            "run.replications=1",
            f"hydra.run.dir={run_dir}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ran = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    assert ran["scenario_name"] == "calibrated"
    hours = values["workforce"]["casework_hours_per_week"]
    assert ran["workforce"]["casework_hours_per_week"] == hours
    assert ran["need"]["detection_prob"] == values["need"]["detection_prob"]
    assert hours != 25.0  # not the default


def test_the_posterior_draws_run_as_a_sweep_of_scenarios(written, tmp_path):
    """Each posterior-predictive draw is a scenario file; the sweep calibrated.yaml names
    runs them all, each with its draw's values (parameter uncertainty carried)."""
    folder, _, _ = written
    files = sorted((folder / "scenario").glob("calibrated_draw_*.yaml"))
    assert len(files) == 6
    header = (folder / "calibrated.yaml").read_text(encoding="utf-8")
    (line,) = [x for x in header.splitlines() if "python -m sim -m" in x]
    command = shlex.split(line.lstrip("# "))
    names = [a for a in command if a.startswith("scenario=")][0]
    assert names == "scenario=" + ",".join(f.stem for f in files)
    command[command.index(names)] = "scenario=calibrated_draw_000,calibrated_draw_001"
    sweep = tmp_path / "sweep"
    done = subprocess.run(
        [
            sys.executable,
            *command[1:],  # the calibration's own overrides (run.years=0.2) included
            "run.warmup_years=0.1",
            "run.replications=1",
            f"hydra.sweep.dir={sweep}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for f in files[:2]:
        drawn = yaml.safe_load(f.read_text(encoding="utf-8"))
        (job,) = [d for d in sweep.iterdir() if f.stem in d.name]
        ran = yaml.safe_load((job / "config.yaml").read_text(encoding="utf-8"))
        hours = drawn["workforce"]["casework_hours_per_week"]
        assert ran["workforce"]["casework_hours_per_week"] == hours


def test_a_scenario_name_of_conf_is_refused(written, model, tmp_path):
    _, post, _ = written
    with pytest.raises(ConfigError, match="'baseline' is a scenario of conf/"):
        write_outputs(tmp_path, model, post, OBSERVED, SDS, draws=2, name="baseline")
    assert not any(tmp_path.iterdir())


def test_the_model_runs_under_pyabcs_multicore_sampler(model, tmp_path):
    # The FitModel is pickled to the sampler's worker processes; 3 particles, 1 generation.
    bounds = np.array([[f.low, f.high] for f in FACTORS])
    settings = AbcSettings(population=3, generations=1, sampler="multicore", n_procs=2)
    post = run(
        model,
        prior(model.keys, bounds),
        OBSERVED,
        SDS,
        settings,
        tmp_path / "abc.db",
        progress=False,
    )
    assert post.names == (HOURS, DETECT)
    assert len(post.samples) == 3
    assert np.all((post.samples >= bounds[:, 0]) & (post.samples <= bounds[:, 1]))


def test_a_posterior_of_other_parameters_is_refused(model, tmp_path):
    post = Posterior((DETECT, HOURS), np.ones((2, 2)), np.full(2, 0.5), 1)
    with pytest.raises(ConfigError, match="not the model's"):
        write_outputs(tmp_path, model, post, OBSERVED, SDS, draws=2, progress=False)
    assert not any(tmp_path.iterdir())


def test_within_tolerance_reads_the_targets_tolerance():
    """fit.csv's within_tolerance: the draws' mean against each target's tolerance test;
    empty where the test has none for the target or no test is given."""
    draws = np.array([[100.0, 0.5], [110.0, 0.7]])  # means 105 and 0.6

    def tolerance(kpi: str, simulated: float) -> bool | None:
        return abs(simulated / 100 - 1) <= 0.10 if kpi == "a" else None

    rows = fit_rows(["a", "b"], {"a": 100.0, "b": 0.6}, {"a": 5.0, "b": 0.1}, draws, tolerance)
    assert [r["within_tolerance"] for r in rows] == [True, ""]
    far = fit_rows(["a"], {"a": 100.0}, {"a": 5.0}, draws[:, :1] * 2, tolerance)
    assert far[0]["within_tolerance"] is False
    assert fit_rows(["a"], {"a": 100.0}, {"a": 5.0}, draws[:, :1])[0]["within_tolerance"] == ""
