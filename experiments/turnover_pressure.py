"""How realised turnover follows the caseload, from a national run's folder.

Covers: workforce turnover within 3 points for 90% of authorities (issue 16). sim.localise
takes each authority's overload out of its published turnover: its hazard without
overload is the default's x published / England's turnover over the pressure uplift
(published caseload / 16.0) ^ TURNOVER_CASELOAD_ELASTICITY. If the rule holds, simulated
turnover over published is 1 whatever the caseload. This regresses, over the authorities
of a national run (``python -m sim -m experiment=national``) with their own workforce
figures (no fallback),

    log(simulated / published turnover) = a + b log(published caseload / 16.0)

and prints a, b, the elasticity the rule should use (the current one + b) and the level
left (exp(a)), with the median error of turnover, vacancy and agency in points. On a run
made with the right elasticity, b is near 0.

Run: .venv/bin/python experiments/turnover_pressure.py results/sweeps/<national run>
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from sim.authorities import find
from sim.localise import ENGLAND_CASELOAD, TURNOVER_CASELOAD_ELASTICITY

RATES = ("turnover_rate", "vacancy_rate", "agency_share")


def read(folder: Path) -> dict[str, dict[str, tuple[float, float]]]:
    """{la_code: {kpi: (simulated, published)}} for rows with both figures."""
    rows: dict[str, dict[str, tuple[float, float]]] = {}
    with (folder / "authorities.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["simulated"] and row["published"]:
                pair = (float(row["simulated"]), float(row["published"]))
                rows.setdefault(row["la_code"], {})[row["kpi"]] = pair
    return rows


def own_workforce(code: str) -> bool:
    """Whether the authority's turnover and caseload are its own figures (no fallback)."""
    a = find(code)
    return all(a.figure(n).source == "own" for n in ("turnover_rate", "caseload"))


def main() -> None:
    rows = read(Path(sys.argv[1]))
    x, y = [], []
    for code, kpis in rows.items():
        if "turnover_rate" not in kpis or not own_workforce(code):
            continue
        simulated, published = kpis["turnover_rate"]
        caseload = find(code).figure("caseload").value
        if simulated <= 0 or published <= 0 or caseload <= 0:
            continue
        x.append([1.0, np.log(caseload / ENGLAND_CASELOAD)])
        y.append(np.log(simulated / published))
    design, target = np.array(x), np.array(y)
    (a, b), *_ = np.linalg.lstsq(design, target, rcond=None)
    r2 = 1 - ((target - design @ [a, b]) ** 2).sum() / ((target - target.mean()) ** 2).sum()
    print(
        f"log(simulated / published turnover) = {a:+.3f} {b:+.3f} log(caseload / "
        f"{ENGLAND_CASELOAD:g}) (R-squared {r2:.2f}, {len(target)} authorities)"
    )
    print(
        f"elasticity: {TURNOVER_CASELOAD_ELASTICITY:g} now, {TURNOVER_CASELOAD_ELASTICITY + b:.2f} "
        f"measured; level left exp(a) = {np.exp(a):.3f}"
    )
    for kpi in RATES:
        gaps = np.array([(s - p) * 100 for k in rows.values() if kpi in k for s, p in [k[kpi]]])
        if not len(gaps):
            continue
        within = np.mean(np.abs(gaps) <= 3.0)
        print(
            f"{kpi}: median error {np.median(gaps):+.2f} points, median absolute "
            f"{np.median(np.abs(gaps)):.2f}, within 3 points {within:.1%} ({len(gaps)})"
        )


if __name__ == "__main__":
    main()
