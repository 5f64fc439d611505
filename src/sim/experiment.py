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

A result folder is complete or clearly not (:mod:`sim.results`). SIGINT (Ctrl-C) and
SIGTERM (``kill``, a cluster's time limit) end a run with run.json saying
``interrupted``, none of its outputs in place, one line on the console and status 130 or
143 (:mod:`sim.interrupts`); an output folder that cannot be created or written ends it
with one line naming the folder and status 2 (:class:`OutputFolderCheck` checks Hydra's
folder before Hydra creates it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim import CONF_DIR
from sim.analysis import rough_intervals_note, summarize
from sim.calibration import TARGETS as KPI_TARGETS
from sim.calibration import Target, targets_for
from sim.composition import CONFIG_NAME, check_sweep, compose_config
from sim.config import Config, ConfigError, to_config
from sim.interrupts import Interrupted, as_interrupted, held, raise_on_signals
from sim.metrics import KPIS
from sim.plots import kpi_target_figure, overview_figure, save
from sim.report import write_run_report
from sim.results import (
    OutputError,
    ReplicationResult,
    RunRecord,
    check_folder,
    is_complete,
    publish,
    staging_folder,
    withdraw,
    write_tables,
    writing,
)
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

    run.json says ``running`` from the start. Tables, figures and report are written to a
    staging folder and moved into place together, and run.json saying ``complete`` is the
    last step. An error, or SIGINT or SIGTERM (which raise :class:`Interrupted` here),
    leaves run.json saying ``failed`` or ``interrupted`` and none of those outputs in place;
    so do the outputs of an earlier run in the same folder that did not finish.

    Raises:
        ConfigError: for bad input (after recording the failure in run.json).
        OutputError: the folder cannot be created or written.
        Interrupted: SIGINT or SIGTERM, naming the signal and ``out_dir``.

    """
    plain = OmegaConf.to_container(dcfg, resolve=True)
    assert isinstance(plain, dict)
    plain.pop("hydra", None)
    record: RunRecord | None = None
    with raise_on_signals():
        try:
            with writing(out_dir):
                out_dir.mkdir(parents=True, exist_ok=True)
                record = RunRecord(
                    out_dir,
                    seed=int(plain.get("run", {}).get("seed", 0)),
                    scenario=str(plain.get("scenario_name", "")),
                    overrides=overrides,
                )
                withdraw(out_dir)
                (out_dir / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create(plain)))
            cfg = to_config(dcfg) if cfg is None else cfg
            results = run_replications(cfg, progress, label)
            summary = summarize([r.kpis for r in results], list(KPIS))
            with writing(out_dir):
                _write_outputs(out_dir, cfg, results, summary, record)
        except BaseException as exc:
            _abandon(out_dir, record, exc)
            if isinstance(exc, KeyboardInterrupt):
                raise as_interrupted(exc, out_dir) from None
            raise
    return ExperimentOutput(out_dir, results, summary)


def _write_outputs(
    out_dir: Path,
    cfg: Config,
    results: list[ReplicationResult],
    summary: list[dict[str, float | str]],
    record: RunRecord,
) -> None:
    """Stage the tables, figures and report, move them into place, then say complete."""
    staging = staging_folder(out_dir)
    write_tables(staging, results, summary)
    who = cfg.authority.la_name or f"{cfg.authority.name} authority"
    title = f"cpsim {cfg.scenario_name} ({who})"
    targets = targets_for(cfg.authority.la_code)
    rows = [row for r in results for row in r.timeseries]
    save(overview_figure(rows, title, len(results), targets), staging / "overview.png")
    save(kpi_target_figure(summary, title, targets), staging / "calibration.png")
    record.close(
        "complete",
        replications=cfg.run.replications,
        n_jobs=cfg.run.n_jobs,
        simulated_years_total=cfg.run.years * cfg.run.replications,
    )
    write_run_report(out_dir, record.data, staging)
    publish(out_dir)
    record.write()


def _abandon(out_dir: Path, record: RunRecord | None, exc: BaseException) -> None:
    """Clear a run that did not finish away and say why in its run.json.

    SIGINT and SIGTERM wait until this is done (a second Ctrl-C does not cut it short).
    A folder that cannot be written cannot record its failure either: the error that
    names it is reported instead.
    """
    if isinstance(exc, KeyboardInterrupt):
        status, message = "interrupted", f"interrupted by {as_interrupted(exc).name}"
    elif isinstance(exc, SystemExit):
        status, message = "interrupted", f"stopped (SystemExit {exc.code})"
    elif isinstance(exc, ConfigError | OutputError):
        status, message = "failed", str(exc)
    else:
        status, message = "failed", f"{type(exc).__name__}: {exc}"
    with held(deliver=False):
        try:
            withdraw(out_dir)
            if record is not None:
                record.finish(status, error=message)
        except OSError:
            pass


def format_summary(
    summary: Sequence[dict[str, float | str]], targets: dict[str, Target] | None = None
) -> str:
    """The KPI table for the console: each KPI in its own unit, with the published figure.

    ``targets`` (calibration.targets_for): the authority's own figures for a table authority;
    England's per average authority by default. A figure that is not the authority's own
    is marked ``*`` and said below the table.
    """
    targets = KPI_TARGETS if targets is None else targets
    lines = [
        f"{'KPI':<30} {'mean':>10} {'95% CI':>23}  {'unit':<20} {'published':>9}",
        "-" * 97,
    ]
    for row in summary:
        name = str(row["kpi"])
        mean, low, high = (float(row[k]) for k in ("mean", "ci_low", "ci_high"))
        kpi = KPIS.get(name)
        target = targets.get(name)
        unit = kpi.unit if kpi else ""
        ref = f"{target.value:>9g}" if target else ""
        mark = " *" if target and target.note else ""
        lines.append(
            f"{name:<30} {mean:>10.3f}   [{low:>9.3f}, {high:>9.3f}]  {unit:<20} {ref}{mark}".rstrip()
        )
    notes = [f"{name}: {t.note}" for name, t in targets.items() if t.note]
    if notes:
        lines.append("* not the authority's own figure: " + "; ".join(notes))
    rough = sorted({int(row["n"]) for row in summary if int(row.get("too_few_replications", 0))})
    if rough:
        lines.append(rough_intervals_note(rough[-1]))
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
        except (ConfigError, OutputError) as exc:
            _error(str(exc))
        la_code = str(OmegaConf.select(dcfg, "authority.la_code", default="") or "")
        print(format_summary(output.summary, targets_for(la_code)))
        print(f"\nOutputs: {out_dir}")


class OutputFolderCheck(Callback):
    """Hydra callback: an output folder that cannot be written ends with one line.

    Hydra creates the run's folder (or the sweep's) right after ``on_run_start``
    (``on_multirun_start``) and would end in a traceback if it could not. This creates it
    first and writes a file in it; if that fails (a file in the way, no such place, a
    read-only or full disk) the run ends with one line naming the folder and status 2.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Check the run's folder (``hydra.run.dir``)."""
        _check_output_folder(Path(str(config.hydra.run.dir)))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Check the sweep's folder (``hydra.sweep.dir``)."""
        _check_output_folder(Path(str(config.hydra.sweep.dir)))


def _check_output_folder(folder: Path) -> None:
    try:
        check_folder(folder)
    except OutputError as exc:
        _error(str(exc))  # SystemExit: Hydra lets it through, as it would not an error


def _error(message: str) -> NoReturn:
    """End the command with ``cpsim: error: <message>`` and status 2."""
    print(f"cpsim: error: {message}", file=sys.stderr)
    sys.exit(2)


def interruption_message(stop: Interrupted) -> str:
    """The one line that ends an interrupted command: the signal and what run.json says."""
    if stop.folder is None:
        return f"cpsim: interrupted ({stop.name})"
    try:
        status = json.loads((stop.folder / "run.json").read_text()).get("status", "nothing")
    except (OSError, ValueError, AttributeError):
        status = "nothing (it could not be read)"
    return f"cpsim: interrupted ({stop.name}); run.json says {status}: {stop.folder}"


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
    SIGINT or SIGTERM ends it with one line saying what the interrupted run's run.json
    says, and status 128 + the signal's number (130, 143).
    """
    try:
        with raise_on_signals():
            _cli(argv)
    except KeyboardInterrupt as exc:
        stop = as_interrupted(exc)
        print(interruption_message(stop), file=sys.stderr)
        sys.exit(stop.exit_status)


def _cli(argv: Sequence[str] | None) -> None:
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
            _error(str(exc))
    sys.argv = [sys.argv[0], *args]
    hydra_main(checked)
