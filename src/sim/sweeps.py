"""Sweeps: collect finished jobs, summarise them, and draw comparison figures.

A Hydra multirun writes one job folder per combination of overrides under
``results/sweeps/<date>_<time>/``. When it ends, :class:`SweepSummaryCallback` (set in
conf/config.yaml) calls :func:`write_sweep_outputs`, which writes ``sweep_summary.csv``
(a row per job and KPI, with its 95% interval) and one figure per headline KPI:
the KPI against the swept parameter with interval bands (one swept parameter), a heatmap
(two), or bars with intervals (named scenarios or anything else). ``python -m
sim.compare`` rebuilds the same outputs from finished folders without re-running.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hydra.experimental.callback import Callback
from matplotlib.figure import Figure
from omegaconf import DictConfig

from sim.plots import PALETTE, save
from sim.report import write_sweep_report
from sim.results import is_complete, read_csv, write_csv

HEADLINE_KPIS = (
    "visits_on_time",
    "cpp_unseen_share",
    "drift_share",
    "unseen_risk_days_per_child",
    "turnover_rate",
    "workers_per_child",
    "complaints_per_1000_referrals",
)
KPI_LABELS = {
    "visits_on_time": "due visits made on time (share)",
    "cpp_unseen_share": "CPP child-days not seen within the standard (share)",
    "drift_share": "plan-days in drift (share)",
    "unseen_risk_days_per_child": "unseen-risk days per child (days)",
    "turnover_rate": "social worker turnover (per year)",
    "workers_per_child": "social workers per CPP child in a year",
    "complaints_per_1000_referrals": "complaints per 1,000 referrals",
}


@dataclass
class Job:
    """One finished run: its folder, the overrides that made it, and its summary."""

    path: Path
    overrides: dict[str, str]
    summary: dict[str, dict[str, float]]

    @property
    def label(self) -> str:
        """A short label from the overrides (or the folder name)."""
        return ", ".join(f"{k}={v}" for k, v in self.overrides.items()) or self.path.name


def load_job(path: Path) -> Job | None:
    """A finished job folder, or None if it is not complete."""
    if not is_complete(path):
        return None
    overrides: dict[str, str] = {}
    hydra_overrides = path / ".hydra" / "overrides.yaml"
    if hydra_overrides.exists():
        for item in yaml.safe_load(hydra_overrides.read_text()) or []:
            key, _, value = str(item).partition("=")
            if not key.startswith("hydra") and key not in ("run.n_jobs",):
                overrides[key.lstrip("+~")] = value
    summary = {
        row["kpi"]: {k: float(row[k]) for k in ("mean", "ci_low", "ci_high", "n")}
        for row in read_csv(path / "summary.csv")
    }
    return Job(path, overrides, summary)


def collect_jobs(folders: list[Path]) -> list[Job]:
    """Finished jobs in ``folders`` (each a job folder or a folder of job folders)."""
    jobs = []
    for folder in folders:
        candidates = (
            [folder]
            if (folder / "run.json").exists()
            else sorted(p for p in folder.iterdir() if p.is_dir())
        )
        for candidate in candidates:
            job = load_job(candidate)
            if job is not None:
                jobs.append(job)
    return jobs


def swept_keys(jobs: list[Job]) -> list[str]:
    """Override keys whose values differ between jobs."""
    keys = sorted({k for job in jobs for k in job.overrides})
    return [k for k in keys if len({job.overrides.get(k) for job in jobs}) > 1]


def summary_rows(jobs: list[Job]) -> list[dict[str, Any]]:
    """A row per job and KPI: the swept values, the KPI, mean and 95% interval."""
    keys = swept_keys(jobs)
    rows = []
    for job in jobs:
        for kpi, stats in job.summary.items():
            row: dict[str, Any] = {"job": job.path.name}
            row.update({k: job.overrides.get(k, "") for k in keys})
            row.update({"kpi": kpi, **stats})
            rows.append(row)
    return rows


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def kpi_figure(jobs: list[Job], kpi: str) -> Figure:
    """One KPI across the jobs: line with band, heatmap, or bars, by sweep shape."""
    keys = swept_keys(jobs)
    fig = Figure(figsize=(10, 5.5), layout="constrained")
    ax = fig.subplots()
    label = KPI_LABELS.get(kpi, kpi)
    numeric = [k for k in keys if all(_number(j.overrides.get(k, "")) is not None for j in jobs)]
    if len(keys) == 2 and len(numeric) == 2:
        x_key, y_key = numeric
        xs = sorted({float(j.overrides[x_key]) for j in jobs})
        ys = sorted({float(j.overrides[y_key]) for j in jobs})
        grid = np.full((len(ys), len(xs)), np.nan)
        for j in jobs:
            grid[ys.index(float(j.overrides[y_key])), xs.index(float(j.overrides[x_key]))] = (
                j.summary[kpi]["mean"]
            )
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(xs)), [f"{x:g}" for x in xs])
        ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
        ax.set_xlabel(x_key)
        ax.set_ylabel(y_key)
        middle = (np.nanmin(grid) + np.nanmax(grid)) / 2
        for (r, c), value in np.ndenumerate(grid):
            if np.isfinite(value):
                color = "k" if value > middle else "w"  # readable on viridis' light and dark ends
                ax.text(c, r, f"{value:.3g}", ha="center", va="center", color=color, fontsize=9)
        fig.colorbar(image, ax=ax, label=label)
        ax.set_title(f"{label}: mean over replications", loc="left")
    elif len(keys) == 1 and numeric:
        key = keys[0]
        ordered = sorted(jobs, key=lambda j: float(j.overrides[key]))
        x = [float(j.overrides[key]) for j in ordered]
        mean = [j.summary[kpi]["mean"] for j in ordered]
        ax.plot(x, mean, "o-", color=PALETTE[0], lw=2, label="mean")
        ax.fill_between(
            x,
            [j.summary[kpi]["ci_low"] for j in ordered],
            [j.summary[kpi]["ci_high"] for j in ordered],
            color=PALETTE[0],
            alpha=0.25,
            label="95% confidence interval",
        )
        ax.set_xlabel(key)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
        ax.set_title(f"{label} against {key}", loc="left")
    else:
        names = [", ".join(f"{k}={j.overrides.get(k, '')}" for k in keys) or j.label for j in jobs]
        mean = np.array([j.summary[kpi]["mean"] for j in jobs])
        low = np.array([j.summary[kpi]["ci_low"] for j in jobs])
        high = np.array([j.summary[kpi]["ci_high"] for j in jobs])
        y = np.arange(len(jobs))
        err = np.nan_to_num(np.vstack([mean - low, high - mean]), nan=0.0)
        ax.barh(
            y,
            mean,
            xerr=err,
            color=[PALETTE[i % len(PALETTE)] for i in range(len(jobs))],
            capsize=4,
        )
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
        fig.suptitle(f"{label}: mean and 95% interval", fontsize=11)
    return fig


def write_sweep_outputs(folder: Path, jobs: list[Job] | None = None) -> Path | None:
    """Write sweep_summary.csv and the comparison figures into ``folder``."""
    jobs = collect_jobs([folder]) if jobs is None else jobs
    if not jobs:
        return None
    rows = summary_rows(jobs)
    write_csv(folder / "sweep_summary.csv", rows)
    captions = {}
    for kpi in HEADLINE_KPIS:
        if all(kpi in j.summary for j in jobs):
            save(kpi_figure(jobs, kpi), folder / f"compare_{kpi}.png")
            captions[f"compare_{kpi}.png"] = _caption(jobs, kpi)
    write_sweep_report(folder, captions)
    return folder / "sweep_summary.csv"


def _caption(jobs: list[Job], kpi: str) -> str:
    """A plain-language caption: what is compared, and where it is highest and lowest."""
    label = KPI_LABELS.get(kpi, kpi)
    keys = swept_keys(jobs)
    best = max(jobs, key=lambda j: j.summary[kpi]["mean"])
    worst = min(jobs, key=lambda j: j.summary[kpi]["mean"])
    what = f"against {' and '.join(keys)}" if keys else "across the runs"
    return (
        f"{label[0].upper() + label[1:]} {what}. Highest: {best.label} "
        f"({best.summary[kpi]['mean']:.3g}); lowest: {worst.label} ({worst.summary[kpi]['mean']:.3g})."
    )


class SweepSummaryCallback(Callback):
    """Hydra callback: summarise a multirun when it ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the sweep summary and figures into the sweep folder."""
        out = write_sweep_outputs(Path(config.hydra.sweep.dir))
        if out is not None:
            print(f"Sweep summary: {out}")  # noqa: T201 - the CLI's closing line
