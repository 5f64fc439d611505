"""History matching of a stochastic simulator with Gaussian-process emulators (issue 18).

Method (Vernon, Goldstein and Bower 2010, Bayesian Analysis 5:619; Andrianakis et al. 2015,
PLoS Comput Biol 11:e1003968). Per target k a GP emulates the mean output E[f_k(x)] and a
second GP log(run-to-run variance); a point x is judged by
    I_k(x) = |z_k - E[f_k(x)]| / sqrt(V_obs,k + V_emulator,k(x) + V_model,k(x))
z_k the published figure, V_obs its uncertainty (sd squared), V_emulator the mean GP's
variance of E[f_k(x)] (its nugget, the noise of an R-replication mean, taken out), V_model
= exp(log-variance GP): one run's variance, as the published figure is one realisation.
x is ruled out when max_k I_k(x) > cutoff (3, Pukelsheim's three-sigma rule); with
``use_second_max`` the second-largest I_k counts instead (one target may be missed; k=1:
the largest). Inputs are scaled to the unit cube; each GP is ConstantKernel * Matern(nu=2.5,
a length scale per dimension) + WhiteKernel, normalize_y, 2 optimiser restarts, a fixed
random_state. Log variances are corrected for the bias of a log sample variance of R
draws (E log s^2 = log sigma^2 + digamma((R-1)/2) - log((R-1)/2)); zero variances are
floored at 1e-6 of the target's median positive variance. Emulator check: leave-one-out
standardized errors with the fitted hyperparameters (Rasmussen and Williams 2006, 5.4.2).
Waves: wave 1 is a seeded Latin hypercube over the prior box; wave w fits new emulators on
its points plus earlier points inside its space (not ruled out by waves 1..w-1); after
each wave a candidate Latin hypercube of ``candidates`` points estimates the share not
ruled out yet (NROY) and the next wave's points are drawn from its survivors (more
hypercubes if too few). Stop after ``waves`` waves, or from wave 2 on when a wave rules out
less than ``min_shrink`` of what was left (share > (1 - min_shrink) x previous share).

Files, with ``folder``: ``history_match.json`` (the problem: a folder of another one is
refused; only ``waves`` may differ, so a rerun with more waves continues a match);
``wave_<n>.csv``, written (temporary file, rename) as soon as simulate returns and read
back instead of simulating on a rerun; ``waves.csv``, one row per wave with its NROY
share and per target the points trained on and the LOO check.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.linalg import cho_solve
from scipy.special import digamma
from scipy.stats import qmc
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from sim.config import ConfigError
from sim.userfiles import read_text, write_text

Simulate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""simulate(x) for x of shape (n, d) in natural units -> (means, variances), each (n, k):
per point and target the mean over R replications and the variance between them."""

RESTARTS = 2
"""Optimiser restarts per GP fit: the likelihood of a few dozen points has few optima."""
MAX_BATCHES = 10
"""Candidate hypercubes drawn at most when looking for a wave's points or a sample."""
VARIANCE_FLOOR = 1e-6
"""Zero variances are set to this share of the target's median positive variance."""
PROBLEM = "history_match.json"
"""The file in a folder that says which problem its waves belong to."""
SUMMARY = "waves.csv"
"""One row per wave: points, NROY share and each target's emulator diagnostics."""
AFRESH = "remove the folder or give another one to start afresh"


class HistoryMatchError(ConfigError):
    """A history match cannot go on (bad inputs, another problem's folder); one line."""


@dataclass(frozen=True, eq=False)
class Observations:
    """The published figures matched: per target its name, value and uncertainty (sd)."""

    names: tuple[str, ...]
    values: np.ndarray
    sds: np.ndarray

    def __post_init__(self) -> None:
        """Keep float arrays; refuse shapes that disagree and non-finite or negative sds."""
        values = np.asarray(self.values, dtype=float).reshape(-1)
        sds = np.asarray(self.sds, dtype=float).reshape(-1)
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "sds", sds)
        k = len(self.names)
        if k == 0 or values.shape != (k,) or sds.shape != (k,):
            raise HistoryMatchError(
                f"observations: {k} names, {values.size} values and {sds.size} sds; "
                "need one value and one sd per target, at least one target"
            )
        if len(set(self.names)) != k:
            raise HistoryMatchError(f"observations: a target is named twice in {self.names}")
        bad = [
            n
            for n, v, s in zip(self.names, values, sds, strict=True)
            if not (math.isfinite(v) and math.isfinite(s) and s >= 0)
        ]
        if bad:
            raise HistoryMatchError(
                f"observations: {bad[0]} needs a finite value and a finite sd >= 0"
            )

    def to_json(self) -> dict[str, Any]:
        """The observations as plain JSON values (floats read back exactly)."""
        return {"names": list(self.names), "values": self.values.tolist(), "sds": self.sds.tolist()}


@dataclass(frozen=True)
class Settings:
    """How the waves run (defaults: Andrianakis et al. 2015's scale for a few parameters)."""

    waves: int = 3
    points: int = 60
    """Design points per wave (each run R times by ``simulate``)."""
    candidates: int = 20_000
    """Points of the candidate Latin hypercube that estimates the NROY share per wave."""
    cutoff: float = 3.0
    use_second_max: bool = False
    seed: int = 0
    min_points_for_fit: int = 10
    """Fewest points with a finite output an emulator is fitted on; fewer stops the waves."""
    min_shrink: float = 0.05
    """From wave 2 on, stop when a wave rules out less than this share of what was left."""

    def __post_init__(self) -> None:
        """Refuse settings no history match can run with (one line each)."""
        checks = [
            ("waves", self.waves >= 1, "at least 1"),
            ("points", self.points >= self.min_points_for_fit, "at least min_points_for_fit"),
            ("candidates", self.candidates >= self.points, "at least points"),
            ("cutoff", self.cutoff > 0, "above 0"),
            ("min_points_for_fit", self.min_points_for_fit >= 3, "at least 3"),
            ("min_shrink", 0 <= self.min_shrink < 1, "from 0 up to (not including) 1"),
        ]
        for name, ok, need in checks:
            if not ok:
                raise HistoryMatchError(f"history matching: {name}={getattr(self, name)}; {need}")


def _seed(*parts: int) -> int:
    """A 32-bit seed derived from ``parts`` (the settings' seed and what it is for)."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


def _hypercube(n: int, d: int, *parts: int) -> np.ndarray:
    """``n`` points of a seeded Latin hypercube in the unit cube of ``d`` dimensions."""
    return qmc.LatinHypercube(d, rng=np.random.default_rng(_seed(*parts))).random(n)


def _gp(d: int, seed: int) -> GaussianProcessRegressor:
    """An unfitted GP: ConstantKernel * Matern(2.5, a length scale per input) + WhiteKernel."""
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        length_scale=np.full(d, 0.3), length_scale_bounds=(1e-2, 1e2), nu=2.5
    ) + WhiteKernel(1e-2, (1e-8, 1e1))
    return GaussianProcessRegressor(
        kernel, normalize_y=True, n_restarts_optimizer=RESTARTS, random_state=seed
    )


def _fit(gp: GaussianProcessRegressor, x: np.ndarray, y: np.ndarray) -> GaussianProcessRegressor:
    """Fit quietly on one BLAS thread.

    A length scale at its bound (an inactive input) is no failure. The matrices are
    small, and BLAS threads fighting over busy cores made fits ten times slower here.
    """
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gp.fit(x, y)


def _latent(gp: GaussianProcessRegressor, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GP's mean at ``x`` and the variance of that mean (its white noise taken out).

    sklearn's predictive sd includes the WhiteKernel's noise (here the noise of an
    R-replication mean and any misfit), which is not uncertainty about the mean itself.
    """
    mean, sd = gp.predict(x, return_std=True)
    scale = float(np.asarray(gp._y_train_std).reshape(-1)[0])  # normalize_y's scale
    noise = gp.kernel_.k2.noise_level * scale**2
    return mean, np.maximum(sd**2 - noise, 1e-12 * scale**2)


def _loo_errors(gp: GaussianProcessRegressor) -> np.ndarray:
    """Leave-one-out standardized errors of the training outputs, hyperparameters fixed.

    Rasmussen and Williams (2006) eq. 5.12: residual [K^-1 y]_i / [K^-1]_ii and variance
    1 / [K^-1]_ii, so the error is [K^-1 y]_i / sqrt([K^-1]_ii) (scale-free).
    """
    inverse = cho_solve((gp.L_, True), np.eye(gp.L_.shape[0]))
    return np.asarray(gp.alpha_).reshape(-1) / np.sqrt(np.diag(inverse))


def _log_variances(variances: np.ndarray, replications: int) -> np.ndarray:
    """Bias-corrected log variances, zeros floored (see the module docstring)."""
    positive = variances[variances > 0]
    floor = VARIANCE_FLOOR * (float(np.median(positive)) if positive.size else 1e-6)
    half = (replications - 1) / 2
    return np.log(np.maximum(variances, floor)) - digamma(half) + math.log(half)


class Emulators:
    """Per target a GP of the mean output and one of the log replication variance."""

    def __init__(
        self,
        mean_gps: Sequence[GaussianProcessRegressor],
        var_gps: Sequence[GaussianProcessRegressor],
        diagnostics: Sequence[Mapping[str, Any]],
    ) -> None:
        """Fitted GPs, one of each kind per target (see :meth:`fit`)."""
        self.mean_gps = list(mean_gps)
        self.var_gps = list(var_gps)
        self.diagnostics = [dict(d) for d in diagnostics]

    @classmethod
    def fit(
        cls,
        x_unit: np.ndarray,
        means: np.ndarray,
        variances: np.ndarray,
        replications: int,
        seed: int,
    ) -> Emulators:
        """Fit the emulators of every target on the points where its output is finite.

        Args:
            x_unit: Inputs scaled to the unit cube, (n, d).
            means: Per point and target the mean over ``replications`` runs, (n, k).
            variances: Per point and target the variance between those runs, (n, k).
            replications: R, for the noise of a log sample variance.
            seed: Derives each GP's optimiser random_state.

        Raises:
            HistoryMatchError: fewer than 3 finite points for a target, or R < 2.

        """
        if replications < 2:
            raise HistoryMatchError("emulating run-to-run variance needs 2 or more replications")
        d = x_unit.shape[1]
        mean_gps, var_gps, diagnostics = [], [], []
        for k in range(means.shape[1]):
            ok = np.isfinite(means[:, k]) & np.isfinite(variances[:, k])
            if ok.sum() < 3:
                raise HistoryMatchError(f"target {k}: {ok.sum()} finite outputs; need 3")
            mean_gp = _fit(_gp(d, _seed(seed, k, 0)), x_unit[ok], means[ok, k])
            var_gp = _fit(
                _gp(d, _seed(seed, k, 1)),
                x_unit[ok],
                _log_variances(variances[ok, k], replications),
            )
            errors = _loo_errors(mean_gp)
            mean_gps.append(mean_gp)
            var_gps.append(var_gp)
            diagnostics.append(
                {
                    "trained_on": int(ok.sum()),
                    "loo_errors": errors,
                    "loo_within": float(np.mean(np.abs(errors) <= 3)),
                    "loo_rms": float(np.sqrt(np.mean(errors**2))),
                    "kernel": str(mean_gp.kernel_),
                    "variance_kernel": str(var_gp.kernel_),
                }
            )
        return cls(mean_gps, var_gps, diagnostics)

    def predict(self, x_unit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per point and target (each (n, k)): E[f(x)], its emulator variance, one run's variance."""
        x_unit = np.atleast_2d(np.asarray(x_unit, dtype=float))
        parts = [_latent(gp, x_unit) for gp in self.mean_gps]
        mean = np.column_stack([m for m, _ in parts])
        mean_var = np.column_stack([v for _, v in parts])
        run_var = np.column_stack([np.exp(gp.predict(x_unit)) for gp in self.var_gps])
        return mean, mean_var, run_var


def target_implausibility(
    emulators: Emulators, observations: Observations, x_unit: np.ndarray
) -> np.ndarray:
    """I_k(x) per point and target, (n, k): see the module docstring."""
    mean, mean_var, run_var = emulators.predict(x_unit)
    total = observations.sds**2 + mean_var + run_var
    return np.abs(observations.values - mean) / np.sqrt(total)


def combined(per_target: np.ndarray, second_max: bool) -> np.ndarray:
    """The largest I_k per point, or the second largest (the largest if one target)."""
    if not second_max or per_target.shape[1] < 2:
        return per_target.max(axis=1)
    return np.sort(per_target, axis=1)[:, -2]


@dataclass
class Wave:
    """One wave: its design and outputs, the emulators fitted, and the NROY share after it."""

    number: int
    x: np.ndarray
    """The wave's design points in natural units, (n, d)."""
    means: np.ndarray
    variances: np.ndarray
    emulators: Emulators
    nroy_share: float
    """Share of the prior box not ruled out after this wave (estimated on candidates)."""
    diagnostics: dict = field(default_factory=dict)
    """Per target name: ``trained_on``, ``loo_errors``, ``loo_within`` (share of |LOO
    standardized error| <= 3), ``loo_rms`` (near 1 for a well-calibrated emulator) and the
    fitted kernels."""


@dataclass
class HistoryMatch:
    """The waves of a history match and the space they leave not ruled out (NROY)."""

    names: tuple[str, ...]
    bounds: np.ndarray
    observations: Observations
    settings: Settings
    waves: list[Wave] = field(default_factory=list)

    def unit(self, x: np.ndarray) -> np.ndarray:
        """``x`` (natural units, (n, d) or (d,)) scaled to the prior box's unit cube."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        low, high = self.bounds[:, 0], self.bounds[:, 1]
        return (x - low) / (high - low)

    def natural(self, u: np.ndarray) -> np.ndarray:
        """Unit-cube points back in natural units."""
        return self.bounds[:, 0] + np.atleast_2d(u) * (self.bounds[:, 1] - self.bounds[:, 0])

    def _wave_measure(self, wave: Wave, u: np.ndarray) -> np.ndarray:
        per_target = target_implausibility(wave.emulators, self.observations, u)
        return combined(per_target, self.settings.use_second_max)

    def _implausibility_unit(self, u: np.ndarray, waves: Sequence[Wave]) -> np.ndarray:
        """See :meth:`implausibility`; ``u`` in the unit cube, judged by ``waves``."""
        result = np.zeros(len(u))
        inside = np.all((u >= 0) & (u <= 1), axis=1)
        result[~inside] = np.inf
        alive = inside.copy()
        for wave in waves:
            if not alive.any():
                break
            measure = self._wave_measure(wave, u[alive])
            result[alive] = measure
            alive[alive] = measure <= self.settings.cutoff
        return result

    def implausibility(self, x: np.ndarray) -> np.ndarray:
        """Per point (n,): the implausibility under the last wave whose emulators rule there.

        That is the max (or second max) over targets under the first wave that rules the
        point out, or under the last wave if none does; points outside the prior box are
        infinitely implausible. So ``implausibility(x) <= cutoff`` exactly when no wave
        rules x out.
        """
        return self._implausibility_unit(self.unit(x), self.waves)

    def plausible(self, x: np.ndarray) -> np.ndarray:
        """Per point (n,) bool: inside the prior box and not ruled out by any wave."""
        return self.implausibility(x) <= self.settings.cutoff

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points drawn uniformly from the NROY space (rejection from the prior box).

        Raises:
            HistoryMatchError: fewer than ``n`` found in :data:`MAX_BATCHES` batches.

        """
        d = len(self.names)
        batch = max(self.settings.candidates, 4 * n)
        kept: list[np.ndarray] = []
        found = 0
        for _ in range(MAX_BATCHES):
            u = rng.random((batch, d))
            u = u[self._implausibility_unit(u, self.waves) <= self.settings.cutoff]
            kept.append(u)
            found += len(u)
            if found >= n:
                return self.natural(np.concatenate(kept)[:n])
        raise HistoryMatchError(
            f"history matching: only {found} of {n} points found in the space not ruled out "
            f"({MAX_BATCHES * batch} tried; NROY share {self.nroy_share():.2g})"
        )

    def box(self) -> np.ndarray:
        """(d, 2): the bounding box of the NROY points among a seeded candidate hypercube.

        The hypercube is the last wave's (``settings.candidates`` points), so the box is
        the same on every call. Raises HistoryMatchError if no candidate is plausible.
        """
        s = self.settings
        u = _hypercube(s.candidates, len(self.names), s.seed, 2, len(self.waves), 0)
        x = self.natural(u[self._implausibility_unit(u, self.waves) <= s.cutoff])
        if not len(x):
            raise HistoryMatchError("history matching: no point of the prior box is plausible")
        return np.column_stack([x.min(axis=0), x.max(axis=0)])

    def nroy_share(self) -> float:
        """The share of the prior box not ruled out after the last wave (1 before any)."""
        return self.waves[-1].nroy_share if self.waves else 1.0


# -- files -----------------------------------------------------------------------------------


def _cell(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def wave_columns(names: Sequence[str], targets: Sequence[str]) -> list[str]:
    """The columns of ``wave_<n>.csv``."""
    return [
        "wave",
        "point",
        *names,
        *(f"{t}_mean" for t in targets),
        *(f"{t}_var" for t in targets),
    ]


def write_wave(
    folder: Path,
    number: int,
    names: Sequence[str],
    targets: Sequence[str],
    x: np.ndarray,
    means: np.ndarray,
    variances: np.ndarray,
) -> None:
    """Keep a wave's design and outputs in ``wave_<number>.csv`` (temporary file, rename)."""
    rows = [
        [number, i, *(_cell(v) for v in (*x[i], *means[i], *variances[i]))] for i in range(len(x))
    ]
    write_text(folder / f"wave_{number}.csv", _csv(wave_columns(names, targets), rows))


def read_wave(
    folder: Path, number: int, names: Sequence[str], targets: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A finished wave's (x, means, variances) from its file, or None if there is none.

    Raises:
        HistoryMatchError: the file is there but not a wave file of this problem.

    """
    path = folder / f"wave_{number}.csv"
    if not path.exists():
        return None
    rows = list(csv.reader(read_text(path, error=HistoryMatchError).splitlines()))
    d, k = len(names), len(targets)
    if rows[0] != wave_columns(names, targets) or any(
        len(r) != 2 + d + 2 * k or r[0] != str(number) or r[1] != str(i)
        for i, r in enumerate(rows[1:])
    ):
        raise HistoryMatchError(f"{path}: not this problem's wave {number} (edited?); {AFRESH}")
    try:
        values = np.array([[float(c) if c else math.nan for c in r[2:]] for r in rows[1:]])
    except ValueError:
        raise HistoryMatchError(f"{path}: a cell is not a number; {AFRESH}") from None
    values = values.reshape(len(rows) - 1, d + 2 * k)
    return values[:, :d], values[:, d : d + k], values[:, d + k :]


def _problem(
    names: Sequence[str],
    bounds: np.ndarray,
    observations: Observations,
    settings: Settings,
    replications: int,
) -> dict[str, Any]:
    """What a folder's waves depend on (``waves`` left out: more waves continue a match)."""
    kept = {k: v for k, v in asdict(settings).items() if k != "waves"}
    return {
        "names": list(names),
        "bounds": bounds.tolist(),
        "observations": observations.to_json(),
        "settings": kept,
        "replications": replications,
    }


def open_folder(folder: Path, problem: Mapping[str, Any]) -> None:
    """Check ``folder`` holds this problem's waves, or none (then record the problem).

    Raises:
        HistoryMatchError: it holds another problem's, naming the first thing that differs.

    """
    path = folder / PROBLEM
    if not path.exists():
        if any(folder.glob("wave_*.csv")):
            raise HistoryMatchError(f"{folder} holds wave files but no {PROBLEM}; {AFRESH}")
        write_text(path, json.dumps(problem, indent=1) + "\n")
        return
    try:
        theirs = json.loads(read_text(path, error=HistoryMatchError))
    except ValueError as exc:
        raise HistoryMatchError(f"{path}: {' '.join(str(exc).split())}; {AFRESH}") from None
    if theirs != problem:
        key = next(k for k in problem if theirs.get(k) != problem[k])
        if key == "settings":
            key = next(k for k in problem[key] if theirs[key].get(k) != problem[key][k])
        raise HistoryMatchError(f"{folder} holds another history match ({key} differs); {AFRESH}")


def summary_text(hm: HistoryMatch) -> str:
    """``waves.csv``: wave, points, trained_on, nroy_share and per target the LOO check."""
    targets = hm.observations.names
    columns = ["wave", "points", "nroy_share"]
    for t in targets:
        columns += [f"{t}_trained_on", f"{t}_loo_within", f"{t}_loo_rms"]
    rows = []
    for w in hm.waves:
        row: list[Any] = [w.number, len(w.x), _cell(w.nroy_share)]
        for t in targets:
            d = w.diagnostics[t]
            row += [d["trained_on"], _cell(d["loo_within"]), _cell(d["loo_rms"])]
        rows.append(row)
    return _csv(columns, rows)


# -- the waves -------------------------------------------------------------------------------


def _check_problem(names: Sequence[str], bounds: np.ndarray, replications: int) -> None:
    d = len(names)
    if d == 0 or len(set(names)) != d:
        raise HistoryMatchError(f"history matching: parameter names must be distinct: {names}")
    if bounds.shape != (d, 2) or not np.all(np.isfinite(bounds)):
        raise HistoryMatchError(f"history matching: bounds must be finite, shape ({d}, 2)")
    narrow = [n for n, (lo, hi) in zip(names, bounds, strict=True) if not lo < hi]
    if narrow:
        raise HistoryMatchError(f"history matching: {narrow[0]}'s low must be below its high")
    if replications < 2:
        raise HistoryMatchError(
            "history matching needs 2 or more replications per point (run-to-run variance)"
        )


def _design(hm: HistoryMatch, number: int, pool: np.ndarray) -> np.ndarray | None:
    """Wave ``number``'s design in the unit cube, or None when too few NROY points are found.

    Wave 1: a Latin hypercube of the prior box. Later: ``points`` drawn without
    replacement from the NROY candidates (``pool``), topped up from further hypercubes.
    """
    s = hm.settings
    d = len(hm.names)
    if number == 1:
        return _hypercube(s.points, d, s.seed, 1, 1)
    batches = [pool]
    for batch in range(1, MAX_BATCHES):
        if sum(len(b) for b in batches) >= s.points:
            break
        u = _hypercube(s.candidates, d, s.seed, 2, number - 1, batch)
        batches.append(u[hm._implausibility_unit(u, hm.waves) <= s.cutoff])
    found = np.concatenate(batches)
    if len(found) < s.min_points_for_fit:
        return None
    rng = np.random.default_rng(_seed(s.seed, 3, number))
    return found[np.sort(rng.choice(len(found), min(s.points, len(found)), replace=False))]


def _outputs(
    simulate: Simulate, x: np.ndarray, k: int, number: int
) -> tuple[np.ndarray, np.ndarray]:
    """Run the wave's points; check what comes back."""
    means, variances = (np.asarray(a, dtype=float) for a in simulate(x))
    if means.shape != (len(x), k) or variances.shape != (len(x), k):
        raise HistoryMatchError(
            f"history matching wave {number}: simulate gave {means.shape} and "
            f"{variances.shape}; expected ({len(x)}, {k}) each"
        )
    return means, variances


def _training(
    hm: HistoryMatch, x: np.ndarray, means: np.ndarray, variances: np.ndarray
) -> list[np.ndarray]:
    """The wave's points plus earlier waves' points inside its space (not ruled out yet)."""
    parts = [(x, means, variances)]
    for wave in hm.waves:
        inside = hm._implausibility_unit(hm.unit(wave.x), hm.waves) <= hm.settings.cutoff
        parts.append((wave.x[inside], wave.means[inside], wave.variances[inside]))
    return [np.concatenate([p[i] for p in parts]) for i in range(3)]


def _wave_outputs(
    simulate: Simulate, hm: HistoryMatch, number: int, x: np.ndarray, folder: Path | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A wave's (x, means, variances): read from its file if finished, else run and kept."""
    names, targets = hm.names, hm.observations.names
    found = None if folder is None else read_wave(folder, number, names, targets)
    if found is None:
        means, variances = _outputs(simulate, x, len(targets), number)
        if folder is not None:
            write_wave(folder, number, names, targets, x, means, variances)
        return x, means, variances
    if not np.allclose(found[0], x, rtol=1e-9, atol=0):
        raise HistoryMatchError(
            f"{folder}: wave_{number}.csv is not the design these settings give; {AFRESH}"
        )
    return found


def _fit_wave(
    hm: HistoryMatch,
    number: int,
    x: np.ndarray,
    means: np.ndarray,
    variances: np.ndarray,
    replications: int,
) -> Wave:
    """Fit wave ``number``'s emulators (NROY share to be set once they rule)."""
    s = hm.settings
    x_train, means_train, variances_train = _training(hm, x, means, variances)
    finite = (np.isfinite(means_train) & np.isfinite(variances_train)).sum(axis=0)
    if finite.min() < s.min_points_for_fit:
        raise HistoryMatchError(
            f"history matching wave {number}: {hm.observations.names[int(np.argmin(finite))]} "
            f"has {finite.min()} finite outputs; an emulator needs {s.min_points_for_fit}"
        )
    emulators = Emulators.fit(
        hm.unit(x_train), means_train, variances_train, replications, _seed(s.seed, 4, number)
    )
    diagnostics = dict(zip(hm.observations.names, emulators.diagnostics, strict=True))
    return Wave(number, x, means, variances, emulators, math.nan, diagnostics)


def _ruled_out_error(hm: HistoryMatch, number: int, u: np.ndarray) -> HistoryMatchError:
    """Nothing is left: name the target that rules out most candidates."""
    per_target = target_implausibility(hm.waves[-1].emulators, hm.observations, u)
    worst = int(np.argmax((per_target > hm.settings.cutoff).mean(axis=0)))
    share = float((per_target[:, worst] > hm.settings.cutoff).mean())
    return HistoryMatchError(
        f"history matching: every candidate point is ruled out after wave {number} "
        f"({hm.observations.names[worst]} alone rules out {share:.0%}); the model cannot "
        "match the targets within their uncertainty: widen the prior ranges or check them"
    )


def run(
    simulate: Simulate,
    names: Sequence[str],
    bounds: np.ndarray,
    observations: Observations,
    settings: Settings,
    replications: int,
    folder: Path | None = None,
    progress: bool | None = None,
) -> HistoryMatch:
    """History-match ``simulate`` to ``observations`` over the prior box ``bounds``.

    Args:
        simulate: Runs points (natural units) R times each: see :data:`Simulate`.
        names: The parameter keys, in the order of x's columns.
        bounds: (d, 2) prior box [low, high] per parameter.
        observations: The targets, in the order of simulate's output columns.
        settings: Waves, points, cut-off, seed...
        replications: R, the runs behind each mean and variance simulate gives.
        folder: Keep ``wave_<n>.csv``, ``waves.csv`` and ``history_match.json`` here; a
            rerun reads finished waves instead of simulating them again.
        progress: Show a progress bar over waves (default: when stderr is a terminal)
            and a line a wave on stderr (default: always; False: neither), so that a
            long run's log says how far it has got.

    Raises:
        HistoryMatchError: bad inputs, another problem's folder, or every point ruled out.

    """
    names = tuple(names)
    bounds = np.asarray(bounds, dtype=float)
    _check_problem(names, bounds, replications)
    hm = HistoryMatch(names, bounds, observations, settings)
    if folder is not None:
        open_folder(folder, _problem(names, bounds, observations, settings, replications))
    show = sys.stderr.isatty() if progress is None else progress
    log = progress is not False
    stored = {} if folder is None else stored_shares(folder)
    pool = np.empty((0, len(names)))
    with (
        threadpool_limits(1, user_api="blas"),  # small matrices: see _fit
        tqdm(total=settings.waves, desc="history matching", unit="wave", disable=not show) as bar,
    ):
        for number in range(1, settings.waves + 1):
            started = time.perf_counter()
            u = _design(hm, number, pool)
            if u is None:
                break  # the NROY space is too small to find a wave's points in
            x, means, variances = _wave_outputs(simulate, hm, number, hm.natural(u), folder)
            previous = hm.nroy_share()
            hm.waves.append(_fit_wave(hm, number, x, means, variances, replications))
            wave = hm.waves[-1]
            candidates = _hypercube(settings.candidates, len(names), settings.seed, 2, number, 0)
            alive = hm._implausibility_unit(candidates, hm.waves) <= settings.cutoff
            wave.nroy_share = float(alive.mean())
            _check_stored_share(wave, stored.get(number))
            pool = candidates[alive]
            if folder is not None:
                write_text(folder / SUMMARY, summary_text(hm))
            bar.update()
            if log:
                tqdm.write(
                    _wave_line(wave, settings.waves, time.perf_counter() - started),
                    file=sys.stderr,
                )
            if not alive.any():
                raise _ruled_out_error(hm, number, candidates)
            if number >= 2 and wave.nroy_share > (1 - settings.min_shrink) * previous:
                break
    return hm


def stored_shares(folder: Path) -> dict[int, str]:
    """Each finished wave's NROY share as ``waves.csv`` holds it (empty without the file)."""
    path = folder / SUMMARY
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {int(row["wave"]): row["nroy_share"] for row in csv.DictReader(handle)}


def _check_stored_share(wave: Wave, stored: str | None) -> None:
    """Warn when a wave read back rules out other space than when it was first run.

    A resumed calibration refits the emulators from the waves' files; with other library
    versions or another machine's arithmetic they can rule out a little differently, and
    then ABC-SMC's prior is not the one its finished generations were drawn from.
    """
    if stored is None or stored == _cell(wave.nroy_share):
        return
    warnings.warn(
        f"history matching wave {wave.number}: the emulators refitted from the waves' "
        f"files leave {wave.nroy_share:.4%} of the prior box, not {float(stored):.4%} as "
        "when the wave was run (other library versions?): a resumed ABC-SMC's prior "
        "differs from its first generations'",
        RuntimeWarning,
        stacklevel=3,
    )


def _wave_line(wave: Wave, waves: int, seconds: float) -> str:
    """``history matching wave w/W: n points, s% of the prior box not ruled out, t s``."""
    return (
        f"history matching wave {wave.number}/{waves}: {len(wave.x)} points, "
        f"{wave.nroy_share:.1%} of the prior box not ruled out, {seconds:.1f} s"
    )


# -- figure ----------------------------------------------------------------------------------


def _units(names: Sequence[str]) -> dict[str, str]:
    """Each parameter key's unit from the config schema (empty if not a schema key)."""
    from sim.config import SCHEMA_FIELDS

    known = {f.key: f.meta.get("unit", "") for f in SCHEMA_FIELDS}
    return {n: known.get(n, "") for n in names}


def plot_waves(hm: HistoryMatch, path: Path, units: Mapping[str, str] | None = None) -> Path:
    """Draw, per parameter, the points of each wave and the final NROY box; save as PNG.

    Wave 1's points cover the prior box; wave w's points are drawn from the space not ruled
    out after wave w-1, so the rows narrow as the waves rule space out. ``units``: per
    key (default: the config schema's units).
    """
    from matplotlib.figure import Figure

    from sim.plots import PALETTE, save

    units = dict(_units(hm.names)) | dict(units or {})
    d = len(hm.names)
    fig = Figure(figsize=(7.5, 1.2 + 1.1 * d), layout="constrained")
    axes = fig.subplots(d, 1, squeeze=False)[:, 0]
    box = hm.box() if hm.waves and hm.nroy_share() > 0 else None
    labels = [f"wave {w.number} points" for w in hm.waves]
    labels.append(f"not ruled out after wave {len(hm.waves)} (box)")
    jitter = np.random.default_rng(0)
    for j, ax in enumerate(axes):
        ax.axvspan(*hm.bounds[j], color="0.93", zorder=0)
        for row, wave in enumerate(hm.waves):
            colour = PALETTE[row % len(PALETTE)]
            y = row + jitter.uniform(-0.25, 0.25, len(wave.x))
            ax.scatter(wave.x[:, j], y, s=6, color=colour, alpha=0.6, linewidths=0)
        if box is not None:
            ax.plot(box[j], [len(hm.waves)] * 2, color="black", linewidth=3)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_ylim(len(labels) - 0.4, -0.6)
        ax.set_xlim(*hm.bounds[j])
        unit = units.get(hm.names[j], "")
        ax.set_xlabel(f"{hm.names[j]} ({unit})" if unit else hm.names[j], fontsize=8)
    fig.suptitle(
        f"History matching: the space not ruled out, wave by wave "
        f"(NROY share {hm.nroy_share():.1%} of the prior box)",
        fontsize=10,
    )
    return save(fig, path)
