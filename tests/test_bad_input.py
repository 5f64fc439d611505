"""Bad input on the command line: one table of cases, each ending in one clean line.

Covers issue 12's classes 1, 2 and 6 as far as they are about configuration: values
accepted silently (unknown keys however written, NaN and infinity, keys given twice,
inconsistent deadlines, absurd but finite values, names that lead out of results/), values
that used to end in a traceback (huge run lengths and rates, dates near year 1 or 9999, a
run shorter than a day) and Hydra's own multi-line messages (``--cfg job``, a bad
launcher).

Each case is the arguments a user types and a fragment the error line must contain: the
key it names and, where the message gives them, the allowed values. To add a case, add a
row to ``CASES``. Every case goes through ``sim.experiment.cli`` in-process (about 0.1 s
each) from an empty working folder and must end with exit status 2, exactly one line on
stderr starting ``cpsim: error:``, no traceback, nothing on stdout and nothing written;
a few go through ``python -m sim`` in a subprocess as well (``SUBPROCESS``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim

ALLOWED_NAME = "allowed: letters, digits, '_', '-' and '.' (not '..'), 1 to 64 characters"
ALLOWED_DATE = "allowed: a date YYYY-MM-DD from 1990-01-01 to 2100-12-31"

CASES: list[tuple[list[str], str]] = [
    # -- the five checked before (issue 12, "Must hold") --------------------------------
    (["run.replications=-3"], "run.replications = -3 is out of range; allowed: 1 to 1000"),
    (["run.warmup_years=-1"], "run.warmup_years = -1 is out of range; allowed: 0 to 50"),
    (
        ["workforce.caseload_cap=-5"],
        "workforce.caseload_cap = -5 is out of range; allowed: 1 to 60",
    ),
    (["+pathway.nonsense_key=1"], "unknown key 'pathway.nonsense_key'; allowed keys in pathway: "),
    (
        ["run.seed=abc"],
        "run.seed = 'abc' is not a whole number; allowed: 0 to 9223372036854775807",
    ),
    # -- unknown keys, however written -------------------------------------------------
    (["+workforce.caseload_capp=5"], "unknown key 'workforce.caseload_capp'; allowed keys in"),
    (["++pathway.nonsense=1"], "unknown key 'pathway.nonsense'; allowed keys in pathway: "),
    (["++nonsense=1"], "unknown key 'nonsense'; allowed top-level keys: scenario_name,"),
    (["+foo=1"], "unknown key 'foo'; allowed top-level keys: scenario_name, authority"),
    (["authority.nonsense=1"], "unknown key 'authority.nonsense'; allowed keys in authority:"),
    (["authority.referals_per_year=10"], "unknown key 'authority.referals_per_year'"),
    (["+authority.extra_staff=3"], "unknown key 'authority.extra_staff'; allowed keys in"),
    (["hydra.launcher.n_jobs=2"], "unknown key 'hydra.launcher.n_jobs'; allowed keys in"),
    # -- NaN and infinity, where there was no upper bound ------------------------------
    (["need.high_threshold=nan"], "need.high_threshold = nan is not a number; allowed: -5 to 5"),
    (["need.weekly_noise_sd=inf"], "need.weekly_noise_sd = inf is out of range; allowed: 0 to 1"),
    (
        ["workforce.agency_turnover=inf"],
        "workforce.agency_turnover = inf is out of range; allowed: 0 to 12",
    ),
    (["complaints.remedy_sigma=inf"], "complaints.remedy_sigma = inf is out of range; allowed:"),
    (
        ["authority.demand_shock_factor=inf"],
        "authority.demand_shock_factor = inf is out of range; allowed: 0 to 10",
    ),
    (["authority.demand_shock_factor=-inf"], "authority.demand_shock_factor = -inf is out of"),
    (["run.years=nan"], "run.years = nan is not a number; allowed: 0.05 to 50"),
    (["pathway.icpc_cpp_prob=nan"], "pathway.icpc_cpp_prob = nan is not a number; allowed: 0"),
    # -- a key or a group given twice, or deleted --------------------------------------
    (["run.seed=1", "run.seed=2"], "run.seed is given twice ('run.seed=1', 'run.seed=2')"),
    (["run.seed=1", "+run.seed=2"], "run.seed is given twice ('run.seed=1', '+run.seed=2')"),
    (["run.seed=1", "++run.seed=2"], "run.seed is given twice"),
    (["scenario=baseline", "scenario=high_turnover"], "scenario is given twice"),
    (["authority=average", "authority=london_borough"], "authority is given twice"),
    (["~run.seed"], "run.seed cannot be deleted ('~run.seed'); allowed: a new value"),
    # -- deadlines that contradict each other ------------------------------------------
    (
        ["complaints.stage1_max_wd=5"],
        "complaints.stage1_max_wd = 5 is out of range; allowed: complaints.stage1_due_wd (10)",
    ),
    (
        ["complaints.stage2_max_wd=20"],
        "complaints.stage2_max_wd = 20 is out of range; allowed: complaints.stage2_due_wd (25)",
    ),
    (
        ["complaints.stage1_due_wd=30"],
        "complaints.stage1_max_wd = 20 is out of range; allowed: complaints.stage1_due_wd (30)",
    ),
    # -- absurd but finite ---------------------------------------------------------------
    (
        ["pathway.cpp_visit_interval_wd=1000000000"],
        "pathway.cpp_visit_interval_wd = 1000000000 is out of range; allowed: 1 to 65",
    ),
    (["run.years=1e12"], "run.years = 1e+12 is out of range; allowed: 0.05 to 50"),
    (["run.years=inf"], "run.years = inf is out of range; allowed: 0.05 to 50"),
    (["run.years=1000", "run.warmup_years=1"], "run.years = 1000 is out of range"),
    (
        ["authority.referrals_per_year=1e12"],
        "authority.referrals_per_year = 1e+12 is out of range; allowed: 10 to 100000",
    ),
    (["authority.referrals_per_year=inf"], "authority.referrals_per_year = inf is out of range"),
    (
        ["authority.demand_shock_months=1e12"],
        "authority.demand_shock_months = 1e+12 is out of range; allowed: 0 to 600",
    ),
    (["authority.demand_shock_months=inf"], "authority.demand_shock_months = inf is out of"),
    (
        ["pathway.first_rcpc_due_months=100000"],
        "pathway.first_rcpc_due_months = 100000 is out of range; allowed: 1 to 12",
    ),
    (
        ["pathway.assessment_min_wd_sigma=1000"],
        "pathway.assessment_min_wd_sigma = 1000 is out of range; allowed: 0 to 1.5",
    ),
    (["complaints.remedy_sigma=1000"], "complaints.remedy_sigma = 1000 is out of range"),
    (["workforce.casework_hours_per_week=168"], "workforce.casework_hours_per_week = 168 is"),
    (["run.replications=1000000"], "run.replications = 1000000 is out of range; allowed: 1 to"),
    ([f"authority.referrals_per_year=1{'0' * 400}"], "authority.referrals_per_year = 1000"),
    ([f"run.seed=1{'0' * 400}"], "run.seed = 1000"),
    # -- dates near year 1 or 9999, and a run shorter than a day ------------------------
    (
        ["run.start_date=0001-01-01"],
        f"run.start_date = '0001-01-01' is out of range; {ALLOWED_DATE}",
    ),
    (
        ["run.start_date=9999-01-01"],
        f"run.start_date = '9999-01-01' is out of range; {ALLOWED_DATE}",
    ),
    (["run.start_date=9997-06-30"], "run.start_date = '9997-06-30' is out of range"),
    (["run.start_date=yesterday"], f"run.start_date = 'yesterday' is not a date; {ALLOWED_DATE}"),
    (["run.start_date=2021-02-30"], "run.start_date = '2021-02-30' is not a date"),
    (["run.years=0.001", "run.warmup_years=0"], "run.years = 0.001 is out of range; allowed: 0.05"),
    (["run.years=0.002"], "run.years = 0.002 is out of range; allowed: 0.05 to 50"),
    # -- an authority with almost no demand and no children -----------------------------
    (
        [
            "authority.referrals_per_year=0.5",
            "authority.initial_cpp_children=0",
            "authority.initial_cin_children=0",
        ],
        "authority.referrals_per_year = 0.5 is out of range; allowed: 10 to 100000",
    ),
    (["authority.social_workers=0"], "authority.social_workers = 0 is out of range; allowed: 1"),
    (["authority.mash_decisions_per_day=0.5"], "authority.mash_decisions_per_day = 0.5 is out"),
    # -- rules between keys ----------------------------------------------------------------
    (
        ["run.warmup_years=6"],
        "run.warmup_years = 6 is out of range; allowed: 0 to less than run.years (5)",
    ),
    (["run.warmup_years=4.99"], "run.warmup_years = 4.99 is out of range; allowed: 0 to less"),
    (
        ["authority.demand_shock_factor=1.3", "authority.demand_shock_start_years=6"],
        "authority.demand_shock_start_years = 6 is out of range; allowed: 0 to less than "
        "run.years (5) when authority.demand_shock_factor is not 1",
    ),
    (
        ["pathway.front_door_nfa_prob=0.5", "pathway.front_door_strategy_prob=0.6"],
        "pathway.front_door_nfa_prob + pathway.front_door_strategy_prob = 1.1 is out of "
        "range; allowed: 0 to 1 in total",
    ),
    (
        ["pathway.assessment_cin_prob=0.9"],
        "pathway.assessment_not_in_need_prob + pathway.assessment_strategy_prob + "
        "pathway.assessment_cin_prob = 1.31 is out of range; allowed: 0 to 1 in total",
    ),
    (["pathway.s47_icpc_prob=0.8"], "pathway.s47_icpc_prob + pathway.s47_cin_prob = 1.15"),
    (["pathway.icpc_cin_prob=0.5"], "pathway.icpc_cpp_prob + pathway.icpc_cin_prob = 1.327"),
    (
        ["pathway.legal_care_proceedings_prob=0.9"],
        "pathway.legal_pre_proceedings_prob + pathway.legal_care_proceedings_prob = 1.25",
    ),
    (["pathway.cpp_end_to_care_prob=0.1"], "pathway.cpp_end_to_care_prob was removed"),
    # -- names that would write outside results/ ------------------------------------------
    (
        ["scenario_name=../../../../../escape"],
        f"scenario_name = '../../../../../escape' is not a safe name; {ALLOWED_NAME}",
    ),
    (["scenario_name=a/b"], f"scenario_name = 'a/b' is not a safe name; {ALLOWED_NAME}"),
    (["scenario_name=.."], "scenario_name = '..' is not a safe name"),
    (["scenario_name="], "scenario_name = '' is not a safe name"),
    (["scenario_name=/tmp/escape"], "scenario_name = '/tmp/escape' is not a safe name"),
    (["authority.name=../../x"], "authority.name = '../../x' is not a safe name"),
    (["-m", "scenario_name=ok,../../x"], "scenario_name = '../../x' is not a safe name"),
    # -- wrong types, unknown groups, unreadable overrides ----------------------------------
    (["workforce.caseload_cap=lots"], "workforce.caseload_cap = 'lots' is not a whole number"),
    (
        ["workforce.caseload_cap=12.5"],
        "workforce.caseload_cap = 12.5 is not a whole number; allowed: 1 to 60",
    ),
    (["run.seed=null"], "run.seed = null is not a whole number; allowed: 0 to"),
    (["policy.not_seen_list=maybe"], "policy.not_seen_list = 'maybe' is not true or false"),
    (["policy.not_seen_list=2"], "policy.not_seen_list = 2 is not true or false"),
    (["workforce.dynamics=yes"], "workforce.dynamics = 'yes' is not true or false"),
    (["-m", "policy.not_seen_list=false,1"], "policy.not_seen_list = 1 is not true or false"),
    (["scenario=nonexistent"], "unknown scenario 'nonexistent'; available: agency_reliant,"),
    (
        ["authority=nowhere"],
        "unknown authority 'nowhere': `python -m sim.authorities` lists their keys, codes and "
        "names; presets: average, large_county, london_borough",
    ),
    (["authority=E08000035"], "unknown authority 'E08000035': use authority=leeds"),
    (
        ["authority.social_workers_factor=0"],
        "authority.social_workers_factor = 0 is out of range; allowed: greater than 0 up to 10",
    ),
    (
        ["workforce.caseload_cap_add=60"],
        "workforce.caseload_cap_add = 60 is out of range; allowed: -59 to 59",
    ),
    (["experiment=nope"], "unknown experiment 'nope'; available: caseload_vs_turnover,"),
    (["run=[1"], "cannot read override 'run=[1'"),
    (["workforce.caseload_cap=12,16"], "'workforce.caseload_cap=12,16' gives several values"),
    # -- Hydra's own options (class 6) --------------------------------------------------
    (["hydra/launcher=nope"], "unknown hydra/launcher 'nope'; available: basic, joblib,"),
    (["--cfg", "job", "scenario=nope"], "unknown scenario 'nope'; available: agency_reliant"),
    (["--cfg", "job", "workforce.caseload_cap=-5"], "workforce.caseload_cap = -5 is out of"),
    (["--cfg", "job", "need.high_threshold=nan"], "need.high_threshold = nan is not a number"),
    (["--cfg", "job", "run.seed=1", "run.seed=2"], "run.seed is given twice"),
    (["--cfg", "hydra", "hydra/launcher=nope"], "unknown hydra/launcher 'nope'"),
    (["-m", "workforce.caseload_cap=12,-1"], "workforce.caseload_cap = -1 is out of range"),
    (["-m", "run.seed=1,2", "run.seed=3"], "run.seed is given twice"),
    (["-m", "hydra/launcher=nope", "run.seed=1,2"], "unknown hydra/launcher 'nope'"),
    (["-m", "run.years=interval(1,2)"], "'run.years=interval(1,2)' gives no values to run"),
    (["-m", "--cfg", "job", "run.years=0,1"], "run.years = 0 is out of range"),
]
"""Arguments as typed, and a fragment of the one error line (the key it must name)."""


def _id(case: tuple[list[str], str]) -> str:
    return " ".join(
        arg if len(arg) < 60 else f"{arg[:40]}...({len(arg)} characters)" for arg in case[0]
    )


@pytest.mark.parametrize(("args", "fragment"), CASES, ids=[_id(c) for c in CASES])
def test_bad_input_ends_with_one_line_naming_the_key(args, fragment, tmp_path, monkeypatch, capsys):
    from sim import experiment

    def would_start_hydra(checked=None):
        raise AssertionError(f"accepted {args}: Hydra would start the run")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(experiment, "hydra_main", would_start_hydra)
    with pytest.raises(SystemExit) as info:
        experiment.cli(args)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cpsim: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in err
    assert not any(tmp_path.iterdir()), "nothing written for a refused run"


SOURCE_DIR = str(Path(sim.__file__).resolve().parents[1])
"""Where ``sim`` was imported from, for subprocesses run from another folder."""

SUBPROCESS: list[list[str]] = [
    ["authority.referrals_per_year=-5"],
    ["authority.nonsense=1"],
    ["run.warmup_years=9"],
    ["need.high_threshold=nan"],
    ["scenario_name=../../../../../escape"],
    ["--cfg", "job", "scenario=nope"],
]
"""Cases also run as a user runs them, ``python -m sim ARGS`` in a fresh process."""


@pytest.mark.parametrize("args", SUBPROCESS, ids=[" ".join(a) for a in SUBPROCESS])
def test_bad_input_through_python_m_sim(args, tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SOURCE_DIR, os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("cpsim: error: ")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not any(tmp_path.iterdir()), "nothing written where it ran"
