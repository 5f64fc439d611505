"""A sensitivity study's settings: the ``sensitivity`` config group's schema and checks.

conf/sensitivity/morris.yaml and sobol.yaml build on the schemas registered here
(:class:`MorrisSettings`, :class:`SobolSettings`), so a misspelt setting or a value of the
wrong type fails at composition; :func:`check_settings` checks ranges and combinations.
conf/sensitivity_study.yaml composes the model's configuration (conf/config.yaml) with
one of them; :func:`compose_study` composes it and turns any mistake into one line.
The settings are documented in sim/sensitivity.py's docstring and docs/sensitivity.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf

from sim import composition
from sim.config import MAX_SEED, ConfigError
from sim.metrics import HEADLINE_KPIS, KPIS
from sim.sensitivity_analysis import KEEP_RULES

STUDY_CONFIG = "sensitivity_study"
"""The command's primary config (conf/sensitivity_study.yaml): the model's and a study's."""
METHODS = ("morris", "sobol")
STAGES = ("all", "evaluate", "analyse")


@dataclass
class StudySettings:
    """The settings every study has (``sensitivity.*``; docs/sensitivity.md)."""

    method: str = "morris"
    factors: list[str] | None = None
    """Schema keys; None: every parameter with a plausible range screened by default."""
    ranges: Any = None
    """``{key: [low, high]}`` for factors without a plausible range, or to replace it
    (untyped: OmegaConf cannot merge a mapping into a typed empty one under Hydra)."""
    kpis: list[str] | None = None
    """KPI registry names; None: the headline KPIs."""
    replications: int = 3
    seed: int | None = None
    """The design's and the bootstrap's seed; None: the run seed."""
    n_jobs: int = 0
    """Processes that run replications (0: one per core)."""
    out: str | None = None
    """The study folder; None: results/sensitivity/<method>."""
    stage: str = "all"
    """``all``: run what is not done, then analyse; ``evaluate``: run only; ``analyse``:
    analyse a study whose points are all done."""
    batches: int = 1
    batch: int | None = None
    """Run only this batch's points (of ``batches`` contiguous ones); None: every point."""
    resamples: int = 1000
    """Bootstrap resamples of the indices' confidence intervals."""

    def method_settings(self) -> dict[str, Any]:
        """The settings that decide the design and the indices (study.json's settings)."""
        return {"resamples": self.resamples}


@dataclass
class MorrisSettings(StudySettings):
    """A Morris screen's settings (``sensitivity=morris``)."""

    trajectories: int = 10
    levels: int = 4
    """Grid levels of each factor's range (even)."""

    def method_settings(self) -> dict[str, Any]:
        """Trajectories, levels and resamples."""
        return {
            "trajectories": self.trajectories,
            "levels": self.levels,
            **super().method_settings(),
        }


@dataclass
class SobolSettings(StudySettings):
    """A Sobol' stage's settings (``sensitivity=sobol``)."""

    method: str = "sobol"
    base_samples: int = 64
    """Saltelli's N, a power of 2: N x (k + 2) points for k factors."""
    keep_from: str | None = None
    """A Morris study folder whose screen chooses the factors; None: name them."""
    max_factors: int = 8
    keep_rule: str = "distinguishable"
    """``distinguishable`` or ``ranked`` (sim.sensitivity_analysis.keep)."""

    def method_settings(self) -> dict[str, Any]:
        """Base samples and resamples."""
        return {"base_samples": self.base_samples, **super().method_settings()}


SCHEMAS: dict[str, type[StudySettings]] = {"morris": MorrisSettings, "sobol": SobolSettings}


def register_schemas() -> None:
    """Register the settings' schemas, which conf/sensitivity/<method>.yaml build on."""
    store = ConfigStore.instance()
    for method, schema in SCHEMAS.items():
        store.store(name=f"sensitivity_{method}_schema", node=schema)


register_schemas()


def _least(s: StudySettings, name: str, least: int) -> None:
    value = getattr(s, name)
    if value < least:
        raise ConfigError(f"sensitivity.{name} = {value} is out of range; allowed: {least} or more")


def check_settings(s: StudySettings) -> None:
    """Refuse settings out of range or that contradict each other, in one line."""
    if s.method != ("sobol" if isinstance(s, SobolSettings) else "morris"):
        raise ConfigError(
            f"sensitivity.method = {s.method!r} is set by the option; allowed: choose the "
            f"method with sensitivity={' or sensitivity='.join(METHODS)}"
        )
    for name, least in (("replications", 1), ("n_jobs", 0), ("batches", 1), ("resamples", 1)):
        _least(s, name, least)
    if s.stage not in STAGES:
        raise ConfigError(
            f"sensitivity.stage = {s.stage!r} is not an option; allowed: {', '.join(STAGES)}"
        )
    if s.batch is not None and not 0 <= s.batch < s.batches:
        raise ConfigError(
            f"sensitivity.batch = {s.batch} is out of range; allowed: 0 to "
            f"sensitivity.batches - 1 ({s.batches - 1})"
        )
    if s.batch is not None and s.stage == "analyse":
        raise ConfigError("sensitivity.batch: the analysis reads every point; leave batch out")
    if s.seed is not None and not 0 <= s.seed <= MAX_SEED:
        raise ConfigError(f"sensitivity.seed = {s.seed} is out of range; allowed: 0 to {MAX_SEED}")
    study_kpis(s.kpis)
    if isinstance(s, MorrisSettings):
        _check_morris(s)
    if isinstance(s, SobolSettings):
        _check_sobol(s)


def _check_morris(s: MorrisSettings) -> None:
    _least(s, "trajectories", 2)
    if s.levels < 2 or s.levels % 2:
        raise ConfigError(
            f"sensitivity.levels = {s.levels} is out of range; allowed: an even number, 2 or more"
        )


def _check_sobol(s: SobolSettings) -> None:
    n = s.base_samples
    if n < 2 or n & (n - 1):
        raise ConfigError(
            f"sensitivity.base_samples = {n} is out of range; allowed: a power of 2, 2 or more"
        )
    _least(s, "max_factors", 1)
    if s.keep_rule not in KEEP_RULES:
        raise ConfigError(
            f"sensitivity.keep_rule = {s.keep_rule!r} is not an option; allowed: "
            f"{', '.join(KEEP_RULES)}"
        )
    if s.keep_from is not None and (s.factors is not None or s.ranges):
        raise ConfigError(
            "sensitivity.keep_from takes the factors and ranges of the screen; leave "
            "sensitivity.factors and sensitivity.ranges out (or keep_from, to name them)"
        )


def study_kpis(kpis: Sequence[str] | None) -> tuple[str, ...]:
    """The KPIs a study measures: registry names, each once (default: the headline KPIs)."""
    if kpis is None:
        return HEADLINE_KPIS
    if not kpis:
        raise ConfigError("sensitivity.kpis is empty; allowed: KPI names (docs/kpis.md)")
    for name in kpis:
        if name not in KPIS:
            raise ConfigError(f"sensitivity.kpis: unknown KPI '{name}'; allowed: {', '.join(KPIS)}")
        if list(kpis).count(name) > 1:
            raise ConfigError(f"sensitivity.kpis: {name} is given twice; allowed: once")
    return tuple(kpis)


def settings_of(dcfg: DictConfig) -> StudySettings:
    """The study's settings from a composed configuration, checked."""
    settings = OmegaConf.to_object(dcfg.sensitivity)
    assert isinstance(settings, StudySettings)  # the schema conf/sensitivity/*.yaml build on
    check_settings(settings)
    return settings


def chosen_method(parsed: Sequence[Override]) -> str:
    """The method the overrides choose (``sensitivity=sobol``), or the default."""
    for o in parsed:
        if o.key_or_group == "sensitivity" and not o.is_sweep_override():
            return str(o.value())
    return "morris"


def compose_study(overrides: Sequence[str], method: str = "morris") -> DictConfig:
    """Compose conf/sensitivity_study.yaml with ``overrides`` (the model's already checked).

    ``method`` (:func:`chosen_method`) says which settings an unknown key is not among.

    Raises:
        ConfigError: one line for a bad ``sensitivity`` option, key or value.

    """
    schema = SCHEMAS.get(method, MorrisSettings)
    return composition.compose_tool(
        STUDY_CONFIG, overrides, "sensitivity", schema, f"sensitivity ({schema().method})", METHODS
    )
