"""One self-contained HTML page per run and per sweep (``report.html`` in its folder).

Figures are embedded as base64 PNGs and the page uses no scripts, fonts or styles from
elsewhere, so it opens offline and can be emailed as one file. Each figure has a
plain-language caption; the KPI table gives means with 95% intervals (inside each KPI's
range, and flagged when from too few replications) and the published figure where there
is one, with each KPI's label, unit and display scale from the registry
(``sim.metrics.KPIS``), and what was set beside what resulted (:data:`SET_BESIDE`); a warm-up check (MSER-5, sim/warmup.py) compares the
configured warm-up with what the weekly series suggest; the composed configuration closes
the page.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim import warmup
from sim.analysis import MIN_REPLICATIONS, rough_intervals_note
from sim.calibration import Target, targets_for
from sim.config import effective_value
from sim.metrics import KPI, KPIS
from sim.results import read_csv

STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.92em; } td, th { padding: 3px 10px; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.95em; color: #444; margin-top: 0.4em; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.85em; }
"""

INTERVALS_TEXT = (
    "Means over replications with 95% intervals that keep to each KPI's range: a share's "
    "interval is a t-interval made on the logit scale, so it stays between 0% and 100%; a "
    "count, rate or duration's t-interval starts at 0 at the lowest."
)
SET_TEXT = (
    "Where a KPI shares its name with a setting, the table says what was set beside what "
    "resulted: the turnover that results, for example, is the base rate set raised by "
    "overload and by early leaving."
)

RUN_CAPTIONS = {
    "overview.png": (
        "Week by week: children on child protection and child in need plans (top), social "
        "workers' mean caseload and cases waiting for a worker (middle), and the share of due "
        "visits made on time with the share of plan-days in drift (bottom). Lines are means over "
        "replications and shaded bands their 95% confidence intervals; the grey span is the "
        "warm-up, which the KPIs leave out."
    ),
    "calibration.png": (
        "How the run compares with published national figures for an average authority: each "
        "dot is the simulated mean with its 95% interval, the black line the published figure "
        "and the grey band the tolerance the baseline is calibrated to."
    ),
}

OWN_CALIBRATION_CAPTION = (
    "How the run compares with {name}'s own published figures (DfE, as in the packaged "
    "table; counts and rates as published, not scaled): each dot is the simulated mean with "
    "its 95% interval, the black line the published figure and the grey band the tolerance "
    "the national baseline is calibrated to. A KPI marked * is compared with a figure that is "
    "not the authority's own for the latest year (a fallback, or England's where the table "
    "has no local figure; the KPI table says which)."
)


SET_BESIDE: dict[str, tuple[str, str, str]] = {
    "turnover_rate": ("workforce.turnover_base", "base rate set", "Social worker turnover"),
    "caseload_mean": ("workforce.caseload_cap", "cap set", "Mean caseload"),
    "caseload_p90": ("workforce.caseload_cap", "cap set", "90th percentile caseload"),
    "referrals_per_year": ("authority.referrals_per_year", "mean rate set", "Referrals"),
}
"""KPIs that share a name with a parameter that is set: the parameter, what the setting
is called, and what to call the KPI before "that resulted".

What is set is not what results: the turnover that results is the base leaving hazard
raised by overload and by early leaving; caseloads stay below the cap; referrals vary
about the mean rate. Reports and the explorer label such a KPI "... that resulted" and
show the setting beside it, in the KPI's display unit.
"""


def resulted_label(kpi: KPI) -> str:
    """The KPI's label, or "... that resulted" where a parameter of that name is set."""
    entry = SET_BESIDE.get(kpi.name)
    return f"{entry[2]} that resulted" if entry else kpi.label


def set_value(config: Mapping[str, Any], name: str) -> str:
    """``base rate set: 8.5% a year (workforce.turnover_base)``, or "" if nothing is set.

    Args:
        config: The composed configuration as a nested mapping (a run's config.yaml).
        name: A KPI name.

    """
    if name not in SET_BESIDE or name not in KPIS:
        return ""
    key, words, _ = SET_BESIDE[name]
    node = effective_value(config, key)  # a scenario's factor applied (config.ADJUSTMENTS)
    if isinstance(node, bool) or not isinstance(node, int | float):
        return ""
    return f"{words}: {KPIS[name].show(float(node))} ({key})"


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(path.stem)}">'


def _figure(path: Path, caption: str) -> str:
    return f"<figure>{_img(path)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _fmt(value: str, scale: float = 1.0, decimals: int = 3) -> str:
    try:
        x = float(value) * scale
    except ValueError:
        return html.escape(value)
    return f"{x:,.{decimals}f}" if abs(x) < 100 else f"{x:,.0f}"


def _kpi(name: str) -> KPI | None:
    return KPIS.get(name)


def _label(name: str) -> str:
    kpi = _kpi(name)
    return html.escape(resulted_label(kpi) if kpi else "")


def _too_few(row: Mapping[str, str]) -> bool:
    """Whether a summary row's interval is too rough to trust (its flag, else its n)."""
    flag = row.get("too_few_replications")
    if flag not in (None, ""):
        return flag not in ("0", "False")
    try:
        return 0 < float(row["n"]) < MIN_REPLICATIONS  # n = 0: no interval to flag
    except (KeyError, ValueError):
        return False


def _rough(row: Mapping[str, str]) -> str:
    """A mark after an interval too rough to trust."""
    return " (too few replications)" if _too_few(row) else ""


def rough_intervals(rows: list[dict[str, str]]) -> str:
    """A paragraph saying the intervals are too rough to trust ("" if they are not)."""
    rough = [r for r in rows if _too_few(r)]
    if not rough:
        return ""
    most = max(int(float(r["n"])) for r in rough)
    return f"<p><strong>{html.escape(rough_intervals_note(most))}</strong></p>"


def _la_code(config: Mapping[str, Any] | None) -> str:
    """The run's authority code from its config.yaml ("" for a preset)."""
    authority = (config or {}).get("authority")
    return str(authority.get("la_code") or "") if isinstance(authority, Mapping) else ""


def _kpi_table(summary: list[dict[str, str]], config: Mapping[str, Any] | None = None) -> str:
    """Means, intervals and published figures in each KPI's display unit (shares in %).

    The published figures are the authority's own for a table authority, each noting a
    fallback (calibration.targets_for), England's per average authority otherwise. A KPI
    that shares a name with a setting (:data:`SET_BESIDE`) is labelled "... that
    resulted", with what was set beside it (from ``config``); an interval too rough to
    trust is marked.
    """
    targets: Mapping[str, Target] = targets_for(_la_code(config))
    header = ("KPI", "what it measures", "unit", "mean", "95% interval", "n", "published", "set")
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"]
    for r in summary:
        kpi = _kpi(r["kpi"])
        rough = _rough(r)
        target = targets.get(r["kpi"])
        scale = kpi.scale if kpi else 1.0
        decimals = 1 if kpi and kpi.display_unit.startswith("%") else 3
        published = ""
        if target:
            value = kpi.show(target.value) if kpi else f"{target.value:g}"
            published = f"{value} ({target.tolerance_text()})"
            published += f"; {target.note}" if target.note else ""
        rows.append(
            f"<tr><td>{html.escape(r['kpi'])}</td><td>{_label(r['kpi'])}</td>"
            f"<td>{html.escape(kpi.display_unit if kpi else '')}</td>"
            f"<td class=num>{_fmt(r['mean'], scale, decimals)}</td>"
            f"<td class=num>[{_fmt(r['ci_low'], scale, decimals)}, "
            f"{_fmt(r['ci_high'], scale, decimals)}]{rough}</td><td class=num>{r['n']}</td>"
            f"<td>{html.escape(published)}</td>"
            f"<td>{html.escape(set_value(config or {}, r['kpi']))}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _warmup_section(rows: list[dict[str, str]]) -> list[str]:
    """MSER-5's suggested warm-up per series against the configured one, with a warning."""
    if not rows:
        return []
    configured = warmup.configured_years(rows)
    suggestions = warmup.suggest(rows)
    header = ("series", "suggested warm-up (mean over replications)", "longest", "per replication")
    table = ["<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"]
    for s in suggestions:
        each = ", ".join(f"{y:.2f}" for y in s.years)
        table.append(
            f"<tr><td>{html.escape(s.label)}</td><td class=num>{s.mean_years:.2f} years</td>"
            f"<td class=num>{s.max_years:.2f} years</td><td>{each}</td></tr>"
        )
    short = [s.label for s in suggestions if s.mean_years > configured]
    verdict = (
        f"<p><strong>Warning: the configured warm-up ({configured:.2f} years) is shorter "
        f"than MSER-5 suggests for: {html.escape(', '.join(short))}.</strong> KPIs may "
        "still carry the start-up transient; lengthen run.warmup_years.</p>"
        if short
        else f"<p>The configured warm-up ({configured:.2f} years) is at least what MSER-5 "
        "suggests for every series (mean over replications).</p>"
    )
    return [
        "<h2>Warm-up check</h2>",
        "<p>MSER-5 (White 1997) on each replication's weekly series over the whole run, "
        "warm-up included: the series is cut into batches of five weeks and truncated where "
        "the batch means left have the smallest squared deviation per batch left squared, "
        "searched over the first half of the run (sim/warmup.py).</p>",
        verdict,
        "<table>" + "".join(table) + "</table>",
    ]


def _page(title: str, body: list[str]) -> str:
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )


def html_page(title: str, body: list[str]) -> str:
    """A self-contained page in the reports' style, for other outputs' reports."""
    return _page(title, body)


def html_figure(path: Path, caption: str) -> str:
    """A figure embedded with its caption, as the reports draw them."""
    return _figure(path, caption)


def write_run_report(
    out_dir: Path, record: Mapping[str, Any] | None = None, folder: Path | None = None
) -> Path:
    """Write ``report.html`` for the run in ``out_dir``.

    Args:
        out_dir: The run folder (its config.yaml, and its run.json unless ``record``).
        record: The run record as it will be written (a finishing run's report is
            written before its run.json says complete).
        folder: Where the figures and summary.csv are and the report goes (default
            ``out_dir``; a finishing run's staging folder).

    """
    folder = out_dir if folder is None else folder
    if record is None:
        record = json.loads((out_dir / "run.json").read_text())
    title = f"cpsim run: {record.get('scenario', '')}"
    body = [
        f"<h1>{html.escape(title)}</h1>",
        "<p>Seed {seed}, {reps} replications, package {version}, finished {done}, "
        "{secs} s of computing. KPIs count only the measured years after the warm-up; "
        "definitions are in docs/kpis.md.</p>".format(
            seed=record.get("seed"),
            reps=record.get("replications"),
            version=html.escape(str(record.get("version"))),
            done=html.escape(str(record.get("finished_at"))),
            secs=record.get("wall_seconds"),
        ),
        "<h2>Figures</h2>",
    ]
    config = yaml.safe_load((out_dir / "config.yaml").read_text())
    config = config if isinstance(config, Mapping) else {}
    captions = dict(RUN_CAPTIONS)
    if _la_code(config):
        name = str(config["authority"].get("la_name") or _la_code(config))
        captions["calibration.png"] = OWN_CALIBRATION_CAPTION.format(name=name)
    for name, caption in captions.items():
        if (folder / name).exists():
            body.append(_figure(folder / name, caption))
    summary = read_csv(folder / "summary.csv")
    body += [
        "<h2>Key performance indicators</h2>",
        f"<p>{html.escape(INTERVALS_TEXT)} {html.escape(SET_TEXT)}</p>",
        rough_intervals(summary),
        _kpi_table(summary, config),
    ]
    if (folder / "timeseries.csv").exists():
        body += _warmup_section(read_csv(folder / "timeseries.csv"))
    body += [
        "<h2>Configuration</h2>",
        f"<pre>{html.escape((out_dir / 'config.yaml').read_text())}</pre>",
    ]
    path = folder / "report.html"
    path.write_text(_page(title, body))
    return path


def _own_unit(name: str) -> str:
    kpi = _kpi(name)
    return html.escape(kpi.unit if kpi else "")


def _differences_table(rows: list[dict[str, str]]) -> str:
    header = "".join(
        f"<th>{h}</th>"
        for h in ("job", "kpi", "what it measures", "unit", "mean difference", "95% interval")
    ) + "".join(f"<th>{h}</th>" for h in ("n", "note"))
    table = [f"<tr>{header}</tr>"]
    for r in rows:
        table.append(
            f"<tr><td>{html.escape(r['label'])}</td><td>{html.escape(r['kpi'])}</td>"
            f"<td>{_label(r['kpi'])}</td><td>{_own_unit(r['kpi'])}</td>"
            f"<td class=num>{_fmt(r['mean_difference'])}</td>"
            f"<td class=num>[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]{_rough(r)}</td>"
            f"<td class=num>{html.escape(r['n'])}</td><td>{html.escape(r['note'])}</td></tr>"
        )
    return "<table>" + "".join(table) + "</table>"


SWEEP_STATS = ("mean", "ci_low", "ci_high", "n", "too_few_replications")
"""sweep_summary.csv's columns after the swept values and the KPI."""


def write_sweep_report(
    sweep_dir: Path,
    captions: dict[str, str],
    differences: dict[str, str] | None = None,
    difference_intro: str = "",
    name: str | None = None,
) -> Path:
    """Write ``report.html`` for a sweep: its comparison figures and summary table.

    ``differences`` captions the paired-difference figures; with paired_differences.csv
    in the folder, they and its table follow the comparison figures, introduced by
    ``difference_intro`` (which job is the baseline and why). The title names the sweep
    ``name`` (default: the folder's name; a staging folder is given its destination's).
    """
    rows = read_csv(sweep_dir / "sweep_summary.csv")
    title = f"cpsim sweep: {sweep_dir.name if name is None else name}"
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len({r['job'] for r in rows})} jobs. Each figure compares one KPI across the jobs: "
        "means over replications with 95% confidence intervals, in the KPI's display unit "
        "(shares in %); the summary table gives each KPI in its own unit.</p>",
        "<h2>Figures</h2>",
    ]
    for name, caption in captions.items():
        if (sweep_dir / name).exists():
            body.append(_figure(sweep_dir / name, caption))
    keys = [k for k in rows[0] if k not in ("job", "kpi", *SWEEP_STATS)] if rows else []
    columns = ["job", *keys, "kpi", "what it measures", "unit", "mean", "95% interval"]
    header = "".join(f"<th>{html.escape(k)}</th>" for k in columns)
    table = [f"<tr>{header}</tr>"]
    for r in rows:
        cells = "".join(f"<td>{html.escape(r[k])}</td>" for k in ["job", *keys, "kpi"])
        cells += f"<td>{_label(r['kpi'])}</td><td>{_own_unit(r['kpi'])}</td>"
        table.append(
            f"<tr>{cells}<td class=num>{_fmt(r['mean'])}</td>"
            f"<td class=num>[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]{_rough(r)}</td></tr>"
        )
    paired = sweep_dir / "paired_differences.csv"
    if differences is not None and paired.exists():
        body += [
            "<h2>Paired differences from the baseline</h2>",
            f"<p>{html.escape(difference_intro)} Each job minus the baseline, replication by "
            "replication: replication i uses the same seed in every job (common random "
            "numbers), so the difference is measured with less noise than the two means "
            "separately. Intervals are 95% paired t-intervals; the table gives each KPI in "
            "its own unit (shares as fractions), the figures in its display unit (shares "
            "in percentage points).</p>",
        ]
        for name, caption in differences.items():
            if (sweep_dir / name).exists():
                body.append(_figure(sweep_dir / name, caption))
        differences_rows = read_csv(paired)
        body += [rough_intervals(differences_rows), _differences_table(differences_rows)]
    body += [
        "<h2>Sweep summary</h2>",
        f"<p>{html.escape(INTERVALS_TEXT)}</p>",
        rough_intervals(rows),
        "<table>" + "".join(table) + "</table>",
    ]
    path = sweep_dir / "report.html"
    path.write_text(_page(title, body))
    return path
