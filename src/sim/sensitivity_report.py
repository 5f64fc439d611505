"""A sensitivity study's figures and report, from its folder: ``python -m sim.sensitivity_report``.

A study folder (written by ``python -m sim.sensitivity``) holds ``study.json`` (method,
factors with their plausible ranges, KPIs, replications, settings), ``design.csv``,
``outputs.csv``, ``indices.csv`` and ``noise.csv``; docs/sensitivity.md describes them.
This module reads them and writes, beside them:

- per KPI, for a Morris screen, ``morris_<kpi>.png`` (mu* against sigma, one labelled
  point per factor) and ``ranking_<kpi>.png`` (factors ranked by mu* with intervals);
  for a Sobol study, ``ranking_<kpi>.png`` (S1 and ST side by side, ranked by ST);
- ``report.html``, one offline page that says in plain words which assumptions drive
  which KPI, with the method, settings, factors, noise shares, figures and index tables.

Every figure and sentence reads the engine's verdict (``distinguishable`` in
indices.csv: clearly above the dummy factor, which the model ignores); nothing here
recomputes an index. mu* is in the KPI's difference unit (percentage points for a
share): SALib scales elementary effects to a factor's whole range, so mu* is roughly how
much the KPI moves when the assumption goes from the low to the high end of its
plausible range. Sobol indices are shares of the KPI's variance over the design, in %.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.arguments import OneLineParser
from sim.config import SCHEMA_FIELDS, ConfigError
from sim.metrics import KPI, KPIS
from sim.plots import morris_figure, morris_ranking_figure, save_compact, sobol_ranking_figure
from sim.report import html_figure, html_page
from sim.sensitivity_analysis import DUMMY, INDEX_COLUMNS, NOISE_COLUMNS
from sim.userfiles import InputError, read_text, staged

STUDY_FILES = ("study.json", "design.csv", "outputs.csv", "indices.csv", "noise.csv")
"""The files of a finished study; outputs, indices and noise are written last."""
RUN_TIME_KEY = "wall_seconds"
"""study.json's key for the study's computing time in seconds, if it records one."""
TOP = 3
"""Assumptions named per KPI in the report's summary (and by :func:`top_assumptions`)."""
METHODS = {
    "morris": "Morris elementary effects screen",
    "sobol": "Sobol first-order and total indices",
}

MORRIS_CAN = (
    "What a Morris screen can and cannot say: it ranks the assumptions by how much moving "
    "each one across its plausible range moves the KPI on average (mu*, in the KPI's unit), "
    "and sigma says whether that effect changes with where the other assumptions are "
    "(a non-linear effect or an interaction). It screens: it tells which assumptions matter "
    "and which can be left at their defaults, with a ranking whose close neighbours may swap "
    "(see the intervals). It does not say what share of the KPI's variance an assumption "
    "accounts for; a Sobol study on the factors the screen keeps gives those shares."
)
SOBOL_CAN = (
    "What Sobol indices say: S1 is the share of the KPI's variance over the design that an "
    "assumption accounts for alone, ST the share it takes part in, alone or through "
    "interactions with others, so ST minus S1 is its interactions. They are shares of the "
    "variance under uniform ranges over the plausible ranges in the factor table: "
    "different ranges give different shares. An assumption with a small ST can be fixed "
    "anywhere in its range without changing the KPI much."
)
NOISE_TEXT = (
    "Replication noise: every design point runs the same replications (common random "
    "numbers) and its KPI is their mean, which still carries some noise. The noise share "
    "is the part of the spread between design points that this noise accounts for (mean "
    "within-point variance over the number of replications, divided by the variance of "
    "the point means, at most 100%); the rest is the assumptions' doing. Where it is "
    "large, the indices are blurred and more replications (sensitivity.replications) "
    "would sharpen them."
)
DUMMY_TEXT = (
    "The dummy factor is varied like every other but the model ignores it, so its index "
    "is what noise alone produces. An assumption is distinguishable from noise when its "
    "index lies clearly above the dummy's (the rule is in sim/sensitivity.py); the others "
    "move the KPI, if at all, by less than the study can tell apart from noise."
)


class StudyError(InputError):
    """A folder that is not a finished sensitivity study; one plain line naming why."""


@dataclass(frozen=True)
class Index:
    """One factor's indices for one KPI, as indices.csv gives them (NaN where empty)."""

    parameter: str
    kpi: str
    mu_star: float
    mu_star_conf: float
    sigma: float
    S1: float
    S1_conf: float
    ST: float
    ST_conf: float
    distinguishable: bool

    @property
    def is_dummy(self) -> bool:
        """Whether this is the dummy factor, the noise yardstick."""
        return self.parameter == DUMMY


@dataclass(frozen=True)
class Study:
    """A finished study folder's contents."""

    folder: Path
    meta: Mapping[str, Any]
    design: list[dict[str, str]]
    outputs: list[dict[str, str]]
    indices: list[Index]
    noise: Mapping[str, float]

    @property
    def method(self) -> str:
        """``morris`` or ``sobol``."""
        return str(self.meta["method"])

    @property
    def kpis(self) -> list[str]:
        """The KPIs studied, in study.json's order."""
        return [str(k) for k in self.meta["kpis"]]

    @property
    def factors(self) -> list[Mapping[str, Any]]:
        """The factors with their ranges and why, the dummy last."""
        return list(self.meta["factors"])

    def value(self, index: Index) -> float:
        """The index the study ranks by: mu* for Morris, ST for Sobol."""
        return index.mu_star if self.method == "morris" else index.ST

    def conf(self, index: Index) -> float:
        """The half-width of :meth:`value`'s 95% interval."""
        return index.mu_star_conf if self.method == "morris" else index.ST_conf

    def ranking(self, kpi: str) -> list[Index]:
        """The factors' indices for ``kpi``, largest mu* (Morris) or ST (Sobol) first, NaN last."""
        rows = [i for i in self.indices if i.kpi == kpi]
        return sorted(rows, key=lambda i: -self.value(i) if math.isfinite(self.value(i)) else 1e300)


def _number(text: str | None) -> float:
    """A CSV cell as a number; empty or unreadable cells are NaN."""
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan


def _true(text: str | None) -> bool:
    return str(text).strip().lower() in ("true", "1", "yes")


def _csv(folder: Path, name: str, columns: Sequence[str]) -> list[dict[str, str]]:
    """A study file's rows, refused in one line if it lacks one of ``columns``."""
    reader = csv.DictReader(io.StringIO(read_text(folder / name, error=StudyError)))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise StudyError(f"{folder / name}: no column {missing[0]!r}")
    return list(reader)


def _index(row: Mapping[str, str]) -> Index:
    """One row of indices.csv."""
    return Index(
        parameter=row["parameter"],
        kpi=row["kpi"],
        mu_star=_number(row["mu_star"]),
        mu_star_conf=_number(row["mu_star_conf"]),
        sigma=_number(row["sigma"]),
        S1=_number(row["S1"]),
        S1_conf=_number(row["S1_conf"]),
        ST=_number(row["ST"]),
        ST_conf=_number(row["ST_conf"]),
        distinguishable=_true(row["distinguishable"]),
    )


def read_study(folder: Path) -> Study:
    """Read a finished study folder, or raise a one-line :class:`StudyError` naming why."""
    if not folder.is_dir():
        raise StudyError(f"{folder}: no such folder")
    for name in STUDY_FILES:
        if not (folder / name).exists():
            raise StudyError(
                f"{folder} is not a finished sensitivity study: {name} is missing "
                "(python -m sim.sensitivity writes it when every design point is done)"
            )
    try:
        meta = json.loads(read_text(folder / "study.json", error=StudyError))
    except json.JSONDecodeError as exc:
        raise StudyError(
            f"{folder / 'study.json'}: not JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    for key in ("method", "factors", "kpis", "replications"):
        if not isinstance(meta, dict) or key not in meta:
            raise StudyError(f"{folder / 'study.json'}: no {key!r}")
    if meta["method"] not in METHODS:
        raise StudyError(
            f"{folder / 'study.json'}: method {meta['method']!r}; allowed: morris, sobol"
        )
    indices = [_index(r) for r in _csv(folder, "indices.csv", INDEX_COLUMNS)]
    noise = {r["kpi"]: _number(r["noise_share"]) for r in _csv(folder, "noise.csv", NOISE_COLUMNS)}
    meta = {**meta, **_run_time(folder)}
    return Study(
        folder,
        meta,
        _csv(folder, "design.csv", ("point",)),
        _csv(folder, "outputs.csv", ("point", "replication", *meta["kpis"])),
        indices,
        noise,
    )


def _run_time(folder: Path) -> dict[str, Any]:
    """run_time.json's record (sim.sensitivity_folder.RUN_TIME), or nothing if absent or bad."""
    path = folder / "run_time.json"
    if not path.is_file():
        return {}
    try:
        record = json.loads(read_text(path, error=StudyError))
    except json.JSONDecodeError:
        return {}
    return {RUN_TIME_KEY: record.get(RUN_TIME_KEY)} if isinstance(record, dict) else {}


def short_names(keys: Sequence[str]) -> dict[str, str]:
    """Each key without its group prefix (``need.``) where no other key shares the rest."""
    rest = [k.split(".", 1)[-1] for k in keys]
    return {k: r if rest.count(r) == 1 else k for k, r in zip(keys, rest, strict=True)}


def _kpi(name: str) -> KPI | None:
    return KPIS.get(name)


def _label(name: str) -> str:
    kpi = _kpi(name)
    return kpi.label if kpi else name


def _scale(name: str) -> float:
    kpi = _kpi(name)
    return kpi.scale if kpi else 1.0


def _unit(name: str) -> str:
    """The unit of a change in the KPI (percentage points for a share)."""
    kpi = _kpi(name)
    return kpi.difference_unit if kpi else ""


def _title_kpi(name: str) -> str:
    """The KPI's label and display unit for a title: ``Plan-days in drift (%)``."""
    kpi = _kpi(name)
    return kpi.axis_label() if kpi else name


@dataclass(frozen=True)
class Spread:
    """How a KPI behaved over the design: undefined runs and its spread between points."""

    runs: int
    undefined_runs: int
    undefined_points: int
    points: int
    point_means: np.ndarray
    """Per design point, the mean over its replications where defined (NaN where none)."""

    @property
    def constant(self) -> bool:
        """Whether every point that has a mean has the same one."""
        means = self.point_means[np.isfinite(self.point_means)]
        return means.size > 0 and bool(np.all(means == means[0]))


def spread(study: Study, kpi: str) -> Spread:
    """What outputs.csv says of one KPI: runs where it is undefined, and the point means."""
    by_point: dict[str, list[float]] = {}
    for row in study.outputs:
        by_point.setdefault(row["point"], []).append(_number(row[kpi]))
    values = list(by_point.values())
    undefined = [sum(1 for v in vs if not math.isfinite(v)) for vs in values]
    means = np.array(
        [
            np.mean([v for v in vs if math.isfinite(v)]) if n < len(vs) else math.nan
            for vs, n in zip(values, undefined, strict=True)
        ]
    )
    return Spread(
        runs=sum(len(vs) for vs in values),
        undefined_runs=sum(undefined),
        undefined_points=sum(1 for n in undefined if n),
        points=len(values),
        point_means=means,
    )


def _note(study: Study, kpi: str) -> str:
    """Why a KPI's figures show no indices ("" if they show them)."""
    if spread(study, kpi).constant:
        return f"{_label(kpi)} did not change across the design: no assumption moves it"
    if not any(math.isfinite(study.value(i)) for i in study.ranking(kpi)):
        return f"No indices could be estimated for {_label(kpi)} (see indices.csv)"
    return ""


def _noise_line(study: Study, rows: Sequence[Index]) -> float:
    """The dummy's index plus its interval: the noise yardstick (NaN without a dummy)."""
    dummy = next((i for i in rows if i.is_dummy), None)
    if dummy is None:
        return math.nan
    return study.value(dummy) + (study.conf(dummy) if math.isfinite(study.conf(dummy)) else 0.0)


def _figures(study: Study, into: Path) -> list[Path]:
    """Draw every KPI's figures into ``into``; their paths."""
    names = short_names([str(f["key"]) for f in study.factors])
    k = sum(1 for f in study.factors if f["key"] != DUMMY)
    reps = study.meta["replications"]
    paths = []
    for kpi in study.kpis:
        rows = study.ranking(kpi)
        labels = [names.get(i.parameter, i.parameter) for i in rows]
        found = [i.distinguishable and not i.is_dummy for i in rows]
        dummy = next((n for n, i in enumerate(rows) if i.is_dummy), None)
        note = _note(study, kpi)
        what = f"{k} assumptions and the dummy, {reps} replications a point"
        if study.method == "morris":
            scale, unit = _scale(kpi), _unit(kpi)
            mu = [i.mu_star * scale for i in rows]
            noise = _noise_line(study, rows) * scale
            paths.append(
                save_compact(
                    morris_figure(
                        labels,
                        mu,
                        [i.sigma * scale for i in rows],
                        found,
                        dummy,
                        noise,
                        f"{_title_kpi(kpi)}: Morris screen\n{what}",
                        unit,
                        note,
                    ),
                    into / f"morris_{kpi}.png",
                )
            )
            figure = morris_ranking_figure(
                labels,
                mu,
                [i.mu_star_conf * scale for i in rows],
                found,
                dummy,
                noise,
                f"{_title_kpi(kpi)}: assumptions ranked by mu*\n{what}",
                unit,
                note,
            )
        else:
            figure = sobol_ranking_figure(
                labels,
                ([100 * i.S1 for i in rows], [100 * i.S1_conf for i in rows]),
                ([100 * i.ST for i in rows], [100 * i.ST_conf for i in rows]),
                found,
                dummy,
                100 * _noise_line(study, rows),
                f"{_title_kpi(kpi)}: Sobol indices ranked by ST\n{what}",
                note,
            )
        paths.append(save_compact(figure, into / f"ranking_{kpi}.png"))
    return paths


def write_figures(folder: Path) -> list[Path]:
    """Write a finished study's figures into its folder; their paths (StudyError if unfinished)."""
    study = read_study(folder)
    with staged(folder) as staging:
        drawn = _figures(study, staging)
    return [folder / p.name for p in drawn]


def top_assumptions(folder: Path, n: int = TOP) -> dict[str, list[str]]:
    """Per KPI, the ``n`` distinguishable assumptions with the largest mu* or ST, largest first."""
    return _top(read_study(folder), n)


def _top(study: Study, n: int) -> dict[str, list[str]]:
    return {
        kpi: [
            i.parameter
            for i in study.ranking(kpi)
            if i.distinguishable and not i.is_dummy and math.isfinite(study.value(i))
        ][:n]
        for kpi in study.kpis
    }


def _g(x: float, digits: int = 3) -> str:
    """A number to ``digits`` significant figures (thousands separated), or n/a."""
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 10**digits else f"{x:.{digits}g}"


def _amount(study: Study, kpi: str, index: Index) -> str:
    """``mu* 4.1 percentage points, +/- 0.8`` or ``ST 45% of the variance, +/- 6.1 points``."""
    if study.method == "morris":
        scale, unit = _scale(kpi), _unit(kpi)
        unit = f" {unit}" if unit else ""
        return f"mu* {_g(index.mu_star * scale)}{unit}, ± {_g(index.mu_star_conf * scale, 2)}"
    return (
        f"ST {_g(100 * index.ST)}% of the variance, ± {_g(100 * index.ST_conf, 2)} "
        f"percentage points; S1 {_g(100 * index.S1)}%"
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def kpi_sentence(study: Study, kpi: str) -> str:
    """Which assumptions drive one KPI, in plain words (HTML-escaped)."""
    label = _label(kpi)
    rows = study.ranking(kpi)
    factors = [i for i in rows if not i.is_dummy]
    where = spread(study, kpi)
    undefined = ""
    if where.undefined_runs:
        undefined = (
            f" {label} was undefined (nothing to measure) in {where.undefined_runs} of "
            f"{where.runs} runs, at {where.undefined_points} of {where.points} design points."
        )
    if where.constant:
        kpi_ = _kpi(kpi)
        at = float(where.point_means[np.isfinite(where.point_means)][0])
        shown = kpi_.show(at) if kpi_ else _g(at)
        return html.escape(
            f"{label} did not change across the {where.points} design points (every point "
            f"gave {shown}): no assumption moves it within its plausible range.{undefined}"
        )
    if not any(math.isfinite(study.value(i)) for i in rows):
        return html.escape(f"No indices could be estimated for {label}.{undefined}")
    top = [i for i in factors if i.distinguishable and math.isfinite(study.value(i))][:TOP]
    quiet = sum(1 for i in factors if not i.distinguishable)
    dummy = next((i for i in rows if i.is_dummy), None)
    yardstick = f": {_amount(study, kpi, dummy).split(';')[0]}" if dummy else ""
    if top:
        named = [
            f"<strong>{html.escape(i.parameter)}</strong> ({html.escape(_amount(study, kpi, i))})"
            for i in top
        ]
        more = sum(1 for i in factors if i.distinguishable) - len(top)
        others = f", then {more} more" if more > 0 else ""
        lead = f"{html.escape(label)} depends most on {_and(named)}{others}"
    else:
        lead = f"No assumption moves {html.escape(label)} distinguishably from noise"
    tail = (
        f"{quiet} of {len(factors)} assumptions are not distinguishable from noise (the "
        f"dummy factor's yardstick{yardstick})."
    )
    return f"{lead}; {html.escape(tail)}{html.escape(undefined)}"


def _noise_sentence(study: Study, kpi: str) -> str:
    share = study.noise.get(kpi, math.nan)
    if not math.isfinite(share):
        return f"{_label(kpi)}: the noise share could not be estimated (the KPI did not vary, or was undefined)."
    return f"{_label(kpi)}: replication noise accounts for {100 * share:.0f}% of the spread between design points."


def _duration(seconds: float) -> str:
    """``12.5 minutes`` or ``3.2 hours``."""
    minutes = seconds / 60
    return f"{minutes:.1f} minutes" if minutes < 90 else f"{minutes / 60:.1f} hours"


def _settings(study: Study) -> list[str]:
    """The method and its settings, in a paragraph and a small table."""
    meta = study.meta
    points = len(study.design)
    reps = int(meta["replications"])
    k = sum(1 for f in study.factors if f["key"] != DUMMY)
    took = _number(str(meta.get(RUN_TIME_KEY, "")))
    run_time = f" It ran for {_duration(took)} (wall clock)." if math.isfinite(took) else ""
    kept = ""
    if meta.get("kept_from"):
        kept = (
            f" Its factors were kept from the Morris screen in {meta['kept_from']} by the rule: "
            f"{meta.get('kept_rule', '')}."
        )
    text = (
        f"{METHODS[study.method]} (SALib) of {k} assumptions and a dummy factor over "
        f"{len(study.kpis)} KPIs: {points} design points, each run with the same {reps} "
        f"replications (common random numbers), {points * reps} runs in all; seed "
        f"{meta.get('seed')}.{run_time}{kept}"
    )
    overrides = meta.get("overrides") or []
    base = ", ".join(map(str, overrides)) if overrides else "the default configuration"
    settings = meta.get("settings") or {}
    cells = "".join(
        f"<tr><td>{html.escape(str(key))}</td><td>{html.escape(json.dumps(val))}</td></tr>"
        for key, val in settings.items()
    )
    return [
        "<h2>Method and settings</h2>",
        f"<p>{html.escape(text)} Base configuration: {html.escape(base)}.</p>",
        f"<table><tr><th>setting</th><th>value</th></tr>{cells}</table>" if cells else "",
    ]


def _factor_table(study: Study) -> str:
    """Each factor's plausible range, default, unit and why."""
    units = {f.key: str(f.meta.get("unit", "")) for f in SCHEMA_FIELDS}
    header = ("factor", "low", "high", "default", "unit", "why this range")
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"]
    for f in study.factors:
        key = str(f["key"])
        why = "the model ignores it: the noise yardstick" if key == DUMMY else str(f.get("why", ""))
        unit = units.get(key, "") + (" (whole number)" if f.get("whole") else "")
        cells = [key, *(_g(_number(str(f.get(c, "")))) for c in ("low", "high", "default"))]
        rows.append(
            f"<tr><td>{html.escape(cells[0])}</td>"
            + "".join(f"<td class=num>{html.escape(c)}</td>" for c in cells[1:])
            + f"<td>{html.escape(unit)}</td><td>{html.escape(why)}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _index_table(study: Study, kpi: str) -> str:
    """One KPI's indices, ranked, in its difference unit (Morris) or in % (Sobol)."""
    if study.method == "morris":
        unit, scale = _unit(kpi), _scale(kpi)
        header: tuple[str, ...] = ("rank", "factor", f"mu* ({unit})", "± 95%")
        header += (f"sigma ({unit})", "verdict")

        def cells(i: Index) -> list[str]:
            return [_g(i.mu_star * scale), _g(i.mu_star_conf * scale, 2), _g(i.sigma * scale)]
    else:
        header = ("rank", "factor", "ST (%)", "± 95%", "S1 (%)", "± 95%", "verdict")

        def cells(i: Index) -> list[str]:
            return [_g(100 * i.ST), _g(100 * i.ST_conf, 2), _g(100 * i.S1), _g(100 * i.S1_conf, 2)]

    rows = ["<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for n, i in enumerate(study.ranking(kpi), 1):
        verdict = (
            "dummy: the noise yardstick"
            if i.is_dummy
            else ("distinguishable" if i.distinguishable else "not distinguishable from noise")
        )
        rows.append(
            f"<tr><td class=num>{n}</td><td>{html.escape(i.parameter)}</td>"
            + "".join(f"<td class=num>{html.escape(c)}</td>" for c in cells(i))
            + f"<td>{verdict}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


CAPTIONS = {
    "morris": (
        "Each point is an assumption: how much moving it across its plausible range moves "
        "{label} on average (mu*, across) and how much that effect varies (sigma, up). Grey "
        "points are not distinguishable from noise; the red diamond is the dummy factor and "
        "the grey band what noise alone gives."
    ),
    "ranking_morris": (
        "Assumptions ranked by mu* for {label}, with 95% bootstrap intervals; grey bars are "
        "not distinguishable from noise, the red bar is the dummy and the dashed line its "
        "upper bound."
    ),
    "ranking_sobol": (
        "Assumptions ranked by their total Sobol index ST for {label} (upper bar), with "
        "their first-order index S1 (lower, hatched), both with 95% bootstrap intervals, in "
        "% of the variance; grey is not distinguishable from noise, red the dummy and the "
        "dashed line the dummy's ST upper bound."
    ),
}


def _render(study: Study, figures: Path, into: Path) -> Path:
    """Write report.html into ``into``, embedding the figures found in ``figures``."""
    title = f"cpsim sensitivity study: {study.folder.resolve().name}"
    body = [
        f"<h1>{html.escape(title)}</h1>",
        "<h2>Which assumptions drive which KPI</h2>",
        "<ul>" + "".join(f"<li>{kpi_sentence(study, k)}</li>" for k in study.kpis) + "</ul>",
        f"<p>{html.escape(DUMMY_TEXT)}</p>",
        f"<p>{html.escape(MORRIS_CAN if study.method == 'morris' else SOBOL_CAN)}</p>",
        *_settings(study),
        "<h2>Factors</h2>",
        "<p>Each assumption varies uniformly over its plausible range, recorded in the "
        "configuration schema beside its value with why (docs/parameters.md).</p>",
        _factor_table(study),
        "<h2>Replication noise</h2>",
        f"<p>{html.escape(NOISE_TEXT)}</p>",
        "<ul>"
        + "".join(f"<li>{html.escape(_noise_sentence(study, k))}</li>" for k in study.kpis)
        + "</ul>",
    ]
    for kpi in study.kpis:
        label = _label(kpi)
        body.append(f"<h2>{html.escape(_title_kpi(kpi))}</h2>")
        body.append(f"<p>{kpi_sentence(study, kpi)}</p>")
        names = [(f"morris_{kpi}.png", "morris")] if study.method == "morris" else []
        names.append((f"ranking_{kpi}.png", f"ranking_{study.method}"))
        for name, caption in names:
            if (figures / name).exists():
                body.append(html_figure(figures / name, CAPTIONS[caption].format(label=label)))
        body.append(_index_table(study, kpi))
    path = into / "report.html"
    path.write_text(html_page(title, body), encoding="utf-8")
    return path


def write_report(folder: Path) -> Path:
    """Write a finished study's report.html into its folder, with the figures there."""
    study = read_study(folder)
    with staged(folder) as staging:
        _render(study, folder, staging)
    return folder / "report.html"


def write_all(folder: Path) -> list[Path]:
    """Write a finished study's figures and report into its folder; their paths."""
    study = read_study(folder)
    with staged(folder) as staging:
        drawn = _figures(study, staging)
        _render(study, staging, staging)
    return [folder / p.name for p in drawn] + [folder / "report.html"]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = OneLineParser(
        prog="python -m sim.sensitivity_report",
        description="Rebuild a finished sensitivity study's figures and report.html.",
    )
    parser.add_argument("folder", type=Path, help="the study folder (python -m sim.sensitivity)")
    args = parser.parse_args(argv)
    try:
        paths = write_all(args.folder)
    except ConfigError as exc:
        message = " ".join(str(exc).split())
        print(f"python -m sim.sensitivity_report: error: {message}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
