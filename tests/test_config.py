"""Typed configs: composition, scenarios, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.config import Config, ConfigError, parameter_rows, to_config, validate
from sim.experiment import check_overrides

SOURCE_DIR = str(Path(sim.__file__).resolve().parents[1])
"""Where ``sim`` was imported from, for subprocesses run from another folder."""


def test_default_composition_is_the_average_authority(compose_cfg):
    cfg = to_config(compose_cfg())
    assert cfg.scenario_name == "baseline"
    assert cfg.authority.name == "average"
    assert cfg.authority.referrals_per_year == 4140
    assert cfg.pathway.cpp_visit_interval_wd == 10


@pytest.mark.parametrize("authority", ["average", "london_borough", "large_county"])
def test_authority_group_options(compose_cfg, authority):
    cfg = to_config(compose_cfg(f"authority={authority}"))
    assert cfg.authority.name == authority


def test_scenario_overrides_groups(compose_cfg):
    cfg = to_config(compose_cfg("scenario=high_caseload"))
    assert cfg.scenario_name == "high_caseload"
    assert cfg.authority.social_workers < Config().authority.social_workers


def test_command_line_override_wins(compose_cfg):
    cfg = to_config(compose_cfg("workforce.caseload_cap=12", "run.replications=3"))
    assert cfg.workforce.caseload_cap == 12
    assert cfg.run.replications == 3


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            ["authority.referrals_per_year=-5"],
            "authority.referrals_per_year = -5 is out of range; allowed: greater than 0",
        ),
        (
            ["pathway.icpc_cpp_prob=1.2"],
            "pathway.icpc_cpp_prob = 1.2 is out of range; allowed: 0 to 1",
        ),
        (
            ["run.warmup_years=5"],
            "run.warmup_years = 5 is out of range; allowed: 0 to less than run.years (4)",
        ),
        (
            ["authority.referals_per_year=10"],
            "unknown key 'authority.referals_per_year'; allowed keys in authority:",
        ),
        (["workforce.caseload_cap=lots"], "workforce.caseload_cap"),
        (
            ["scenario=nonexistent"],
            "unknown scenario 'nonexistent'; available: agency_reliant, baseline, haringey_2009",
        ),
        (
            ["authority=nowhere"],
            "unknown authority 'nowhere'; available: average, large_county, london_borough",
        ),
        (["+foo=1"], "unknown key 'foo'; allowed top-level keys: scenario_name, authority"),
        (
            ["pathway.front_door_nfa_prob=0.5", "pathway.front_door_strategy_prob=0.6"],
            "allowed: 0 to 1 in total",
        ),
        (["run.start_date=yesterday"], "run.start_date = 'yesterday' is not a date"),
        (
            ["+authority.extra_staff=3"],
            "unknown key 'authority.extra_staff'; allowed keys in authority: name,",
        ),
        (["policy.not_seen_list=maybe"], "policy.not_seen_list = 'maybe' is not true or false"),
        (
            ["workforce.caseload_cap=12.5"],
            "workforce.caseload_cap = 12.5 is not a whole number; allowed: 1 or more",
        ),
        (["run.seed=null"], "run.seed = null is not a whole number; allowed: 0 or more"),
        (
            ["experiment=nope"],
            "unknown experiment 'nope'; available: caseload_vs_turnover, policy_comparison",
        ),
        (["run=[1"], "cannot read override 'run=[1'"),
        (
            ["workforce.caseload_cap=12,16"],
            "'workforce.caseload_cap=12,16' gives several values; allowed: one value (a sweep",
        ),
    ],
)
def test_bad_input_gives_one_line_naming_the_key(overrides, fragment):
    message = check_overrides(overrides)
    assert message is not None
    assert "\n" not in message
    assert fragment in message


def test_sweep_values_are_checked_one_by_one():
    assert check_overrides(["workforce.caseload_cap=12,16"], multirun=True) is None
    message = check_overrides(["workforce.caseload_cap=12,-1"], multirun=True)
    assert message is not None
    assert "workforce.caseload_cap = -1" in message


def test_a_sweep_checks_the_values_an_experiment_file_sweeps(tmp_path, monkeypatch):
    import shutil

    from sim import CONF_DIR, composition

    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    (conf / "experiment" / "bad.yaml").write_text(
        "# @package _global_\nhydra:\n  sweeper:\n    params:\n      workforce.caseload_cap: 12,0\n"
    )
    monkeypatch.setattr(composition, "CONF_DIR", conf)
    message = check_overrides(["experiment=bad"], multirun=True)
    assert message == "workforce.caseload_cap = 0 is out of range; allowed: 1 or more"
    assert (
        check_overrides(["experiment=bad", "workforce.caseload_cap=12,16"], multirun=True) is None
    ), "the command line wins over the file for a key in both, as in Hydra's basic sweeper"


def test_validate_catches_direct_misuse():
    cfg = Config()
    cfg.need.detection_prob = 2.0
    with pytest.raises(ConfigError, match="need.detection_prob"):
        validate(cfg)


def test_every_parameter_has_a_source():
    rows = parameter_rows()
    assert len(rows) > 50
    assert all(row["source"] for row in rows)


def _cli(tmp_path: Path, *args: str, run_dir: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` from an empty folder outside the repository (as a user would)."""
    out = tmp_path / "out"
    cwd = tmp_path / "elsewhere"
    cwd.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SOURCE_DIR, os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "sim", *([f"hydra.run.dir={out}"] if run_dir else []), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
        env=env,
    )


@pytest.mark.parametrize(
    "bad",
    [
        "authority.referrals_per_year=-5",
        "pathway.icpc_cpp_prob=1.2",
        "authority.nonsense=1",
        "run.warmup_years=9",
    ],
)
def test_cli_bad_input_exits_cleanly_without_results(tmp_path, bad):
    proc = _cli(tmp_path, bad)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("cpsim: error: ")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
    assert not any((tmp_path / "elsewhere").iterdir()), "nothing written where it ran"


def test_cli_bad_sweep_value_exits_before_any_job_folder(tmp_path):
    sweep_dir = tmp_path / "sweep"
    proc = _cli(
        tmp_path,
        "-m",
        "workforce.caseload_cap=12,-1",
        f"hydra.sweep.dir={sweep_dir}",
        run_dir=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "cpsim: error: workforce.caseload_cap = -1 is out of range; allowed: 1 or more"
    )
    assert not sweep_dir.exists()


def test_cli_composes_and_validates_a_run_once(tmp_path, monkeypatch, capsys):
    """The command line's own check is the run's one composition and one validation.

    Hydra composes its own copy for the output folder and .hydra/; nothing validates it again.
    """
    from sim import composition, config, experiment

    calls = {"compose": 0, "validate": 0}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(composition, "_compose", counted("compose", composition._compose))
    monkeypatch.setattr(config, "validate", counted("validate", config.validate))
    monkeypatch.setattr(sys, "argv", ["cpsim"])
    out = tmp_path / "out"
    short = ["run.replications=1", "run.years=0.3", "run.warmup_years=0.1", "run.n_jobs=1"]
    experiment.cli([f"hydra.run.dir={out}", *short])
    assert calls == {"compose": 1, "validate": 1}
    assert json.loads((out / "run.json").read_text())["status"] == "complete"
    assert capsys.readouterr().out.strip().endswith(str(out))


def test_cli_short_run_writes_every_output(tmp_path):
    proc = _cli(
        tmp_path, "run.replications=2", "run.years=1.2", "run.warmup_years=0.2", "run.n_jobs=1"
    )
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    for name in (
        "config.yaml",
        "run.json",
        "kpis.csv",
        "summary.csv",
        "timeseries.csv",
        "episodes.csv",
        "overview.png",
    ):
        assert (out / name).exists(), name
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "complete"
    assert record["seed"] == 20250331
    assert record["error"] is None
    assert record["wall_seconds"] > 0
    assert "referrals_per_year" in proc.stdout
    assert proc.stdout.strip().endswith(str(out))


@pytest.mark.parametrize(
    "scenario", ["baseline", "high_caseload", "high_turnover", "agency_reliant", "haringey_2009"]
)
def test_every_named_scenario_composes_and_validates(compose_cfg, scenario):
    cfg = to_config(compose_cfg(f"scenario={scenario}"))
    assert cfg.scenario_name == scenario
