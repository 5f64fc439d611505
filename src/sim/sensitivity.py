"""``python -m sim.sensitivity``: which assumptions matter, by global sensitivity analysis.

A study varies *factors* (schema parameters over their plausible ranges, plus a
``dummy``) over a design from SALib, runs every design point for the same replications
0 to R-1 (common random numbers), and measures each KPI at a point as the mean of its
replications. Two methods (the config group ``sensitivity``, conf/sensitivity/):

- ``sensitivity=morris`` (the default): a screen of many factors by elementary effects
  (Morris 1991), ``mu_star`` (Campolongo et al. 2007), ``sigma`` and a bootstrap
  interval for mu*; ``trajectories x (k + 1)`` points for k factors (the dummy included).
- ``sensitivity=sobol``: first-order and total indices (Saltelli et al. 2010) with
  bootstrap intervals on a few factors, ``base_samples x (k + 2)`` points; with
  ``sensitivity.keep_from=<Morris study folder>`` on the factors that screen kept
  (:func:`sim.sensitivity_analysis.keep`: distinguishable from the dummy for at least one
  KPI, ranked by their largest mu* over the dummy's, at most ``max_factors``;
  ``keep_rule=ranked`` keeps the top ones whatever the dummy says).

Settings (``sensitivity.<name>=...``; docs/sensitivity.md): ``factors`` (schema keys;
default every parameter with a plausible range that is screened by default), ``ranges`` (``{key:[low,high]}``, inside
the allowed range), ``kpis`` (default the headline KPIs), ``replications`` (3), ``seed``
(the design's and the bootstrap's; default ``run.seed``), ``n_jobs`` (processes, 0 = all
cores), ``out`` (the study folder, default results/sensitivity/<method>), ``stage``
(``all``, ``evaluate`` or ``analyse``), ``batches`` and ``batch``, ``resamples`` (1000);
Morris ``trajectories`` (10), ``levels`` (4); Sobol ``base_samples`` (64, a power of 2),
``keep_from``, ``max_factors`` (8), ``keep_rule``. The model's own overrides
(``scenario=...``, ``authority=...``, ``run.years=...``) make the base configuration;
``run.replications`` and ``run.n_jobs`` are refused in favour of ``sensitivity.*``.

The study folder (:mod:`sim.sensitivity_folder`; the interface with the figures and report):

- ``study.json`` (:class:`~sim.sensitivity_design.Spec`) and ``design.csv`` (the points as
  run), written first;
- ``points/NNNNN.csv``: each point's replications, written (through a temporary file and
  a rename) as soon as the point is done, so that a study is **resumable**: a rerun with the
  same study.json runs only the points not done, and a rerun whose study.json would
  differ is refused in one line;
- ``outputs.csv`` (a row per point and replication), ``indices.csv`` and ``noise.csv``,
  written together only when every point is done. An empty cell: nothing to measure.

``distinguishable`` in indices.csv: the factor's interval lies clearly above the dummy's
(Morris ``mu_star - mu_star_conf > dummy mu_star + dummy mu_star_conf``, Sobol
``ST - ST_conf > dummy ST + dummy ST_conf``). The dummy is read by no parameter; its
value chooses the point's run seed (:func:`sim.sensitivity_design.dummy_seed`), so its
indices are what replication noise alone gives, and a factor not clearly above them is
not distinguishable from noise.

**At scale**, points are batched per task through Hydra's launchers, as sweeps are:
``python -m sim.sensitivity -m sensitivity.batches=20 'sensitivity.batch=range(0,20)'
hydra/launcher=submitit_slurm`` runs batch i's points in task i, into the shared folder;
when the sweep ends (or on a plain rerun, or ``sensitivity.stage=analyse``) every point
is found done and the study is analysed.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import hydra
import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.types import Override
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, open_dict

from sim import CONF_DIR, composition
from sim.config import Config, ConfigError, Factor, to_config
from sim.interrupts import as_interrupted, raise_on_signals
from sim.metrics import compute_kpis
from sim.results import read_csv
from sim.runner import Job, Run, run_many
from sim.sensitivity_analysis import keep
from sim.sensitivity_design import (
    DUMMY,
    DUMMY_FACTOR,
    Spec,
    design,
    point_configs,
    resolve_factors,
)
from sim.sensitivity_folder import (
    Analysis,
    add_run_time,
    analyse_folder,
    finished,
    kept_count,
    open_folder,
    read_spec,
    write_point,
)
from sim.sensitivity_report import write_all
from sim.sensitivity_settings import (
    STUDY_CONFIG,
    SobolSettings,
    StudySettings,
    check_settings,
    chosen_method,
    compose_study,
    settings_of,
    study_kpis,
)

PROG = "sim.sensitivity"


@dataclass
class Study:
    """A planned study: what study.json records, its design and every point's configuration."""

    spec: Spec
    x: np.ndarray
    """The design as run: points x factors (the dummy last)."""
    configs: list[Config]
    settings: StudySettings
    folder: Path

    @property
    def n_points(self) -> int:
        """How many design points the study has."""
        return int(self.x.shape[0])

    def batch_points(self) -> list[int]:
        """The points this run evaluates: its batch's (contiguous) or every point."""
        every = list(range(self.n_points))
        if self.settings.batch is None:
            return every
        chunks = np.array_split(np.arange(self.n_points), self.settings.batches)
        return [int(i) for i in chunks[self.settings.batch]]


def plan(base: Config, settings: StudySettings, overrides: Sequence[str] = ()) -> Study:
    """A study of ``base`` (made by the model's ``overrides``) with ``settings``.

    Nothing is run or written; every design point's configuration is validated.

    Raises:
        ConfigError: one line for a bad setting, factor or range, or a design point that
            breaks a rule of the schema.

    """
    check_settings(settings)
    kept_from = kept_rule = None
    if isinstance(settings, SobolSettings) and settings.keep_from is not None:
        factors, kept_from, kept_rule = kept_factors(settings, base, overrides)
    else:
        factors = resolve_factors(settings.factors, settings.ranges, base)
    spec = Spec(
        settings.method,
        tuple(factors),
        study_kpis(settings.kpis),
        settings.replications,
        base.run.seed if settings.seed is None else settings.seed,
        tuple(sorted(overrides)),
        settings.method_settings(),
        kept_from,
        kept_rule,
    )
    x = design(spec)
    folder = Path(settings.out or Path("results") / "sensitivity" / settings.method)
    return Study(spec, x, point_configs(base, spec, x), settings, folder)


def kept_factors(
    settings: SobolSettings, base: Config, overrides: Sequence[str]
) -> tuple[list[Factor], str, str]:
    """The factors a Morris screen (``keep_from``) keeps, its folder and the rule in words.

    Raises:
        ConfigError: the folder holds no finished Morris screen of the same base
            configuration, or its screen keeps no factor.

    """
    folder = Path(str(settings.keep_from))
    screen = read_spec(folder, "sensitivity.keep_from")
    if screen.method != "morris":
        raise ConfigError(
            f"sensitivity.keep_from: {folder} holds a {screen.method} study, not a Morris screen"
        )
    if list(screen.overrides) != sorted(overrides):
        raise ConfigError(
            f"sensitivity.keep_from: {folder} screened another base configuration (overrides "
            f"{list(screen.overrides)}); run the Sobol stage with the same overrides"
        )
    if not (folder / "indices.csv").is_file():
        raise ConfigError(
            f"sensitivity.keep_from: {folder} has no indices.csv (its screen is not finished); "
            "run it to the end first"
        )
    kept, words = keep(read_csv(folder / "indices.csv"), settings.keep_rule, settings.max_factors)
    if not kept:
        raise ConfigError(
            f"sensitivity.keep_from: no factor of {folder} is distinguishable from the dummy; "
            "keep the top ones with sensitivity.keep_rule=ranked or name them with "
            "sensitivity.factors"
        )
    by_key = {f.key: f for f in screen.factors}
    factors = [
        replace(by_key[f.key], default=_value(base, f.key)) for f in screen.factors if f.key in kept
    ]
    return [*factors, DUMMY_FACTOR], str(folder), f"{words}: {', '.join(kept)}"


def _value(cfg: Config, key: str) -> Any:
    group, _, name = key.rpartition(".")
    return getattr(getattr(cfg, group), name)


# --- evaluation -------------------------------------------------------------------------


@dataclass(frozen=True)
class PointJob:
    """One replication of one design point."""

    point: int
    replication: int
    values: Mapping[str, float]
    """The factors' values as run, by key (the dummy included)."""
    cfg: Config
    """The point's validated configuration (its run seed chosen by the dummy)."""


Done = Callable[[int, Mapping[str, float]], None]
Evaluate = Callable[[Sequence[PointJob], int, "bool | None", Done], None]
"""``evaluate(jobs, n_jobs, progress, done)`` runs every job and calls ``done(j, kpis)`` as
job j finishes: the model by default (:func:`run_model`); tests give analytic functions."""


def run_kpis(run: Run) -> dict[str, float]:
    """Every KPI of a finished replication (kept in the worker; the model is freed)."""
    return compute_kpis(run.rec)


def run_model(jobs: Sequence[PointJob], n_jobs: int, progress: bool | None, done: Done) -> None:
    """Run the jobs' replications of the model with :func:`sim.runner.run_many`."""
    run_many(
        [Job(job.cfg, job.replication) for job in jobs],
        run_kpis,
        n_jobs=n_jobs,
        progress=progress,
        desc="design points x replications",
        done=done,
    )


def evaluate_points(
    study: Study,
    points: Sequence[int],
    evaluate: Evaluate = run_model,
    progress: bool | None = None,
) -> None:
    """Run ``points``' replications; keep each point in the folder the moment it is done."""
    spec = study.spec
    jobs = [
        PointJob(i, r, dict(zip(spec.keys, study.x[i].tolist(), strict=True)), study.configs[i])
        for i in points
        for r in range(spec.replications)
    ]
    pending: dict[int, dict[int, Mapping[str, float]]] = {}

    def done(j: int, kpis: Mapping[str, float]) -> None:
        job = jobs[j]
        reps = pending.setdefault(job.point, {})
        reps[job.replication] = kpis
        if len(reps) == spec.replications:
            write_point(study.folder, job.point, spec.kpis, [reps[r] for r in range(len(reps))])
            del pending[job.point]

    if jobs:
        evaluate(jobs, study.settings.n_jobs, progress, done)


@dataclass
class Outcome:
    """What a run of a study did: points run, points found done, and the analysis if any."""

    folder: Path
    points: int
    found: int
    ran: int
    analysis: Analysis | None


def run_study(
    study: Study, evaluate: Evaluate = run_model, progress: bool | None = None
) -> Outcome:
    """Run what is not done of ``study`` (its batch, or every point), then analyse it.

    The analysis runs when this run covers every point (no batch) and its stage is
    ``all``, or at stage ``analyse`` (which runs nothing).

    Raises:
        ConfigError: the folder holds another study, or (stage ``analyse``) points are
            missing.
        Interrupted: SIGINT or SIGTERM; the finished points are kept in the folder.

    """
    open_folder(study.folder, study.spec, study.x, write=study.settings.stage != "analyse")
    found = finished(study.folder, study.spec, study.n_points)
    todo = [i for i in study.batch_points() if i not in found]
    if study.settings.stage != "analyse":
        started = time.perf_counter()
        try:
            evaluate_points(study, todo, evaluate, progress)
        except KeyboardInterrupt as exc:
            raise as_interrupted(exc, study.folder) from None
        if todo and study.settings.batch is None:
            seconds = time.perf_counter() - started
            add_run_time(study.folder, seconds, len(todo), study.settings.n_jobs)
    else:
        todo = []
    analysis = None
    if study.settings.stage == "analyse" or (
        study.settings.stage == "all" and study.settings.batch is None
    ):
        analysis = analyse_folder(study.folder)
        write_all(study.folder)
    return Outcome(study.folder, study.n_points, len(found), len(todo), analysis)


# --- the command line ---------------------------------------------------------------------


def summary(analysis: Analysis, top: int = 3) -> str:
    """The study's strongest factors per KPI, for the console (``*``: distinguishable)."""
    index = "mu_star" if analysis.method == "morris" else "ST"
    lines = [f"{'KPI':<30} strongest factors by {index} (* distinguishable from the dummy)"]
    for kpi in dict.fromkeys(r["kpi"] for r in analysis.indices):
        rows = [
            r
            for r in analysis.indices
            if r["kpi"] == kpi and r["parameter"] != DUMMY and _finite(r[index])
        ]
        rows.sort(key=lambda r: -r[index])
        shown = ", ".join(
            f"{r['parameter']} {r[index]:.3g}{'*' if r['distinguishable'] else ''}"
            for r in rows[:top]
        )
        lines.append(f"{kpi:<30} {shown or '-'}")
    return "\n".join([*lines, *analysis.notes])


def _finite(value: Any) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def report(outcome: Outcome) -> None:
    """Print what a run of a study did and, once analysed, its strongest factors."""
    print(f"{outcome.points} design points: {outcome.found} done before, {outcome.ran} run now")
    if outcome.analysis is None:
        left = outcome.points - kept_count(outcome.folder)
        print(f"{left} points not done yet; the analysis follows when every point is")
    else:
        print(summary(outcome.analysis))
        print(f"Outputs: {outcome.folder}")


def _is_own(override: Override) -> bool:
    return override.key_or_group.lstrip("+~").split(".")[0] == "sensitivity"


def _split(
    overrides: Sequence[str],
) -> tuple[list[Override], list[str], list[str]]:
    """Parsed overrides, and the texts of the model's and of Hydra's own."""
    parsed = composition.parse_overrides(overrides)
    composition.check_override_keys(parsed)
    model = [
        t
        for t, o in zip(overrides, parsed, strict=True)
        if not _is_own(o) and not composition.is_hydra_override(o)
    ]
    hydra_texts = [
        t for t, o in zip(overrides, parsed, strict=True) if composition.is_hydra_override(o)
    ]
    return parsed, model, hydra_texts


def model_config(dcfg: DictConfig) -> Config:
    """The base configuration from a composed configuration (its ``sensitivity`` left out)."""
    model = dcfg.copy()
    with open_dict(model):
        model.pop("sensitivity")
        model.pop("hydra", None)
    return to_config(model)


def prepare(overrides: Sequence[str], multirun: bool = False) -> Study:
    """Compose, check and plan a study from the command line; write study.json and design.csv.

    Everything is checked before Hydra starts (and creates any folder): the model's
    overrides as ``python -m sim`` checks them, the settings, the factors, every design
    point's configuration, and the folder (which must hold this study or none). With
    ``multirun``, only ``sensitivity.batch`` may take several values (one task each).

    Raises:
        ConfigError: one line naming what is wrong.

    """
    parsed, model, hydra_texts = _split(overrides)
    batches: list[Any] = [None]
    for text, o in zip(overrides, parsed, strict=True):
        if not o.is_sweep_override():
            continue
        if not multirun:
            raise ConfigError(
                f"'{text}' gives several values; allowed: one value (a study's batches run "
                "with -m 'sensitivity.batch=range(0,N)')"
            )
        if o.key_or_group != "sensitivity.batch":
            raise ConfigError(
                f"'{text}': a study sweeps only sensitivity.batch; run one study per setting"
            )
        batches = list(o.sweep_iterator())
    composition.refuse_ignored(
        model,
        PROG,
        {
            "run.replications": "use sensitivity.replications",
            "run.n_jobs": "use sensitivity.n_jobs",
        },
        "sensitivity.out",
    )
    base = composition.compose_config([*model, *hydra_texts])
    first = [
        f"sensitivity.batch={batches[0]}" if o.is_sweep_override() else t
        for t, o in zip(overrides, parsed, strict=True)
    ]
    dcfg = compose_study(first, chosen_method(parsed))
    settings = settings_of(dcfg)
    for batch in batches[1:]:
        check_settings(replace(settings, batch=batch))
    study = plan(base, settings, model)
    open_folder(study.folder, study.spec, study.x, write=settings.stage != "analyse")
    return study


@dataclass(frozen=True)
class StudyTask:
    """Hydra's task function: a study (or one batch of it) from the composed configuration.

    Attributes:
        prepared: The study :func:`cli` planned and checked (a single run); None in a
            multirun, where each task plans its batch from Hydra's configuration.

    """

    prepared: Study | None = None

    def __call__(self, dcfg: DictConfig) -> None:
        """Run the study's points not done (its batch's), then analyse if it covers all."""
        try:
            study = self.prepared
            if study is None:
                overrides = list(HydraConfig.get().overrides.task)
                _, model, _ = _split(overrides)
                study = plan(model_config(dcfg), settings_of(dcfg), model)
            report(run_study(study))
        except ConfigError as exc:
            _error(str(exc))


class StudyCallback(Callback):
    """Hydra callback: when a batched study's tasks have all ended, analyse the study."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Analyse the study in ``sensitivity.out`` if every point is done, else say so."""
        if config.sensitivity.stage != "all":
            return
        folder = Path(str(config.sensitivity.out))
        try:
            analysis = analyse_folder(folder)
        except ConfigError as exc:
            print(f"{PROG}: not analysed: {exc}", file=sys.stderr)
            return
        write_all(folder)
        print(summary(analysis))
        print(f"Outputs: {folder}")


def _error(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(2)


REFUSED_OPTIONS = ("config_path", "config_name", "config_dir", "experimental_rerun")
PASSED_OPTIONS = ("help", "hydra_help", "info", "shell_completion", "cfg")


def cli(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m sim.sensitivity``.

    Checks everything before Hydra starts: a bad input ends with one line
    ``sim.sensitivity: error: ...`` and status 2. SIGINT or SIGTERM ends it with one line
    saying how many points are kept, and status 128 + the signal's number.
    """
    try:
        with raise_on_signals():
            _cli(argv)
    except KeyboardInterrupt as exc:
        stop = as_interrupted(exc)
        where = ""
        if stop.folder is not None:
            kept = kept_count(stop.folder)
            where = f"; {kept} points kept in {stop.folder}: run the same command again to resume"
        print(f"{PROG}: interrupted ({stop.name}){where}", file=sys.stderr)
        sys.exit(stop.exit_status)


def _cli(argv: Sequence[str] | None) -> None:
    from hydra._internal.utils import get_args_parser  # what hydra.main itself reads with

    args = list(sys.argv[1:] if argv is None else argv)
    parsed = get_args_parser().parse_args(args)
    for name in REFUSED_OPTIONS:
        if getattr(parsed, name):
            _error(f"--{name.replace('_', '-')}: {PROG} composes conf/{STUDY_CONFIG}.yaml itself")
    study = None
    if not any(getattr(parsed, name) for name in PASSED_OPTIONS):
        try:
            study = prepare(parsed.overrides, parsed.multirun)
        except ConfigError as exc:
            _error(str(exc))
    sys.argv = [sys.argv[0], *args]
    app = hydra.main(config_path=str(CONF_DIR), config_name=STUDY_CONFIG, version_base="1.3")
    app(StudyTask(None if parsed.multirun else study))()


if __name__ == "__main__":
    # Run the command from the module imported under its own name, not from __main__: the
    # task function is pickled for the launchers' jobs, which import it as sim.sensitivity.
    from sim.sensitivity import cli as module_cli

    module_cli()
