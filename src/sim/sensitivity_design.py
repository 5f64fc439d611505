"""A sensitivity study's design: its factors, its design points (SALib) and their configurations.

:mod:`sim.sensitivity` runs the study; this module says what it runs. A study varies
*factors*: schema parameters, each over a range (its plausible range in the schema,
:func:`sim.config.plausible_factors`, unless the user gives one), plus the ``dummy``, a
factor in [0, 1] that no parameter reads (:func:`dummy_seed` says what it does instead).
The design comes from SALib: Morris trajectories (``SALib.sample.morris``) or Saltelli's
Sobol' sample without second-order terms (``SALib.sample.sobol``), seeded so that the same
settings give the same design. Values are scaled into each factor's range by SALib; a
whole-number parameter's values are then rounded, so its steps are uneven (a Morris step
of 4.67 caseload places is run as 4 or 5) and the analysis uses the design as run.

:class:`Spec` is what ``study.json`` holds: everything that decides the points and their
results. Two runs of the same Spec share their finished points.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.config import (
    SCHEMA_FIELDS,
    Config,
    ConfigError,
    Factor,
    apply_adjustments,
    out_of_range_error,
    plausible_factors,
    unknown_key_error,
    validate,
)
from sim.sensitivity_analysis import DUMMY

DUMMY_FACTOR = Factor(
    DUMMY,
    0.0,
    1.0,
    math.nan,
    False,
    "read by no parameter: its value only chooses the point's random numbers, so its "
    "indices are what replication noise alone gives (the yardstick of distinguishable)",
)
DESIGN_STREAM = 0
"""The spawn key of the design's random numbers (the analysis's bootstrap uses 1)."""
DUMMY_RESOLUTION = 10**9
"""Dummy values closer than this many to one share their random numbers (never in a design)."""
_FIELDS = {f.key: f for f in SCHEMA_FIELDS}


@dataclass(frozen=True)
class Spec:
    """A study as ``study.json`` records it: what decides its points and their results.

    Attributes:
        method: ``morris`` or ``sobol``.
        factors: The factors, the dummy last.
        kpis: The KPIs measured (registry names).
        replications: Replications run at every point (the same ones: 0 to R-1).
        seed: The seed of the design and of the analysis's bootstrap.
        overrides: The model's overrides that made the base configuration, sorted.
        settings: The method's settings (Morris: trajectories, levels, resamples; Sobol:
            base_samples, resamples).
        kept_from: The Morris study a Sobol stage took its factors from, or None.
        kept_rule: The rule that chose them, in words, or None.

    """

    method: str
    factors: tuple[Factor, ...]
    kpis: tuple[str, ...]
    replications: int
    seed: int
    overrides: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    kept_from: str | None = None
    kept_rule: str | None = None

    @property
    def keys(self) -> list[str]:
        """The factors' keys, the dummy last (design.csv's columns after ``point``)."""
        return [f.key for f in self.factors]

    def to_json(self) -> dict[str, Any]:
        """The study as study.json holds it (the dummy's default is null: it has none)."""
        return {
            "method": self.method,
            "factors": [_factor_json(f) for f in self.factors],
            "kpis": list(self.kpis),
            "replications": self.replications,
            "seed": self.seed,
            "overrides": list(self.overrides),
            "settings": dict(self.settings),
            "kept_from": self.kept_from,
            "kept_rule": self.kept_rule,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Spec:
        """The study a study.json describes.

        Raises:
            ConfigError: it is not a study.json (a key missing or of the wrong kind).

        """
        try:
            factors = tuple(
                Factor(
                    str(f["key"]),
                    float(f["low"]),
                    float(f["high"]),
                    math.nan if f["default"] is None else f["default"],
                    bool(f["whole"]),
                    str(f["why"]),
                )
                for f in data["factors"]
            )
            return cls(
                str(data["method"]),
                factors,
                tuple(str(k) for k in data["kpis"]),
                int(data["replications"]),
                int(data["seed"]),
                tuple(str(o) for o in data["overrides"]),
                dict(data["settings"]),
                data["kept_from"],
                data["kept_rule"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"not a study.json ({type(exc).__name__}: {exc})") from None


def _factor_json(f: Factor) -> dict[str, Any]:
    default = None if isinstance(f.default, float) and math.isnan(f.default) else f.default
    return {
        "key": f.key,
        "low": f.low,
        "high": f.high,
        "default": default,
        "whole": f.whole,
        "why": f.why,
    }


def resolve_factors(
    keys: Sequence[str] | None,
    ranges: Mapping[str, Any] | None,
    base: Config,
    setting: str = "sensitivity.factors",
    dummy: bool = True,
) -> list[Factor]:
    """The factors of a study, the dummy last, with their ranges and why.

    Args:
        keys: Schema keys (``sensitivity.factors``), or None for every parameter with a
            plausible range that is screened by default
            (:func:`sim.config.plausible_factors`); a named factor may be any with a
            plausible range.
        ranges: ``key -> [low, high]`` (``sensitivity.ranges``) for keys without a
            plausible range or to replace it; inside the key's allowed range.
        base: The base configuration; a factor's ``default`` is its value there.
        setting: The list of keys, as errors name it (``calibration.parameters`` for a
            calibration, whose ranges are then ``calibration.ranges``).
        dummy: Add the dummy factor last.

    Raises:
        ConfigError: one line naming the key: unknown, not a number, no range, a range
            out of the allowed one, given twice.

    """
    group = setting.partition(".")[0]
    given = _ranges(ranges or {}, f"{group}.ranges")
    plausible = {f.key: f for f in plausible_factors()}
    if keys is None:
        keys = [f.key for f in plausible_factors(screened_only=True)]
        if not keys:
            raise ConfigError(
                f"{setting}: no parameter has a plausible range in the schema; name "
                f"the factors ({setting}=[key,...]) and their ranges "
                f"({group}.ranges={{key:[low,high]}})"
            )
    seen: set[str] = set()
    factors = []
    for key in keys:
        _check_key(key, seen, setting)
        seen.add(key)
        kind = _FIELDS[key].kind
        default = _FIELDS[key].value_in(base)
        if key in given:
            low, high = given[key]
            why = f"range given in {group}.ranges"
        elif key in plausible:
            low, high, why = plausible[key].low, plausible[key].high, plausible[key].why
        else:
            raise ConfigError(
                f"{setting}: {key} has no plausible range in the schema; give one "
                f"with {group}.ranges={{{key}:[low,high]}}"
            )
        factors.append(Factor(key, float(low), float(high), default, kind is int, why))
    for key in given:
        if key not in seen:
            raise ConfigError(
                f"{group}.ranges: {key} is not a factor of this study; allowed: the keys "
                f"of {setting}"
            )
    return [*factors, DUMMY_FACTOR] if dummy else factors


def _check_key(key: str, seen: set[str], setting: str) -> None:
    """Refuse a factor key that is not a number of the schema, the dummy, or a repeat."""
    if key == DUMMY:
        raise ConfigError(f"{setting}: 'dummy' is added to every study; leave it out")
    if key in seen:
        raise ConfigError(f"{setting}: {key} is given twice; allowed: once")
    if key not in _FIELDS or "." not in key:
        raise ConfigError(f"{setting}: {unknown_key_error(key)}")
    if key.startswith("run."):
        raise ConfigError(
            f"{setting}: {key} says how runs are made, not what the model assumes; "
            "allowed: a parameter of authority, pathway, need, workforce, complaints, policy "
            "or services"
        )
    if _FIELDS[key].kind not in (int, float):
        raise ConfigError(f"{setting}: {key} is not a number; a factor must be one")


def _ranges(ranges: Mapping[str, Any], setting: str) -> dict[str, tuple[float, float]]:
    """``sensitivity.ranges`` (``setting``) checked: a known numeric key, two numbers low < high, allowed."""
    if not isinstance(ranges, Mapping):
        raise ConfigError(
            f"{setting} = {ranges!r} is not allowed; allowed: a mapping {{key:[low,high],...}}"
        )
    checked = {}
    for key, pair in ranges.items():
        key = str(key)
        if key not in _FIELDS or "." not in key:
            raise ConfigError(f"{setting}: {unknown_key_error(key)}")
        numbers = list(pair) if isinstance(pair, Sequence) and not isinstance(pair, str) else []
        if len(numbers) != 2 or not all(_is_number(x) for x in numbers) or numbers[0] >= numbers[1]:
            raise ConfigError(
                f"{setting}: {key} = {pair!r} is not allowed; allowed: [low, high], "
                "two numbers with low below high"
            )
        for end in numbers:
            try:
                validate_value(key, float(end))
            except ConfigError as exc:
                raise ConfigError(f"{setting}: {exc}") from None
        checked[key] = (float(numbers[0]), float(numbers[1]))
    return checked


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def validate_value(key: str, value: float) -> None:
    """Refuse a value outside ``key``'s allowed range (the schema's low and high).

    Raises:
        ConfigError: ``key = value is out of range; allowed: ...``.

    """
    meta = _FIELDS[key].meta
    low, high = meta.get("low"), meta.get("high")
    below = low is not None and (value <= low if meta.get("low_open") else value < low)
    if below or (high is not None and value > high):
        raise out_of_range_error(key, value)


def design_rng(seed: int) -> np.random.Generator:
    """The design's random numbers: a stream of ``seed`` of its own."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))


def problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """SALib's problem: the factors' names and ranges."""
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


def design(spec: Spec) -> np.ndarray:
    """The design points as run: one row per point, one column per factor (dummy last).

    Morris: ``trajectories`` trajectories of ``levels`` levels, ``trajectories x (k + 1)``
    points for k factors (the dummy included). Sobol: Saltelli's sample of
    ``base_samples`` (a power of 2) without second-order terms, ``N x (k + 2)`` points.
    Whole-number parameters are rounded to the nearest whole number.
    """
    prob = problem(spec.factors)
    rng = design_rng(spec.seed)
    s = spec.settings
    if spec.method == "morris":
        x = morris_sample.sample(
            prob, int(s["trajectories"]), num_levels=int(s["levels"]), seed=rng
        )
    else:
        x = sobol_sample.sample(prob, int(s["base_samples"]), calc_second_order=False, seed=rng)
    x = np.asarray(x, dtype=float)
    for j, f in enumerate(spec.factors):
        if f.whole:
            x[:, j] = np.rint(x[:, j])
    return x


def block_size(spec: Spec) -> int:
    """Points per Morris trajectory (k + 1) or per Sobol' base sample (k + 2), k factors.

    SALib lays both designs out block by block: a trajectory's points one after another,
    and each base sample's A row, its k cross rows and its B row.
    """
    return len(spec.factors) + (1 if spec.method == "morris" else 2)


def dummy_seed(run_seed: int, block: int, dummy: float) -> int:
    """The run seed of a point of ``block`` (:func:`block_size`) whose dummy is ``dummy``.

    Every point runs the same replications 0 to R-1 (common random numbers), and within a
    trajectory (Morris) or a base sample's rows (Sobol') points with the same dummy value
    use the same run seed: a step in any factor but the dummy compares runs with the same
    random numbers. A step in the dummy changes nothing but the random numbers, so the
    dummy's elementary effects and Sobol' indices measure what replication noise alone
    gives. With one run seed for every point the dummy's runs would be identical and its
    indices exactly 0, whatever the noise; with one per dummy value alone, a Morris design
    would draw all its noise from as few run seeds as it has levels.
    """
    key = round(dummy * DUMMY_RESOLUTION)
    state = np.random.SeedSequence([run_seed, block, key]).generate_state(1, np.uint64)[0]
    return int(state) >> 1  # within run.seed's range, 0 to 2**63 - 1


def point_config(
    base: Config, factors: Sequence[Factor], values: Sequence[float], block: int = 0
) -> Config:
    """The configuration of one design point: ``base`` with the factors' values, validated.

    Its run seed is :func:`dummy_seed` of the base run seed, the point's ``block`` and its
    dummy value.

    Raises:
        ConfigError: the point breaks a rule of the schema (one line naming the key).

    """
    cfg = copy.deepcopy(base)
    for f, value in zip(factors, values, strict=True):
        if f.key == DUMMY:
            cfg.run.seed = dummy_seed(base.run.seed, block, float(value))
            continue
        group, _, name = f.key.rpartition(".")
        node = getattr(cfg, group)
        setattr(node, name, int(value) if f.whole else float(value))
    return validate(apply_adjustments(cfg))


def point_configs(base: Config, spec: Spec, x: np.ndarray) -> list[Config]:
    """Every design point's validated configuration.

    Raises:
        ConfigError: ``design point N: <key and rule>`` for the first point that breaks one.

    """
    configs = []
    size = block_size(spec)
    for i, row in enumerate(x):
        try:
            configs.append(point_config(base, spec.factors, row.tolist(), i // size))
        except ConfigError as exc:
            raise ConfigError(f"design point {i}: {exc}") from None
    return configs
