"""The model as a function of the parameters a calibration fits (sim.calibrate).

:class:`FitModel` turns a vector of fitted parameters (natural units, in the order of its
``factors``) into the means of the targets' KPIs over R replications. Every point runs the
same replications 0 to R-1 of the base configuration's run seed (common random numbers,
as :mod:`sim.sensitivity` does), so two points differ by their parameters and not by their
random numbers, and the simulated KPIs are a deterministic function of the parameters.

Two ways in:

- ``model(params)``: pyABC's model. ``params`` is keyed by parameter name (pyABC's names,
  :func:`sim.abc_fit.param_name`, or the schema keys themselves); the R replications run
  in this process (pyABC's samplers spread particles over processes or a cluster).
- ``model.simulate(x, n_jobs, progress)``: a batch of points (history matching's designs)
  through :func:`sim.runner.run_many`, giving each point's mean and variance per KPI.

A value the schema refuses (a combination that breaks a rule between keys; a
whole-number parameter is rounded first) is not an error here: that point's KPIs are NaN,
which the ABC distance treats as infinitely far (:class:`sim.abc_fit.TargetDistance`) and
history matching as implausible. A FitModel is a frozen dataclass of a Config and tuples,
so it pickles (pyABC's multicore sampler sends it to its workers).
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from sim.abc_fit import param_name
from sim.config import Config, ConfigError, Factor
from sim.interrupts import quiet_worker
from sim.metrics import KPIS
from sim.runner import Job, Run, run_many, run_one
from sim.sensitivity_design import point_config


def kpi_values(run: Run, kpis: Sequence[str]) -> list[float]:
    """The KPIs ``kpis`` of a finished replication (kept in the worker; the model is freed)."""
    return [float(KPIS[k].compute(run.rec)) for k in kpis]


@dataclass(frozen=True)
class FitModel:
    """The model as a function of the fitted parameters.

    Attributes:
        base: The validated base configuration (authority, scenario and run length chosen).
        factors: The fitted parameters, in order (their ranges are the prior's box).
        kpis: The targets' KPIs (registry names), in order.
        replications: R: replications 0 to R-1 of ``base.run.seed`` at every point.

    """

    base: Config
    factors: tuple[Factor, ...]
    kpis: tuple[str, ...]
    replications: int

    def __post_init__(self) -> None:
        """Refuse an unknown KPI or fewer than one replication (one line)."""
        unknown = [k for k in self.kpis if k not in KPIS]
        if unknown:
            raise ConfigError(f"calibration KPIs: unknown {', '.join(unknown)}")
        if self.replications < 1:
            raise ConfigError(f"calibration replications = {self.replications}; allowed: >= 1")

    @property
    def keys(self) -> list[str]:
        """The fitted parameters' schema keys, in order."""
        return [f.key for f in self.factors]

    def config(self, values: Sequence[float]) -> Config:
        """The validated configuration at ``values`` (whole-number parameters rounded).

        Raises:
            ConfigError: the schema refuses the values (one line naming the key).

        """
        rounded = [
            float(np.rint(v)) if f.whole else float(v)
            for f, v in zip(self.factors, values, strict=True)
        ]
        return point_config(self.base, self.factors, rounded)

    def values_of(self, params: Mapping[str, float]) -> list[float]:
        """The vector of a pyABC parameter dict, keyed by pyABC names or by schema keys.

        Raises:
            KeyError: a fitted parameter is missing.

        """
        out = []
        for f in self.factors:
            name = param_name(f.key)
            out.append(float(params[name] if name in params else params[f.key]))
        return out

    def __call__(self, params: Mapping[str, float]) -> dict[str, float]:
        """The pyABC model: the KPIs' means over the R replications, run in this process.

        Every KPI is NaN when the schema refuses the parameters. In a worker process of
        pyABC's multicore sampler, SIGINT and SIGTERM end it silently (the calibrating
        process says it was interrupted, once).
        """
        if multiprocessing.parent_process() is not None:
            quiet_worker()
        try:
            cfg = self.config(self.values_of(params))
        except ConfigError:
            return dict.fromkeys(self.kpis, math.nan)
        runs = np.array([kpi_values(run_one(cfg, r), self.kpis) for r in range(self.replications)])
        return dict(zip(self.kpis, runs.mean(axis=0).tolist(), strict=True))

    def simulate(
        self, x: np.ndarray, n_jobs: int = 1, progress: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every point's KPI means and variances over its R replications.

        Args:
            x: Points x fitted parameters, natural units.
            n_jobs: Processes for :func:`sim.runner.run_many` (0: one per core).
            progress: Show a progress bar (default: when stderr is a terminal).

        Returns:
            ``(means, variances)``, each points x KPIs: the replications' mean and their
            sample variance (ddof 1; NaN with one replication); NaN rows for a point the
            schema refuses.

        """
        reps = range(self.replications)
        return self._run(x, [list(reps) for _ in range(len(x))], n_jobs, progress, "points")

    def predictive(
        self, x: np.ndarray, n_jobs: int = 1, progress: bool | None = None
    ) -> np.ndarray:
        """One replication at each point (posterior draws), point i running replication R + i.

        Each draw has random numbers of its own, none of them the R the fit compared
        (a posterior-predictive check sees parameter and replication noise together).
        Returns points x KPIs (NaN rows for points the schema refuses).
        """
        reps = [[self.replications + i] for i in range(len(x))]
        means, _ = self._run(x, reps, n_jobs, progress, "posterior draws")
        return means

    def means_at(
        self,
        x: np.ndarray,
        replications: int,
        n_jobs: int = 1,
        progress: bool | None = None,
    ) -> np.ndarray:
        """Every point's KPI means over replications 0 to ``replications`` - 1.

        Common random numbers: every point runs the same replications, so points are
        compared on the same luck. Returns points x KPIs (NaN rows for refused points).
        """
        reps = [list(range(replications)) for _ in range(len(x))]
        means, _ = self._run(x, reps, n_jobs, progress, "candidate points")
        return means

    def _run(
        self,
        x: np.ndarray,
        reps: Sequence[Sequence[int]],
        n_jobs: int,
        progress: bool | None,
        desc: str,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run ``reps[i]`` of point i; each point's mean and variance (ddof 1) per KPI."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        jobs: list[Job] = []
        owner: list[int] = []
        for i, row in enumerate(x):
            try:
                cfg = self.config(row.tolist())
            except ConfigError:
                continue
            jobs += [Job(cfg, r) for r in reps[i]]
            owner += [i] * len(reps[i])
        k = len(self.kpis)
        values = run_many(jobs, partial(kpi_values, kpis=self.kpis), n_jobs, progress, desc)
        means = np.full((len(x), k), math.nan)
        variances = np.full((len(x), k), math.nan)
        if values:
            by_point = np.asarray(owner)
            table = np.asarray(values, dtype=float)
            for i in np.unique(by_point):
                rows = table[by_point == i]
                means[i] = rows.mean(axis=0)
                if len(rows) > 1:
                    variances[i] = rows.var(axis=0, ddof=1)
        return means, variances
