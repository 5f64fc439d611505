"""The command line: ``python -m sim`` / ``cpsim`` runs one scenario for R replications.

The Hydra entry point is thin: :func:`run_experiment` does the work and is what tests
call (through Hydra's ``compose``); replications run in :mod:`sim.runner`. :func:`cli`
first checks the command-line overrides by composing them, so a bad key or value ends
with one plain line and exit status 2 before Hydra creates any output folder.
"""

from __future__ import annotations

import re
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
from sim.config import Config, ConfigError, register_configs, to_config
from sim.metrics import KPIS
from sim.plots import kpi_target_figure, overview_figure, save
from sim.report import write_run_report
from sim.results import ReplicationResult, RunRecord, is_complete, write_tables
from sim.runner import run_replications

register_configs()


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
) -> ExperimentOutput:
    """Validate the config, run the replications and write every output to ``out_dir``.

    ``label`` names the run on its progress bar (default: the scenario).

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
        cfg = to_config(dcfg)
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


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def hydra_main(dcfg: DictConfig) -> None:
    """Hydra task: one scenario run in Hydra's output folder."""
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    if already_done(dcfg, out_dir):
        print(f"Skipped: a complete result for this config is already in {out_dir}")
        return
    try:
        label = None
        if hc.mode == RunMode.MULTIRUN:
            label = sweep_job_label(hc.job.num, hc.job.override_dirname, str(dcfg.scenario_name))
        output = run_experiment(dcfg, out_dir, overrides=list(hc.overrides.task), label=label)
    except ConfigError as exc:
        print(f"cpsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(format_summary(output.summary))
    print(f"\nOutputs: {out_dir}")


# -- checking the command line before Hydra runs ------------------------------------------
def _one_line(exc: BaseException) -> str:
    """A one-line message for a composition error."""
    from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OmegaConfBaseException):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, OmegaConfBaseException):
        key = getattr(cause, "full_key", None) or "?"
        if isinstance(cause, ConfigKeyError) or "not in" in str(cause):
            group = key.rsplit(".", 1)[0] if "." in key else ""
            return f"unknown key '{key}'; allowed keys{' in ' + group if group else ''}: {_allowed_keys(group)}"
        first = str(cause).splitlines()[0]
        return f"{key}: {first}"
    text = " ".join(str(exc).split())
    missing = re.search(
        r"Could not find '([^/']+)/([^']+)'.*?Available options in '[^']+': (.*?) Config search path",
        text,
    )
    if missing:
        group, name, options = missing.groups()
        return f"unknown {group} '{name}'; available: {', '.join(options.split())}"
    return text.replace(
        "Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.", ""
    ).strip()


def _allowed_keys(group: str) -> str:
    node = Config()
    for part in filter(None, group.split(".")):
        node = getattr(node, part, None)  # type: ignore[assignment]
        if node is None:
            return "see docs/parameters.md"
    names = list(vars(node)) if hasattr(node, "__dict__") else []
    return ", ".join(names) if names else "see docs/parameters.md"


def _override_sets(overrides: list[str], multirun: bool) -> list[list[str]]:
    """Overrides to check: for sweeps, each swept value once (others at their first)."""
    if not multirun:
        return [overrides]
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    firsts: list[str] = []
    choices: list[list[str]] = []
    for o in parsed:
        if o.is_sweep_override():
            values = [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()]
        else:
            values = [o.input_line]
        firsts.append(values[0])
        choices.append(values)
    sets = [firsts]
    for i, values in enumerate(choices):
        for v in values[1:]:
            sets.append(firsts[:i] + [v] + firsts[i + 1 :])
    return sets


def check_overrides(overrides: list[str], multirun: bool = False) -> str | None:
    """Compose the config with ``overrides`` and validate it; the error line, or None."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    try:
        sets = _override_sets(overrides, multirun)
    except Exception as exc:  # noqa: BLE001 - any parse error is a user error here
        return _one_line(exc)
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        for override_set in sets:
            try:
                to_config(compose(config_name="config", overrides=override_set))
            except ConfigError as exc:
                return str(exc)
            except Exception as exc:  # noqa: BLE001 - Hydra/OmegaConf composition errors
                return _one_line(exc)
    GlobalHydra.instance().clear()
    return None


HYDRA_INFO_FLAGS = {
    "-h",
    "--help",
    "--hydra-help",
    "--info",
    "-i",
    "-c",
    "--cfg",
    "--shell-completion",
    "-sc",
    "--version",
}


def cli(argv: Sequence[str] | None = None) -> None:
    """Console entry point (``cpsim`` and ``python -m sim``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not HYDRA_INFO_FLAGS.intersection(args):
        multirun = "-m" in args or "--multirun" in args
        overrides = [
            a for a in args if not a.startswith("-") and "=" in a and not a.startswith("hydra")
        ]
        error = check_overrides(overrides, multirun)
        if error:
            print(f"cpsim: error: {error}", file=sys.stderr)
            sys.exit(2)
    sys.argv = [sys.argv[0], *args]
    hydra_main()
