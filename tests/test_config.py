"""Typed configs: composition, scenarios, and one-line errors for bad input."""

from __future__ import annotations

import ast
import json
import math
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import sim
from sim.composition import check_sweep, compose_config
from sim.config import (
    DECISIONS,
    SCHEMA_FIELDS,
    Config,
    ConfigError,
    equal_precision_replications,
    parameter_rows,
    to_config,
    validate,
)
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
    assert message == "workforce.caseload_cap = 0 is out of range; allowed: 1 to 60"
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


@pytest.mark.parametrize("field", SCHEMA_FIELDS, ids=[f.key for f in SCHEMA_FIELDS])
def test_every_number_has_both_bounds_and_says_why(field):
    """Validation is total: no number without an upper bound, no bound without a reason."""
    key, kind, meta = field.key, field.kind, field.meta
    if kind in (int, float):
        assert meta["low"] is not None, key
        assert meta["high"] is not None, key
        assert math.isfinite(meta["low"]), key
        assert math.isfinite(meta["high"]), key
        assert meta["unit"] == "probability" or meta["why"], f"{key}: why this range?"
    elif kind is str:
        assert meta["kind"] in ("name", "date", "code", "label") or meta["choices"], (
            f"{key}: a text with no rule"
        )
    elif typing.get_origin(kind) is dict:
        assert meta["kind"] == "mapping", f"{key}: a mapping with no rule"
    else:
        assert kind is bool, key


def _decisions_in_processes() -> list[tuple[str, ...]]:
    """The ``pathway.*`` probabilities of each decision made in sim/processes.

    A decision is a call of ``rng.choice((p.a, p.b))`` or ``ranked_decision(child,
    (...), ...)``, or a tuple assigned to ``probs`` for ``known_need_decision``; the
    outcome probabilities are the ``p.<name>`` read in its tuple (an expression like
    ``1.0 - p.a - p.b`` is the remainder of an earlier outcome).
    """
    found = []
    for path in sorted((Path(sim.__file__).parent / "processes").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            tuples: list[ast.expr] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in ("choice", "ranked_decision"):
                    tuples = [a for a in node.args if isinstance(a, ast.Tuple)]
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
                if any(getattr(t, "id", "") == "probs" for t in node.targets):
                    tuples = [node.value]
            if not tuples:
                continue
            names = []
            for element in tuples[0].elts:
                if isinstance(element, ast.Attribute):
                    names.append(element.attr)
            found.append(tuple(names))
    return found


def test_every_decision_has_its_probabilities_summed():
    decisions = _decisions_in_processes()
    # front door and its rating, assessment, s47, ICPC, review, legal planning
    assert len(decisions) == 7
    listed = {frozenset(names) for names in DECISIONS.values()}
    for names in decisions:
        assert any(set(names) <= group for group in listed), (
            f"{names}: add this decision to sim.config.DECISIONS"
        )


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (["run.seed=1", "run.seed=2"], "run.seed is given twice ('run.seed=1', 'run.seed=2')"),
        (["run.seed=1", "++run.seed=2"], "run.seed is given twice"),
        (["scenario=baseline", "scenario=high_turnover"], "scenario is given twice"),
        (["hydra.run.dir=a", "hydra.run.dir=b"], "hydra.run.dir is given twice"),
        (["~run.seed"], "run.seed cannot be deleted ('~run.seed')"),
    ],
)
def test_composition_refuses_a_key_or_group_given_twice(overrides, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        compose_config(overrides)
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        check_sweep(overrides)


def test_a_key_and_its_group_are_not_the_same_key():
    assert compose_config(["run=quick", "run.seed=3"]).run.seed == 3
    assert compose_config(["~experiment"]).run.seed == Config().run.seed, "a group may go"


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("workforce.caseload_cap", 12.5, "workforce.caseload_cap = 12.5 is not a whole number"),
        ("workforce.dynamics", "yes", "workforce.dynamics = 'yes' is not true or false"),
        ("run.years", True, "run.years = True is not a number"),
        ("run.start_date", 20210401, "run.start_date = 20210401 is not text"),
        ("scenario_name", "a/b", "scenario_name = 'a/b' is not a safe name"),
        ("authority.referrals_per_year", math.nan, "authority.referrals_per_year = nan is not"),
        ("need.weekly_noise_sd", -math.inf, "need.weekly_noise_sd = -inf is out of range"),
    ],
)
def test_validate_checks_types_given_in_python(key, value, fragment):
    cfg = Config()
    group, _, name = key.rpartition(".")
    setattr(getattr(cfg, group) if group else cfg, name, value)
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        validate(cfg)


def test_every_named_scenario_and_authority_is_a_safe_name():
    from sim import CONF_DIR

    for group in ("scenario", "authority"):
        for path in (CONF_DIR / group).glob("*.yaml"):
            validate(compose_config([f"{group}={path.stem}"]))


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
        "cpsim: error: workforce.caseload_cap = -1 is out of range; allowed: 1 to 60"
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


@pytest.mark.parametrize(
    ("replications", "posts", "precision_posts", "expected"),
    [
        (2, 118, 118, 2),  # as many posts: as asked
        (2, 400, 118, 2),  # more posts: never fewer
        (2, 59, 118, 4),  # half the posts: twice the replications
        (2, 50, 118, 5),  # 4.72 rounded up
        (2, 11, 118, 20),  # 21.5 wanted; at most ten times
        (3, 30, 0, 3),  # off
    ],
)
def test_equal_precision_replications(replications, posts, precision_posts, expected):
    assert equal_precision_replications(replications, posts, precision_posts) == expected


def test_equal_precision_posts_is_applied_once_and_checked():
    from sim.composition import compose_config

    cfg = compose_config(
        ["authority.social_workers=59", "run.replications=2", "run.equal_precision_posts=118"]
    )
    assert (cfg.run.replications, cfg.run.equal_precision_posts) == (4, 0)
    assert to_config(cfg).run.replications == 4  # a Config object has had it applied
    cfg = compose_config(
        ["authority.social_workers=11", "run.replications=200", "run.equal_precision_posts=118"]
    )
    assert cfg.run.replications == 1_000  # ten times would pass run.replications' 1,000
    with pytest.raises(ConfigError, match=r"^run.equal_precision_posts = -5 is out of range"):
        compose_config(["run.equal_precision_posts=-5"])
