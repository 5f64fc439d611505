"""Shared fixtures: small configurations, Hydra composition and sweeps through the CLI.

Test modules never import each other (or this file): what they share is here, as
fixtures. A helper that tests call with their own arguments is a fixture that returns the
function (``small_config``, ``multirun``); it is session-scoped, so module-scoped fixtures
can use it too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hypothesis import settings

from sim import CONF_DIR
from sim.config import Config, validate

matplotlib.use("Agg")

settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True)
"""The property tests' profile (tests/test_properties.py): the same examples on every run,
no time limit per example (a run's time varies with the machine) and no example database
(nothing written into the checkout). Each test sets its own number of examples."""
settings.register_profile("explore", parent=settings.get_profile("ci"), derandomize=False)
"""A longer random search: ``HYPOTHESIS_PROFILE=explore pytest tests/test_properties.py``."""
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SHORT_SWEEP = ["run.replications=2", "run.years=1.2", "run.warmup_years=0.2", "run.n_jobs=1"]
"""Overrides that keep a sweep through the command line short."""


def _small_config(scale: float = 0.25, years: float = 2.0, warmup: float = 1.0, **run) -> Config:
    """A scaled-down average authority for fast tests (same rates per child)."""
    cfg = Config()
    a = cfg.authority
    a.referrals_per_year *= scale
    a.social_workers = max(1, round(a.social_workers * scale))
    a.initial_cpp_children = round(a.initial_cpp_children * scale)
    a.initial_cin_children = round(a.initial_cin_children * scale)
    a.mash_decisions_per_day *= scale
    a.conference_slots_per_day = max(1, round(a.conference_slots_per_day * scale))
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
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    yield _compose
    GlobalHydra.instance().clear()
