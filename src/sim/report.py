"""One self-contained HTML page per run and per sweep (``report.html`` in its folder).

Figures are embedded as base64 PNGs and the page uses no scripts, fonts or styles from
elsewhere, so it opens offline and can be emailed as one file. Each figure has a
plain-language caption; the KPI table gives means with 95% intervals and the published
figure where there is one, with each KPI's label, unit and display scale from the
registry (``sim.metrics.KPIS``); a warm-up check (MSER-5, sim/warmup.py) compares the
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

from sim import warmup
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
    return html.escape(kpi.label if kpi else "")


def _kpi_table(summary: list[dict[str, str]]) -> str:
    """Means, intervals and published figures in each KPI's display unit (shares in %)."""
    header = ("KPI", "what it measures", "unit", "mean", "95% interval", "n", "published")
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"]
    for r in summary:
        kpi = _kpi(r["kpi"])
        target = kpi.comparator if kpi is not None else None
        scale = kpi.scale if kpi else 1.0
        decimals = 1 if kpi and kpi.display_unit.startswith("%") else 3
        published = ""
        if target:
            value = kpi.show(target.value) if kpi else f"{target.value:g}"
            published = f"{value} ({target.tolerance_text()})"
        rows.append(
            f"<tr><td>{html.escape(r['kpi'])}</td><td>{_label(r['kpi'])}</td>"
            f"<td>{html.escape(kpi.display_unit if kpi else '')}</td>"
            f"<td class=num>{_fmt(r['mean'], scale, decimals)}</td>"
            f"<td class=num>[{_fmt(r['ci_low'], scale, decimals)}, "
            f"{_fmt(r['ci_high'], scale, decimals)}]</td><td class=num>{r['n']}</td>"
            f"<td>{html.escape(published)}</td></tr>"
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
    for name, caption in RUN_CAPTIONS.items():
        if (folder / name).exists():
            body.append(_figure(folder / name, caption))
    body += ["<h2>Key performance indicators</h2>", _kpi_table(read_csv(folder / "summary.csv"))]
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
            f"<td class=num>[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]</td>"
            f"<td class=num>{html.escape(r['n'])}</td><td>{html.escape(r['note'])}</td></tr>"
        )
    return "<table>" + "".join(table) + "</table>"


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
    keys = (
        [k for k in rows[0] if k not in ("job", "kpi", "mean", "ci_low", "ci_high", "n")]
        if rows
        else []
    )
    columns = ["job", *keys, "kpi", "what it measures", "unit", "mean", "95% interval"]
    header = "".join(f"<th>{html.escape(k)}</th>" for k in columns)
    table = [f"<tr>{header}</tr>"]
    for r in rows:
        cells = "".join(f"<td>{html.escape(r[k])}</td>" for k in ["job", *keys, "kpi"])
        cells += f"<td>{_label(r['kpi'])}</td><td>{_own_unit(r['kpi'])}</td>"
        table.append(
            f"<tr>{cells}<td class=num>{_fmt(r['mean'])}</td>"
            f"<td class=num>[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]</td></tr>"
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
        body.append(_differences_table(read_csv(paired)))
    body += ["<h2>Sweep summary</h2>", "<table>" + "".join(table) + "</table>"]
    path = sweep_dir / "report.html"
    path.write_text(_page(title, body))
    return path
