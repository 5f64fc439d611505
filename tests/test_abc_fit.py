"""ABC-SMC (sim.abc_fit) on analytic models with known answers: posterior, prior, resume."""

from __future__ import annotations

import logging
import math
import pickle

import numpy as np
import pytest

from sim.abc_fit import (
    AbcSettings,
    PlausiblePrior,
    Posterior,
    TargetDistance,
    key_of,
    param_name,
    prior,
    run,
    stop_file,
)
from sim.config import ConfigError

NOISE = 0.3
"""The toy's observation noise (sd of each output)."""
TRUTH = np.array([1.0, -0.5])
OBSERVED = {"m1": 1.2, "m2": -0.6}
"""Outputs of the truth with noise of 0.67 and 0.33 sd: inside the exact 90% interval."""
SDS = {"m1": NOISE, "m2": NOISE}
KEYS = ["toy.a", "toy.b"]
BOX = np.array([[-2.0, 3.0], [-3.0, 2.0]])


class GaussianToy:
    """m_k = theta_k + N(0, NOISE^2): with a flat prior the posterior is N(observed, NOISE^2).

    Its noise comes from numpy's global generator, as pyABC's own random numbers do.
    """

    def __call__(self, params):
        x = np.array([params["toy__a"], params["toy__b"]]) + NOISE * np.random.normal(size=2)
        return {"m1": float(x[0]), "m2": float(x[1])}


class Recorder(GaussianToy):
    """The toy, keeping every parameter it is asked about (the single-core sampler)."""

    def __init__(self):
        self.asked = []

    def __call__(self, params):
        self.asked.append([params["toy__a"], params["toy__b"]])
        return super().__call__(params)


class RefusesNegative(GaussianToy):
    """NaN outputs where toy.a < 0, as a FitModel gives for values the schema refuses."""

    def __call__(self, params):
        if params["toy__a"] < 0:
            return dict.fromkeys(OBSERVED, math.nan)
        return super().__call__(params)


class NeverFits(GaussianToy):
    """NaN outputs everywhere: no particle is ever accepted."""

    def __call__(self, params):
        return dict.fromkeys(OBSERVED, math.nan)


def below_diagonal(x):
    """History matching's test stand-in: a + b < 0.5 is not ruled out."""
    return x[:, 0] + x[:, 1] < 0.5


def nowhere(x):
    """A test that rules every point out."""
    return np.zeros(len(x), dtype=bool)


def _fit(tmp_path, model=None, name="abc.db", verbose=False, resume=True, **settings):
    options = {"population": 50, "generations": 3, "sampler": "single", "seed": 3} | settings
    return run(
        model or GaussianToy(),
        prior(KEYS, BOX),
        OBSERVED,
        SDS,
        AbcSettings(**options),
        tmp_path / name,
        resume=resume,
        progress=False,
        verbose=verbose,
    )


def test_the_posterior_covers_the_truth_and_shrinks_to_the_known_posterior(tmp_path):
    # Exact posterior: N(observed, 0.3^2) per parameter, 90% width 2 x 1.645 x 0.3 = 0.99.
    # ABC with epsilon > 0 is a little wider; after 8 generations (epsilon about 0.6 of the
    # noise) three seeds gave widths 0.82-1.18 (a 5-95% quantile of about 130 effective
    # particles is within about 15%), hence the bounds 0.6 and 1.6 of the exact width.
    post = _fit(tmp_path, population=200, generations=8, seed=0)
    assert post.generations == 8
    assert post.names == tuple(KEYS)
    interval = post.interval(0.9)
    assert np.all(interval[:, 0] < TRUTH)
    assert np.all(TRUTH < interval[:, 1])
    exact = 2 * 1.645 * NOISE
    width = interval[:, 1] - interval[:, 0]
    assert np.all(width > 0.6 * exact), width
    assert np.all(width < 1.6 * exact), width
    assert np.all(width < 0.25 * (BOX[:, 1] - BOX[:, 0]))  # shrunk from the prior's 5
    # The median of ~130 effective particles is within ~0.04 of the posterior's (observed).
    assert np.allclose(post.median(), list(OBSERVED.values()), atol=0.15)
    assert post.epsilons == sorted(post.epsilons, reverse=True)
    assert post.weights.sum() == pytest.approx(1.0)
    assert post.evaluations > 8 * 200


def test_the_same_seed_gives_the_same_posterior_with_the_single_core_sampler(tmp_path):
    first = _fit(tmp_path, name="a.db")
    again = _fit(tmp_path, name="b.db")
    other = _fit(tmp_path, name="c.db", seed=4)
    assert np.array_equal(first.samples, again.samples)
    assert np.array_equal(first.weights, again.weights)
    assert first.epsilons == again.epsilons
    assert not np.array_equal(first.samples, other.samples)


def test_a_run_leaves_numpys_global_generator_as_it_was(tmp_path):
    state = np.random.get_state()
    expected = np.random.random()
    np.random.set_state(state)
    _fit(tmp_path, generations=1)
    assert np.random.random() == expected


def test_a_resumed_run_adds_only_the_generations_missing_and_matches_an_uninterrupted_one(
    tmp_path, capsys
):
    db = tmp_path / "resumed.db"
    settings = AbcSettings(population=40, generations=2, sampler="single", seed=5)
    run(GaussianToy(), prior(KEYS, BOX), OBSERVED, SDS, settings, db, progress=True)
    first = capsys.readouterr().err
    assert "generation 2/2" in first
    assert "generation 3/" not in first
    four = AbcSettings(population=40, generations=4, sampler="single", seed=5)
    resumed = run(GaussianToy(), prior(KEYS, BOX), OBSERVED, SDS, four, db, progress=True)
    lines = [line for line in capsys.readouterr().err.splitlines() if "generation" in line]
    assert [line.split(":")[0] for line in lines] == [
        "ABC generation 3/4",
        "ABC generation 4/4",
    ]
    assert resumed.generations == 4
    straight = _fit(tmp_path, name="straight.db", population=40, generations=4, seed=5)
    assert np.array_equal(resumed.samples, straight.samples)
    assert np.array_equal(resumed.weights, straight.weights)
    assert resumed.evaluations == straight.evaluations
    again = run(GaussianToy(), prior(KEYS, BOX), OBSERVED, SDS, four, db, progress=True)
    assert "generation" not in capsys.readouterr().err  # nothing left to do
    assert np.array_equal(again.samples, resumed.samples)


def test_a_rerun_with_other_figures_is_refused_and_resume_false_starts_afresh(tmp_path):
    _fit(tmp_path, generations=1)
    other = {"m1": 0.0, "m2": 0.0}
    settings = AbcSettings(population=50, generations=1, sampler="single", seed=3)
    with pytest.raises(ConfigError, match="holds a fit to other figures"):
        run(GaussianToy(), prior(KEYS, BOX), other, SDS, settings, tmp_path / "abc.db")
    fresh = run(
        GaussianToy(), prior(KEYS, BOX), other, SDS, settings, tmp_path / "abc.db", resume=False
    )
    assert fresh.generations == 1
    assert np.all(np.abs(fresh.median()) < 1.5)  # the new figures', not the old run's


def test_the_nroy_prior_never_proposes_outside_the_region_history_matching_keeps(tmp_path):
    model = Recorder()
    restricted = prior(KEYS, BOX, below_diagonal)
    assert isinstance(restricted, PlausiblePrior)
    post = run(
        model,
        restricted,
        OBSERVED,
        SDS,
        AbcSettings(population=40, generations=3, sampler="single", seed=1),
        tmp_path / "nroy.db",
        progress=False,
    )
    asked = np.array(model.asked)
    assert len(asked) > 120
    assert below_diagonal(asked).all()
    assert below_diagonal(post.samples).all()
    # Without the test, the box's uniform draws land above the diagonal about a third of
    # the time (the region is 0.66 of the box), so the check above can fail.
    plain = np.column_stack([prior(KEYS, BOX)[param_name(k)].rvs(size=400) for k in KEYS])
    assert not below_diagonal(plain).all()


def test_the_nroy_prior_density_is_zero_outside_and_uniform_inside():
    restricted = prior(KEYS, BOX, below_diagonal)
    inside = {"toy__a": 0.0, "toy__b": 0.0}
    outside = {"toy__a": 2.0, "toy__b": 1.0}  # in the box, ruled out
    assert restricted.pdf(inside) == pytest.approx(1 / 25)
    assert restricted.pdf(outside) == 0.0
    assert restricted.pdf({"toy__a": 4.0, "toy__b": -4.0}) == 0.0  # outside the box
    copy = pickle.loads(pickle.dumps(restricted.copy()))
    assert copy.pdf(outside) == 0.0
    assert copy.plausible is below_diagonal
    draws = np.array([[p["toy__a"], p["toy__b"]] for p in (copy.rvs() for _ in range(300))])
    assert below_diagonal(draws).all()
    assert np.all((draws >= BOX[:, 0]) & (draws <= BOX[:, 1]))


def test_a_region_too_small_to_sample_is_one_line():
    never = prior(KEYS, BOX, nowhere)
    with pytest.raises(ConfigError, match="too small to sample"):
        never.rvs()


def test_nan_outputs_are_infinitely_far_and_never_accepted(tmp_path):
    d = TargetDistance(SDS)
    d.initialize(0, lambda: None, OBSERVED, 0)
    assert d({"m1": 1.5, "m2": -0.2}, OBSERVED, 0) == pytest.approx(math.hypot(1.0, 4 / 3))
    assert d({"m1": math.nan, "m2": -0.6}, OBSERVED, 0) == math.inf
    post = _fit(tmp_path, model=RefusesNegative())
    assert np.all(post.samples[:, 0] >= 0)


def test_a_first_generation_below_the_acceptance_rate_is_one_line(tmp_path):
    # Every particle is refused (NaN), so generation 0 stops after population / rate
    # evaluations with nothing accepted.
    with pytest.raises(ConfigError, match="accepted no generation"):
        _fit(tmp_path, model=NeverFits(), population=5, min_acceptance_rate=0.2)


class CountsCalls(NeverFits):
    """NeverFits that counts its evaluations (the single-core sampler runs it here)."""

    calls = 0

    def __call__(self, params):
        CountsCalls.calls += 1
        return super().__call__(params)


def test_a_stop_on_the_acceptance_rate_is_not_sampled_again_by_a_rerun(tmp_path):
    # Two good generations, then a model that never fits: generation 3 is cut at
    # population / rate = 50 evaluations and not kept. A rerun asking for the same (or
    # more) stops there without sampling; a lower rate tries again.
    _fit(tmp_path, generations=2, population=10)
    stopped = stop_file(tmp_path / "abc.db")
    assert not stopped.exists()
    CountsCalls.calls = 0
    first = _fit(
        tmp_path, model=CountsCalls(), generations=4, population=10, min_acceptance_rate=0.2
    )
    assert (first.generations, CountsCalls.calls) == (2, 50)
    assert stopped.is_file()
    again = _fit(
        tmp_path, model=CountsCalls(), generations=5, population=10, min_acceptance_rate=0.2
    )
    assert (again.generations, CountsCalls.calls) == (2, 50)  # not one evaluation more
    assert np.array_equal(again.samples, first.samples)
    _fit(tmp_path, model=CountsCalls(), generations=5, population=10, min_acceptance_rate=0.1)
    assert CountsCalls.calls == 50 + 100  # a lower rate is a new try
    _fit(tmp_path, generations=1, population=10, name="abc.db", resume=False)
    assert not stopped.exists()  # a new run in the file forgets the old stop


def test_a_target_without_a_positive_uncertainty_is_refused():
    with pytest.raises(ConfigError, match="positive number: m2"):
        TargetDistance({"m1": 1.0, "m2": 0.0})


@pytest.mark.parametrize(
    ("key", "name"),
    [("need.detection_prob", "need__detection_prob"), ("workforce.x", "workforce__x")],
)
def test_schema_keys_become_pyabc_names_without_dots_and_back(key, name):
    assert param_name(key) == name
    assert key_of(name) == key


def test_a_key_whose_name_would_not_read_back_is_refused():
    with pytest.raises(ValueError, match="no pyABC name"):
        param_name("need.a__b")


def test_posterior_summaries_are_weighted():
    samples = np.arange(99.0).reshape(99, 1)
    flat = Posterior(("p",), samples, np.full(99, 1 / 99), 1)
    assert flat.median()[0] == 49.0  # the inverse of the weighted CDF: 50/99 >= 0.5
    assert flat.interval(0.9).tolist() == [[4.0, 94.0]]  # 5/99 >= 0.05, 95/99 >= 0.95
    assert flat.ess() == pytest.approx(99.0)
    weights = np.where(np.arange(99) >= 89, 0.09, 0.1 / 89)  # 90% of the weight on 89-98
    heavy = Posterior(("p",), samples, weights / weights.sum(), 1)
    assert heavy.median()[0] >= 89
    assert heavy.ess() < 20
    draws = heavy.resample(20_000, np.random.default_rng(0))
    share = np.mean(draws[:, 0] >= 89)
    # binomial sd of the share is sqrt(0.9 * 0.1 / 20000) = 0.0021; 4 sd allowed
    assert share == pytest.approx(0.9, abs=0.0085)


def test_pyabc_info_log_reaches_the_console_only_when_asked(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    level = logging.getLogger("ABC").level
    _fit(tmp_path, name="quiet.db", generations=1)
    assert not [r for r in caplog.records if r.name.startswith("ABC") and r.levelno < 30]
    _fit(tmp_path, name="loud.db", generations=1, verbose=True)
    assert [r for r in caplog.records if r.name.startswith("ABC") and r.levelno == logging.INFO]
    assert logging.getLogger("ABC").level == level  # put back


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sampler": "slurm"}, "allowed: single, multicore, dask, redis"),
        ({"sampler": "redis", "address": "localhost"}, "allowed for redis: host:port"),
        ({"population": 0}, "at least 1"),
        ({"min_acceptance_rate": 1.0}, "allowed: 0 to below 1"),
    ],
)
def test_bad_settings_are_refused_in_one_line(settings, message):
    with pytest.raises(ConfigError, match=message):
        AbcSettings(**settings).check()


def test_the_multicore_sampler_fills_its_populations(tmp_path):
    post = _fit(tmp_path, sampler="multicore", n_procs=2, population=30, generations=2)
    assert post.generations == 2
    assert len(post.samples) == 30


def test_the_dask_sampler_runs_on_a_cluster_by_its_address(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        post = _fit(tmp_path, sampler="dask", address=cluster.scheduler_address, population=20)
    assert post.generations == 3
    assert len(post.samples) == 20
