"""ABC-SMC in pyABC: the posterior of a calibration's parameters given its targets.

:func:`run` fits a model (a :class:`sim.calibration_model.FitModel`, or any picklable
function of a parameter dict that returns the targets' KPIs) to published figures with
pyABC's sequential Monte Carlo ABC (Toni et al. 2009; Beaumont et al. 2009):

- **prior** (:func:`prior`): uniform on the box of the fitted parameters' ranges, or, with
  history matching's not-ruled-out test (``plausible``), uniform on the part of the box it
  accepts. pyABC names parameters; a schema key's dots become ``__``
  (:func:`param_name`), since pyABC reads parameters as attributes and stores them by name.
- **distance** (:class:`TargetDistance`): pyABC's weighted 2-norm with fixed weights
  1/sd per target, so each target's error counts in units of its uncertainty; a NaN KPI
  (a point the schema refuses) is infinitely far, and never accepted
  (:class:`FiniteAcceptor`).
- **epsilon**: pyABC's quantile epsilon at the median (alpha 0.5), the first one from a
  calibration sample of the prior (pyABC's default, ``from_sample``); each generation
  accepts particles within the median distance of the previous one.
- **stopping**: ``generations`` populations in total, or sooner when epsilon reaches
  ``min_epsilon`` or a generation's acceptance rate falls below ``min_acceptance_rate``
  (the single-core and multicore samplers cut such a generation at population / rate
  evaluations and it is not kept; the dask and redis samplers finish it, then stop). A
  stop on the acceptance rate is recorded beside the history (:func:`stop_file`), so a
  rerun does not spend another population / rate evaluations finding it again; a lower
  ``min_acceptance_rate`` tries again.

**Resume.** The history is a SQLite file (``db``) that pyABC writes as each generation
ends. :func:`run` runs one generation per call of pyABC's ``ABCSMC.run`` (loading the
run from the file each time, ``ABCSMC.load``), so a run stopped after 2 generations and
run again asking for 4 runs 2 more, and gives what an uninterrupted run of 4 gives (with
the single-core sampler). An interrupted generation is not in the file: a rerun runs it
again. A rerun with other targets or parameters is refused in one line.

**Determinism.** pyABC draws every random number (prior, perturbation kernel, sampler)
from numpy's global generator. :func:`run` seeds it before each generation from
``settings.seed`` and the generation's index and puts its earlier state back afterwards,
so with ``sampler=single`` the same settings and seed give the same posterior. The
FitModel itself is deterministic (common random numbers). The parallel samplers do
not reproduce a run: pyABC's multicore sampler reseeds every worker process from the
operating system's entropy (``np.random.seed()``) and accepts particles in the order
they finish, so which particles make a population changes from run to run (its
distribution does not); the dask and redis samplers likewise.

**Samplers** (``settings.sampler``): ``single`` (this process), ``multicore`` (pyABC's
MulticoreEvalParallelSampler over ``n_procs`` processes, 0: every core), ``dask``
(pyABC's DaskDistributedSampler on ``distributed.Client(address)``: a scheduler such as
``tcp://host:8786`` whose workers import ``sim``; an empty address starts a local
cluster), ``redis`` (pyABC's RedisEvalParallelSampler on the redis server
``address`` = ``host:port``; start workers with pyABC's ``abc-redis-worker
--host=host --port=port`` on machines where ``sim`` is installed; not tested here: no
redis server on this machine).

pyABC's INFO log goes to the console only with ``verbose``; otherwise one progress line a
generation on stderr (unless ``progress`` is False), so that a long run's log says how far
it has got.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyabc
from pyabc.acceptor import AcceptorResult
from pyabc.weighted_statistics import effective_sample_size

from sim.config import ConfigError
from sim.userfiles import write_text

SAMPLERS = ("single", "multicore", "dask", "redis")
SEPARATOR = "__"
"""What a schema key's dots become in pyABC's parameter names."""
PLAUSIBLE_BATCH = 32
"""Candidates the NROY prior draws at a time before asking ``plausible`` about them."""
PLAUSIBLE_TRIES = 10_000
"""Batches the NROY prior draws before it gives up (the region is too small to sample)."""
EPSILON_ALPHA = 0.5
"""The quantile of the previous generation's distances that sets epsilon (the median)."""

Plausible = Callable[[np.ndarray], np.ndarray]
"""History matching's test: points (n, d) in natural units -> not ruled out (n,) bools."""


def param_name(key: str) -> str:
    """The pyABC name of a schema key (``need.progress`` -> ``need__progress``).

    Raises:
        ValueError: the key would not read back (it holds ``__`` or a dot beside ``_``).

    """
    name = key.replace(".", SEPARATOR)
    if key_of(name) != key:
        raise ValueError(f"{key}: no pyABC name reads back as it; rename the key")
    return name


def key_of(name: str) -> str:
    """The schema key of a pyABC parameter name (:func:`param_name` undone)."""
    return name.replace(SEPARATOR, ".")


@dataclass(frozen=True)
class AbcSettings:
    """How ABC-SMC runs.

    Attributes:
        population: Particles a generation accepts.
        generations: Generations in total (a resumed run counts those already done).
        min_epsilon: Stop once a generation's epsilon is at most this.
        min_acceptance_rate: Stop when a generation would need more than population /
            rate evaluations.
        sampler: ``single``, ``multicore``, ``dask`` or ``redis``.
        n_procs: Processes of the multicore sampler (0: every core).
        address: The dask scheduler's address, or the redis server's ``host:port``.
        seed: Seeds numpy's global generator, which pyABC draws from, each generation.

    """

    population: int = 200
    generations: int = 8
    min_epsilon: float = 0.0
    min_acceptance_rate: float = 0.01
    sampler: str = "multicore"
    n_procs: int = 0
    address: str = ""
    seed: int = 0

    def check(self) -> None:
        """Refuse a setting pyABC would fail on later (one line each)."""
        if self.sampler not in SAMPLERS:
            raise ConfigError(f"abc sampler = {self.sampler!r}; allowed: {', '.join(SAMPLERS)}")
        if self.population < 1 or self.generations < 1 or self.n_procs < 0:
            raise ConfigError(
                "abc population and generations must be at least 1 and n_procs at least 0"
            )
        if not 0.0 <= self.min_acceptance_rate < 1.0:
            raise ConfigError(
                f"abc min_acceptance_rate = {self.min_acceptance_rate}; allowed: 0 to below 1"
            )
        if self.sampler == "redis" and not _redis_address(self.address):
            raise ConfigError(f"abc address = {self.address!r}; allowed for redis: host:port")


def _redis_address(address: str) -> tuple[str, int] | None:
    host, _, port = address.rpartition(":")
    return (host, int(port)) if host and port.isdigit() else None


# --- the prior ----------------------------------------------------------------------------


class PlausiblePrior(pyabc.Distribution):
    """Uniform on the part of a box that ``plausible`` accepts (history matching's NROY).

    ``rvs`` draws uniform candidates on the box, :data:`PLAUSIBLE_BATCH` at a time, and
    returns the first that ``plausible`` accepts (rejection sampling, from numpy's global
    generator as pyABC's own distributions do). ``pdf`` is the box's uniform density where
    ``plausible`` accepts and 0 elsewhere: not normalised to the region, which changes
    no ABC-SMC weight (they are normalised in each generation) and makes pyABC reject any
    perturbed particle outside the region.
    """

    def __init__(self, marginals: Mapping[str, Any], plausible: Plausible | None = None):
        """Marginals by pyABC name (uniform RVs on the box) and the region's test."""
        super().__init__(**marginals)
        self.plausible = plausible

    def copy(self) -> PlausiblePrior:
        """A copy with copied marginals and the same test."""
        return PlausiblePrior({k: v.copy() for k, v in self.items()}, self.plausible)

    def _accepts(self, x: np.ndarray) -> np.ndarray:
        if self.plausible is None:
            return np.ones(len(x), dtype=bool)
        return np.asarray(self.plausible(x), dtype=bool).reshape(len(x))

    def rvs(self, *args: Any, **kwargs: Any) -> pyabc.Parameter:
        """A draw uniform on the accepted part of the box.

        Raises:
            ConfigError: no candidate accepted in :data:`PLAUSIBLE_TRIES` batches.

        """
        names = list(self.keys())
        for _ in range(PLAUSIBLE_TRIES):
            x = np.column_stack(
                [np.asarray(self[n].rvs(size=PLAUSIBLE_BATCH), dtype=float) for n in names]
            )
            ok = np.flatnonzero(self._accepts(x))
            if ok.size:
                return pyabc.Parameter(dict(zip(names, x[ok[0]].tolist(), strict=True)))
        raise ConfigError(
            f"the not-ruled-out region accepted none of {PLAUSIBLE_TRIES * PLAUSIBLE_BATCH} "
            "uniform draws from the box: too small to sample (widen the box or the cut-off)"
        )

    def pdf(self, x: pyabc.Parameter | dict) -> float:
        """The box's uniform density where ``plausible`` accepts ``x``, else 0."""
        density = float(super().pdf(x))
        if density == 0.0 or self.plausible is None:
            return density
        point = np.array([[float(x[n]) for n in self.keys()]])
        return density if bool(self._accepts(point)[0]) else 0.0


def prior(
    names: Sequence[str], bounds: np.ndarray, plausible: Plausible | None = None
) -> pyabc.Distribution:
    """The prior of the fitted parameters ``names`` (schema keys) on the box ``bounds``.

    Args:
        names: The parameters' keys, in the order of ``bounds`` and of ``plausible``'s
            columns.
        bounds: (d, 2): each parameter's [low, high], natural units.
        plausible: History matching's not-ruled-out test, or None.

    Returns:
        Uniform on the box (a plain ``pyabc.Distribution``), or with ``plausible``
        uniform on the part of the box it accepts (:class:`PlausiblePrior`); keyed by
        :func:`param_name`.

    """
    box = np.asarray(bounds, dtype=float).reshape(len(names), 2)
    if np.any(box[:, 1] <= box[:, 0]):
        raise ConfigError("prior bounds: every parameter needs low < high")
    marginals = {
        param_name(key): pyabc.RV("uniform", low, high - low)
        for key, (low, high) in zip(names, box.tolist(), strict=True)
    }
    if plausible is None:
        return pyabc.Distribution(**marginals)
    return PlausiblePrior(marginals, plausible)


# --- the distance -------------------------------------------------------------------------


class TargetDistance(pyabc.PNormDistance):
    """pyABC's 2-norm of the errors in units of each target's uncertainty; NaN is infinite.

    d(x, x0) = sqrt(sum_k ((x_k - x0_k) / sd_k)^2) over the targets k.
    """

    def __init__(self, sds: Mapping[str, float]):
        """Weights 1 / sd per target (each sd must be positive)."""
        bad = [k for k, sd in sds.items() if not (math.isfinite(sd) and sd > 0)]
        if bad:
            raise ConfigError(f"target uncertainty must be a positive number: {', '.join(bad)}")
        super().__init__(p=2, fixed_weights={k: 1.0 / float(sd) for k, sd in sds.items()})

    def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None) -> float:
        """The distance, or infinity where a KPI is NaN."""
        d = float(super().__call__(x, x_0, t, par))
        return d if math.isfinite(d) else math.inf


class FiniteAcceptor(pyabc.UniformAcceptor):
    """pyABC's uniform acceptor (distance at most epsilon) that never accepts an infinite one.

    When more than half of a generation's distances are infinite (points the schema
    refuses), the median epsilon is infinite too, and ``inf <= inf`` would let them in.
    """

    def __call__(
        self, distance_function: Any, eps: Any, x: dict, x_0: dict, t: int, par: Any
    ) -> AcceptorResult:
        """Accept as pyABC does, unless the distance is infinite."""
        result = super().__call__(distance_function, eps, x, x_0, t, par)
        if math.isfinite(result.distance):
            return result
        return AcceptorResult(result.distance, False, result.weight)


# --- the posterior ------------------------------------------------------------------------


@dataclass
class Posterior:
    """The last generation's weighted particles and how the run got there.

    Attributes:
        names: The fitted parameters' schema keys (the columns of ``samples``).
        samples: (n, d) particles, natural units.
        weights: (n,) importance weights, summing to 1.
        generations: Generations done (a resumed run's included).
        epsilons: Each generation's epsilon.
        evaluations: Model evaluations in all (the calibration sample's included).
        seconds: Wall-clock seconds pyABC recorded for the calibration sample and the
            generations (summed over resumed runs; not the time between them).

    """

    names: tuple[str, ...]
    samples: np.ndarray
    weights: np.ndarray
    generations: int
    epsilons: list[float] = field(default_factory=list)
    evaluations: int = 0
    seconds: float = 0.0

    def quantiles(self, q: Sequence[float]) -> np.ndarray:
        """(len(q), d): weighted quantiles of each parameter (inverse of the weighted CDF)."""
        return np.quantile(
            self.samples, np.asarray(q), axis=0, weights=self.weights, method="inverted_cdf"
        ).reshape(len(q), len(self.names))

    def interval(self, level: float = 0.9) -> np.ndarray:
        """(d, 2): the central ``level`` interval of each parameter (weighted quantiles)."""
        tail = (1.0 - level) / 2.0
        return self.quantiles([tail, 1.0 - tail]).T

    def median(self) -> np.ndarray:
        """(d,): each parameter's weighted median."""
        return self.quantiles([0.5])[0]

    def ess(self) -> float:
        """The effective sample size of the weights, 1 / sum(w^2)."""
        return float(effective_sample_size(self.weights))

    def resample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, d): ``n`` particles drawn with replacement in proportion to their weights."""
        p = self.weights / self.weights.sum()
        return self.samples[rng.choice(len(p), size=n, p=p)]


# --- the run ------------------------------------------------------------------------------


def run(
    model: Callable[[Mapping[str, float]], Mapping[str, float]],
    prior: pyabc.Distribution,
    observed: Mapping[str, float],
    sds: Mapping[str, float],
    settings: AbcSettings,
    db: Path,
    resume: bool = True,
    *,
    progress: bool | None = None,
    verbose: bool = False,
) -> Posterior:
    """Fit ``model`` to ``observed`` by ABC-SMC; the posterior of the last generation.

    Args:
        model: pyABC's model: a picklable function of a parameter dict (keyed as the
            prior is) returning the KPIs of ``observed`` (a FitModel).
        prior: :func:`prior`'s distribution.
        observed: The published figures by KPI.
        sds: Their uncertainties by KPI (the distance's units).
        settings: Population, generations, stopping rules, sampler, seed.
        db: The history's SQLite file (made if absent).
        resume: Continue the file's last run up to ``generations`` in total; otherwise
            start a new run in the file (earlier runs are kept, the new one is last).
        progress: One line a generation on stderr (default; False: none).
        verbose: Let pyABC's INFO log through to the console.

    Raises:
        ConfigError: a bad setting, targets without an uncertainty, or a file whose last
            run fitted other targets or parameters (one line).

    """
    settings.check()
    if set(observed) != set(sds):
        raise ConfigError("observed figures and uncertainties must name the same KPIs")
    observed = {k: float(v) for k, v in observed.items()}
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{Path(db).resolve()}"
    names = list(prior.keys())
    run_id = _resumed_id(url, observed, names) if resume and Path(db).is_file() else None
    stopped = stop_file(Path(db))
    if run_id is None:
        stopped.unlink(missing_ok=True)  # a new run: an earlier run's stop says nothing
    show = progress is not False
    with _quiet(verbose), _sampler_factory(settings) as make_sampler:
        while True:
            history = pyabc.History(url, _id=run_id) if run_id is not None else None
            done = 0 if history is None else history.max_t + 1
            if history is not None and _finished(history, settings, done):
                break
            if _stopped_before(stopped, done, settings):
                break
            abc = pyabc.ABCSMC(
                model,
                prior,
                TargetDistance(sds),
                population_size=settings.population,
                eps=pyabc.QuantileEpsilon(alpha=EPSILON_ALPHA),
                acceptor=FiniteAcceptor(),
                sampler=make_sampler(),
            )
            if run_id is None:
                run_id = abc.new(url, observed).id
            else:
                abc.load(url, run_id)
            with _seeded(settings.seed, done):
                history = abc.run(
                    minimum_epsilon=settings.min_epsilon,
                    max_nr_populations=1,
                    min_acceptance_rate=settings.min_acceptance_rate,
                )
            if history.max_t + 1 == done:  # stopped on the acceptance rate: nothing added
                write_text(
                    stopped,
                    json.dumps(
                        {"generations": done, "min_acceptance_rate": settings.min_acceptance_rate}
                    )
                    + "\n",
                )
                break
            if show:
                sys.stderr.write(_progress_line(history, settings) + "\n")
                sys.stderr.flush()
    return posterior_of(pyabc.History(url, _id=run_id), [key_of(n) for n in names])


def stop_file(db: Path) -> Path:
    """``<db>.stopped.json``: where a stop on the acceptance rate is recorded.

    It holds the generations finished when the next one fell below
    ``min_acceptance_rate`` (and that rate); a rerun with as many generations and a rate
    as high stops there without sampling.
    """
    return db.with_name(db.name + ".stopped.json")


def _stopped_before(stopped: Path, done: int, settings: AbcSettings) -> bool:
    """Whether generation ``done`` already fell below this acceptance rate (stop_file)."""
    if not stopped.is_file():
        return False
    record = json.loads(stopped.read_text(encoding="utf-8"))
    return bool(
        record["generations"] == done
        and settings.min_acceptance_rate >= record["min_acceptance_rate"]
    )


def _finished(history: pyabc.History, settings: AbcSettings, done: int) -> bool:
    """Whether a run needs no more generations: enough, epsilon or acceptance too low."""
    if done >= settings.generations:
        return True
    if done == 0:
        return False
    last = history.get_all_populations().set_index("t").loc[done - 1]
    rate = float(last["particles"]) / max(float(last["samples"]), 1.0)
    return bool(last["epsilon"] <= settings.min_epsilon or rate < settings.min_acceptance_rate)


def _resumed_id(url: str, observed: Mapping[str, float], names: Sequence[str]) -> int | None:
    """The id of the file's last run, after checking it fitted these targets and parameters.

    None when the file holds no run. Raises ConfigError when its run is another fit.
    """
    history = pyabc.History(url)
    if history.id is None:
        return None
    theirs = {k: float(np.asarray(v)) for k, v in history.observed_sum_stat().items()}
    if theirs != dict(observed):
        raise ConfigError(
            f"{history.db_file()} holds a fit to other figures ({_short(theirs)}); "
            "resume=False starts a new run, or give another file"
        )
    if history.max_t >= 0:
        fitted = sorted(history.get_distribution(m=0, t=history.max_t)[0].columns)
        if fitted != sorted(names):
            raise ConfigError(
                f"{history.db_file()} holds a fit of other parameters ({', '.join(fitted)}); "
                "resume=False starts a new run, or give another file"
            )
    return int(history.id)


def _short(values: Mapping[str, float]) -> str:
    text = ", ".join(f"{k}={v:g}" for k, v in sorted(values.items()))
    return text if len(text) <= 80 else text[:77] + "..."


def _progress_line(history: pyabc.History, settings: AbcSettings) -> str:
    """``generation t/G: epsilon, accepted / evaluated (rate), ESS, seconds``."""
    pops = history.get_all_populations().set_index("t")
    t = history.max_t
    row = pops.loc[t]
    _, w = history.get_distribution(m=0, t=t)
    accepted = int(row["particles"])
    samples = int(row["samples"])
    return (
        f"ABC generation {t + 1}/{settings.generations}: epsilon {row['epsilon']:.4g}, "
        f"accepted {accepted}/{samples} ({accepted / max(samples, 1):.1%}), "
        f"ESS {effective_sample_size(np.asarray(w)):.0f}, {row['wall_time']:.1f} s"
    )


def posterior_of(history: pyabc.History, keys: Sequence[str]) -> Posterior:
    """The last generation of ``history`` as a Posterior over ``keys`` (schema keys).

    Raises:
        ConfigError: the history has no generation (the first stopped on the acceptance rate).

    """
    if history.max_t < 0:
        raise ConfigError(
            "ABC-SMC accepted no generation: the first stopped below min_acceptance_rate; "
            "lower it or widen the targets' uncertainties"
        )
    df, w = history.get_distribution(m=0, t=history.max_t)
    pops = history.get_all_populations()
    eps = pops[pops["t"] >= 0].sort_values("t")["epsilon"]
    weights = np.asarray(w, dtype=float)
    return Posterior(
        names=tuple(keys),
        samples=df[[param_name(k) for k in keys]].to_numpy(dtype=float),
        weights=weights / weights.sum(),
        generations=int(history.max_t) + 1,
        epsilons=[float(e) for e in eps],
        evaluations=int(history.total_nr_simulations),
        seconds=float(np.nansum(pops["wall_time"].to_numpy(dtype=float))),
    )


@contextmanager
def _seeded(seed: int, generation: int) -> Iterator[None]:
    """Seed numpy's global generator for ``generation``; put its earlier state back after."""
    state = np.random.get_state()
    words = np.random.SeedSequence([seed, generation]).generate_state(4)
    np.random.seed(words)
    try:
        yield
    finally:
        np.random.set_state(state)


@contextmanager
def _quiet(verbose: bool) -> Iterator[None]:
    """Hold pyABC's loggers at WARNING (unless ``verbose``); put their level back after."""
    logger = logging.getLogger("ABC")
    level = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def _sampler_factory(settings: AbcSettings) -> Iterator[Callable[[], Any]]:
    """A maker of the settings' pyABC sampler (one a generation); a dask client closed after."""
    if settings.sampler == "single":
        yield lambda: pyabc.SingleCoreSampler(check_max_eval=True)
    elif settings.sampler == "multicore":
        n = settings.n_procs or None
        yield lambda: pyabc.MulticoreEvalParallelSampler(n_procs=n, check_max_eval=True)
    elif settings.sampler == "dask":
        from distributed import Client

        client = Client(settings.address) if settings.address else Client()
        try:
            yield lambda: pyabc.sampler.DaskDistributedSampler(dask_client=client)
        finally:
            client.close()
    else:
        address = _redis_address(settings.address)
        assert address is not None  # AbcSettings.check refused anything else
        host, port = address
        yield lambda: pyabc.sampler.RedisEvalParallelSampler(host=host, port=port)
