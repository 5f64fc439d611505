"""The national run (issue 16 items 5 and 6): every authority's sweep, its outputs, neighbours."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim import CONF_DIR
from sim import neighbours as nb
from sim.authorities import authorities, find
from sim.composition import check_sweep
from sim.data.build import national_experiment
from sim.localise import ENGLAND
from sim.metrics import HEADLINE_KPIS
from sim.national import (
    COLUMNS,
    FLOWS,
    KPI_ORDER,
    National,
    check,
    comparisons,
    main,
    read_national,
    reasons,
)
from sim.results import read_csv
from sim.sweeps import Job

SMALL = ("isles_of_scilly", "city_of_london", "rutland")
"""Three of the smallest authorities (30 to 390 referrals a year): a sweep of seconds."""


@pytest.fixture(scope="module")
def national(tmp_path_factory, multirun) -> Path:
    """experiment=national on three small authorities, short runs, through joblib."""
    sweep = tmp_path_factory.mktemp("national") / "sweep"
    proc = multirun(
        sweep, "experiment=national", f"authority={','.join(SMALL)}", "hydra.launcher.n_jobs=2"
    )
    assert proc.returncode == 0, proc.stderr
    assert "National summary:" in proc.stdout
    return sweep


def test_the_experiment_sweeps_every_authority_of_the_table():
    """conf/experiment/national.yaml is the build step's file for the packaged table."""
    keys = [a.key for a in authorities()]
    path = CONF_DIR / "experiment" / "national.yaml"
    assert path.read_text() == national_experiment(keys), "rebuild: python -m sim.data.build"
    text = yaml.safe_load(path.read_text())["hydra"]["sweeper"]["params"]["authority"]
    parsed = OverridesParser.create().parse_overrides([f"authority={text}"])[0]
    assert list(parsed.sweep_string_iterator()) == keys
    assert len(keys) == 153
    check_sweep(["experiment=national", "authority=leeds,isles_of_scilly"])  # composes


def test_authorities_csv_has_a_row_per_authority_and_kpi(national):
    rows = read_csv(national / "authorities.csv")
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == len(SMALL) * len(KPI_ORDER)
    assert {r["la_code"] for r in rows} == {find(k).la_code for k in SMALL}
    summary = read_csv(national / "sweep_summary.csv")
    means = {(r["authority"], r["kpi"]): float(r["mean"]) for r in summary}
    rutland = find("rutland")
    mine = {r["kpi"]: r for r in rows if r["la_code"] == rutland.la_code}
    assert float(mine["referrals_per_year"]["published"]) == rutland.figure("referrals").value
    assert float(mine["turnover_rate"]["published"]) == pytest.approx(
        rutland.figure("turnover_rate").value / 100
    )
    assert float(mine["s47_per_year"]["simulated"]) == means[("rutland", "s47_per_year")]
    for kpi in HEADLINE_KPIS:
        if kpi not in mine or kpi == "turnover_rate":
            continue
        assert mine[kpi]["published"] == "", f"{kpi}: no published figure per authority"
    scilly = {r["kpi"]: r for r in rows if r["la_name"] == "Isles of Scilly"}
    assert scilly["cpp_starts_per_year"]["published"] == "0.0", "a published 0 is kept"


def test_totals_sum_the_authorities_and_say_a_subset_is_not_england(national):
    rows = read_csv(national / "authorities.csv")
    totals = {r["kpi"]: r for r in read_csv(national / "national_totals.csv")}
    assert set(totals) == set(FLOWS)
    for kpi in FLOWS:
        simulated = sum(float(r["simulated"]) for r in rows if r["kpi"] == kpi)
        assert float(totals[kpi]["simulated"]) == pytest.approx(simulated)
    assert float(totals["referrals_per_year"]["england"]) == ENGLAND["referrals"]
    assert float(totals["cpp_open_mean"]["england"]) == ENGLAND["cpp_at_31_march"]
    referrals = sum(find(k).figure("referrals").value for k in SMALL)
    assert float(totals["referrals_per_year"]["published_sum"]) == referrals
    assert totals["referrals_per_year"]["authorities"] == "3"
    assert "3 of the table's 153 authorities" in totals["referrals_per_year"]["note"]


def test_figures_report_and_status_are_written(national):
    for kpi in FLOWS:
        assert (national / f"national_{kpi}.png").stat().st_size > 10_000
    assert json.loads((national / "national.json").read_text())["complete"] is True
    report = (national / "report.html").read_text()
    assert "Within tolerance" in report
    assert "All authorities against England" in report
    assert "PARTIAL" not in report
    assert "Open Government Licence" in report
    assert not list(national.glob("compare_*.png")), "no 153-bar comparisons"


def test_submitits_local_executor_gives_the_same_national_outputs(national, tmp_path, multirun):
    """The cluster launcher (its local executor) runs the same jobs to the same figures."""
    local = tmp_path / "submitit"
    proc = multirun(
        local,
        "experiment=national",
        f"authority={','.join(SMALL)}",
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("authorities.csv", "national_totals.csv"):
        assert (local / name).read_bytes() == (national / name).read_bytes()


def test_a_partial_sweep_says_so_everywhere(national, tmp_path, capsys):
    """One job interrupted, one never started: rows kept empty, PARTIAL in every output."""
    copy = tmp_path / "partial"
    shutil.copytree(national, copy)
    jobs = {p.name.split(",")[0].split("=")[1]: p for p in copy.iterdir() if p.is_dir()}
    record = jobs["rutland"] / "run.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "status": "interrupted"}))
    shutil.rmtree(jobs["city_of_london"])
    assert main([str(copy)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PARTIAL: 1 of 3 authorities finished; not finished: ")
    assert "Rutland (run.json says 'interrupted')" in out
    assert "City of London (no job folder)" in out
    status = json.loads((copy / "national.json").read_text())
    assert status["complete"] is False
    assert status["not_finished"] == {
        "city_of_london": "no job folder",
        "rutland": "run.json says 'interrupted'",
    }
    rows = read_csv(copy / "authorities.csv")
    assert len(rows) == 3 * len(KPI_ORDER), "the missing authorities keep their rows"
    empty = {r["la_name"] for r in rows if r["simulated"] == ""}
    assert empty == {"Rutland", "City of London"}
    totals = read_csv(copy / "national_totals.csv")
    assert all(t["note"].startswith("PARTIAL: 1 of 3") and t["authorities"] == "1" for t in totals)
    report = (copy / "report.html").read_text()
    assert "cpsim national run: partial (PARTIAL)" in report
    assert "Not finished" in report


def _job(summary: dict[str, float]) -> Job:
    return Job(
        Path("x"), {}, {k: {"mean": v, "ci_low": v, "ci_high": v} for k, v in summary.items()}
    )


def test_shares_within_medians_and_what_is_left_out():
    """Gaps by hand: 10% and 30% out of 20%; a run with no value is outside; 0 has no gap."""
    a, b, c = find("leeds"), find("kent"), find("city_of_london")
    ref = {x.key: x.figure("referrals").value for x in (a, b, c)}
    jobs = {
        a.la_code: _job({"referrals_per_year": ref["leeds"] * 1.1, "turnover_rate": math.nan}),
        b.la_code: _job({"referrals_per_year": ref["kent"] * 0.7, "turnover_rate": 0.2}),
        c.la_code: _job({"referrals_per_year": ref["city_of_london"], "cpp_open_mean": 5.0}),
    }
    n = National(Path("x"), [a, b, c], jobs)
    referrals = check(n, "referrals_per_year")
    assert (referrals.compared, referrals.within) == (3, 2)
    assert referrals.median_error == pytest.approx(0.1)
    assert [o.authority for o in referrals.outside] == [b]
    turnover = check(n, "turnover_rate")
    assert a in [o.authority for o in turnover.outside], "no simulated value counts as outside"
    assert "the run gives no value" in reasons(turnover.outside[-1])
    plans = check(n, "cpp_open_mean")
    assert c.figure("cpp_at_31_march").value == 0
    assert [x.authority for x in plans.left_out] == [c], "published 0: no relative gap"
    assert plans.compared == 2  # Leeds and Kent ran no cpp_open_mean: outside
    s47 = comparisons(n, "s47_per_year")
    city = next(x for x in s47 if x.authority == c)
    assert "fallback (own_previous_year" in reasons(city)  # City of London's s47s are 2024's


def test_a_heavy_simulated_caseload_is_a_reason_for_a_workforce_rate():
    """Turnover high where the simulated caseload runs a fifth over the published one is
    put down to the overload; at the published caseload, and for a flow, it is not."""
    leeds = find("leeds")
    published = leeds.figure("caseload").value
    turnover = leeds.figure("turnover_rate").value / 100

    def outside(kpi: str, caseload: float) -> str:
        job = _job({kpi: turnover + 0.05, "caseload_mean": caseload})
        n = National(Path("x"), [leeds], {leeds.la_code: job})
        return reasons(comparisons(n, kpi)[0])

    heavy = outside("turnover_rate", published * 1.2)
    assert f"against {published:g} published (+20%): more overload" in heavy
    assert "more overload" not in outside("turnover_rate", published * 1.1)
    assert "more overload" not in outside("referrals_per_year", published * 1.2)


def test_neighbours_from_a_national_folder(national, tmp_path, capsys):
    out = tmp_path / "nb"
    assert nb.main(["rutland", "--from", str(national), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    rutland = find("rutland")
    rows = read_csv(out / "neighbours.csv")
    assert len(rows) == 11 * len(nb.SHOWN)
    assert [r["la_code"] for r in rows[:: len(nb.SHOWN)]] == [rutland.la_code, *rutland.neighbours]
    mine = {r["kpi"]: r for r in rows if r["rank"] == "0"}
    national_rows = read_csv(national / "authorities.csv")
    want = next(
        r for r in national_rows if r["la_name"] == "Rutland" and r["kpi"] == "referrals_per_year"
    )
    assert mine["referrals_per_year"]["simulated"] == want["simulated"]
    per_10k = float(want["simulated"]) / rutland.children_0_17 * 10_000
    assert float(mine["referrals_per_year"]["simulated_per_10k"]) == pytest.approx(per_10k)
    assert all(r["simulated"] == "" for r in rows if r["rank"] != "0"), "not in the folder"
    assert "Not in " in printed
    assert "Rutland *" in printed
    assert (out / "neighbours.png").stat().st_size > 10_000


def test_neighbours_one_line_errors(national, tmp_path, capsys):
    assert nb.main(["leeds", "--from", str(national), "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"python -m sim.neighbours: error: {national} has no finished run of Leeds (leeds); run "
        "it with python -m sim -m experiment=national, or here with --replications N"
    ]
    assert nb.main(["narnia"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "unknown authority 'narnia'" in err[0]
    assert nb.main(["leeds", "--from", str(tmp_path / "nowhere")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "a").exists()


def test_neighbours_by_running(tmp_path, capsys):
    """City of London and its ten neighbours, one replication of half a year (about 6 s)."""
    out = tmp_path / "city"
    args = ["city_of_london", "--replications", "1", "run.years=0.5", "run.warmup_years=0.1"]
    assert nb.main([*args, "--out", str(out)]) == 0
    rows = read_csv(out / "neighbours.csv")
    assert len(rows) == 11 * len(nb.SHOWN)
    assert all(r["simulated"] != "" for r in rows), "every authority of the group ran"
    camden = [r for r in rows if r["la_name"] == "Camden" and r["kpi"] == "referrals_per_year"]
    published = find("camden").figure("referrals").value
    assert abs(float(camden[0]["simulated"]) / published - 1) < 0.25, "Camden ran as Camden"
    assert "City of London *" in capsys.readouterr().out


def test_read_national_needs_a_table_authority(tmp_path, national):
    copy = tmp_path / "one"
    job = next(p for p in national.iterdir() if p.is_dir())
    shutil.copytree(job, copy)
    n = read_national(copy)  # a single run folder: the authority it ran
    assert n.complete
    assert n.expected_from == "the job folders (no multirun.yaml)"
    assert len(n.jobs) == 1


def test_a_small_authority_runs_more_replications(national):
    """run.equal_precision_posts (118 in experiment=national): Rutland's 11 posts would
    need 22 replications for the average authority's worker-years at two; ten times
    run.replications is the most, so it runs 20; the table's largest run what they ask."""
    records = {
        path.parent.name: json.loads(path.read_text()) for path in sweep_runs(national, "run.json")
    }
    rutland = next(r for name, r in records.items() if "rutland" in name)
    assert rutland["replications"] == 20
    assert check_replications("leeds") == 2


def sweep_runs(sweep: Path, name: str) -> list[Path]:
    """Each run folder's file ``name`` in a sweep folder."""
    return sorted(sweep.glob(f"*/{name}"))


def check_replications(authority: str) -> int:
    """The replications experiment=national composes for ``authority`` at two asked."""
    from sim.composition import compose_config

    cfg = compose_config(["experiment=national", f"authority={authority}", "run.replications=2"])
    return cfg.run.replications
