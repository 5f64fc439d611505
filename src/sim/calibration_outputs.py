"""What a calibration leaves in its folder: the posterior, the fit, figures and a scenario.

:func:`write_outputs` writes, all together (staged, then moved into place by
:func:`sim.userfiles.staged`, so the folder holds all of them or none of the new ones):

- ``posterior.csv``: ``sample, weight`` and one column per fitted parameter (schema
  keys): the last ABC-SMC generation's particles, weights summing to 1, values as
  proposed (a whole-number parameter is rounded when it runs).
- ``fit.csv``: ``target, published, uncertainty, simulated_mean, band_low, band_high,
  within``: a posterior-predictive check (:func:`fit_rows`). The model runs once at each
  of M draws from the weighted posterior, draw i with replication R + i (its own random
  numbers, none of those the fit compared), so the band holds parameter and replication
  uncertainty together: band = the draws' 5th and 95th percentiles, ``within`` = the
  published figure lies in the band; ``within_tolerance``: the simulated mean is within
  the target's FACTS.md tolerance (``tolerance``; empty for a target without one).
- ``parameters.csv``: ``parameter, prior_low, prior_high, median, low_90, high_90,
  shrinkage, pinned, effective_sample_size`` (:func:`parameter_rows`): shrinkage = 1 -
  (posterior 90% width / prior width), the prior being the box of the parameter's range;
  ``pinned`` is shrinkage >= :data:`PINNED_SHRINKAGE`. A flat posterior over the box has
  shrinkage 0.1 (its 90% interval spans 90% of it), so ``pinned`` false means the data
  narrowed the parameter to no less than three quarters of its range: the data cannot pin
  it down. ``effective_sample_size`` (the same on every row) is the weights' 1 / sum(w^2):
  below :data:`MIN_EFFECTIVE_SAMPLE` a few particles carry the posterior, its intervals
  are too rough to judge, and ``pinned`` is left empty.
- ``posterior_predictive.png``: each target's published figure with its uncertainty
  against the simulated band; ``pairs.png``: the weighted posterior of each pair of
  fitted parameters on axes spanning the prior box.
- ``calibrated.yaml`` and ``scenario/calibrated.yaml`` (the same text): a Hydra scenario
  (``# @package _global_``, as conf/scenario/*.yaml) setting each fitted parameter to the
  calibration's point (:func:`best_point`): of the first ``point_draws`` posterior-
  predictive draws, the one whose KPI means over ``point_replications`` replications are
  closest to the targets (ABC's distance); with ``point_draws`` 0, the posterior medians.
  Medians of a wide, correlated posterior need not fit together: England's, fitted with
  turnover's response to overload not pinned down, ran turnover 2.4 and agency 3.4 points
  low where most draws fit every target. ``points.csv`` lists the draws tried:
  ``draw, distance, chosen``, the parameters and the KPI means (only its header with the
  medians). A scenario is a file of the config group ``scenario``; Hydra finds
  group files in the folders of its search path, so the copy under ``scenario/`` lets the
  calibration folder itself be added to it (:func:`run_command`). Beside it,
  ``scenario/calibrated_draw_<i>.yaml`` for each posterior-predictive draw: a sweep over
  them (``-m 'scenario=glob(calibrated_draw_*)'``) carries the posterior's spread into a
  run (:func:`draw_scenario`)::

      python -m sim scenario=calibrated 'hydra.searchpath=["file:///abs/folder"]'

  or copy calibrated.yaml to conf/scenario/<name>.yaml and run ``python -m sim
  scenario=<name>``. The base configuration's own overrides (``authority=leeds``,
  ``run.years=...``) go on the same command line; the header says which.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from matplotlib.figure import Figure

from sim import CONF_DIR
from sim.abc_fit import Posterior
from sim.calibration_model import FitModel
from sim.config import SCHEMA_FIELDS, ConfigError, Factor
from sim.metrics import KPIS
from sim.plots import PALETTE, save
from sim.sensitivity_folder import csv_text
from sim.userfiles import staged

PINNED_SHRINKAGE = 0.25
"""A parameter is pinned down by the data when its posterior 90% interval is at most
three quarters of its prior range (shrinkage at least 0.25; a flat posterior has 0.1)."""
BAND = (5.0, 95.0)
"""The percentiles of the posterior-predictive draws that bound a target's band."""
PREDICTIVE_STREAM = 2
"""The spawn key of the draws' random numbers (the calibration seed's own stream)."""
FIT_COLUMNS = (
    "target",
    "published",
    "uncertainty",
    "simulated_mean",
    "band_low",
    "band_high",
    "within",
    "within_tolerance",
)
PARAMETER_COLUMNS = (
    "parameter",
    "prior_low",
    "prior_high",
    "median",
    "low_90",
    "high_90",
    "shrinkage",
    "pinned",
    "effective_sample_size",
)
POINT_COLUMNS = ("draw", "distance", "chosen")
"""points.csv's first columns; the fitted parameters and the targets' KPI means follow."""
MIN_EFFECTIVE_SAMPLE = 20.0
"""Fewest effective particles (1 / sum of squared weights) for a 90% interval worth reading:
with fewer, one or two particles carry most of the weight and a weighted quantile lands on
them (a quick calibration of Shropshire had 1.7 of 40, its medians at an interval's end)."""
SCENARIO = "calibrated"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELDS = {f.key: f for f in SCHEMA_FIELDS}


@dataclass(frozen=True)
class PointSettings:
    """How calibrated.yaml's point is chosen (``calibration.point_*``)."""

    draws: int = 10
    """Posterior draws tried (0: the posterior medians)."""
    replications: int = 10
    """Replications per draw, common to all (0 to N-1 of the run seed)."""


@dataclass(frozen=True)
class Point:
    """calibrated.yaml's parameter values and how they were chosen."""

    values: np.ndarray
    how: str
    """In words, for the file's header."""
    rows: list[dict[str, Any]]
    """points.csv's rows: the draws tried (empty when none was)."""


@dataclass
class CalibrationOutputs:
    """What :func:`write_outputs` wrote: the folder, the fit's and the parameters' rows."""

    folder: Path
    fit: list[dict[str, Any]]
    parameters: list[dict[str, Any]]
    draws: np.ndarray
    """The posterior-predictive draws' KPIs (M x targets)."""


# --- tables ---------------------------------------------------------------------------------


def posterior_text(posterior: Posterior) -> str:
    """posterior.csv: ``sample, weight`` and the parameters (weights summing to 1)."""
    weights = posterior.weights / posterior.weights.sum()
    rows = [
        [i, float(w), *(float(v) for v in row)]
        for i, (w, row) in enumerate(zip(weights, posterior.samples, strict=True))
    ]
    return csv_text(["sample", "weight", *posterior.names], rows)


Tolerance = Callable[[str, float], bool | None]
"""``tolerance(kpi, simulated)``: whether a simulated figure is within the target's
FACTS.md tolerance (None: the target has none); sim.calibration_targets.TargetSet.within."""


def fit_rows(
    kpis: Sequence[str],
    observed: Mapping[str, float],
    sds: Mapping[str, float],
    draws: np.ndarray,
    tolerance: Tolerance | None = None,
) -> list[dict[str, Any]]:
    """fit.csv's rows: each target's published figure against its simulated band.

    ``draws`` is posterior-predictive draws x ``kpis``. NaN draws (a refused point) are
    left out; a target with none has NaN figures and is not ``within``. With
    ``tolerance``, ``within_tolerance`` says whether the draws' mean is within the
    target's tolerance (None, an empty cell, without one).
    """
    rows = []
    for j, kpi in enumerate(kpis):
        values = draws[:, j][np.isfinite(draws[:, j])]
        low, high = np.percentile(values, BAND) if values.size else (math.nan, math.nan)
        mean = float(values.mean()) if values.size else math.nan
        published = float(observed[kpi])
        rows.append(
            {
                "target": kpi,
                "published": published,
                "uncertainty": float(sds[kpi]),
                "simulated_mean": mean,
                "band_low": float(low),
                "band_high": float(high),
                "within": bool(low <= published <= high),
                "within_tolerance": _tolerance_cell(tolerance, kpi, mean),
            }
        )
    return rows


def _tolerance_cell(tolerance: Tolerance | None, kpi: str, mean: float) -> bool | str:
    """``within_tolerance``'s cell: true/false, or empty (no test, no tolerance, no mean)."""
    if tolerance is None or not math.isfinite(mean):
        return ""
    within = tolerance(kpi, mean)
    return "" if within is None else within


def parameter_rows(posterior: Posterior, bounds: np.ndarray) -> list[dict[str, Any]]:
    """parameters.csv's rows: prior box, posterior median and 90% interval, shrinkage, pinned."""
    box = np.asarray(bounds, dtype=float)
    median = posterior.median()
    interval = posterior.interval(0.9)
    ess = posterior.ess()
    rows = []
    for j, key in enumerate(posterior.names):
        low, high = box[j]
        shrinkage = 1.0 - (interval[j, 1] - interval[j, 0]) / (high - low)
        rows.append(
            {
                "parameter": key,
                "prior_low": float(low),
                "prior_high": float(high),
                "median": float(median[j]),
                "low_90": float(interval[j, 0]),
                "high_90": float(interval[j, 1]),
                "shrinkage": float(shrinkage),
                "pinned": bool(shrinkage >= PINNED_SHRINKAGE)
                if ess >= MIN_EFFECTIVE_SAMPLE
                else "",
                "effective_sample_size": ess,
            }
        )
    return rows


def _table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    return csv_text(columns, [[r[c] for c in columns] for r in rows])


def _point_columns(model: FitModel) -> tuple[str, ...]:
    return (*POINT_COLUMNS, *model.keys, *model.kpis)


# --- figures ------------------------------------------------------------------------------


def _unit(key: str) -> str:
    field = _FIELDS.get(key)
    return str(field.meta.get("unit", "")) if field is not None else ""


def _axis_label(key: str) -> str:
    unit = _unit(key)
    return f"{key}\n({unit})" if unit else key


def predictive_figure(rows: Sequence[Mapping[str, Any]], title: str = "") -> Figure:
    """Each target: the published figure with its uncertainty against the simulated band.

    One row per target in the KPI's display unit (shares in %): the grey bar is the
    posterior-predictive 5-95% band, the blue diamond its mean, the black dot the
    published figure with a bar of one uncertainty either side.
    """
    n = len(rows)
    fig = Figure(figsize=(9, 1.0 + 0.85 * n), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n, 1, squeeze=False)[:, 0])
    for ax, row in zip(axes, rows, strict=True):
        kpi = KPIS.get(str(row["target"]))
        scale = kpi.scale if kpi is not None else 1.0
        low, high = row["band_low"] * scale, row["band_high"] * scale
        if math.isfinite(low) and math.isfinite(high):
            ax.barh(0, high - low, left=low, height=0.5, color="0.8", label="simulated 5-95%")
        ax.plot([row["simulated_mean"] * scale], [0], "D", color=PALETTE[0], label="simulated mean")
        ax.errorbar(
            [row["published"] * scale],
            [0],
            xerr=[[row["uncertainty"] * scale]],
            fmt="o",
            color="k",
            capsize=4,
            label="published ± uncertainty",
        )
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        ax.margins(x=0.04)
        name = kpi.label if kpi is not None else str(row["target"])
        status = "" if row["within"] else "  (outside the band)"
        ax.set_title(f"{name}{status}", loc="left", fontsize=10)
        ax.set_xlabel(kpi.display_unit if kpi is not None else "", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=9)
    fig.suptitle(title or "Posterior-predictive check: published figures against the model")
    return fig


def pairs_figure(posterior: Posterior, bounds: np.ndarray, bins: int = 20) -> Figure:
    """A pair plot of the weighted posterior, each axis spanning the parameter's prior box.

    Diagonal: each parameter's weighted histogram; below it: the particles of each pair,
    darker for a heavier weight. Axes are labelled with the parameters' units.
    """
    d = len(posterior.names)
    box = np.asarray(bounds, dtype=float)
    w = posterior.weights / posterior.weights.sum()
    size = max(4.5, 2.6 * d)
    fig = Figure(figsize=(size, size), layout="constrained")
    axes = fig.subplots(d, d, squeeze=False)
    alpha = np.clip(0.15 + 0.85 * w / w.max(), 0.0, 1.0)
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                ax.hist(
                    posterior.samples[:, j],
                    bins=np.linspace(box[j, 0], box[j, 1], bins + 1),
                    weights=w,
                    color=PALETTE[0],
                )
                ax.set_yticks([])
            else:
                colors = np.zeros((len(w), 4))
                colors[:, 2] = 0.5
                colors[:, 3] = alpha
                ax.scatter(posterior.samples[:, j], posterior.samples[:, i], s=8, c=colors)
                ax.set_ylim(*box[i])
                if j == 0:
                    ax.set_ylabel(_axis_label(posterior.names[i]), fontsize=8)
            ax.set_xlim(*box[j])
            ax.tick_params(labelsize=7)
            if i == d - 1:
                ax.set_xlabel(_axis_label(posterior.names[j]), fontsize=8)
    fig.suptitle(
        "Posterior of the fitted parameters\n(weighted particles; axes span the prior box)",
        fontsize=10,
    )
    return fig


# --- the calibrated scenario --------------------------------------------------------------


def run_command(folder: Path, name: str = SCENARIO, overrides: Sequence[str] = ()) -> str:
    """The command that runs the calibrated scenario from its folder (Hydra's search path)."""
    extra = [o for o in overrides if not o.startswith("scenario=")]
    path = Path(folder).resolve()
    parts = ["python -m sim", f"scenario={name}", f"'hydra.searchpath=[\"file://{path}\"]'"]
    return " ".join([*parts, *extra])


def draws_command(folder: Path, name: str, draws: int, overrides: Sequence[str] = ()) -> str:
    """The sweep that runs every posterior draw's scenario (parameter uncertainty)."""
    names = ",".join(f"{name}_draw_{i:03d}" for i in range(draws))
    return run_command(folder, names, overrides).replace("python -m sim", "python -m sim -m", 1)


def calibrated_yaml(
    point: Point,
    model: FitModel,
    observed: Mapping[str, float],
    sds: Mapping[str, float],
    folder: Path,
    name: str = SCENARIO,
    overrides: Sequence[str] = (),
    when: date | None = None,
    draws: int = 0,
) -> str:
    """The scenario file: each fitted parameter at the calibration's point, with a header.

    Whole-number parameters are rounded; others keep six significant figures.
    """
    if not _NAME.match(name):
        raise ConfigError(f"scenario name {name!r}; allowed: lower case letters, digits and _")
    if (CONF_DIR / "scenario" / f"{name}.yaml").exists():
        # Hydra would find the package's scenario of that name before the folder's
        raise ConfigError(f"scenario name {name!r} is a scenario of conf/; choose another")
    values = _scenario_values(model.factors, point.values.tolist(), name)
    targets = ", ".join(f"{k} {observed[k]:g} ± {sds[k]:g}" for k in model.kpis)
    scenario_overrides = [o for o in overrides if o.startswith("scenario=")]
    header = [
        "# @package _global_",
        f"# Calibrated by ABC-SMC on {(when or date.today()).isoformat()}: each fitted parameter "
        f"at {point.how}",
        "# (posterior.csv holds the weighted samples, parameters.csv the medians and 90% "
        "intervals, points.csv the draws tried).",
        f"# Targets (published ± uncertainty): {targets}.",
        f"# Folder: {Path(folder).resolve()}",
        "# Run it (Hydra finds scenario/<name>.yaml in the folder on its search path):",
        f"#   {run_command(folder, name, overrides)}",
        f"# or copy this file to conf/scenario/{name}.yaml and run python -m sim scenario={name}.",
    ]
    if draws:
        header += [
            f"# With the posterior's spread: scenario/{name}_draw_<i>.yaml are {draws} posterior "
            "draws; run them all:",
            f"#   {draws_command(folder, name, draws, overrides)}",
        ]
    if scenario_overrides:
        header.append(
            f"# The base was {scenario_overrides[0]}; this file sets only the fitted parameters, "
            "so that scenario's other values are not in it."
        )
    body = yaml.safe_dump(values, sort_keys=False, default_flow_style=False)
    return "\n".join(header) + "\n" + body


# --- the point ------------------------------------------------------------------------------


def distances(
    means: np.ndarray, kpis: Sequence[str], observed: Mapping[str, float], sds: Mapping[str, float]
) -> np.ndarray:
    """ABC's distance of each row of KPI means from the targets (infinite with a NaN).

    sqrt(sum_k ((mean_k - published_k) / sd_k)^2), as sim.abc_fit.TargetDistance.
    """
    obs = np.array([observed[k] for k in kpis])
    sd = np.array([sds[k] for k in kpis])
    d = np.sqrt((((np.atleast_2d(means) - obs) / sd) ** 2).sum(axis=1))
    return np.where(np.isfinite(d), d, np.inf)


def best_point(
    model: FitModel,
    posterior: Posterior,
    candidates: np.ndarray,
    observed: Mapping[str, float],
    sds: Mapping[str, float],
    settings: PointSettings | None,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> Point:
    """calibrated.yaml's point: the candidate draw closest to the targets, or the medians.

    The first ``settings.draws`` distinct draws of ``candidates`` (weighted posterior
    draws, which repeat particles; :func:`distinct_draws`) each run
    ``settings.replications`` common replications; the smallest distance
    (:func:`distances`) wins. None, no draws, or every draw refused: the posterior medians
    (the draws tried are still listed, none chosen).
    """
    medians = Point(np.asarray(posterior.median(), dtype=float), "its posterior median", [])
    if settings is None or settings.draws == 0 or len(candidates) == 0:
        return medians
    index = distinct_draws(candidates, settings.draws)
    tried = np.atleast_2d(candidates[index])
    means = model.means_at(tried, settings.replications, n_jobs, progress)
    d = distances(means, model.kpis, observed, sds)
    best = int(np.argmin(d)) if np.isfinite(d).any() else -1
    rows = [
        {
            "draw": int(index[i]),
            "distance": float(d[i]),
            "chosen": i == best,
            **dict(zip(model.keys, tried[i].tolist(), strict=True)),
            **dict(zip(model.kpis, means[i].tolist(), strict=True)),
        }
        for i in range(len(tried))
    ]
    if best < 0:
        return replace(medians, rows=rows)
    how = (
        f"posterior draw {index[best]}: of {len(tried)} distinct draws, each run "
        f"{settings.replications} replications, the closest to the targets (distance "
        f"{d[best]:.3g}; points.csv)"
    )
    return Point(tried[best].copy(), how, rows)


def distinct_draws(candidates: np.ndarray, most: int) -> np.ndarray:
    """The indices of the first ``most`` draws of ``candidates`` not equal to an earlier one.

    Weighted draws from a posterior of few effective particles repeat particles; with
    common replications a repeat would only run the same results again.
    """
    _, first = np.unique(np.atleast_2d(candidates), axis=0, return_index=True)
    return np.sort(first)[:most]


# --- everything ---------------------------------------------------------------------------


def posterior_draws(posterior: Posterior, draws: int, seed: int) -> np.ndarray:
    """``draws`` weighted draws from the posterior (draws x parameters), seeded."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PREDICTIVE_STREAM,)))
    return posterior.resample(draws, rng)


def predictive_draws(
    model: FitModel,
    posterior: Posterior,
    draws: int,
    seed: int,
    n_jobs: int = 1,
    progress: bool | None = None,
) -> np.ndarray:
    """The targets' KPIs at ``draws`` weighted posterior draws, one replication each."""
    return model.predictive(posterior_draws(posterior, draws, seed), n_jobs, progress)


def draw_scenario(factors: Sequence[Factor], values: Sequence[float], name: str, i: int) -> str:
    """``scenario/<name>_draw_<i>.yaml``: the fitted parameters at posterior draw ``i``.

    The draws together carry the posterior's spread into any run: a sweep over them
    (``-m 'scenario=glob(<name>_draw_*)'``) propagates parameter uncertainty.
    """
    header = [
        "# @package _global_",
        f"# Posterior draw {i} of a calibration (the posterior-predictive check's draw {i}); "
        f"{name}.yaml has the calibration's point.",
    ]
    body = yaml.safe_dump(
        _scenario_values(factors, values, f"{name}_draw_{i:03d}"),
        sort_keys=False,
        default_flow_style=False,
    )
    return "\n".join(header) + "\n" + body


def _scenario_values(
    factors: Sequence[Factor], values: Sequence[float], name: str
) -> dict[str, Any]:
    """A scenario's nested values: its name and each factor (whole numbers rounded)."""
    out: dict[str, Any] = {"scenario_name": name}
    for f, value in zip(factors, values, strict=True):
        *groups, leaf = f.key.split(".")
        node = out
        for group in groups:
            node = node.setdefault(group, {})
        node[leaf] = int(round(value)) if f.whole else float(f"{value:.6g}")
    return out


def write_outputs(
    folder: Path,
    model: FitModel,
    posterior: Posterior,
    observed: Mapping[str, float],
    sds: Mapping[str, float],
    *,
    draws: int = 100,
    seed: int = 0,
    n_jobs: int = 1,
    progress: bool | None = None,
    overrides: Sequence[str] = (),
    name: str = SCENARIO,
    when: date | None = None,
    tolerance: Tolerance | None = None,
    point: PointSettings | None = None,
) -> CalibrationOutputs:
    """Run the posterior-predictive check and write every output file into ``folder``.

    Args:
        folder: The calibration's folder.
        model: The fitted model (its factors' ranges are the prior box).
        posterior: ABC-SMC's posterior over ``model``'s factors, in their order.
        observed: The published figures by KPI.
        sds: Their uncertainties by KPI.
        draws: M, the posterior-predictive draws (one model run each).
        seed: Chooses the draws.
        n_jobs: Processes for the draws' runs.
        progress: A progress bar for the draws (default: when stderr is a terminal).
        overrides: The base configuration's overrides, for calibrated.yaml's command.
        name: The scenario's name.
        when: The date in calibrated.yaml's header (default today).
        tolerance: The targets' FACTS.md tolerance test, for fit.csv's ``within_tolerance``.
        point: How calibrated.yaml's point is chosen (:func:`best_point`; None: medians).

    Raises:
        ConfigError: the posterior is not over the model's factors, or a bad name.
        OutputError: the folder cannot be written (nothing of this call is left).

    """
    if tuple(posterior.names) != tuple(model.keys):
        raise ConfigError(
            f"the posterior's parameters ({', '.join(posterior.names)}) are not the model's "
            f"({', '.join(model.keys)})"
        )
    bounds = np.array([[f.low, f.high] for f in model.factors])
    x = posterior_draws(posterior, draws, seed)
    predicted = model.predictive(x, n_jobs, progress)
    fit = fit_rows(model.kpis, observed, sds, predicted, tolerance)
    params = parameter_rows(posterior, bounds)
    chosen = best_point(model, posterior, x, observed, sds, point, n_jobs, progress)
    scenario = calibrated_yaml(chosen, model, observed, sds, folder, name, overrides, when, len(x))
    texts = {
        "posterior.csv": posterior_text(posterior),
        "fit.csv": _table(FIT_COLUMNS, fit),
        "parameters.csv": _table(PARAMETER_COLUMNS, params),
        "calibrated.yaml": scenario,
        "points.csv": _table(_point_columns(model), chosen.rows),
        f"scenario/{name}.yaml": scenario,
        **{
            f"scenario/{name}_draw_{i:03d}.yaml": draw_scenario(model.factors, row, name, i)
            for i, row in enumerate(x.tolist())
        },
    }
    with staged(Path(folder)) as staging:
        for file, text in texts.items():
            (staging / file).parent.mkdir(parents=True, exist_ok=True)
            (staging / file).write_text(text, encoding="utf-8")
        save(predictive_figure(fit), staging / "posterior_predictive.png")
        save(pairs_figure(posterior, bounds), staging / "pairs.png")
    return CalibrationOutputs(Path(folder), fit, params, predicted)
