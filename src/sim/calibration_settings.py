"""A calibration's settings: the ``calibration`` config group's schema and checks.

conf/calibration/default.yaml and quick.yaml build on the schema registered here
(:class:`CalibrationSettings`), so a misspelt setting or a value of the wrong type fails
at composition; :func:`check_settings` checks ranges and combinations. conf/calibrate.yaml
composes the model's configuration (conf/config.yaml) with one of them. The settings are
documented in docs/calibration.md ("Settings").
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

CALIBRATE_CONFIG = "calibrate"
"""The command's primary config (conf/calibrate.yaml): the model's and a calibration's."""
OPTIONS = ("default", "quick")
SAMPLERS = ("single", "multicore", "dask", "redis")

DEFAULT_PARAMETERS: tuple[str, ...] = (
    "pathway.assessment_hours",
    "workforce.casework_hours_per_week",
    "workforce.turnover_pressure_effect",
    "need.progress_effect_per_week",
    "need.weekly_noise_sd",
    "pathway.s47_hours",
    "workforce.turnover_base",
)
"""The parameters fitted by default: the assumptions the sensitivity analysis ranks
highest (docs/sensitivity.md: time for an assessment and casework hours a week lead
drift, visits and complaints; turnover's response to overload dominates turnover;
progress per week of work and the noise of need; time for a section 47, kept by the
screen) that move the targets (caseload, timeliness, turnover, plan stock, enquiries),
and the base leaving hazard (``turnover_base``): it is set by hand (sim.localise for an
authority) to the published turnover at the other defaults, so it must move when they
do (the six-parameter England fit ran turnover, vacancy and agency 1-3 points low
together; docs/calibration.md). Each is fitted over its plausible range (config.py), or
over :data:`RELATIVE_RANGES` of the base's value."""

RELATIVE_RANGES: dict[str, tuple[float, float]] = {"workforce.turnover_base": (0.7, 1.5)}
"""Prior ranges of fitted parameters without a plausible range, as multiples of the base
configuration's value (the authority's own): ``turnover_base`` from 30% lower to 50% higher
(assumption: enough to move the realised turnover by about 4 points either way at the
posterior's other values; the six-parameter England fit needed about 1.16)."""


@dataclass
class CalibrationSettings:
    """Every setting of a calibration (``calibration.*``; docs/calibration.md)."""

    targets: str = "england"
    """``england``, an authority's key or code (its own figures), ``synthetic`` (outputs
    simulated at ``truth``), or a target file (.yaml)."""
    parameters: list[str] | None = None
    """Schema keys fitted; None: :data:`DEFAULT_PARAMETERS`."""
    ranges: Any = None
    """``{key: [low, high]}``: a prior range for a parameter without a plausible range,
    or to replace it (untyped, as sensitivity.ranges)."""
    truth: Any = None
    """``{key: value}``: the true values of ``targets=synthetic`` (default: the base
    configuration's values)."""
    replications: int = 2
    """Replications per parameter set (common random numbers: 0 to R-1 of run.seed)."""
    seed: int | None = None
    """The design's and the sampler's seed; None: the run seed."""
    n_jobs: int = 0
    """Processes for history matching's runs and the posterior check (0: one per core)."""
    out: str | None = None
    """The calibration's folder; None: results/calibration/<targets>."""
    waves: int = 2
    """History-matching waves (0: straight to ABC-SMC on the prior box)."""
    wave_points: int = 40
    """Design points per wave (at least 10: the fewest an emulator is fitted on)."""
    cutoff: float = 3.0
    """Implausibility cut-off (Pukelsheim's three-sigma rule)."""
    candidates: int = 20_000
    """Candidate points per wave from which the not-ruled-out space is sampled."""
    population: int = 100
    """ABC-SMC particles per generation."""
    generations: int = 5
    """ABC-SMC generations in all (a rerun continues to this many)."""
    min_acceptance_rate: float = 0.01
    """ABC-SMC stops early when fewer proposals than this are accepted."""
    sampler: str = "multicore"
    """pyABC's sampler: single, multicore, dask (``address`` of a scheduler) or redis."""
    address: str = ""
    """The dask scheduler's or the redis server's address (host:port)."""
    check_draws: int = 20
    """Posterior draws run for the posterior-predictive check (fit.csv)."""
    point_draws: int = 10
    """Posterior draws tried for calibrated.yaml's point: the one closest to the targets
    over ``point_replications`` wins (0: the posterior medians)."""
    point_replications: int = 10
    """Replications per tried draw (common random numbers: 0 to N-1 of run.seed)."""


def register_schema() -> None:
    """Register the settings' schema, which conf/calibration/<option>.yaml build on."""
    ConfigStore.instance().store(name="calibration_schema", node=CalibrationSettings)


register_schema()


def _least(s: CalibrationSettings, name: str, least: float) -> None:
    value = getattr(s, name)
    if value < least:
        raise ConfigError(f"calibration.{name} = {value} is out of range; allowed: {least} or more")


def check_settings(s: CalibrationSettings) -> None:
    """Refuse settings out of range or that contradict each other, in one line."""
    for name, least in (
        ("replications", 1),
        ("n_jobs", 0),
        ("waves", 0),
        ("wave_points", 10),
        ("candidates", 100),
        ("population", 4),
        ("generations", 1),
        ("check_draws", 1),
        ("point_draws", 0),
        ("point_replications", 1),
    ):
        _least(s, name, least)
    if s.waves > 0 and s.replications < 2:
        raise ConfigError(
            f"calibration.replications = {s.replications} is out of range; allowed: 2 or more "
            "with history matching (it emulates the run-to-run variance), or calibration.waves=0"
        )
    if s.candidates < s.wave_points:
        raise ConfigError(
            f"calibration.candidates = {s.candidates} is out of range; allowed: at least "
            f"calibration.wave_points ({s.wave_points})"
        )
    if not s.cutoff > 0:
        raise ConfigError(f"calibration.cutoff = {s.cutoff} is out of range; allowed: above 0")
    if not 0 <= s.min_acceptance_rate < 1:
        raise ConfigError(
            f"calibration.min_acceptance_rate = {s.min_acceptance_rate} is out of range; "
            "allowed: 0 to less than 1"
        )
    if s.sampler not in SAMPLERS:
        raise ConfigError(
            f"calibration.sampler = {s.sampler!r} is not an option; allowed: {', '.join(SAMPLERS)}"
        )
    if s.sampler in ("dask", "redis") and not s.address:
        raise ConfigError(
            f"calibration.address is empty; allowed: the {s.sampler} server's host:port "
            f"(calibration.sampler={s.sampler})"
        )
    if s.seed is not None and not 0 <= s.seed <= MAX_SEED:
        raise ConfigError(f"calibration.seed = {s.seed} is out of range; allowed: 0 to {MAX_SEED}")
    if s.parameters is not None and not s.parameters:
        raise ConfigError("calibration.parameters is empty; allowed: schema keys, or null")
    if s.truth is not None and s.targets != "synthetic":
        raise ConfigError(
            "calibration.truth is for calibration.targets=synthetic; leave it out "
            f"(targets={s.targets})"
        )


def settings_of(dcfg: DictConfig) -> CalibrationSettings:
    """The calibration's settings from a composed configuration, checked."""
    settings = OmegaConf.to_object(dcfg.calibration)
    assert isinstance(settings, CalibrationSettings)  # the schema conf/calibration build on
    check_settings(settings)
    return settings


def chosen_option(parsed: Sequence[Override]) -> str:
    """The option the overrides choose (``calibration=quick``), or the default."""
    for o in parsed:
        if o.key_or_group == "calibration" and not o.is_sweep_override():
            return str(o.value())
    return "default"


def compose_calibration(overrides: Sequence[str]) -> DictConfig:
    """Compose conf/calibrate.yaml with ``overrides`` (the model's already checked).

    Raises:
        ConfigError: one line for a bad ``calibration`` option, key or value.

    """
    return composition.compose_tool(
        CALIBRATE_CONFIG, overrides, "calibration", CalibrationSettings, "calibration", OPTIONS
    )
