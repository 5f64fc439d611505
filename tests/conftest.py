"""Shared fixtures: small configurations and Hydra composition."""

from __future__ import annotations

import matplotlib
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from sim import CONF_DIR
from sim.config import Config, validate

matplotlib.use("Agg")


def small_config(scale: float = 0.25, years: float = 2.0, warmup: float = 1.0, **run) -> Config:
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


@pytest.fixture
def compose_cfg():
    """Compose conf/config.yaml with overrides, as the CLI does."""

    def _compose(*overrides: str):
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides))

    yield _compose
    GlobalHydra.instance().clear()
