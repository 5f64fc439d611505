"""experiments/turnover_pressure.py recovers a known caseload elasticity from a folder.

Covers: the measurement behind sim.localise.TURNOVER_CASELOAD_ELASTICITY (issue 16).
"""

from __future__ import annotations

import csv
import runpy
import sys
from pathlib import Path

import pytest

from sim.authorities import authorities
from sim.localise import ENGLAND_CASELOAD, TURNOVER_CASELOAD_ELASTICITY

SCRIPT = Path(__file__).parents[1] / "experiments" / "turnover_pressure.py"


def test_a_known_slope_and_level_are_recovered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated turnover = 0.9 x published x (caseload / 16) ^ 0.3 exactly: the script
    reports slope +0.300, level 0.900 and the elasticity 0.3 above the current one."""
    rows = []
    for a in authorities():
        published = a.figure("turnover_rate").value / 100
        caseload = a.figure("caseload").value
        if published <= 0 or caseload <= 0:
            continue
        simulated = 0.9 * published * (caseload / ENGLAND_CASELOAD) ** 0.3
        rows.append(
            {
                "la_code": a.la_code,
                "kpi": "turnover_rate",
                "simulated": simulated,
                "published": published,
            }
        )
    with (tmp_path / "authorities.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["la_code", "kpi", "simulated", "published"])
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), str(tmp_path)])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "= -0.105 +0.300 log(caseload" in out  # log(0.9) = -0.105
    assert f"{TURNOVER_CASELOAD_ELASTICITY + 0.3:.2f} measured; level left exp(a) = 0.900" in out
