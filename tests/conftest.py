"""Shared fixtures: small configurations, Hydra composition and sweeps through the CLI.

Test modules never import each other (or this file): what they share is here, as
fixtures. A helper that tests call with their own arguments is a fixture that returns the
function (``small_config``, ``multirun``, ``signalled``); it is session-scoped, so module-scoped fixtures
can use it too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hypothesis import settings

import sim
from sim import CONF_DIR
from sim.config import Config, register_configs, scale_authority, validate

matplotlib.use("Agg")

settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True)
"""The property tests' profile (tests/test_properties.py): the same examples on every run,
no time limit per example (a run's time varies with the machine) and no example database
(nothing written into the checkout). Each test sets its own number of examples."""
settings.register_profile("explore", parent=settings.get_profile("ci"), derandomize=False)
"""A longer random search: ``HYPOTHESIS_PROFILE=explore pytest tests/test_properties.py``."""
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # A suite started in the background (`make test &`, nohup, a batch job) inherits
    # Ctrl-C ignored, and cpsim rightly leaves an ignored signal alone, so the tests of
    # what Ctrl-C does would see nothing. Python's own handler restores what a terminal
    # gives; the command lines the tests start then begin with the default too (a handler,
    # unlike an ignored signal, is not inherited across exec).
    signal.signal(signal.SIGINT, signal.default_int_handler)

SHORT_SWEEP = ["run.replications=2", "run.years=1.2", "run.warmup_years=0.2", "run.n_jobs=1"]
"""Overrides that keep a sweep through the command line short."""


def _small_config(scale: float = 0.25, years: float = 2.0, warmup: float = 1.0, **run) -> Config:
    """A scaled-down average authority for fast tests (same rates per child)."""
    cfg = scale_authority(Config(), scale)
    cfg.run.years = years
    cfg.run.warmup_years = warmup
    for key, value in run.items():
        setattr(cfg.run, key, value)
    return validate(cfg)


@pytest.fixture(scope="session")
def small_config() -> Callable[..., Config]:
    """``small_config(scale=0.25, years=2.0, warmup=1.0, **run)``: a small validated config.

    A scaled-down average authority (same rates per child); ``run`` sets ``run.*`` keys.
    """
    return _small_config


def _multirun(sweep_dir: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    given = {override.split("=")[0].lstrip("+~") for override in overrides}
    short = [override for override in SHORT_SWEEP if override.split("=")[0] not in given]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            *short,
            *overrides,
            f"hydra.sweep.dir={sweep_dir}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def multirun() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``multirun(sweep_dir, *overrides)``: a short sweep through ``python -m sim -m``.

    ``SHORT_SWEEP`` keeps it short; an override of one of its keys replaces it (the
    command line refuses a key given twice). Returns the finished process (its return code is not checked).
    """
    return _multirun


@pytest.fixture
def compose_cfg():
    """Compose conf/config.yaml with overrides, as the CLI does."""

    def _compose(*overrides: str):
        register_configs()  # the schema conf/config.yaml builds on (sim.composition does it too)
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    yield _compose
    GlobalHydra.instance().clear()


_SIGNALLED = """
import os, signal, sys

import sim.experiment as experiment
import sim.results as results
import sim.runner as runner

SIG = getattr(signal, os.environ["CPSIM_TEST_SIGNAL"])
AT = os.environ["CPSIM_TEST_AT"]


def stop():
    os.killpg(0, SIG)  # the whole group: this process and its workers


def before(owner, name, when=lambda *a, **k: True):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        if when(*args, **kwargs):
            stop()
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def publish_half(out_dir):
    staged = sorted((out_dir / ".staging").iterdir())
    for path in staged[: len(staged) // 2]:
        path.replace(out_dir / path.name)
    stop()


def write_then_stop(self, write=results.RunRecord.write):
    write(self)
    if self.data["status"] == "complete":
        stop()


if AT == "replication":  # in a worker process, while the others run
    before(runner, "run_one", lambda cfg, replication, *a, **k: replication == 1)
elif AT == "figures":  # the tables are staged, no figure drawn yet
    before(experiment, "save")
elif AT == "report":
    before(experiment, "write_run_report")
elif AT == "publish":  # half the outputs moved into place
    experiment.publish = publish_half
elif AT == "complete":  # just after run.json says complete
    results.RunRecord.write = write_then_stop
elif AT == "sweep_job":  # as the second job of a sweep starts its replications
    before(experiment, "run_replications", lambda cfg, progress, label: label.startswith("job 1"))
elif AT == "summary":  # the run is over, its KPI table not yet printed
    before(experiment, "format_summary")
else:
    raise SystemExit(f"unknown moment {AT}")

experiment.cli(sys.argv[1:])
"""

MOMENTS = ("replication", "figures", "report", "publish", "complete", "sweep_job", "summary")
"""Where ``signalled`` can send its signal."""


def _signalled(cwd: Path, sig: str, at: str, *args: str) -> subprocess.CompletedProcess[str]:
    if at not in MOMENTS:
        raise ValueError(f"unknown moment {at!r}; one of {MOMENTS}")
    script = cwd / "signalled.py"
    script.write_text(_SIGNALLED)
    source = str(Path(sim.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")]),
        "CPSIM_TEST_SIGNAL": sig,
        "CPSIM_TEST_AT": at,
    }
    return subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )


@pytest.fixture(scope="session")
def signalled() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``signalled(cwd, "SIGTERM", moment, *args)``: ``python -m sim ARGS``, signalled.

    The command line runs in a child process with one step wrapped so that, at
    ``moment`` (one of ``MOMENTS``), it sends the signal to its whole process group, as
    Ctrl-C in a terminal and SLURM at a time limit do (worker processes included). The
    child runs in a session of its own, so the signal reaches nothing else; no timing is
    involved. Returns the finished process.
    """
    return _signalled
