"""The replications advisor (issue 17 item 6): a sequential relative-precision procedure."""

from __future__ import annotations

import csv
import math

import pytest

from sim import replications


def test_precision_follows_laws_adjusted_relative_error() -> None:
    # values 9, 10, 11: mean 10, s = 1, t(0.975, 2) = 4.303: half-width 2.484
    p = replications.precision("caseload_mean", [9.0, 10.0, 11.0], 0.05)
    assert p.mean == pytest.approx(10.0)
    assert p.half_width == pytest.approx(4.3027 / math.sqrt(3), rel=1e-4)
    assert p.target == pytest.approx(0.05 / 1.05)
    assert not p.met
    # n (relative / target)^2 = 3 (0.2484 / 0.04762)^2 = 81.6 -> 82
    assert p.needed == 82
    exact = replications.precision("caseload_mean", [10.0, 10.0, 10.0], 0.05)
    assert exact.met
    assert exact.needed == 2


def test_a_kpi_with_nothing_to_measure_never_meets_and_needs_no_estimate() -> None:
    p = replications.precision("workers_per_child", [math.nan, math.nan], 0.05)
    assert not p.met
    assert math.isnan(p.needed)


def test_the_advisor_stops_as_soon_as_every_kpi_meets_the_precision(small_config) -> None:
    cfg = small_config(scale=0.2, years=1.0, warmup=0.25)
    kpis = ("referrals_per_year", "caseload_mean")
    loose = replications.advise(cfg, kpis, gamma=0.5, start=3, step=2, maximum=9, n_jobs=1)
    assert [p.runs for p in loose] == [3, 3]
    assert all(p.met for p in loose)
    tight = replications.advise(cfg, kpis, gamma=0.001, start=3, step=2, maximum=7, n_jobs=1)
    assert [p.runs for p in tight] == [7, 7], "runs to --max when the precision is not met"
    assert not all(p.met for p in tight)
    assert all(p.needed > 7 for p in tight if not p.met)
    # replication r is the same run whatever the batches: the first 3 give the same mean
    again = replications.advise(cfg, kpis, gamma=0.5, start=3, step=5, maximum=9, n_jobs=1)
    assert [p.mean for p in again] == [p.mean for p in loose]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--precision", "0"], "--precision"),
        (["--start", "1"], "--start"),
        (["run.replications=7"], "run.replications: the advisor ignores it"),
        (["workforce.caseload_cap=-1"], "caseload_cap"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(args, message, tmp_path, capsys) -> None:
    out = tmp_path / "advice"
    assert replications.main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert not out.exists()


def test_the_command_writes_the_advice(tmp_path, capsys) -> None:
    out = tmp_path / "advice"
    argv = ["run.years=0.5", "run.warmup_years=0.1", "authority.referrals_per_year=800"]
    argv += ["authority.social_workers=24", "--start", "2", "--max", "2", "--n-jobs", "1"]
    assert replications.main([*argv, "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "replications.csv").open()))
    assert [r["kpi"] for r in rows] == list(replications.HEADLINE_KPIS)
    assert set(rows[0]) == set(replications.COLUMNS)
    assert all(r["replications"] == "2" for r in rows)
    assert "replications.csv" in capsys.readouterr().out
