"""``python -m sim.neighbours AUTHORITY``: an authority beside its ten statistical neighbours.

The neighbours are the table's (``neighbours``: the DfE's statistical neighbour model,
sn_model_2025_wide.csv, closest first). For the authority and each neighbour, the
published figures and the simulated ones side by side: the flows per 10,000 children aged
0-17 (so authorities of different sizes compare) and as counts, and the workforce rates.

The simulated figures come from a national run's folder (``--from SWEEP_FOLDER``: the
jobs of ``python -m sim -m experiment=national``; a neighbour the folder lacks is shown
with its published figures only) or from running the eleven authorities here
(``--replications N``, default 2, with run=quick's years: one warm-up year and two years
in all; further arguments are overrides for every run, e.g. ``run.seed=7``). Writes
``neighbours.csv`` and ``neighbours.png`` into ``--out`` (default
``results/neighbours/<key>/``) and prints the table.

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from sim import composition
from sim.analysis import summarize
from sim.arguments import OneLineParser
from sim.authorities import ATTRIBUTION, Authority, find
from sim.calibration import OWN_FIGURES
from sim.config import ConfigError
from sim.metrics import KPIS
from sim.national import FLOWS, WORKFORCE, read_national
from sim.plots import neighbours_figure, save
from sim.results import OutputError, write_csv
from sim.runner import run_replications
from sim.userfiles import check_writable, staged

NEIGHBOURS_DIR: Final = Path("results") / "neighbours"
"""Where comparisons go without ``--out``: one folder per authority."""
DEFAULT_REPLICATIONS: Final = 2
"""run=quick's replications: a first look, not a conclusion."""
SHOWN: Final = (*FLOWS, *WORKFORCE)
"""The KPIs compared: the five flows (per 10,000 children) and three workforce rates."""
COLUMNS: Final = (
    "rank",
    "la_code",
    "la_name",
    "kpi",
    "published",
    "simulated",
    "ci_low",
    "ci_high",
    "children_0_17",
    "published_per_10k",
    "simulated_per_10k",
)
"""neighbours.csv: rank 0 is the authority, 1 to 10 its neighbours closest first; a
count's ``*_per_10k`` columns are per 10,000 children aged 0-17 (empty for a rate)."""

Summary = Mapping[str, Mapping[str, float]]
"""A run's KPIs: mean, ci_low, ci_high by KPI name."""


def group(a: Authority) -> list[Authority]:
    """The authority and its ten statistical neighbours, closest first."""
    return [a, *(find(code) for code in a.neighbours)]


def from_folder(a: Authority, folder: Path) -> dict[str, Summary]:
    """The finished runs of ``a`` and its neighbours in a national run's folder, by la_code.

    Raises:
        ConfigError: the folder has no finished run of ``a`` (or cannot be read), in one line.

    """
    national = read_national(folder)
    if a.la_code not in national.jobs:
        raise ConfigError(
            f"{folder} has no finished run of {a.la_name} ({a.key}); run it with "
            f"python -m sim -m experiment=national, or here with --replications N"
        )
    codes = {x.la_code for x in group(a)}
    return {code: job.summary for code, job in national.jobs.items() if code in codes}


def by_running(
    a: Authority, replications: int, overrides: Sequence[str], progress: bool | None = None
) -> dict[str, Summary]:
    """Run ``a`` and its neighbours (run=quick, ``replications`` each, ``overrides``).

    Every configuration is composed and checked before the first run starts.
    """
    composition.refuse_ignored(
        overrides,
        "sim.neighbours",
        {
            "run.replications": "use --replications",
            "authority": "the command runs the authority named and its neighbours",
        },
        "--out FOLDER",
    )
    configs = {
        x.la_code: composition.compose_config(
            [f"authority={x.key}", "run=quick", f"run.replications={replications}", *overrides]
        )
        for x in group(a)
    }
    out: dict[str, Summary] = {}
    for x in group(a):
        results = run_replications(configs[x.la_code], progress, label=x.la_name)
        rows = summarize([r.kpis for r in results], list(SHOWN))
        out[x.la_code] = {
            str(r["kpi"]): {k: float(r[k]) for k in ("mean", "ci_low", "ci_high")} for r in rows
        }
    return out


def _per_10k(value: float, a: Authority) -> float:
    return value / a.children_0_17 * 10_000 if a.children_0_17 else math.nan


def rows(a: Authority, simulated: Mapping[str, Summary]) -> list[dict[str, Any]]:
    """neighbours.csv: a row per authority of the group and KPI (simulated empty if not run)."""
    out = []
    for rank, x in enumerate(group(a)):
        summary = simulated.get(x.la_code, {})
        for kpi in SHOWN:
            figure, scale = OWN_FIGURES[kpi]
            published = x.figure(figure).value * scale
            s = summary.get(kpi)
            mean = s["mean"] if s else math.nan
            count = kpi in FLOWS
            out.append(
                {
                    "rank": rank,
                    "la_code": x.la_code,
                    "la_name": x.la_name,
                    "kpi": kpi,
                    "published": published,
                    "simulated": "" if s is None else mean,
                    "ci_low": "" if s is None else s["ci_low"],
                    "ci_high": "" if s is None else s["ci_high"],
                    "children_0_17": x.children_0_17,
                    "published_per_10k": _per_10k(published, x) if count else "",
                    "simulated_per_10k": _per_10k(mean, x) if count and s else "",
                }
            )
    return out


def _number(value: Any) -> float:
    return float(value) if value != "" else math.nan


def _cell(kpi: str, published: float, simulated: float) -> str:
    """``pub / sim``: a count per 10,000 children, a rate in %."""

    def show(x: float) -> str:
        if not math.isfinite(x):
            return "-"
        return f"{x:.0f}" if kpi in FLOWS else f"{100 * x:.1f}"

    return f"{show(published)} / {show(simulated)}"


HEADINGS: Final = {
    "referrals_per_year": "referrals",
    "s47_per_year": "s47s",
    "icpc_per_year": "ICPCs",
    "cpp_starts_per_year": "CPP starts",
    "cpp_open_mean": "on a CPP",
    "turnover_rate": "turnover %",
    "vacancy_rate": "vacancy %",
    "agency_share": "agency %",
}


def table(a: Authority, data: list[dict[str, Any]]) -> str:
    """The console table: published / simulated per authority and KPI."""
    names = [x.la_name for x in group(a)]
    cells: dict[tuple[str, str], str] = {}
    for r in data:
        if r["kpi"] in FLOWS:
            pub, sim = _number(r["published_per_10k"]), _number(r["simulated_per_10k"])
        else:
            pub, sim = _number(r["published"]), _number(r["simulated"])
        cells[(r["la_name"], r["kpi"])] = _cell(r["kpi"], pub, sim)
    width = max(len(n) for n in names) + 2
    cols = [max(len(HEADINGS[k]), *(len(cells[(n, k)]) for n in names)) + 2 for k in SHOWN]
    lines = [
        f"{a.la_name} and its statistical neighbours: published / simulated "
        "(flows per 10,000 children aged 0-17; rates in %)",
        "".ljust(width) + "".join(HEADINGS[k].rjust(w) for k, w in zip(SHOWN, cols, strict=True)),
    ]
    for i, n in enumerate(names):
        label = n if i else f"{n} *"
        lines.append(
            label.ljust(width)
            + "".join(cells[(n, k)].rjust(w) for k, w in zip(SHOWN, cols, strict=True))
        )
    return "\n".join(lines)


def figure(a: Authority, data: list[dict[str, Any]], source: str) -> Any:
    """Bars per KPI: published (outlined) and simulated (filled, 95% interval)."""
    names = [x.la_name for x in group(a)]
    by = {(r["la_name"], r["kpi"]): r for r in data}
    panels = []
    for kpi in SHOWN:
        k = KPIS[kpi]
        rows_ = []
        for n in names:
            r = by[(n, kpi)]
            if kpi in FLOWS:
                x = find(r["la_code"])
                scale = 10_000 / x.children_0_17 if x.children_0_17 else math.nan
                label = f"{k.label}, per 10,000 children aged 0-17"
            else:
                scale = k.scale
                label = f"{k.label} ({k.display_unit})"
            rows_.append(
                {
                    "published": _number(r["published"]) * scale,
                    "simulated": _number(r["simulated"]) * scale,
                    "ci_low": _number(r["ci_low"]) * scale,
                    "ci_high": _number(r["ci_high"]) * scale,
                }
            )
        panels.append((label, rows_))
    title = (
        f"{a.la_name} (red) and its ten statistical neighbours, closest first: published "
        f"(outlined) and simulated (filled, 95% interval; {source})"
    )
    return neighbours_figure(panels, names, title)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = OneLineParser(
        prog="python -m sim.neighbours",
        description="Compare an authority with its ten statistical neighbours, published "
        "and simulated side by side.",
    )
    parser.add_argument("authority", help="key, code or name (python -m sim.authorities)")
    parser.add_argument("overrides", nargs="*", help="overrides for the runs, e.g. run.seed=7")
    parser.add_argument(
        "--from",
        dest="folder",
        type=Path,
        default=None,
        help="a national run's sweep folder to read instead of running",
    )
    parser.add_argument(
        "--replications",
        type=int,
        default=None,
        help=f"replications per authority when running (default "
        f"{DEFAULT_REPLICATIONS}, run=quick's)",
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    args = parser.parse_intermixed_args(argv)  # overrides before or after the options
    try:
        a = find(args.authority)
        out = args.out or NEIGHBOURS_DIR / a.key
        if args.folder is not None:
            if args.replications is not None or args.overrides:
                raise ConfigError("--from reads finished runs: give no --replications or overrides")
            check_writable(out)
            simulated = from_folder(a, args.folder)
            source = f"from {args.folder}"
        else:
            n = DEFAULT_REPLICATIONS if args.replications is None else args.replications
            if n < 1:
                raise ConfigError(f"--replications: {n}; allowed: at least 1")
            check_writable(out)
            simulated = by_running(a, n, args.overrides)
            source = f"{n} replications each"
        data = rows(a, simulated)
        with staged(out) as staging:
            write_csv(staging / "neighbours.csv", data, COLUMNS)
            save(figure(a, data, source), staging / "neighbours.png")
    except (ConfigError, OutputError) as exc:
        message = " ".join(str(exc).split())
        print(f"python -m sim.neighbours: error: {message}", file=sys.stderr)
        return 2
    print(table(a, data))
    missing = [x.la_name for x in group(a) if x.la_code not in simulated]
    if missing:
        print(f"Not in {args.folder}: {', '.join(missing)} (published figures only).")
    print(f"* {a.la_name}. {ATTRIBUTION}")
    print(f"\nOutputs: {out / 'neighbours.csv'}, {out / 'neighbours.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
