"""Sweeps: collect finished jobs, summarise them, and give the comparison figures their data.

A Hydra multirun writes one job folder per combination of overrides under
``results/sweeps/<date>_<time>/``. When it ends, :class:`SweepSummaryCallback` (set in
conf/config.yaml) calls :func:`write_sweep_outputs`, which writes ``sweep_summary.csv``
(a row per job and KPI, with its 95% interval) and one figure per headline KPI:
the KPI against the swept parameter with interval bands (one swept parameter), a heatmap
(two), or bars with intervals (named scenarios or anything else). It also compares every
job with a baseline job, replication by replication (common random numbers: a job run
under another seed is not paired, and its rows say so), and writes
``paired_differences.csv`` and a ``difference_<kpi>.png`` figure per headline KPI. The
tables are computed here; plots.py draws them. Labels, units and display scales come from
the KPI registry (``sim.metrics.KPIS``); the CSV files keep each KPI's own units.
``python -m sim.compare`` rebuilds the same outputs from finished folders without
re-running.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.analysis import kpi_bounds, paired_difference, too_few
from sim.config import ConfigError
from sim.metrics import HEADLINE_KPIS, KPI, KPIS
from sim.plots import (
    kpi_bars_figure,
    kpi_difference_figure,
    kpi_heatmap_figure,
    kpi_line_figure,
    save,
    scenario_color,
)
from sim.report import write_sweep_report
from sim.results import TABLES, is_complete, write_csv
from sim.userfiles import read_text, staged

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DIFFERENCE_COLUMNS = (
    "job",
    "label",
    "baseline",
    "kpi",
    "mean_difference",
    "ci_low",
    "ci_high",
    "n",
    "too_few_replications",
    "note",
)


@dataclass
class Job:
    """One finished run: its folder, the overrides that made it, and its summary."""

    path: Path
    overrides: dict[str, str]
    summary: dict[str, dict[str, float]]
    kpis: list[dict[str, float]] = field(default_factory=list)
    """Rows of kpis.csv: one per replication, with its ``replication`` number."""
    num: int | None = None
    """Hydra's job number, the job's place in the sweep order (None if unknown)."""
    seed: int | None = None
    """The run's seed (``run.seed``, from run.json; None if unknown)."""

    @property
    def label(self) -> str:
        """A short label from the overrides (or the folder name)."""
        return ", ".join(f"{k}={v}" for k, v in self.overrides.items()) or self.path.name


class FolderError(ConfigError):
    """A run or sweep folder that cannot be read; one plain line naming the file."""


SUMMARY_COLUMNS = ("kpi", "mean", "ci_low", "ci_high", "n")
"""The columns a run's summary.csv must have (sim.results writes them)."""


def read_table(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a results CSV, or a FolderError naming the file and what is wrong.

    Refused: a missing, unreadable, binary, empty or badly quoted file, a missing
    column, no rows, and a row with more or fewer values than the header.
    """
    reader = csv.DictReader(
        io.StringIO(read_text(path, error=FolderError), newline=""), strict=True
    )
    try:
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise FolderError(f"{path}: no {missing[0]!r} column (needs: {', '.join(required)})")
        rows = []
        for row in reader:
            if None in row:
                raise FolderError(f"{path} line {reader.line_num}: more values than columns")
            if None in row.values():
                raise FolderError(f"{path} line {reader.line_num}: fewer values than columns")
            rows.append(row)
    except csv.Error as exc:
        line = reader.reader.line_num
        raise FolderError(f"{path} line {line}: badly quoted value ({exc})") from None
    if not rows:
        raise FolderError(f"{path}: a header but no rows")
    return rows


def _cell(path: Path, row: dict[str, str], column: str, line: int) -> float:
    """A number from a results table ("nan" allowed), or a FolderError naming the cell."""
    try:
        return float(row[column])
    except ValueError:
        value = row[column][:40]
        raise FolderError(f"{path} line {line}: {column} {value!r} is not a number") from None


def _read_summary(path: Path) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {}
    for line, row in enumerate(read_table(path, SUMMARY_COLUMNS), start=2):
        kpi = row["kpi"].strip()
        if not kpi:
            raise FolderError(f"{path} line {line}: no KPI name")
        if kpi in summary:
            raise FolderError(f"{path} line {line}: KPI {kpi!r} given twice")
        summary[kpi] = {k: _cell(path, row, k, line) for k in SUMMARY_COLUMNS[1:]}
    return summary


def _read_kpis(path: Path) -> list[dict[str, float]]:
    rows = []
    for line, row in enumerate(read_table(path, ("replication",)), start=2):
        replication = _cell(path, row, "replication", line)
        if not (math.isfinite(replication) and replication.is_integer() and replication >= 0):
            raise FolderError(
                f"{path} line {line}: replication {row['replication']!r} is not a whole number"
            )
        rows.append({k: _float(v) for k, v in row.items()})
    return rows


def _read_overrides(path: Path) -> dict[str, str]:
    """The overrides a job was run with (.hydra/overrides.yaml), Hydra's own left out."""
    overrides: dict[str, str] = {}
    if not path.exists():
        return overrides
    try:
        items = yaml.safe_load(read_text(path, error=FolderError))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise FolderError(f"{path}{at}: not valid YAML") from None
    if not isinstance(items, list):
        raise FolderError(f"{path}: not a list of overrides")
    for item in items:
        key, _, value = str(item).partition("=")
        if not key.startswith("hydra") and key not in ("run.n_jobs",):
            overrides[key.lstrip("+~")] = value
    return overrides


def unfinished(path: Path) -> str:
    """Why the run in ``path`` is not finished ("" if it is); a FolderError if unreadable.

    Finished means run.json says "complete" and every table is there (results.TABLES).
    """
    record = path / "run.json"
    try:
        status = json.loads(read_text(record, error=FolderError)).get("status")
    except json.JSONDecodeError as exc:
        raise FolderError(f"{record} line {exc.lineno}: not valid JSON") from None
    except AttributeError:
        raise FolderError(f"{record}: not a JSON object") from None
    if status != "complete":
        return f"run.json says {status!r}" if isinstance(status, str) else "run.json has no status"
    missing = [name for name in TABLES if not (path / name).is_file()]
    if missing:
        return f"{missing[0]} is missing"
    return "" if is_complete(path) else "not complete"


def load_job(path: Path) -> Job | None:
    """A finished job folder, or None if it is not finished (:func:`unfinished`).

    Raises:
        FolderError: a file of a finished run that cannot be read (run.json,
            summary.csv, kpis.csv, .hydra/overrides.yaml), in one line naming it.

    """
    if unfinished(path):
        return None
    overrides = _read_overrides(path / ".hydra" / "overrides.yaml")
    summary = _read_summary(path / "summary.csv")
    kpis = _read_kpis(path / "kpis.csv")
    seed = json.loads(read_text(path / "run.json", error=FolderError)).get("seed")
    seed = seed if isinstance(seed, int) else None
    return Job(path, overrides, summary, kpis, _job_number(path), seed)


def _float(value: str | None) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _job_number(path: Path) -> int | None:
    """Hydra's number for the job in its sweep, from .hydra/hydra.yaml (None if absent)."""
    record = path / ".hydra" / "hydra.yaml"
    if not record.exists():
        return None
    try:
        num = yaml.safe_load(record.read_text())["hydra"]["job"]["num"]
    except (yaml.YAMLError, OSError, UnicodeDecodeError, KeyError, TypeError):
        return None
    return num if isinstance(num, int) else None


@dataclass
class Found:
    """What :func:`find_jobs` found: the finished jobs, and the job folders left out."""

    jobs: list[Job]
    unfinished: dict[Path, str] = field(default_factory=dict)
    """Each job folder that is not finished, and why."""


def _job_folders(folder: Path) -> list[Path]:
    """``folder`` if it is a run folder, else its subfolders that are; a FolderError if none."""
    if not folder.exists():
        raise FolderError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise FolderError(f"{folder}: a file, not a run or sweep folder")
    if (folder / "run.json").exists():
        return [folder]
    try:
        children = sorted(folder.iterdir())
    except OSError as exc:
        raise FolderError(f"{folder}: cannot read it ({exc.strerror or exc})") from None
    found = [p for p in children if p.is_dir() and (p / "run.json").exists()]
    if not found:
        what = "an empty folder" if not children else "no run.json in it or in its subfolders"
        raise FolderError(f"{folder}: not a run or sweep folder ({what})")
    return found


def find_jobs(folders: list[Path]) -> Found:
    """The finished jobs in ``folders`` (each a run folder or a folder of run folders).

    Raises:
        FolderError: in one line naming the folder or file: a folder that is not a run
            or sweep folder, a run folder given on its own that is not finished, a
            sweep with no finished job, or a file of a finished job that is broken.

    """
    found = Found([])
    for folder in folders:
        candidates = _job_folders(folder)
        before = len(found.jobs)
        for candidate in candidates:
            job = load_job(candidate)
            if job is None:
                found.unfinished[candidate] = unfinished(candidate)
            else:
                found.jobs.append(job)
        if len(found.jobs) == before:
            first = candidates[0]
            why = found.unfinished[first]
            if candidates == [folder]:
                raise FolderError(f"{folder}: not a finished run ({why})")
            raise FolderError(
                f"{folder}: no finished run in its {len(candidates)} job folders "
                f"({first.name}: {why})"
            )
    return found


def collect_jobs(folders: list[Path]) -> list[Job]:
    """Finished jobs in ``folders`` (each a job folder or a folder of job folders).

    Raises:
        FolderError: as :func:`find_jobs`.

    """
    return find_jobs(folders).jobs


def swept_keys(jobs: list[Job]) -> list[str]:
    """Override keys whose values differ between jobs."""
    keys = sorted({k for job in jobs for k in job.overrides})
    return [k for k in keys if len({job.overrides.get(k) for job in jobs}) > 1]


def summary_rows(jobs: list[Job]) -> list[dict[str, Any]]:
    """A row per job and KPI: the swept values, the KPI, mean, 95% interval and n.

    ``too_few_replications`` (from ``n``) flags an interval too rough to trust.
    """
    keys = swept_keys(jobs)
    rows = []
    for job in jobs:
        for kpi, stats in job.summary.items():
            row: dict[str, Any] = {"job": job.path.name}
            row.update({k: job.overrides.get(k, "") for k in keys})
            row.update({"kpi": kpi, **stats})
            n = stats["n"]
            row["too_few_replications"] = int(too_few(int(n) if math.isfinite(n) else 0))
            rows.append(row)
    return rows


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def job_names(jobs: list[Job]) -> list[str]:
    """Short names for figures: each job's swept values (or its label)."""
    keys = swept_keys(jobs)
    return [", ".join(f"{k}={j.overrides.get(k, '')}" for k in keys) or j.label for j in jobs]


def job_colors(jobs: list[Job]) -> list[str]:
    """A colour per job: its scenario's colour if scenarios are swept, else its name's.

    Jobs without a ``scenario`` override ran conf/config.yaml's default, the baseline.
    """
    if "scenario" in swept_keys(jobs):
        return [scenario_color(j.overrides.get("scenario", "baseline")) for j in jobs]
    return [scenario_color(name) for name in job_names(jobs)]


def _default_value(key: str) -> Any:
    """What ``key`` is when nothing overrides it, or None if that cannot be told.

    A group's default choice comes from conf/config.yaml, any other key from the schema.
    """
    from sim import CONF_DIR
    from sim.config import Config

    config = CONF_DIR / "config.yaml"
    if "." not in key and config.exists():
        for item in yaml.safe_load(config.read_text()).get("defaults", []):
            if isinstance(item, dict) and key in item:
                return item[key]
    node: Any = Config()
    for part in key.split("."):
        if not hasattr(node, part):
            return None
        node = getattr(node, part)
    return node if isinstance(node, str | int | float | bool) else None


def _is_default(key: str, value: str | None) -> bool:
    """Whether an override value (None: not overridden) equals the default of ``key``."""
    if value is None:
        return True
    default = _default_value(key)
    text = value.strip().strip("'\"")
    if default is None:
        return False
    if isinstance(default, bool):
        return text.lower() == str(default).lower()
    if isinstance(default, int | float):
        number = _number(text)
        return number is not None and math.isclose(number, float(default))
    return text == str(default)


def sweep_order(jobs: list[Job]) -> list[Job]:
    """The jobs in the order Hydra launched them (list order where that is unknown)."""
    position = {id(j): i for i, j in enumerate(jobs)}
    return sorted(jobs, key=lambda j: (math.inf if j.num is None else j.num, position[id(j)]))


def choose_baseline(jobs: list[Job]) -> tuple[Job, str]:
    """The job the others are compared with, and why it was chosen (for captions).

    In order of preference: the job run with ``scenario=baseline`` (if several, the one
    whose other swept values are the defaults); the job whose swept values are all the
    configuration defaults; the first job in the sweep order.
    """
    ordered = sweep_order(jobs)
    keys = swept_keys(jobs)
    others = [k for k in keys if k != "scenario"]

    def at_defaults(job: Job, names: list[str]) -> bool:
        return all(_is_default(k, job.overrides.get(k)) for k in names)

    scenario = [j for j in ordered if j.overrides.get("scenario") == "baseline"]
    if scenario:
        return next((j for j in scenario if at_defaults(j, others)), scenario[0]), (
            "the baseline scenario"
        )
    defaults = [j for j in ordered if keys and at_defaults(j, keys)]
    if defaults:
        return defaults[0], "the job at the configuration defaults"
    return ordered[0], "the first job of the sweep, as no job ran the baseline or the defaults"


def _by_replication(job: Job) -> dict[int, dict[str, float]]:
    return {
        int(row["replication"]): row
        for row in job.kpis
        if math.isfinite(row.get("replication", math.nan))
    }


def pairing_note(job: Job, baseline: Job) -> str:
    """Why ``job`` cannot be paired with ``baseline`` by replication ("" if it can)."""
    if job.seed is not None and baseline.seed is not None and job.seed != baseline.seed:
        return (
            f"skipped: seed {job.seed}, the baseline's is {baseline.seed} "
            "(replications pair only under the same seed)"
        )
    mine, theirs = _by_replication(job), _by_replication(baseline)
    if not mine:
        return "skipped: no per-replication KPIs (kpis.csv)"
    if not theirs:
        return "skipped: the baseline has no per-replication KPIs (kpis.csv)"
    if len(mine) != len(theirs):
        return f"skipped: {len(mine)} replications, the baseline has {len(theirs)}"
    if set(mine) != set(theirs):
        return "skipped: replication numbers differ from the baseline's"
    return ""


def paired_difference_rows(jobs: list[Job], baseline: Job) -> list[dict[str, Any]]:
    """A row per non-baseline job and KPI: the paired difference job minus baseline.

    The mean and 95% paired t-interval over replications, in the KPI's own units and cut
    to the range of a difference (shares: [-1, 1]), or NaN and a note saying why the job
    was skipped (replications that cannot be paired).
    """
    names = job_names(jobs)
    base_name = names[[id(j) for j in jobs].index(id(baseline))]
    base = _by_replication(baseline)
    rows = []
    for job, name in zip(jobs, names, strict=True):
        if job is baseline:
            continue
        note = pairing_note(job, baseline)
        mine = _by_replication(job)
        for kpi in (k for k in job.summary if k in baseline.summary):
            mean = low = high = math.nan
            n = 0
            if not note:
                reps = sorted(base)
                mean, low, high, n = paired_difference(
                    [base[r].get(kpi, math.nan) for r in reps],
                    [mine[r].get(kpi, math.nan) for r in reps],
                    bounds=kpi_bounds(kpi),
                )
            rows.append(
                {
                    "job": job.path.name,
                    "label": name,
                    "baseline": base_name,
                    "kpi": kpi,
                    "mean_difference": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n": n,
                    "too_few_replications": int(too_few(n)) if not note else "",
                    "note": note or ("" if n else "no replication has a value in both"),
                }
            )
    return rows


def _kpi(name: str) -> KPI:
    """The registry's entry for ``name``, or a plain one for a column it does not know."""
    kpi = KPIS.get(name)
    return kpi if kpi is not None else KPI(name, lambda _rec: math.nan, name, "")


def difference_figure(jobs: list[Job], kpi: str, baseline: Job | None = None) -> Figure:
    """Each job minus the baseline for one KPI: bars with 95% paired intervals, zero line.

    Jobs that cannot be paired with the baseline keep their row, with the reason.
    """
    baseline = baseline if baseline is not None else choose_baseline(jobs)[0]
    rows = [r for r in paired_difference_rows(jobs, baseline) if r["kpi"] == kpi]
    colors = dict(zip(job_names(jobs), job_colors(jobs), strict=True))
    k = _kpi(kpi)
    base_name = rows[0]["baseline"] if rows else baseline.label
    return kpi_difference_figure(
        rows, colors, k.label, k.scale, k.difference_unit or "KPI units", base_name
    )


def kpi_figure(jobs: list[Job], kpi: str) -> Figure:
    """One KPI across the jobs: line with band, heatmap, or bars, by sweep shape.

    Values are drawn in the KPI's display unit (shares in %).
    """
    keys = swept_keys(jobs)
    entry = _kpi(kpi)
    label = entry.axis_label()

    def values(job_list: list[Job], stat: str) -> list[float]:
        return [j.summary[kpi][stat] * entry.scale for j in job_list]

    numeric = [k for k in keys if all(_number(j.overrides.get(k, "")) is not None for j in jobs)]
    if len(keys) == 2 and len(numeric) == 2:
        x_key, y_key = numeric
        xs = sorted({float(j.overrides[x_key]) for j in jobs})
        ys = sorted({float(j.overrides[y_key]) for j in jobs})
        grid = np.full((len(ys), len(xs)), np.nan)
        for j in jobs:
            grid[ys.index(float(j.overrides[y_key])), xs.index(float(j.overrides[x_key]))] = (
                j.summary[kpi]["mean"] * entry.scale
            )
        return kpi_heatmap_figure(xs, ys, grid, x_key, y_key, label)
    if len(keys) == 1 and numeric:
        key = keys[0]
        ordered = sorted(jobs, key=lambda j: float(j.overrides[key]))
        return kpi_line_figure(
            [float(j.overrides[key]) for j in ordered],
            values(ordered, "mean"),
            values(ordered, "ci_low"),
            values(ordered, "ci_high"),
            key,
            label,
        )
    return kpi_bars_figure(
        job_names(jobs),
        values(jobs, "mean"),
        values(jobs, "ci_low"),
        values(jobs, "ci_high"),
        job_colors(jobs),
        label,
    )


def write_sweep_outputs(folder: Path, jobs: list[Job] | None = None) -> Path | None:
    """Write sweep_summary.csv, the comparison figures and the report into ``folder``.

    With more than one job, also paired_differences.csv and the difference figures. All
    are written to a staging folder and moved into place together (sim.userfiles), so a
    failure leaves none of them; a folder that cannot be written is an OutputError.
    """
    jobs = collect_jobs([folder]) if jobs is None else jobs
    if not jobs:
        return None
    with staged(folder) as staging:
        _write_outputs(staging, jobs, folder.absolute().name)
    return folder / "sweep_summary.csv"


def _write_outputs(folder: Path, jobs: list[Job], name: str) -> None:
    """Write every sweep output into ``folder``; the report is titled with ``name``."""
    rows = summary_rows(jobs)
    write_csv(folder / "sweep_summary.csv", rows)
    captions = {}
    for kpi in HEADLINE_KPIS:
        if all(kpi in j.summary for j in jobs):
            save(kpi_figure(jobs, kpi), folder / f"compare_{kpi}.png")
            captions[f"compare_{kpi}.png"] = _caption(jobs, kpi)
    differences: dict[str, str] = {}
    intro = ""
    if len(jobs) > 1:
        baseline, reason = choose_baseline(jobs)
        paired = paired_difference_rows(jobs, baseline)
        write_csv(folder / "paired_differences.csv", paired, DIFFERENCE_COLUMNS)
        base_name = job_names(jobs)[[id(j) for j in jobs].index(id(baseline))]
        intro = f"Differences from {base_name}, {reason}."
        for kpi in HEADLINE_KPIS:
            rows = [r for r in paired if r["kpi"] == kpi]
            if any(r["n"] for r in rows):
                save(difference_figure(jobs, kpi, baseline), folder / f"difference_{kpi}.png")
                differences[f"difference_{kpi}.png"] = _difference_caption(kpi, rows, reason)
    write_sweep_report(folder, captions, differences, intro, name=name)


def _difference_caption(kpi: str, rows: list[dict[str, Any]], reason: str) -> str:
    """What the difference figure shows, from which baseline, and its extremes."""
    k = _kpi(kpi)
    text = (
        f"{k.label}: each job minus {rows[0]['baseline']} ({reason}), "
        "replication by replication with the same seeds, with 95% paired t-intervals; an "
        "interval that crosses the black zero line is no clear difference."
    )
    compared = [r for r in rows if r["n"] and math.isfinite(r["mean_difference"])]

    def value(r: dict[str, Any]) -> str:
        unit = k.difference_unit or "KPI units"
        return f"{r['label']} ({r['mean_difference'] * k.scale:+.3g} {unit})"

    if len(compared) == 1:
        text += f" Difference: {value(compared[0])}."
    elif compared:
        top = max(compared, key=lambda r: r["mean_difference"])
        bottom = min(compared, key=lambda r: r["mean_difference"])
        text += f" Highest: {value(top)}; lowest: {value(bottom)}."
    skipped = [r for r in rows if r not in compared]
    if skipped:
        text += " Not compared: " + "; ".join(f"{r['label']} ({r['note']})" for r in skipped) + "."
    return text


def _caption(jobs: list[Job], kpi: str) -> str:
    """A plain-language caption: what is compared, and where it is highest and lowest."""
    k = _kpi(kpi)
    keys = swept_keys(jobs)
    best = max(jobs, key=lambda j: j.summary[kpi]["mean"])
    worst = min(jobs, key=lambda j: j.summary[kpi]["mean"])
    what = f"against {' and '.join(keys)}" if keys else "across the runs"
    return (
        f"{k.label} {what}. Highest: {best.label} ({k.show(best.summary[kpi]['mean'])}); "
        f"lowest: {worst.label} ({k.show(worst.summary[kpi]['mean'])})."
    )


class SweepSummaryCallback(Callback):
    """Hydra callback: summarise a multirun when it ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the sweep summary and figures into the sweep folder.

        A sweep that cannot be summarised (no finished job, a broken job folder, a
        folder that cannot be written) says why in one line on stderr.
        """
        try:
            out = write_sweep_outputs(Path(config.hydra.sweep.dir))
        except ConfigError as exc:
            print(f"Sweep summary not written: {exc}", file=sys.stderr)  # noqa: T201
            return
        if out is not None:
            print(f"Sweep summary: {out}")  # noqa: T201 - the CLI's closing line
