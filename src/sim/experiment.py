"""The command line: ``python -m sim`` / ``cpsim`` runs one scenario for R replications.

The Hydra entry point is thin: :func:`run_experiment` does the work and is what tests
call (through Hydra's ``compose``); replications run in :mod:`sim.runner`.

One composition and one validation per run. Hydra creates the run's output folder before
it calls the task function, so a check inside the task would leave a folder behind for a
bad input. :func:`cli` therefore composes and validates the configuration itself first,
with Hydra's compose API (:func:`sim.composition.compose_config`), and ends a bad input
with one line and exit status 2 before Hydra starts. The task then runs with that
validated configuration (:class:`Task`) instead of validating Hydra's copy again; Hydra
composes its own copy only for its output folder and ``.hydra/`` record. A sweep is
checked value by value (:func:`sim.composition.check_sweep`), and each of its jobs
validates its own configuration, since a combination of values can break a rule that no
value breaks alone and a job may run in another process or on a cluster node.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim import CONF_DIR
from sim.analysis import summarize
from sim.calibration import TARGETS
from sim.composition import CONFIG_NAME, check_sweep, compose_config
from sim.config import Config, ConfigError, to_config
from sim.metrics import KPIS
from sim.plots import kpi_target_figure, overview_figure, save
from sim.report import write_run_report
from sim.results import ReplicationResult, RunRecord, is_complete, write_tables
from sim.runner import run_replications


@dataclass
class ExperimentOutput:
    """What a finished run produced."""

    out_dir: Path
    results: list[ReplicationResult]
    summary: list[dict[str, float | str]]


def run_experiment(
    dcfg: DictConfig,
    out_dir: Path,
    overrides: Sequence[str] = (),
    progress: bool | None = None,
    label: str | None = None,
    cfg: Config | None = None,
) -> ExperimentOutput:
    """Validate the config, run the replications and write every output to ``out_dir``.

    ``label`` names the run on its progress bar (default: the scenario). ``cfg`` is
    ``dcfg`` already validated, when the caller has done that (the command line has);
    otherwise it is validated here.

    Raises:
        ConfigError: for bad input (after recording the failure in run.json).

    """
    out_dir.mkdir(parents=True, exist_ok=True)
    plain = OmegaConf.to_container(dcfg, resolve=True)
    assert isinstance(plain, dict)
    plain.pop("hydra", None)
    (out_dir / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create(plain)))
    seed = int(plain.get("run", {}).get("seed", 0))
    record = RunRecord(
        out_dir, seed=seed, scenario=str(plain.get("scenario_name", "")), overrides=overrides
    )
    try:
        cfg = to_config(dcfg) if cfg is None else cfg
        results = run_replications(cfg, progress, label)
        summary = summarize([r.kpis for r in results], list(KPIS))
        write_tables(out_dir, results, summary)
        title = f"cpsim {cfg.scenario_name} ({cfg.authority.name} authority)"
        save(
            overview_figure([row for r in results for row in r.timeseries], title, len(results)),
            out_dir / "overview.png",
        )
        save(kpi_target_figure(summary, title), out_dir / "calibration.png")
    except BaseException as exc:
        message = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
        record.finish("failed", error=message)
        raise
    years = cfg.run.years * cfg.run.replications
    record.finish(
        "complete",
        replications=cfg.run.replications,
        n_jobs=cfg.run.n_jobs,
        simulated_years_total=years,
    )
    write_run_report(out_dir)
    return ExperimentOutput(out_dir, results, summary)


def format_summary(summary: Sequence[dict[str, float | str]]) -> str:
    """The KPI table for the console, with the published figure where there is one."""
    lines = [f"{'KPI':<28} {'mean':>10} {'95% CI':>23} {'published':>10}", "-" * 74]
    for row in summary:
        name = str(row["kpi"])
        mean, low, high = (float(row[k]) for k in ("mean", "ci_low", "ci_high"))
        target = TARGETS.get(name)
        ref = f"{target.value:>10g}" if target else ""
        lines.append(f"{name:<28} {mean:>10.3f}   [{low:>9.3f}, {high:>9.3f}] {ref}")
    return "\n".join(lines)


def already_done(dcfg: DictConfig, out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a complete run of exactly this configuration.

    Lets an interrupted sweep be run again without recomputing finished jobs; a
    half-written job folder (status not complete, or tables missing) is never taken
    for a finished one.
    """
    if not is_complete(out_dir) or not (out_dir / "config.yaml").exists():
        return False
    plain = OmegaConf.to_container(dcfg, resolve=True)
    assert isinstance(plain, dict)
    plain.pop("hydra", None)
    return (out_dir / "config.yaml").read_text() == OmegaConf.to_yaml(OmegaConf.create(plain))


def sweep_job_label(job_num: int, override_dirname: str, scenario: str) -> str:
    """How a sweep job's progress bar names it: its number and what it changes."""
    return f"job {job_num} ({override_dirname or scenario})"


@dataclass(frozen=True)
class Task:
    """Hydra's task function: one scenario run in Hydra's output folder.

    A callable object rather than a function so that it can carry the configuration
    :func:`cli` validated; its class is defined at module level, so the launchers that run
    sweep jobs in other processes (joblib, submitit) can pickle it.

    Attributes:
        checked: The configuration :func:`cli` composed and validated before Hydra
            started (a single run), used as it is; None in a sweep, where each job
            validates the configuration Hydra composed for it.

    """

    checked: Config | None = None

    def __call__(self, dcfg: DictConfig) -> None:
        """Run the scenario ``dcfg`` into Hydra's output folder and print its KPIs."""
        hc = HydraConfig.get()
        out_dir = Path(hc.runtime.output_dir)
        if already_done(dcfg, out_dir):
            print(f"Skipped: a complete result for this config is already in {out_dir}")
            return
        label = None
        if hc.mode == RunMode.MULTIRUN:
            label = sweep_job_label(hc.job.num, hc.job.override_dirname, str(dcfg.scenario_name))
        try:
            output = run_experiment(
                dcfg, out_dir, list(hc.overrides.task), label=label, cfg=self.checked
            )
        except ConfigError as exc:
            print(f"cpsim: error: {exc}", file=sys.stderr)
            sys.exit(2)
        print(format_summary(output.summary))
        print(f"\nOutputs: {out_dir}")


def hydra_main(checked: Config | None = None) -> None:
    """Hand the command line (``sys.argv``) to Hydra with :class:`Task` as the task."""
    app = hydra.main(config_path=str(CONF_DIR), config_name=CONFIG_NAME, version_base="1.3")
    app(Task(checked))()


def check_overrides(overrides: Sequence[str], multirun: bool = False) -> str | None:
    """The one-line error for ``overrides`` (a sweep's when ``multirun``), or None."""
    try:
        if multirun:
            check_sweep(overrides)
        else:
            compose_config(overrides)
    except ConfigError as exc:
        return str(exc)
    return None


def _hydra_alone(args: argparse.Namespace) -> bool:
    """Whether Hydra handles the command line with no run of ours to check first.

    Help, information and shell completion run nothing; options that change where the
    configuration comes from (-cp, -cn, -cd) or rerun a saved one compose something
    else than conf/config.yaml, so the task validates what Hydra composed instead.
    ``--cfg`` is checked first like a run: Hydra prints only a configuration that is valid
    (a bad one would otherwise end in Hydra's own multi-line message, or print a value
    out of range without a word).
    """
    return any(
        getattr(args, name)
        for name in (
            "help",
            "hydra_help",
            "info",
            "shell_completion",
            "config_path",
            "config_name",
            "config_dir",
            "experimental_rerun",
        )
    )


def cli(argv: Sequence[str] | None = None) -> None:
    """Console entry point (``cpsim`` and ``python -m sim``).

    Reads the command line with Hydra's own parser, composes and validates the
    configuration once (every value of a sweep), and on bad input prints one line
    ``cpsim: error: ...`` and exits with status 2 before Hydra creates any folder.
    """
    from hydra._internal.utils import get_args_parser  # what hydra.main itself reads with

    args = list(sys.argv[1:] if argv is None else argv)
    parsed = get_args_parser().parse_args(args)
    checked = None
    if not _hydra_alone(parsed):
        try:
            if parsed.multirun:
                check_sweep(parsed.overrides)
            else:
                checked = compose_config(parsed.overrides)
        except ConfigError as exc:
            print(f"cpsim: error: {exc}", file=sys.stderr)
            sys.exit(2)
    sys.argv = [sys.argv[0], *args]
    hydra_main(checked)
