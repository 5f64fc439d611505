"""``python -m sim.calibrate``: settings, targets, the folder, and the recovery test.

The recovery test (issue 18) calibrates a reduced problem to outputs simulated from known
parameter values (``calibration.targets=synthetic``) and requires every true value inside
its 90% posterior interval, and the posterior to have learnt something (the interval of
the parameter the targets speak to most narrower than its prior range).
"""

from __future__ import annotations

import csv
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.calibrate import fit_factors, open_folder, prepare, run_calibration
from sim.calibration_outputs import MIN_EFFECTIVE_SAMPLE, PINNED_SHRINKAGE
from sim.calibration_settings import DEFAULT_PARAMETERS, RELATIVE_RANGES, CalibrationSettings
from sim.config import ConfigError, plausible_factors
from sim.interrupts import Interrupted

SMALL_RUN = ["run.years=1.25", "run.warmup_years=0.25"]
"""A short run: a quarter of a year to settle, one measured year (the recovery test's
size; the synthetic targets come from the same short runs, so the warm-up need not be
long)."""


def _error(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sim.calibrate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sim.calibrate: error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["calibration.nonsense=1"], "unknown key 'calibration.nonsense'"),
        (["calibration=slow"], "unknown calibration 'slow'; available: default, quick"),
        (["calibration.sampler=gpu"], "calibration.sampler = 'gpu' is not an option"),
        (["calibration.sampler=dask"], "calibration.address is empty"),
        (["calibration.population=2"], "calibration.population = 2 is out of range"),
        (["calibration.wave_points=5"], "calibration.wave_points = 5 is out of range"),
        (
            ["calibration.candidates=100", "calibration.wave_points=200"],
            "calibration.candidates = 100 is out of range",
        ),
        (["calibration.replications=zero"], "calibration.replications = 'zero' is not allowed"),
        (["calibration.replications=1"], "calibration.replications = 1 is out of range"),
        (["calibration.truth={pathway.assessment_hours:12}"], "calibration.truth is for"),
        (["calibration.parameters=[pathway.nowhere]"], "calibration.parameters: unknown key"),
        (["calibration.targets=nowhere"], "nowhere"),
        (["run.replications=3"], "use calibration.replications"),
        (["calibration.targets=leeds", "authority=kent"], "leave authority= out"),
    ],
)
def test_bad_input_is_one_line(args: list[str], words: str) -> None:
    assert words in _error(*args)


def test_default_parameters_are_plausible_factors_or_have_relative_ranges() -> None:
    plausible = {f.key for f in plausible_factors()}
    assert set(DEFAULT_PARAMETERS) <= plausible | set(RELATIVE_RANGES)


def test_the_base_hazard_is_fitted_around_the_authoritys_own(tmp_path: Path) -> None:
    """``turnover_base`` has no plausible range: its prior is 0.7 to 1.5 times the base's
    value, England's 0.087 or an authority's from its published turnover; a range given
    in ``calibration.ranges`` replaces it."""
    key = "workforce.turnover_base"
    england = {f.key: f for f in prepare([f"calibration.out={tmp_path}/e"]).factors}[key]
    assert (england.low, england.high) == pytest.approx((0.7 * 0.087, 1.5 * 0.087), rel=1e-3)
    leeds = prepare(["calibration.targets=leeds", f"calibration.out={tmp_path}/l"])
    own = {f.key: f for f in leeds.factors}[key]
    base = leeds.base.workforce.turnover_base
    assert base != 0.087
    assert (own.low, own.high) == pytest.approx((0.7 * base, 1.5 * base), rel=1e-3)
    given = prepare([f"calibration.out={tmp_path}/g", f"calibration.ranges={{{key}:[0.05,0.1]}}"])
    assert {f.key: f for f in given.factors}[key].low == 0.05


def test_an_authoritys_targets_run_that_authority(tmp_path: Path) -> None:
    cal = prepare(["calibration.targets=leeds", f"calibration.out={tmp_path}"])
    assert cal.base.authority.name == "leeds"
    assert "authority=leeds" in cal.overrides
    assert cal.targets.la_code == cal.base.authority.la_code
    assert [f.key for f in cal.factors] == list(DEFAULT_PARAMETERS)


def test_ranges_replace_the_prior(tmp_path: Path) -> None:
    cal = prepare(
        [
            "calibration.parameters=[pathway.assessment_hours]",
            "calibration.ranges={pathway.assessment_hours:[8,12]}",
            f"calibration.out={tmp_path}",
        ]
    )
    (factor,) = fit_factors(cal.base, cal.settings)
    assert (factor.low, factor.high) == (8.0, 12.0)


def test_a_folder_of_another_calibration_is_refused(tmp_path: Path) -> None:
    open_folder(prepare([f"calibration.out={tmp_path}"]))
    open_folder(prepare([f"calibration.out={tmp_path}", "calibration.generations=9"]))
    other = prepare([f"calibration.out={tmp_path}", "calibration.targets=leeds"])
    with pytest.raises(ConfigError, match="holds another calibration"):
        open_folder(other)


def test_a_folder_is_known_by_its_resolved_parameters(tmp_path: Path) -> None:
    """The default list (null) and the same list named are one calibration; a folder
    written before calibration.json left out settings.parameters (null there) opens too,
    and one fitting other parameters is refused."""
    open_folder(prepare([f"calibration.out={tmp_path}"]))
    named = ",".join(DEFAULT_PARAMETERS)
    open_folder(prepare([f"calibration.out={tmp_path}", f"calibration.parameters=[{named}]"]))
    path = tmp_path / "calibration.json"
    old = json.loads(path.read_text(encoding="utf-8"))
    assert "parameters" not in old["settings"]
    old["settings"]["parameters"] = None
    path.write_text(json.dumps(old), encoding="utf-8")
    open_folder(prepare([f"calibration.out={tmp_path}", f"calibration.parameters=[{named}]"]))
    fewer = ",".join(list(DEFAULT_PARAMETERS)[:-1])
    with pytest.raises(ConfigError, match="its parameters differ"):
        open_folder(prepare([f"calibration.out={tmp_path}", f"calibration.parameters=[{fewer}]"]))


def test_settings_defaults_are_documented() -> None:
    text = (Path(__file__).parents[1] / "docs" / "calibration.md").read_text(encoding="utf-8")
    for name in CalibrationSettings.__dataclass_fields__:
        assert f"`{name}`" in text, name


TRUTH = {"pathway.assessment_hours": 14.0, "workforce.turnover_pressure_effect": 2.5}


@pytest.mark.slow
@pytest.mark.validation
def test_recovery_of_known_parameters(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Outputs simulated at TRUTH (away from the defaults 10 and 1.5) are fitted from
    the plausible ranges (6-20 hours, 0.5-4): each true value lies inside its 90%
    posterior interval, and the time for an assessment, which moves caseloads and
    timeliness strongly, is pinned down (interval at most three quarters of its range).

    Darlington (1,117 referrals a year), one measured year, two replications per
    parameter set, one wave of 20 points, 30 particles for two generations, the
    single-core sampler (reproducible), synthetic targets from 16 runs, the posterior
    medians as the point (the point's 80 runs test nothing here). A third generation
    (181 more parameter sets, 40% of the test's time) moved the intervals little:
    measured on 2026-12-02, 9.4 to 16.7 hours after two generations, 10.6 to 16.9 after
    three; 1.3 to 3.8 and 1.4 to 4.0 for the pressure effect.
    """
    truth = ",".join(f"{k}:{v}" for k, v in TRUTH.items())
    cal = prepare(
        [
            "calibration=quick",
            "calibration.targets=synthetic",
            f"calibration.parameters=[{','.join(TRUTH)}]",
            f"calibration.truth={{{truth}}}",
            "calibration.population=30",
            "calibration.generations=2",
            "calibration.point_draws=0",
            "calibration.sampler=single",
            "calibration.n_jobs=1",
            f"calibration.out={tmp_path}",
            "authority=darlington",
            *SMALL_RUN,
        ]
    )
    run_calibration(cal)
    # Without a terminal (no bars) the log still names every stage as it ends.
    stages = [line.split(":")[0] for line in capsys.readouterr().err.splitlines()]
    assert stages == [
        "history matching wave 1/1",
        "ABC generation 1/2",
        "ABC generation 2/2",
        "posterior-predictive check",
    ], stages
    with open(tmp_path / "parameters.csv", encoding="utf-8") as f:
        rows = {row["parameter"]: row for row in csv.DictReader(f)}
    for key, value in TRUTH.items():
        low, high = float(rows[key]["low_90"]), float(rows[key]["high_90"])
        assert low <= value <= high, (key, value, low, high)
    hours = rows["pathway.assessment_hours"]
    assert float(hours["shrinkage"]) >= PINNED_SHRINKAGE, rows
    if float(hours["effective_sample_size"]) >= MIN_EFFECTIVE_SAMPLE:
        assert hours["pinned"] == "true", rows


def test_an_interrupted_calibration_says_so_in_one_line(tmp_path: Path) -> None:
    """SIGTERM (a cluster's time limit) during ABC-SMC on the multicore sampler: one line,
    status 143, no traceback from pyABC's worker processes (they end quietly)."""
    folder = tmp_path / "cal"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.calibrate",
            "calibration=quick",
            "calibration.targets=rutland",
            "calibration.waves=0",
            "calibration.n_jobs=2",
            f"calibration.out={folder}",
            *SMALL_RUN,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group, as a terminal's or a SLURM job's
    )
    deadline = time.monotonic() + 120
    while not (folder / "abc.db").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3)  # the workers are running the model
    os.killpg(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    # Progress lines of finished stages may come first (a line a generation): then the one
    # line that says what is kept, and no traceback.
    assert stderr.strip().splitlines()[-1] == (
        "sim.calibrate: interrupted (SIGTERM); finished waves and generations are kept: run "
        "the same command again to resume"
    ), stderr
    assert "Traceback" not in stderr, stderr


def test_interrupted_pickles_by_signal_number() -> None:
    stop = pickle.loads(pickle.dumps(Interrupted(signal.SIGTERM, Path("x"))))
    assert (stop.name, stop.signum, stop.folder) == ("SIGTERM", signal.SIGTERM, Path("x"))
