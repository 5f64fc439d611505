"""A sensitivity study's analysis: indices from SALib, the dummy rule and the noise share.

Pure functions of arrays and rows, so that they can be tested on any function of the
factors (:mod:`sim.sensitivity` reads a study's folder and writes what these return).

- **Point means.** The KPI at a design point is the mean over its replications (those
  that measured it: a KPI with nothing to measure in a replication is NaN there).
- **Indices.** Morris: ``mu_star``, its bootstrap confidence ``mu_star_conf`` and
  ``sigma`` (``SALib.analyze.morris``); Sobol: ``S1``, ``ST`` and their bootstrap
  confidences (``SALib.analyze.sobol``, no second-order terms). Confidence is the
  half-width of a 95% bootstrap interval, with ``resamples`` resamples from a seeded stream.
- **Distinguishable.** A factor's index lies clearly above the dummy's: Morris
  ``mu_star - mu_star_conf > dummy mu_star + dummy mu_star_conf``; Sobol
  ``ST - ST_conf > dummy ST + dummy ST_conf``. The dummy itself never is.
- **Noise share** of a KPI: the mean over points of the within-point variance of the
  replications divided by their number (the variance of a point mean that noise alone
  gives) over the variance of the point means; capped at 1.
- A KPI that is NaN at some point (no replication there had anything to measure) gets no
  indices: its rows are empty and :func:`analyse` says so in a note.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

CONFIDENCE = 0.95
ANALYSIS_STREAM = 1
"""The spawn key of the bootstrap's random numbers (the design uses 0)."""
DUMMY = "dummy"
"""The factor no parameter reads; always the last factor of a study."""
INDEX_COLUMNS = (
    "method",
    "parameter",
    "kpi",
    "mu_star",
    "mu_star_conf",
    "sigma",
    "S1",
    "S1_conf",
    "ST",
    "ST_conf",
    "distinguishable",
)
"""indices.csv's columns; the other method's are empty."""
NOISE_COLUMNS = ("kpi", "noise_share", "replications")
MEASURES = {"morris": ("mu_star", "mu_star_conf"), "sobol": ("ST", "ST_conf")}
"""The index and its confidence that the dummy rule compares, by method."""
KEEP_RULES = ("distinguishable", "ranked")


def point_means(values: np.ndarray) -> np.ndarray:
    """Each point's mean over the replications that measured the KPI (NaN if none did).

    Args:
        values: points x replications.

    """
    counts = np.sum(~np.isnan(values), axis=1)
    sums = np.nansum(values, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def noise_share(values: np.ndarray) -> float:
    """Share of the variance of the point means that replication noise accounts for.

    ``mean over points of (variance within the point / replications there)`` over the
    variance of the point means, capped at 1. NaN with fewer than two replications at
    some point, or when nothing varies.
    """
    counts = np.sum(~np.isnan(values), axis=1)
    if values.shape[0] < 2 or np.any(counts < 2):
        return math.nan
    within = np.nanvar(values, axis=1, ddof=1) / counts
    between = float(np.var(point_means(values), ddof=1))
    noise = float(np.mean(within))
    if between <= 0.0:
        return 1.0 if noise > 0.0 else math.nan
    return min(1.0, noise / between)


def bootstrap_rng(seed: int) -> np.random.Generator:
    """The bootstrap's random numbers: a stream of the study's seed of its own."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(ANALYSIS_STREAM,)))


def morris_indices(
    problem: Mapping[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    levels: int,
    resamples: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """mu*, its bootstrap confidence and sigma of each factor (``SALib.analyze.morris``)."""
    found = morris_analyze.analyze(
        dict(problem),
        x,
        y,
        num_resamples=resamples,
        conf_level=CONFIDENCE,
        num_levels=levels,
        seed=bootstrap_rng(seed),
    )
    return {k: np.asarray(found[k], dtype=float) for k in ("mu_star", "mu_star_conf", "sigma")}


def sobol_indices(
    problem: Mapping[str, Any], y: np.ndarray, resamples: int, seed: int
) -> dict[str, np.ndarray]:
    """S1, ST and their bootstrap confidences of each factor (``SALib.analyze.sobol``)."""
    # SALib seeds its bootstrap with an int (0 would mean numpy's global state)
    boot = int(bootstrap_rng(seed).integers(1, 2**31))
    with np.errstate(invalid="ignore", divide="ignore"):
        found = sobol_analyze.analyze(
            dict(problem),
            y,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=CONFIDENCE,
            seed=boot,
        )
    return {k: np.asarray(found[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def distinguishable(index: np.ndarray, conf: np.ndarray, names: Sequence[str]) -> list[bool]:
    """Whether each factor's interval lies clearly above the dummy's (the dummy: never)."""
    d = list(names).index(DUMMY)
    ceiling = index[d] + conf[d]
    return [
        bool(name != DUMMY and math.isfinite(ceiling) and index[j] - conf[j] > ceiling)
        for j, name in enumerate(names)
    ]


def kpi_rows(
    method: str, kpi: str, names: Sequence[str], indices: Mapping[str, np.ndarray] | None
) -> list[dict[str, Any]]:
    """indices.csv's rows for one KPI (every index empty when it has none)."""
    rows = []
    marks = [False] * len(names)
    if indices is not None:
        index, conf = MEASURES[method]
        marks = distinguishable(indices[index], indices[conf], names)
    for j, name in enumerate(names):
        row: dict[str, Any] = dict.fromkeys(INDEX_COLUMNS, "")
        row.update(method=method, parameter=name, kpi=kpi, distinguishable=marks[j])
        for column, values in (indices or {}).items():
            row[column] = float(values[j])
        rows.append(row)
    return rows


def analyse(
    method: str,
    problem: Mapping[str, Any],
    x: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    settings: Mapping[str, Any],
    seed: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """indices.csv's and noise.csv's rows, and notes on KPIs left without indices.

    Args:
        method: ``morris`` or ``sobol``.
        problem: SALib's problem (names, the dummy last, and bounds).
        x: The design as run (points x factors).
        outputs: By KPI, its values (points x replications).
        settings: The method's settings (``levels`` for Morris, ``resamples``).
        seed: The study's seed (the bootstrap draws from its own stream of it).

    """
    names = list(problem["names"])
    index_rows: list[dict[str, Any]] = []
    noise_rows: list[dict[str, Any]] = []
    notes = []
    for kpi, values in outputs.items():
        y = point_means(values)
        indices = None
        missing = int(np.sum(np.isnan(y)))
        if missing:
            notes.append(
                f"{kpi}: no indices, nothing to measure at {missing} of {len(y)} design points"
            )
        elif method == "morris":
            indices = morris_indices(
                problem, x, y, int(settings["levels"]), int(settings["resamples"]), seed
            )
        else:
            indices = sobol_indices(problem, y, int(settings["resamples"]), seed)
        index_rows += kpi_rows(method, kpi, names, indices)
        noise_rows.append(
            {"kpi": kpi, "noise_share": noise_share(values), "replications": values.shape[1]}
        )
    return index_rows, noise_rows, notes


def keep(rows: Sequence[Mapping[str, str]], rule: str, max_factors: int) -> tuple[list[str], str]:
    """The factors a Morris screen keeps for the Sobol stage, and the rule in words.

    Factors are ranked by their largest ``mu_star`` relative to the dummy's for the same
    KPI (over the KPIs of the screen; a dummy mu* of 0 counts as the smallest positive
    one, ties keep the screen's order). Rule ``distinguishable`` keeps the factors
    distinguishable from the dummy for at least one KPI; ``ranked`` keeps the top ones
    whatever the dummy says. Either way at most ``max_factors``.

    Args:
        rows: The screen's indices.csv rows (method ``morris``).
        rule: One of :data:`KEEP_RULES`.
        max_factors: The most factors kept.

    """
    dummy = {r["kpi"]: _number(r["mu_star"]) for r in rows if r["parameter"] == DUMMY}
    floor = min([v for v in dummy.values() if v > 0], default=1.0)
    best: dict[str, float] = {}
    marked: set[str] = set()
    for r in rows:
        name, mu = r["parameter"], _number(r["mu_star"])
        if name == DUMMY or math.isnan(mu) or math.isnan(dummy.get(r["kpi"], math.nan)):
            continue
        ratio = mu / max(dummy[r["kpi"]], floor)
        best[name] = max(best.get(name, -math.inf), ratio)
        if r["distinguishable"] == "true":
            marked.add(name)
    ranked = sorted(best, key=lambda name: -best[name])  # stable: the screen's order on ties
    if rule == "distinguishable":
        ranked = [name for name in ranked if name in marked]
        words = "distinguishable from the dummy for at least one KPI"
    else:
        words = "every factor"
    kept = ranked[:max_factors]
    text = (
        f"{rule}: {words}, ranked by the largest mu* over the dummy's mu* (same KPI), at most "
        f"{max_factors}; kept {len(kept)} of {len(best)}"
    )
    return kept, text


def _number(text: str) -> float:
    """A CSV cell as a number (empty: NaN)."""
    return float(text) if text not in ("", None) else math.nan
