"""Every figure, drawn from tables: a run's, a sweep's, a study's; never inside the model.

Figure functions take the data they draw (callers compute it: runs in experiment.py,
sweeps in sweeps.py, studies in experiments/) and import nothing that runs the model.
Uses matplotlib's object API (``Figure``), so no global pyplot state or GUI backend is
involved and figures can be drawn in tests and worker processes alike. KPI labels, units
and display scales come from the registry (``sim.metrics.KPIS``), and a KPI's weekly
values from ``sim.metrics.over_weeks``.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.analysis import UNBOUNDED, t_interval
from sim.calibration import TARGETS, Target
from sim.metrics import KPIS, over_weeks

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")

SCENARIO_COLORS = {
    "baseline": "#7f7f7f",  # grey: the reference every other scenario is read against
    "high_caseload": "#d62728",
    "high_turnover": "#ff7f0e",
    "agency_reliant": "#9467bd",
    "haringey_2009": "#8c564b",
    "lambeth_2020": "#e377c2",
    "improvement": "#2ca02c",
    "team_vacancies": "#e6550d",  # dark orange: a local version of high caseload
    "split_service": "#3182bd",  # mid blue
    "service_waiting_lists": "#756bb1",  # muted purple
    "lambeth_2020_fixes": "#41ab5d",  # lambeth_2020 with improvement's fixes: a green
    "lambeth_2020_stable_staff": "#c994c7",  # lambeth_2020 with national turnover: pale pink
}
"""One colour per named scenario in conf/scenario/, the same in every figure and sweep."""
OTHER_COLORS = (
    "#1f77b4",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#aec7e8",
    "#9edae5",
    "#dbdb8d",
    "#c49c94",
)
"""Colours for other labels; none is a named scenario's colour."""


def scenario_color(name: str) -> str:
    """The colour of scenario ``name``: fixed for named scenarios, else from its name.

    Unknown names get a colour from :data:`OTHER_COLORS` picked by a CRC-32 of the name,
    which (unlike Python's salted ``hash``) is the same in every process and session.
    """
    if name in SCENARIO_COLORS:
        return SCENARIO_COLORS[name]
    return OTHER_COLORS[zlib.crc32(name.encode("utf-8")) % len(OTHER_COLORS)]


def weekly_band(
    rows: Sequence[Mapping[str, Any]], value, bounds: tuple[float, float] = UNBOUNDED
) -> tuple[list[date], np.ndarray, np.ndarray, np.ndarray]:
    """Per week: mean and 95% interval over replications of ``value(row)`` (NaN skipped).

    The interval keeps to ``bounds``, the range of the drawn values (``analysis.t_interval``).
    """
    by_week: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        by_week[str(row["week_start"])].append(value(row))
    weeks = sorted(by_week)
    stats = [t_interval(by_week[w], bounds=bounds) for w in weeks]
    mean = np.array([s[0] for s in stats])
    low = np.array([s[1] if s[3] > 1 else s[0] for s in stats])
    high = np.array([s[2] if s[3] > 1 else s[0] for s in stats])
    return [date.fromisoformat(w) for w in weeks], mean, low, high


Series = tuple[str, Callable[[Mapping[str, Any]], float], tuple[float, float]]
"""A weekly series to draw: its label, its value in a week's row, and its range."""


def _weekly_kpi(name: str) -> Series:
    """A KPI's label, its value in one week's row and its range, in its display unit."""
    kpi = KPIS[name]
    low, high = kpi.bounds
    return (
        kpi.label,
        lambda row: over_weeks(name, [row]) * kpi.scale,
        (
            low * kpi.scale,
            high * kpi.scale,
        ),
    )


def _column(label: str, name: str) -> Series:
    """A timeseries.csv count column that is no KPI, with its label (a count: >= 0)."""
    return label, lambda row: float(row[name]), (0.0, math.inf)


def _lower_first(text: str) -> str:
    """``text`` to go mid-sentence: its first letter lower case unless an acronym's."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def overview_figure(
    rows: Sequence[Mapping[str, Any]],
    title: str,
    n_reps: int,
    targets: Mapping[str, Target] = TARGETS,
) -> Figure:
    """Three panels over time: plan stocks, allocation, and visits and drift.

    Lines are means over replications, shaded bands their 95% confidence intervals; the
    grey span is the warm-up, which KPIs leave out. The dotted line is the published number
    of children on a plan at 31 March from ``targets`` (the authority's own, or England's
    per average authority; calibration.targets_for).
    """
    fig = Figure(figsize=(11, 9), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    panels = [
        (
            "Children on plans",
            KPIS["cpp_open_mean"].display_unit,
            [_weekly_kpi("cpp_open_mean"), _weekly_kpi("cin_open_mean")],
        ),
        (
            "Workload",
            "cases",
            [
                _weekly_kpi("caseload_mean"),
                _column("Cases waiting for a worker", "unallocated"),
            ],
        ),
        (
            "Visits and drift (weekly)",
            KPIS["visits_on_time"].display_unit,
            [_weekly_kpi("visits_on_time"), _weekly_kpi("drift_share")],
        ),
    ]
    warm = [
        date.fromisoformat(str(r["week_start"]))
        for r in rows
        if str(r.get("measured", "1")) in ("0", "False")
    ]
    for ax, (panel_title, unit, series) in zip(axes, panels, strict=True):
        for i, (label, value, bounds) in enumerate(series):
            weeks, mean, low, high = weekly_band(rows, value, bounds)
            ax.plot(weeks, mean, color=PALETTE[i], lw=1.8, label=label)
            ax.fill_between(weeks, low, high, color=PALETTE[i], alpha=0.25, lw=0)
        if warm:
            ax.axvspan(min(warm), max(warm), color="0.85", zorder=0, label="Warm-up (not measured)")
        ax.set_title(panel_title, loc="left", fontsize=12)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=9, framealpha=0.9)
    cpp = targets.get("cpp_open_mean")
    if cpp is not None:
        who = "national average authority" if cpp is TARGETS["cpp_open_mean"] else "published"
        axes[0].axhline(cpp.value, color=PALETTE[0], ls=":", lw=1.2)
        axes[0].annotate(
            f"{who}: {cpp.value:.0f} on a CPP at 31 March",
            (axes[0].get_xlim()[0], cpp.value),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
            color=PALETTE[0],
        )
    axes[2].set_ylim(0, 1.05 * KPIS["visits_on_time"].scale)
    axes[2].set_xlabel("week")
    fig.suptitle(
        f"{title}: weekly means over {n_reps} replications, shaded 95% confidence interval",
        fontsize=13,
    )
    return fig


def kpi_target_figure(
    summary: Sequence[Mapping[str, Any]],
    title: str,
    targets: Mapping[str, Target] = TARGETS,
) -> Figure:
    """Simulated calibration KPIs (mean and 95% interval) against the published figures.

    ``targets``: the authority's own figures for a table authority (calibration.targets_for),
    England's per average authority otherwise; a figure that is not the authority's own
    (a fallback, or England's) is marked with an asterisk.
    """
    rows = {str(r["kpi"]): r for r in summary}
    names = [k for k in targets if k in rows]
    fig = Figure(figsize=(12, 5), layout="constrained")
    axes = fig.subplots(1, 2)

    def as_ratio(k: str) -> bool:
        return targets[k].relative or targets[k].absolute_units

    groups = [
        (
            "Flows, stock and caseload",
            [n for n in names if as_ratio(n)],
            "ratio to the published figure",
        ),
        (
            "Timeliness, re-referral and workforce",
            [n for n in names if not as_ratio(n)],
            "%",
        ),
    ]
    for ax, (panel, keys, unit) in zip(axes, groups, strict=True):
        y = np.arange(len(keys))
        for i, k in enumerate(keys):
            t, r = targets[k], rows[k]
            # ratios to the published figure, or the KPI in its display unit (shares in %)
            scale = 1.0 / t.value if as_ratio(k) else KPIS[k].scale
            mean, low, high = (float(r[c]) * scale for c in ("mean", "ci_low", "ci_high"))
            ref = 1.0 if as_ratio(k) else t.value * scale
            tol = t.tolerance / t.value if t.absolute_units else t.tolerance
            tol = tol if as_ratio(k) else tol * scale
            ax.add_patch(_band(ref - tol, i - 0.3, 2 * tol, 0.6))
            ax.plot([ref, ref], [i - 0.3, i + 0.3], color="k", lw=1.5)
            err = [[max(0.0, mean - low)], [max(0.0, high - mean)]] if np.isfinite(low) else None
            ax.errorbar([mean], [i], xerr=err, fmt="o", color=PALETTE[0], capsize=4)
        ticks = [
            (KPIS[k].label if as_ratio(k) or KPIS[k].display_unit == unit else KPIS[k].axis_label())
            + (" *" if targets[k].note else "")
            for k in keys
        ]
        ax.set_yticks(y, ticks)
        ax.invert_yaxis()
        ax.set_title(panel, loc="left")
        ax.set_xlabel(unit)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"{title}: simulated (dot, 95% CI) vs published figure (black line, grey = tolerance)"
        + ("; * not the authority's own figure" if any(t.note for t in targets.values()) else ""),
        fontsize=12,
    )
    return fig


def _band(x: float, y: float, w: float, h: float):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, color="0.85", zorder=0)


def save(fig: Figure, path: Path, dpi: float = 110) -> Path:
    """Save a figure as PNG at slide-friendly resolution (``dpi`` for a set pixel size)."""
    fig.savefig(path, dpi=dpi)
    return path


def save_compact(fig: Figure, path: Path, dpi: float = 110) -> Path:
    """Save a figure as a 256-colour PNG: about a third of :func:`save`'s bytes.

    For figures of many labels and lines (a sensitivity study's, embedded many to a
    report): quantising the antialiased text and lines to an adaptive palette of 256
    colours shows no difference at this resolution.
    """
    from io import BytesIO

    from PIL import Image  # a dependency of matplotlib

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    with Image.open(buffer) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        palette.save(path, format="PNG", optimize=True)
    return path


def turnover_shock_figure(
    series: Mapping[str, tuple[list[str], list[list[float]]]],
    shock_days: tuple[int, int],
    start_date: str,
    window_weeks: int = 26,
) -> Figure:
    """Rolling turnover under a demand shock, with the pressure feedback on and off.

    Top: mean over replications of the rolling annualised turnover of permanent workers,
    shock (solid) and no shock (dotted). Bottom: the paired difference shock minus no
    shock (same seeds), with its 95% confidence interval. The shaded span is the shock.

    Args:
        series: Per variant of the demand-shock study (``studies.SHOCK_VARIANTS``), the
            week starts and one list of rates per replication
            (``analysis.weekly_turnover`` with ``window_weeks``).
        shock_days: First and last simulation day of the shock.
        start_date: The run's first day (``run.start_date``).
        window_weeks: The rolling window the rates were computed over (for the label).

    """
    turnover, target = KPIS["turnover_rate"], TARGETS["turnover_rate"]
    fig = Figure(figsize=(11, 8), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    origin = date.fromisoformat(start_date)
    x = [date.fromisoformat(w) for w in next(iter(series.values()))[0]]
    for feedback, color in (("on", PALETTE[1]), ("off", PALETTE[0])):
        shock = np.array(series[f"feedback {feedback}, shock"][1]) * turnover.scale
        calm = np.array(series[f"feedback {feedback}, no shock"][1]) * turnover.scale
        top.plot(x, shock.mean(axis=0), color=color, lw=2, label=f"feedback {feedback}: shock")
        top.plot(
            x,
            calm.mean(axis=0),
            color=color,
            lw=1.5,
            ls=":",
            label=f"feedback {feedback}: no shock",
        )
        diff = shock - calm
        stats = [t_interval(diff[:, i].tolist()) for i in range(diff.shape[1])]
        bottom.plot(x, [st[0] for st in stats], color=color, lw=2, label=f"feedback {feedback}")
        if diff.shape[0] > 1:
            bottom.fill_between(
                x, [st[1] for st in stats], [st[2] for st in stats], color=color, alpha=0.2, lw=0
            )
    for ax in (top, bottom):
        ax.axvspan(
            origin + timedelta(days=shock_days[0]),
            origin + timedelta(days=shock_days[1]),
            color="0.85",
            zorder=0,
        )
        ax.grid(alpha=0.3)
    top.axhline(target.value * turnover.scale, color="k", lw=0.8, ls="--")
    top.annotate(
        f"national {turnover.show(target.value)} ({target.source.split(' (')[0]})",
        (x[0], target.value * turnover.scale),
        xytext=(4, 4),
        textcoords="offset points",
        fontsize=8,
    )
    top.set_ylabel(f"{turnover.axis_label()}, {window_weeks}-week rolling")
    top.legend(loc="upper left", fontsize=9, ncol=2)
    n = len(next(iter(series.values()))[1])
    top.set_title(
        f"{turnover.label} (permanent workers), mean of {n} replications (grey: +30% referrals for six months)",
        loc="left",
    )
    bottom.axhline(0, color="k", lw=0.8)
    bottom.set_ylabel(f"shock minus no shock, {turnover.difference_unit}")
    bottom.set_xlabel("week")
    bottom.legend(loc="upper left", fontsize=9)
    bottom.set_title("Paired difference (same seeds) with 95% confidence interval", loc="left")
    return fig


def _kpi_axes() -> tuple[Figure, Any]:
    """The figure and axes of one KPI across a sweep's jobs."""
    fig = Figure(figsize=(10, 5.5), layout="constrained")
    return fig, fig.subplots()


def kpi_heatmap_figure(
    xs: Sequence[float],
    ys: Sequence[float],
    grid: np.ndarray,
    x_key: str,
    y_key: str,
    label: str,
) -> Figure:
    """One KPI over two swept numbers: a heatmap of its means, each cell labelled.

    ``grid[i, j]`` is the mean at ``ys[i]`` and ``xs[j]`` (NaN where no job ran).
    """
    fig, ax = _kpi_axes()
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
    return fig


def kpi_line_figure(
    x: Sequence[float],
    mean: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    key: str,
    label: str,
) -> Figure:
    """One KPI against one swept number: the mean as a line, its 95% interval as a band."""
    fig, ax = _kpi_axes()
    ax.plot(x, mean, "o-", color=PALETTE[0], lw=2, label="mean")
    ax.fill_between(
        x,
        low,
        high,
        color=PALETTE[0],
        alpha=0.25,
        label="95% confidence interval",
    )
    ax.set_xlabel(key)
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(f"{label} against {key}", loc="left")
    return fig


def kpi_bars_figure(
    names: Sequence[str],
    mean: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    colors: Sequence[str],
    label: str,
) -> Figure:
    """One KPI across named jobs: a bar per job (first at the top) with its 95% interval."""
    fig, ax = _kpi_axes()
    mean_, low_, high_ = np.array(mean), np.array(low), np.array(high)
    y = np.arange(len(names))
    err = np.nan_to_num(np.vstack([mean_ - low_, high_ - mean_]), nan=0.0)
    ax.barh(
        y,
        mean_,
        xerr=err,
        color=list(colors),
        capsize=4,
    )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(label)
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"{label}: mean and 95% interval", fontsize=11)
    return fig


def kpi_difference_figure(
    rows: Sequence[Mapping[str, Any]],
    colors: Mapping[str, str],
    what: str,
    scale: float,
    unit: str,
    base_name: str,
) -> Figure:
    """Each job minus the baseline for one KPI: bars with 95% paired intervals, zero line.

    Args:
        rows: Paired differences of one KPI (``sweeps.paired_difference_rows``), in the
            KPI's own units; a row with no replications keeps its place, with its note.
        colors: The colour of each row's ``label``.
        what: The KPI's name, without its unit.
        scale: Factor from the KPI's units to ``unit`` (100 for shares as points).
        unit: The unit of the drawn differences.
        base_name: The job every other is compared with.

    """
    fig = Figure(figsize=(10, max(3.5, 1.8 + 0.5 * len(rows))), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(rows))
    drawn = [i for i, r in enumerate(rows) if r["n"] and math.isfinite(r["mean_difference"])]
    mean = np.array([rows[i]["mean_difference"] * scale for i in drawn])
    low = np.array([rows[i]["ci_low"] * scale for i in drawn])
    high = np.array([rows[i]["ci_high"] * scale for i in drawn])
    err = np.nan_to_num(np.vstack([mean - low, high - mean]), nan=0.0)
    if drawn:
        ax.barh(
            y[drawn],
            mean,
            xerr=err,
            color=[colors[rows[i]["label"]] for i in drawn],
            height=0.6,
            capsize=4,
        )
    ax.axvline(0.0, color="k", lw=1)
    for i, row in enumerate(rows):
        if i not in drawn:
            ax.text(
                0.01,
                i,
                row["note"],
                transform=ax.get_yaxis_transform(),  # x across the axes, y at the job's row
                va="center",
                ha="left",
                fontsize=9,
                color="0.3",
            )
    ax.set_yticks(y, [r["label"] for r in rows])
    ax.set_ylim(len(rows) - 0.3, -0.7)  # first job at the top, room around a single bar
    ax.set_xlabel(f"difference in {_lower_first(what)}, {unit} (job minus {base_name})")
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"{what[0].upper() + what[1:]}: difference from {base_name}\n"
        "paired by replication (same seeds): mean and 95% confidence interval",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    return fig


def published_figure(
    points: Sequence[Mapping[str, Any]],
    label: str,
    unit: str,
    log: bool,
    tolerance: tuple[bool, float],
    title: str,
    most_labels: int = 15,
) -> Figure:
    """Simulated against published, one point per authority (national run, issue 16).

    Args:
        points: One per authority: ``name``, ``published``, ``simulated``, ``ci_low``,
            ``ci_high`` (in ``unit``) and ``outside`` (beyond the tolerance).
        label: What is compared (the KPI's label).
        unit: The display unit of both axes.
        log: Log axes (counts spanning tens to thousands); a value of 0 cannot be drawn
            there and is left out, said in the legend.
        tolerance: ``(relative, width)``: dashed lines at x(1 +- width), or x +- width.
        title: The figure's title.
        most_labels: Label at most this many authorities outside, the farthest first.

    """
    fig = Figure(figsize=(8, 7.5), layout="constrained")
    ax = fig.subplots()
    shown = [p for p in points if not log or (p["published"] > 0 and p["simulated"] > 0)]
    hidden = len(points) - len(shown)
    for outside, color, name in ((False, PALETTE[0], "within"), (True, PALETTE[1], "outside")):
        group = [p for p in shown if bool(p["outside"]) == outside]
        if not group:
            continue
        y = np.array([p["simulated"] for p in group])
        low = np.array([p["ci_low"] for p in group])
        high = np.array([p["ci_high"] for p in group])
        err = np.nan_to_num(np.clip(np.vstack([y - low, high - y]), 0.0, None), nan=0.0)
        ax.errorbar(
            [p["published"] for p in group],
            y,
            yerr=err,
            fmt="o",
            ms=4,
            color=color,
            ecolor=color,
            elinewidth=0.8,
            alpha=0.8,
            label=f"{name} the tolerance ({len(group)}): mean, 95% interval",
        )
    values = [v for p in shown for v in (p["published"], p["simulated"])]
    if values:
        lo, hi = min(values), max(values)
        lo, hi = (lo / 1.3, hi * 1.3) if log else (lo - 0.05 * (hi - lo) - 1, hi * 1.05 + 1)
        x = np.geomspace(lo, hi, 50) if log else np.linspace(lo, hi, 50)
        relative, width = tolerance
        ax.plot(x, x, color="k", lw=1, label="simulated = published")
        for sign in (-1, 1):
            band = x * (1 + sign * width) if relative else x + sign * width
            what = f"±{width:.0%}" if relative else f"±{width:g} {unit}"
            ax.plot(x, band, "k--", lw=0.7, label=f"tolerance {what}" if sign > 0 else None)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
    far = sorted(
        (p for p in shown if p["outside"]),
        key=lambda p: (
            abs(math.log(p["simulated"] / p["published"]))
            if log
            else abs(p["simulated"] - p["published"])
        ),
        reverse=True,
    )
    for p in far[:most_labels]:
        ax.annotate(
            p["name"],
            (p["published"], p["simulated"]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=7,
            color=PALETTE[1],
        )
    if log:
        _plain_log_axes(ax, hi / lo if values else 10.0)
    if hidden:
        ax.plot([], [], " ", label=f"{hidden} with a 0 not drawn on log axes")
    ax.set_xlabel(f"published ({unit})")
    ax.set_ylabel(f"simulated ({unit})")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title, loc="left", fontsize=11)
    return fig


def _plain_log_axes(ax: Any, span: float) -> None:
    """Log axes labelled 30, 100, 1,000 (not 3 x 10^1); minor ticks labelled over < 2 decades."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plain = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(plain if span < 100 else NullFormatter())


def neighbours_figure(
    panels: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
    names: Sequence[str],
    title: str,
) -> Figure:
    """An authority and its statistical neighbours: published and simulated, per KPI.

    Args:
        panels: ``(axis label, rows)`` per KPI; each row has ``published``,
            ``simulated``, ``ci_low``, ``ci_high`` (NaN where there is none), in the
            order of ``names``.
        names: The authority first, then its neighbours, closest first.
        title: The figure's title.

    """
    cols = 2
    nrows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(13, 2.2 + 2.9 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, cols)).ravel()
    y = np.arange(len(names))
    for ax, (label, rows) in zip(axes, panels, strict=False):
        pub = np.array([r["published"] for r in rows], dtype=float)
        sim = np.array([r["simulated"] for r in rows], dtype=float)
        low = np.array([r["ci_low"] for r in rows], dtype=float)
        high = np.array([r["ci_high"] for r in rows], dtype=float)
        colors = [PALETTE[1] if i == 0 else PALETTE[0] for i in range(len(rows))]
        err = np.nan_to_num(np.clip(np.vstack([sim - low, high - sim]), 0.0, None), nan=0.0)
        ax.barh(
            y + 0.2,
            np.nan_to_num(sim),
            height=0.4,
            color=colors,
            alpha=0.8,
            xerr=err,
            capsize=2,
            label="simulated (95% interval)",
        )
        ax.barh(
            y - 0.2, np.nan_to_num(pub), height=0.4, color="white", edgecolor="k", label="published"
        )
        for i in np.flatnonzero(~np.isfinite(sim)):
            ax.text(0, i + 0.2, " not run", va="center", fontsize=7, color="0.4")
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(label, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12)
    return fig


NOISE_COLOR = "0.6"
"""Factors not distinguishable from noise (sensitivity figures): grey."""
DUMMY_COLOR = PALETTE[1]
"""The dummy factor, the noise yardstick (sensitivity figures): red."""


def _no_indices(ax: Any, note: str) -> None:
    """Say across the axes why nothing is drawn (indices that could not be estimated)."""
    ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


Box = tuple[float, float, float, float]
"""A rectangle in pixels: left, bottom, right, top."""


def _place_labels(
    ax: Any,
    xs: np.ndarray,
    ys: np.ndarray,
    texts: Sequence[str],
    colors: Sequence[str],
    avoid: Sequence[Box] = (),
) -> None:
    """Label each point: beside it if there is room, else in a column joined by a line.

    In the order given (the most important first), a label goes just right (or left) of
    its point, or a line higher or lower, where it covers no other label, point or
    ``avoid`` box. Labels with no room there (a crowded cluster) are stacked in a column
    to the right of their points, in the order of their points' heights so that the
    lines joining them do not cross. Needs the axes' final position and limits (no
    constrained layout); text sizes are measured with the Agg renderer.
    """
    from matplotlib.font_manager import FontProperties

    renderer = _renderer(ax.figure)
    font = FontProperties(size=7.5)
    frame = ax.get_window_extent()
    points = ax.transData.transform(np.column_stack([xs, ys]))
    placed: list[Box] = [*avoid, *((x - 3, y - 3, x + 3, y + 3) for x, y in points)]
    measured = [renderer.get_text_width_height_descent(t, font, ismath=False) for t in texts]
    sizes = [(w + 2, h + 2) for w, h, _ in measured]  # a pixel's margin all round
    boxes: dict[int, Box] = {}
    gap = 6.0  # pixels between a point and its label
    for n, ((px, py), (width, height)) in enumerate(zip(points, sizes, strict=True)):
        for dy in (0.0, height + 2, -height - 2):
            for left in (px + gap, px - gap - width):
                spot = (left, py + dy - height / 2, left + width, py + dy + height / 2)
                if _inside(spot, frame) and not any(_overlap(spot, o) for o in placed):
                    boxes[n] = spot
                    placed.append(spot)
                    break
            if n in boxes:
                break
    rest = sorted((n for n in range(len(texts)) if n not in boxes), key=lambda n: points[n][1])
    column = max((points[n][0] for n in rest), default=0.0) + 40 * ax.figure.dpi / 72
    bottom, widest = frame.y0 + 2, 0.0
    for n in rest:
        width, height = sizes[n]
        spot = _stacked((column, bottom, column + width, bottom + height), placed)
        if spot[3] > frame.y1:  # this column is full: the next one to its right
            column, bottom, widest = column + widest + 3 * gap, frame.y0 + 2, 0.0
            spot = _stacked((column, bottom, column + width, bottom + height), placed)
        if not _inside(spot, frame):  # no room anywhere: beside the point, overlapping
            px, py = points[n]
            spot = (px + gap, py - height / 2, px + gap + width, py + height / 2)
        boxes[n] = spot
        placed.append(spot)
        bottom, widest = spot[3] + 1, max(widest, width)
    per_point = ax.figure.dpi / 72.0  # pixels per typographic point
    for n, box in boxes.items():
        px, py = points[n]
        ax.annotate(
            texts[n],
            (xs[n], ys[n]),
            xytext=((box[0] - px) / per_point, ((box[1] + box[3]) / 2 - py) / per_point),
            textcoords="offset points",
            ha="left",
            va="center",
            fontproperties=font,
            color=colors[n],
            arrowprops=(  # from the label's left end: the line crosses no label
                {"arrowstyle": "-", "color": "0.7", "lw": 0.5, "relpos": (0.0, 0.5)}
                if n in rest
                else None
            ),
        )


def _stacked(spot: Box, placed: Sequence[Box], step: float = 2.0) -> Box:
    """``spot`` moved up in ``step`` pixels until it overlaps none of ``placed``."""
    while any(_overlap(spot, other) for other in placed):
        spot = (spot[0], spot[1] + step, spot[2], spot[3] + step)
    return spot


def _inside(box: Box, frame: Any) -> bool:
    return frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1


def _box(bbox: Any) -> Box:
    """A matplotlib Bbox as a :data:`Box`."""
    return (float(bbox.x0), float(bbox.y0), float(bbox.x1), float(bbox.y1))


def _renderer(fig: Figure) -> Any:
    """An Agg renderer for ``fig``, to measure texts and legends before saving."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return FigureCanvasAgg(fig).get_renderer()


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def morris_figure(
    names: Sequence[str],
    mu_star: Sequence[float],
    sigma: Sequence[float],
    distinguishable: Sequence[bool],
    dummy: int | None,
    noise: float,
    title: str,
    unit: str,
    note: str = "",
) -> Figure:
    """A Morris screen of one KPI: mu* against sigma, one labelled point per factor.

    Factors distinguishable from noise are blue, the others grey, the dummy a red
    diamond; the grey band up to ``noise`` (the dummy's mu* plus its interval) is what
    replication noise alone gives. A point far right moves the KPI a lot; a point high
    up moves it by different amounts at different places (non-linear, or interacting).

    Args:
        names: The factors' labels.
        mu_star: Mean absolute elementary effect per factor, in ``unit``.
        sigma: Standard deviation of the elementary effects, in ``unit``.
        distinguishable: Whether each factor is clearly above the dummy.
        dummy: The dummy's position in the lists, if it is there.
        noise: The noise band's upper end, in ``unit`` (NaN: no band).
        title: The figure's title.
        unit: The unit of mu* and sigma (the KPI's difference unit).
        note: Drawn instead of the points when there is nothing to draw.

    """
    fig = Figure(figsize=(8.5, 6.2))
    ax = fig.add_axes((0.1, 0.09, 0.86, 0.78))
    fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    x, y = np.asarray(mu_star, dtype=float), np.asarray(sigma, dtype=float)
    shown = np.isfinite(x) & np.isfinite(y)
    if note or not shown.any():
        _no_indices(ax, note or "no indices could be estimated")
        return fig
    kind = np.array(
        [
            "dummy" if i == dummy else ("signal" if distinguishable[i] else "noise")
            for i in range(len(names))
        ]
    )
    high_x = max(float(np.nanmax(x[shown])), noise if math.isfinite(noise) else 0.0)
    ax.set_xlim(0, 1.35 * high_x or 1.0)  # room on the right for labels
    ax.set_ylim(0, 1.12 * float(np.nanmax(y[shown])) or 1.0)
    if math.isfinite(noise):
        ax.axvspan(0, noise, color="0.9", zorder=0, label="noise band (dummy's mu* + its interval)")
    styles = {
        "signal": (PALETTE[0], "o", "distinguishable from noise"),
        "noise": (NOISE_COLOR, "o", "not distinguishable from noise"),
        "dummy": (DUMMY_COLOR, "D", "dummy (the model ignores it)"),
    }
    for what, (color, marker, label) in styles.items():
        mine = shown & (kind == what)
        if mine.any():
            ax.scatter(x[mine], y[mine], color=color, marker=marker, s=30, zorder=3, label=label)
    ax.set_xlabel(f"mu*: mean absolute effect over the factor's range ({unit})")
    ax.set_ylabel(f"sigma: spread of the effects ({unit})")
    ax.grid(alpha=0.3)
    legend = ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    order = sorted(map(int, np.flatnonzero(shown)), key=lambda i: (kind[i] != "signal", -x[i]))
    colors = {"signal": "k", "noise": "0.45", "dummy": DUMMY_COLOR}
    _place_labels(
        ax,
        x[order],
        y[order],
        [names[i] for i in order],
        [colors[kind[i]] for i in order],
        avoid=[_box(legend.get_window_extent(_renderer(fig)))],
    )
    return fig


def _ranked_axes(n: int, title: str) -> tuple[Figure, Any]:
    """The figure and axes of a ranking of ``n`` factors, one row each."""
    row = min(0.28, 11.0 / max(n, 1))  # inches a factor; at most about 13 inches in all
    fig = Figure(figsize=(8.5, 1.6 + row * max(n, 3)), layout="constrained")
    fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    return fig, fig.subplots()


def _rank(values: np.ndarray) -> list[int]:
    """Positions from the largest value to the smallest, NaN last."""
    return sorted(range(len(values)), key=lambda i: -values[i] if np.isfinite(values[i]) else 1e300)


def _bar_colors(order: Sequence[int], distinguishable: Sequence[bool], dummy: int | None) -> list:
    return [
        DUMMY_COLOR if i == dummy else (PALETTE[0] if distinguishable[i] else NOISE_COLOR)
        for i in order
    ]


def _ranking_legend(ax: Any, noise: float, what: str, extra: Sequence[Any] = ()) -> None:
    """The ranking's legend: what each colour and the noise line mean."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        *extra,
        Patch(color=PALETTE[0], label="distinguishable from noise"),
        Patch(color=NOISE_COLOR, label="not distinguishable from noise"),
        Patch(color=DUMMY_COLOR, label="dummy (the model ignores it)"),
    ]
    if math.isfinite(noise):
        handles.append(Line2D([], [], color=DUMMY_COLOR, ls="--", label=what))
    ax.legend(handles=handles, fontsize=8, loc="lower right", framealpha=0.9)


def morris_ranking_figure(
    names: Sequence[str],
    mu_star: Sequence[float],
    conf: Sequence[float],
    distinguishable: Sequence[bool],
    dummy: int | None,
    noise: float,
    title: str,
    unit: str,
    note: str = "",
) -> Figure:
    """Factors ranked by Morris mu* with its bootstrap interval; the dummy's upper bound.

    Arguments as :func:`morris_figure`; ``conf`` is mu*'s interval half-width.
    """
    fig, ax = _ranked_axes(len(names), title)
    values, half = np.asarray(mu_star, dtype=float), np.asarray(conf, dtype=float)
    if note or not np.isfinite(values).any():
        _no_indices(ax, note or "no indices could be estimated")
        return fig
    order = _rank(values)
    y = np.arange(len(order))
    ax.barh(
        y,
        np.nan_to_num(values[order]),
        xerr=np.nan_to_num(half[order]),
        color=_bar_colors(order, distinguishable, dummy),
        height=0.7,
        capsize=2,
        error_kw={"lw": 0.8},
    )
    if math.isfinite(noise):
        ax.axvline(noise, color=DUMMY_COLOR, ls="--", lw=1)
    ax.set_yticks(y, [names[i] for i in order], fontsize=8 if len(order) <= 40 else 6.5)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(left=0)
    ax.set_xlabel(f"mu*: mean absolute effect over the factor's range ({unit}), with 95% interval")
    ax.grid(axis="x", alpha=0.3)
    _ranking_legend(ax, noise, "dummy's mu* + its interval (noise)")
    return fig


def sobol_ranking_figure(
    names: Sequence[str],
    first: tuple[Sequence[float], Sequence[float]],
    total: tuple[Sequence[float], Sequence[float]],
    distinguishable: Sequence[bool],
    dummy: int | None,
    noise: float,
    title: str,
    note: str = "",
) -> Figure:
    """Sobol indices per factor, ranked by total index: ST and S1 side by side, in %.

    Args:
        names: The factors' labels.
        first: S1 and its interval half-width per factor, in % of the KPI's variance.
        total: ST and its interval half-width per factor, in %.
        distinguishable: Whether each factor's ST is clearly above the dummy's.
        dummy: The dummy's position in the lists, if it is there.
        noise: The dummy's ST plus its interval, in % (NaN: no line).
        title: The figure's title.
        note: Drawn instead of the bars when there is nothing to draw.

    """
    from matplotlib.patches import Patch

    fig, ax = _ranked_axes(len(names), title)
    s1, s1_conf = (np.asarray(v, dtype=float) for v in first)
    st, st_conf = (np.asarray(v, dtype=float) for v in total)
    if note or not np.isfinite(st).any():
        _no_indices(ax, note or "no indices could be estimated")
        return fig
    order = _rank(st)
    y = np.arange(len(order))
    colors = _bar_colors(order, distinguishable, dummy)
    bars = {"height": 0.38, "capsize": 2, "error_kw": {"lw": 0.8}}
    ax.barh(
        y - 0.2, np.nan_to_num(st[order]), xerr=np.nan_to_num(st_conf[order]), color=colors, **bars
    )
    ax.barh(
        y + 0.2,
        np.nan_to_num(s1[order]),
        xerr=np.nan_to_num(s1_conf[order]),
        color=colors,
        alpha=0.45,
        hatch="///",
        **bars,
    )
    if math.isfinite(noise):
        ax.axvline(noise, color=DUMMY_COLOR, ls="--", lw=1)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_yticks(y, [names[i] for i in order], fontsize=8 if len(order) <= 40 else 6.5)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlabel("share of the KPI's variance over the design (%), with 95% interval")
    ax.grid(axis="x", alpha=0.3)
    kinds = [
        Patch(facecolor="0.3", label="ST, total: alone and with interactions (upper bar)"),
        Patch(facecolor="0.3", alpha=0.45, hatch="///", label="S1, first order: alone (lower bar)"),
    ]
    _ranking_legend(ax, noise, "dummy's ST + its interval (noise)", kinds)
    return fig
