"""``python -m sim.calibrate``: fit the model to published figures, with uncertainty.

A calibration fits a few assumptions (``calibration.parameters``; by default those the
sensitivity analysis ranks highest, :data:`~sim.calibration_settings.DEFAULT_PARAMETERS`,
each over its plausible range) to a set of targets with an uncertainty each
(``calibration.targets``: ``england``, an authority's key or code, ``synthetic`` or a
target file; :mod:`sim.calibration_targets`), in two stages:

1. **History matching** (:mod:`sim.history_matching`): waves of design points, Gaussian-
   process emulators of each target's mean and run-to-run variance, and the points whose
   implausibility exceeds ``calibration.cutoff`` (3) ruled out;
2. **ABC-SMC** (:mod:`sim.abc_fit`, pyABC) on what is left: a population of parameter sets
   per generation, each run for the same replications (common random numbers), accepted
   when its targets are close to the published ones in units of their uncertainty.

Then a posterior-predictive check runs draws from the posterior. The folder
(``calibration.out``, default results/calibration/<targets>) gets ``targets.yaml``,
``calibration.json``, the history match's ``wave_<n>.csv``, ``waves.csv`` and
``waves.png``, pyABC's history ``abc.db``, and at the end ``posterior.csv``,
``parameters.csv``, ``fit.csv``, ``posterior_predictive.png``, ``pairs.png`` and
``calibrated.yaml`` (:mod:`sim.calibration_outputs`). Run the same command again to
resume: finished waves are read back and ABC-SMC continues from its last generation.

The model's own overrides (``authority=...``, ``scenario=...``, ``run.years=...``) make
the base configuration; ``run.replications`` and ``run.n_jobs`` are refused in favour of
``calibration.replications`` and ``calibration.n_jobs``. ``targets=<authority>`` runs that
authority (``authority=<key>`` is added, and another authority refused). docs/calibration.md
has the settings, the method, the run times and the England fit.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Final, NoReturn

import numpy as np

from sim import abc_fit, calibration_outputs, composition, history_matching
from sim.calibration import TARGETS
from sim.calibration_model import FitModel
from sim.calibration_settings import (
    DEFAULT_PARAMETERS,
    RELATIVE_RANGES,
    CalibrationSettings,
    compose_calibration,
    settings_of,
)
from sim.calibration_targets import Observed, TargetSet, dump, resolve
from sim.config import Config, ConfigError, Factor
from sim.interrupts import as_interrupted, raise_on_signals
from sim.sensitivity_design import resolve_factors
from sim.userfiles import write_text

PROG = "sim.calibrate"
SYNTHETIC = "synthetic"
SYNTHETIC_REPLICATIONS = 16
"""Replications behind a synthetic target: its value is their mean, its sd their spread
(one run's). Sixteen put the value within a quarter of a run's sd of the model's
expectation at the truth, so the fit recovers the truth rather than chasing the noise of
a few runs (with four, the recovery test's interval for the time for an assessment,
14.8 to 18.1 hours, missed the true 14 once the authority mapping changed)."""
SYNTHETIC_SEED_OFFSET = 1
"""A synthetic set's runs use run.seed + this: other random numbers than the fit's."""


@dataclass(frozen=True)
class Calibration:
    """A calibration ready to run: its base model, targets, parameters and folder."""

    folder: Path
    settings: CalibrationSettings
    base: Config
    targets: TargetSet
    factors: tuple[Factor, ...]
    overrides: tuple[str, ...]

    @property
    def seed(self) -> int:
        """The design's and the sampler's seed."""
        return self.base.run.seed if self.settings.seed is None else self.settings.seed

    def bounds(self) -> np.ndarray:
        """The prior box, (d, 2)."""
        return np.array([[f.low, f.high] for f in self.factors], dtype=float)

    def names(self) -> tuple[str, ...]:
        """The fitted parameters' keys."""
        return tuple(f.key for f in self.factors)


def fit_factors(base: Config, settings: CalibrationSettings) -> tuple[Factor, ...]:
    """The fitted parameters with their prior ranges (plausible ranges, or ``ranges``).

    A parameter of :data:`RELATIVE_RANGES` without a range in ``ranges`` gets those
    multiples of the base's value (an authority's own).
    """
    keys = settings.parameters if settings.parameters is not None else list(DEFAULT_PARAMETERS)
    ranges = dict(settings.ranges or {})
    for key, (low, high) in RELATIVE_RANGES.items():
        if key in keys and key not in ranges:
            group, _, name = key.rpartition(".")
            value = float(getattr(getattr(base, group), name))
            ranges[key] = [float(f"{low * value:.4g}"), float(f"{high * value:.4g}")]
    return tuple(resolve_factors(keys, ranges, base, "calibration.parameters", dummy=False))


def _truth(base: Config, factors: Sequence[Factor], truth: Any) -> dict[str, float]:
    """``calibration.truth`` checked against the parameters (default: the base's values)."""
    given = dict(truth or {})
    names = [f.key for f in factors]
    for key in given:
        if key not in names:
            raise ConfigError(
                f"calibration.truth: {key} is not a fitted parameter; allowed: {', '.join(names)}"
            )
    values = {}
    for f in factors:
        value = float(given.get(f.key, f.default))
        if not f.low <= value <= f.high:
            raise ConfigError(
                f"calibration.truth: {f.key} = {value:g} is out of range; allowed: its prior "
                f"range {f.low:g} to {f.high:g}"
            )
        values[f.key] = value
    return values


def synthetic_targets(
    base: Config, factors: Sequence[Factor], truth: Mapping[str, float], n_jobs: int
) -> TargetSet:
    """Targets simulated at ``truth``: England's KPIs, each the mean of some runs.

    :data:`SYNTHETIC_REPLICATIONS` runs with other random numbers than the fit's; the
    uncertainty is their run-to-run sd, at least 1% of the value for a target with a
    relative tolerance (the counts) and 0.005 for the others (the shares and the caseload).
    """
    seeded = replace(base, run=replace(base.run, seed=base.run.seed + SYNTHETIC_SEED_OFFSET))
    model = FitModel(seeded, tuple(factors), tuple(TARGETS), SYNTHETIC_REPLICATIONS)
    x = np.array([[truth[f.key] for f in factors]])
    means, variances = model.simulate(x, n_jobs=n_jobs, progress=False)
    targets = []
    for j, kpi in enumerate(TARGETS):
        value, sd = float(means[0, j]), math.sqrt(max(float(variances[0, j]), 0.0))
        if not math.isfinite(value) or value == 0:
            continue
        target = TARGETS[kpi]
        floor = 0.01 * abs(value) if target.relative else 0.005
        targets.append(
            Observed(
                kpi,
                value,
                max(sd, floor),
                f"simulated at the true values: mean and sd of {SYNTHETIC_REPLICATIONS} runs",
                target.tolerance,
                target.relative,
            )
        )
    truth_text = ", ".join(f"{k}={v:g}" for k, v in truth.items())
    return TargetSet(SYNTHETIC, "", tuple(targets), dict(truth), f"synthetic: {truth_text}")


def _folder(settings: CalibrationSettings) -> Path:
    if settings.out is not None:
        return Path(settings.out)
    return Path("results") / "calibration" / Path(settings.targets).stem


def _authority_override(targets: TargetSet, model: list[str], base: Config) -> list[str]:
    """The model's overrides with ``authority=<key>`` for an authority's targets."""
    if not targets.la_code:
        return model
    if base.authority.la_code == targets.la_code:
        return model
    if base.authority.la_code or any(o.startswith("authority=") for o in model):
        raise ConfigError(
            f"calibration.targets={targets.name} are {targets.name}'s figures but the model "
            f"runs authority={base.authority.name}; leave authority= out (it is set) or name "
            "the same authority"
        )
    return [*model, f"authority={targets.name}"]


def prepare(overrides: Sequence[str]) -> Calibration:
    """Compose and check a calibration from the command line, before anything runs.

    Raises:
        ConfigError: one line naming what is wrong.

    """
    parsed = composition.parse_overrides(overrides)
    composition.check_override_keys(parsed)
    for text, o in zip(overrides, parsed, strict=True):
        if o.is_sweep_override():
            raise ConfigError(f"'{text}' gives several values; allowed: one value")
    own = [t for t, o in zip(overrides, parsed, strict=True) if _is_own(o.key_or_group)]
    model = [t for t in overrides if t not in own]
    composition.refuse_ignored(
        model,
        PROG,
        {
            "run.replications": "use calibration.replications",
            "run.n_jobs": "use calibration.n_jobs",
        },
        "calibration.out",
    )
    base = composition.compose_config(model)  # first: it registers a named authority
    settings = settings_of(compose_calibration(list(overrides)))
    if settings.targets == SYNTHETIC:
        factors = fit_factors(base, settings)
        truth = _truth(base, factors, settings.truth)
        targets = synthetic_targets(base, factors, truth, settings.n_jobs)
    else:
        targets = resolve(settings.targets)
        model = _authority_override(targets, model, base)
        base = composition.compose_config(model)
        factors = fit_factors(base, settings)
    return Calibration(_folder(settings), settings, base, targets, factors, tuple(model))


def _is_own(key: str) -> bool:
    return key.lstrip("+~").split(".")[0] == "calibration"


@dataclass
class Outcome:
    """What a calibration found: its folder, posterior and posterior-predictive fit."""

    folder: Path
    history: history_matching.HistoryMatch | None
    posterior: abc_fit.Posterior
    seconds: float


RESUMABLE_SETTINGS = (
    "generations",
    "n_jobs",
    "sampler",
    "address",
    "check_draws",
    "point_draws",
    "point_replications",
    "out",
)
"""Settings a rerun may change and still continue the calibration in its folder."""
PROBLEM = "calibration.json"

RESOLVED_SETTINGS: Final = frozenset({"parameters"})
"""Settings calibration.json holds resolved, not as given: ``parameters`` is the list of
fitted parameters with their ranges (its ``parameters`` entry), so a folder started with
the default list (null) is the same calibration as one naming that list, and a folder
from before a change of the default list still opens if its fitted parameters match."""


def _comparable(problem: Mapping[str, Any]) -> dict[str, Any]:
    """``problem`` without the settings held resolved elsewhere (:data:`RESOLVED_SETTINGS`)."""
    settings = problem.get("settings")
    if not isinstance(settings, Mapping):
        return dict(problem)
    kept = {k: v for k, v in settings.items() if k not in RESOLVED_SETTINGS}
    return {**problem, "settings": kept}


def _problem(cal: Calibration) -> dict[str, Any]:
    settings = {
        k: v
        for k, v in asdict(cal.settings).items()
        if k not in RESUMABLE_SETTINGS and k not in RESOLVED_SETTINGS
    }
    return json.loads(
        json.dumps(
            {
                "targets": dump(cal.targets),
                "parameters": [asdict(f) for f in cal.factors],
                "overrides": sorted(cal.overrides),
                "settings": settings,
                "seed": cal.seed,
            },
            default=str,
        )
    )


def open_folder(cal: Calibration) -> None:
    """Write calibration.json and targets.yaml, or check the folder holds this calibration.

    Raises:
        ConfigError: the folder holds another calibration (one line naming what differs).

    """
    problem = _problem(cal)
    path = cal.folder / PROBLEM
    if path.exists():
        found = _comparable(json.loads(path.read_text(encoding="utf-8")))
        differ = [k for k in problem if found.get(k) != problem[k]]
        if differ:
            raise ConfigError(
                f"{cal.folder} holds another calibration (its {', '.join(differ)} differ); "
                "remove the folder or give calibration.out another one"
            )
        return
    cal.folder.mkdir(parents=True, exist_ok=True)
    write_text(cal.folder / "targets.yaml", dump(cal.targets))
    write_text(path, json.dumps(problem, indent=2) + "\n")


def run_calibration(cal: Calibration, progress: bool | None = None) -> Outcome:
    """History-match, then ABC-SMC, then the posterior-predictive check and the outputs.

    Raises:
        ConfigError: the folder holds another calibration, or every point is ruled out.
        Interrupted: SIGINT or SIGTERM; finished waves and generations are kept.

    """
    started = time.perf_counter()
    s = cal.settings
    open_folder(cal)
    model = FitModel(cal.base, cal.factors, cal.targets.kpis(), s.replications)
    observations = history_matching.Observations(
        cal.targets.kpis(), cal.targets.values(), cal.targets.sds()
    )
    bounds = cal.bounds()
    history = None
    plausible = None
    if s.waves > 0:
        history = history_matching.run(
            lambda x: model.simulate(x, n_jobs=s.n_jobs, progress=progress),
            cal.names(),
            bounds,
            observations,
            history_matching.Settings(
                waves=s.waves,
                points=s.wave_points,
                candidates=s.candidates,
                cutoff=s.cutoff,
                seed=cal.seed,
            ),
            s.replications,
            folder=cal.folder / "history_matching",
            progress=progress,
        )
        history_matching.plot_waves(history, cal.folder / "waves.png")
        plausible = history.plausible
    prior = abc_fit.prior(cal.names(), bounds, plausible)
    observed = dict(zip(cal.targets.kpis(), cal.targets.values().tolist(), strict=True))
    sds = dict(zip(cal.targets.kpis(), cal.targets.sds().tolist(), strict=True))
    posterior = abc_fit.run(
        model,
        prior,
        observed,
        sds,
        abc_fit.AbcSettings(
            population=s.population,
            generations=s.generations,
            min_acceptance_rate=s.min_acceptance_rate,
            sampler=s.sampler,
            n_procs=s.n_jobs,
            address=s.address,
            seed=cal.seed,
        ),
        cal.folder / "abc.db",
        resume=True,
        progress=progress,
    )
    if progress is not False:
        print(_outputs_line(s), file=sys.stderr, flush=True)
    calibration_outputs.write_outputs(
        cal.folder,
        model,
        posterior,
        observed,
        sds,
        draws=s.check_draws,
        point=calibration_outputs.PointSettings(s.point_draws, s.point_replications),
        seed=cal.seed,
        n_jobs=s.n_jobs,
        progress=progress,
        overrides=cal.overrides,
        tolerance=cal.targets.within,
    )
    return Outcome(cal.folder, history, posterior, time.perf_counter() - started)


def _outputs_line(s: CalibrationSettings) -> str:
    """The last stage's line: the runs of the check and of the calibrated point."""
    tried = min(s.point_draws, s.check_draws)  # the point is chosen among the check's draws
    point = (
        f"up to {tried} distinct draws x {s.point_replications} replications"
        if tried > 0
        else "the posterior medians"
    )
    return f"posterior-predictive check: {s.check_draws} runs; calibrated point: {point}"


def report(outcome: Outcome) -> None:
    """The posterior's medians and 90% intervals, and where the files are."""
    post = outcome.posterior
    interval = post.interval(0.9)
    for name, median, (low, high) in zip(post.names, post.median(), interval, strict=True):
        print(f"{name}: {median:.4g} (90% {low:.4g} to {high:.4g})")
    print(f"{post.generations} generations, {post.evaluations} runs of parameter sets")
    ess, n = post.ess(), len(post.weights)
    print(f"Effective sample size {ess:.1f} of {n} particles")
    if ess < calibration_outputs.MIN_EFFECTIVE_SAMPLE:
        print(
            f"Warning: fewer than {calibration_outputs.MIN_EFFECTIVE_SAMPLE:g} effective particles: the intervals "
            "are too rough to say which parameters the data pin down (pinned is left empty); "
            "raise calibration.population or calibration.generations"
        )
    print(f"Outputs: {outcome.folder} ({outcome.seconds / 60:.1f} min)")


def _error(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(2)


def cli(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m sim.calibrate``: ``[key=value ...]`` overrides.

    A bad input ends with one line ``sim.calibrate: error: ...`` and status 2; SIGINT or
    SIGTERM with one line saying what is kept and status 128 + the signal's number.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return
    try:
        with raise_on_signals():
            try:
                report(run_calibration(prepare(args)))
            except ConfigError as exc:
                _error(str(exc))
    except KeyboardInterrupt as exc:
        stop = as_interrupted(exc)
        print(
            f"{PROG}: interrupted ({stop.name}); finished waves and generations are kept: "
            "run the same command again to resume",
            file=sys.stderr,
        )
        sys.exit(stop.exit_status)


if __name__ == "__main__":
    # Run the command from the module imported under its own name, not from __main__, so
    # that what pyABC's worker processes unpickle refers to sim.calibrate.
    from sim.calibrate import cli as module_cli

    module_cli()
