"""Second-order corrections of the authority mapping, from a national run's folder.

Covers: every authority within 20% of its own section 47s and children on a plan (issue
16). The mapping scales each parameter calibrated to a national ratio by the authority's
ratio over England's (first order). This regresses, over the authorities of a national
run (``python -m sim -m experiment=national``), log(simulated / published) of section 47s
and of children on a plan on log(CiN multiple) and log(section 47s per referral over
England's), and prints the coefficients sim.localise.SECOND_ORDER holds. Run it on a
national run made without the corrections (SECOND_ORDER all 0) to measure them afresh; on
one made with them, the coefficients left should be near 0.

Run: .venv/bin/python experiments/second_order.py results/sweeps/<national run>
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from sim.authorities import find
from sim.localise import ENGLAND, _cin_multiple


def main() -> None:
    folder = Path(sys.argv[1])
    ratios: dict[str, dict[str, float]] = {}
    with (folder / "authorities.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["simulated"] and row["published"] and float(row["published"]) > 0:
                ratio = float(row["simulated"]) / float(row["published"])
                ratios.setdefault(row["la_code"], {})[row["kpi"]] = ratio
    england = ENGLAND["s47s"] / ENGLAND["referrals"]
    x, s47, stock = [], [], []
    for code, kpis in ratios.items():
        a = find(code)
        multiple = _cin_multiple(a)
        if multiple is None or not {"s47_per_year", "cpp_open_mean"} <= set(kpis):
            continue
        ratio = a.figure("s47s").value / a.figure("referrals").value / england
        x.append([1.0, np.log(multiple[0]), np.log(ratio)])
        s47.append(np.log(kpis["s47_per_year"]))
        stock.append(np.log(kpis["cpp_open_mean"]))
    design = np.array(x)
    for name, y in (("section 47s", np.array(s47)), ("children on a plan", np.array(stock))):
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        r2 = 1 - ((y - design @ coef) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        print(
            f"{name}: log(CiN multiple) {coef[1]:+.3f}, log(s47 ratio) {coef[2]:+.3f}, "
            f"constant {coef[0]:+.3f} (R-squared {r2:.2f}, {len(y)} authorities)"
        )


if __name__ == "__main__":
    main()
