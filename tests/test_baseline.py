"""The committed seeded baseline: results must not change unless the baseline is regenerated.

The baseline (src/sim/baseline.py) is two replications of a small fixed configuration.
Same code, same seed: the KPIs must be equal to the last bit, whether the model runs
compiled or as plain Python (tests/test_compiled.py). A change that moves results on
purpose regenerates the files with ``make baseline`` and says in its commit why.
"""

from __future__ import annotations

import csv
import math

from sim import baseline


def _read(name: str) -> list[dict[str, str]]:
    with (baseline.BASELINE_DIR / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _same(a: str, b: str) -> bool:
    x, y = float(a), float(b)
    return (math.isnan(x) and math.isnan(y)) or x == y


def test_kpis_equal_the_committed_baseline():
    committed = {(r["replication"], r["kpi"]): r["value"] for r in _read(baseline.KPI_FILE)}
    now = {(r["replication"], r["kpi"]): r["value"] for r in baseline.kpi_rows()}
    assert set(now) == set(committed), "KPIs added or removed: run `make baseline`"
    moved = [
        f"{k[1]} (rep {k[0]}): {committed[k]} -> {now[k]}"
        for k in now
        if not _same(now[k], committed[k])
    ]
    assert not moved, "results changed; if on purpose, run `make baseline`:\n" + "\n".join(moved)


def test_case_log_equals_the_committed_baseline():
    committed = {r["event"]: (r["count"], r["sha256"]) for r in _read(baseline.CASE_LOG_FILE)}
    now = {r["event"]: (r["count"], r["sha256"]) for r in baseline.case_log_rows()}
    changed = sorted(e for e in set(now) | set(committed) if now.get(e) != committed.get(e))
    assert not changed, f"case log changed for {changed}; if on purpose, run `make baseline`"
