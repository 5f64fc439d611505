"""Composing conf/ with command-line overrides into one validated configuration.

Every command that takes overrides (``cpsim``, ``python -m sim.story``, ``python -m
sim.explorer``) turns them into a :class:`~sim.config.Config` here: Hydra's compose API
builds the configuration from conf/ and the typed schema (an unknown key or a wrong type
fails there), and :func:`sim.config.to_config` checks ranges and cross-field rules. A key
or config group given twice on the command line is refused before anything is composed
(Hydra would silently keep the last), and Hydra's own settings (``hydra/launcher=...``,
``hydra.run.dir=...``) are composed too, so that a mistake in them is one line as well. Any
bad input ends as a :class:`~sim.config.ConfigError` whose message is one plain line
naming the key and what is allowed. That line is made from the exceptions' attributes
(OmegaConf's ``full_key`` and ``value``, the options Hydra found for a config group, the
override Hydra could not parse) and from the schema, never by reading Hydra's wording.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    OmegaConfBaseException,
    ValidationError,
)

from sim import CONF_DIR
from sim.authorities import LIST_HINT, find
from sim.config import (
    Config,
    ConfigError,
    out_of_range_error,
    register_configs,
    schema_keys,
    schema_type,
    to_config,
    unknown_key_error,
    wrong_type_error,
)
from sim.localise import authority_nodes

CONFIG_NAME = "config"
T = TypeVar("T")

register_configs()


def register_authorities(overrides: Sequence[Override]) -> None:
    """Register the table authorities that ``overrides`` name as options of ``authority``.

    ``authority=leeds`` (or a sweep, ``authority=leeds,kent``) registers those rows of the
    packaged table (sim.localise.authority_nodes) with :func:`sim.config.register_configs`.
    Only the authorities named are registered: Hydra deep-copies the whole ConfigStore each
    time it composes, and with all 153 nodes in it every composition takes about a second
    instead of a tenth of one.
    """
    nodes = authority_nodes()
    named: dict[str, dict[str, Any]] = {}
    for o in overrides:
        if o.key_or_group != "authority" or o.package:
            continue
        values = _enumerate(o, o.sweep_string_iterator) if o.is_sweep_override() else [o.value()]
        named |= {str(v): nodes[str(v)] for v in values if str(v) in nodes}
    if named:
        register_configs(named)


def parse_overrides(overrides: Sequence[str]) -> list[Override]:
    """Hydra's reading of command-line overrides.

    Raises:
        ConfigError: for an override Hydra cannot parse.

    """
    try:
        return OverridesParser.create().parse_overrides(list(overrides))
    except OverrideParseException as exc:
        reason = exc.message.splitlines()[0] if exc.message else "not an override"
        raise ConfigError(f"cannot read override '{exc.override}': {reason}") from None


def is_hydra_override(override: Override) -> bool:
    """Whether an override sets Hydra's own configuration (``hydra.run.dir=...``)."""
    return override.key_or_group.replace("/", ".").split(".")[0] == "hydra"


def refuse_ignored(
    overrides: Sequence[str], command: str, instead: Mapping[str, str], out: str
) -> None:
    """Refuse overrides a command would accept and ignore, in one line each.

    Hydra's own settings (``hydra.run.dir=...``) mean nothing to a command that writes
    its own files (its ``out`` option says where); ``instead`` maps other keys the
    command ignores to what to use instead (e.g. ``run.replications`` to a flag).
    """
    for override in parse_overrides(overrides):
        key = override.key_or_group.lstrip("+~")
        if is_hydra_override(override):
            raise ConfigError(f"{key}: {command} ignores Hydra's settings; use {out}")
        if key in instead:
            raise ConfigError(f"{key}: {command} ignores it; {instead[key]}")


def check_override_keys(overrides: Sequence[Override]) -> None:
    """Refuse a key or config group given twice (``run.seed=1 run.seed=2``), or deleted.

    Hydra would keep the last one without a word; whichever was meant, the other is a
    mistake. ``+key``, ``++key`` and ``~key`` count as the key itself. A key of the schema
    cannot be deleted (``~run.seed``): every key needs a value. Two values OmegaConf would
    take in its own way are refused here: anything but ``true`` or ``false`` for a switch
    (OmegaConf reads ``2``, ``yes`` or ``on`` as true), and a whole number too large for a
    float (``1`` and 400 zeros; OmegaConf fails on it with an OverflowError).

    Raises:
        ConfigError: naming the key and the overrides.

    """
    seen: dict[tuple[str, str | None], str | None] = {}
    for o in overrides:
        key = o.key_or_group + (f"@{o.package}" if o.package else "")
        where = (o.key_or_group, o.package)
        if where in seen:
            raise ConfigError(
                f"{key} is given twice ('{seen[where]}', '{o.input_line}'); allowed: once"
            )
        seen[where] = o.input_line
        group, _, name = o.key_or_group.rpartition(".")
        if name not in schema_keys(group):
            continue
        if o.is_delete():
            raise ConfigError(
                f"{key} cannot be deleted ('{o.input_line}'); allowed: a new value ({key}=...)"
            )
        for value in _enumerate(o, o.sweep_iterator) if o.is_sweep_override() else [o.value()]:
            if schema_type(key) is bool and not isinstance(value, bool):
                # OmegaConf would read 2, 'yes' or 'on' as true
                raise wrong_type_error(key, value)
            if isinstance(value, int) and abs(value) > sys.float_info.max:
                # OmegaConf cannot hold it as a float and fails with an OverflowError
                raise out_of_range_error(key, value)


def compose_config(overrides: Sequence[str] = ()) -> Config:
    """Compose conf/config.yaml with ``overrides`` and validate it, once.

    Overrides of Hydra's own settings (``hydra.*``, ``hydra/launcher=...``) are composed
    with the rest, so that a bad one is refused here; they do not change the model's
    configuration.

    Raises:
        ConfigError: with one line naming the key and what is allowed, for any bad input.

    """
    parsed = parse_overrides(overrides)
    for text, o in zip(overrides, parsed, strict=True):
        if o.is_sweep_override():
            raise ConfigError(
                f"'{text}' gives several values; allowed: one value (a sweep over them needs -m)"
            )
    check_override_keys(parsed)
    register_authorities(parsed)
    with initialised():
        return to_config(_compose(list(overrides)))


def check_sweep(overrides: Sequence[str]) -> None:
    """Check a sweep before it starts: every swept value once, the others at their first.

    The values swept are those on the command line and those of an experiment file's
    ``hydra.sweeper.params`` (the command line wins for a key in both, as in Hydra's basic
    sweeper). A combination can still break a rule between two keys (probabilities that
    must sum to at most 1); each job validates its own configuration when it runs.

    Raises:
        ConfigError: for the first bad value, as :func:`compose_config` does.

    """
    parsed = parse_overrides(overrides)
    check_override_keys(parsed)
    register_authorities(parsed)
    command_line = [o for o in parsed if not is_hydra_override(o)]
    # Hydra's own overrides (hydra.searchpath: a calibration's scenarios) go with every set
    hydra_texts = [o.input_line for o in parsed if is_hydra_override(o) and o.input_line]
    with initialised():
        first = _compose([_values(o)[0] for o in parsed], with_hydra=True)
        params = OmegaConf.select(first, "hydra.sweeper.params") or {}
        from_file = parse_overrides([f"{key}={value}" for key, value in params.items()])
        register_authorities(from_file)
        swept: dict[str, list[str]] = {}
        for o in [*from_file, *command_line]:
            swept[o.get_key_element()] = _values(o)
        base = {key: values[0] for key, values in swept.items()}
        sets = [list(base.values())]
        sets += [list({**base, key: v}.values()) for key, vs in swept.items() for v in vs[1:]]
        for override_set in sets:
            to_config(_compose([*override_set, *hydra_texts]))


def _values(override: Override) -> list[str]:
    """An override as one ``key=value`` per value it sweeps over (one if it sweeps none)."""
    if not override.is_sweep_override():
        assert override.input_line is not None  # parse_overrides keeps each override's text
        return [override.input_line]
    key = override.get_key_element()
    return [f"{key}={value}" for value in _enumerate(override, override.sweep_string_iterator)]


def _enumerate(override: Override, iterator: Callable[[], Iterator[T]]) -> list[T]:
    """The values a sweep override gives (an ``interval(...)`` gives none to enumerate)."""
    try:
        return list(iterator())
    except HydraException:
        raise ConfigError(
            f"'{override.input_line}' gives no values to run; allowed: values a,b,c, "
            "choice(...) or range(...)"
        ) from None


@contextmanager
def initialised() -> Iterator[None]:
    """Hydra initialised on the package's conf/ for the compose API, cleared after.

    Any primary config of conf/ can then be composed (``sim.sensitivity`` composes its own).
    """
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            yield
    finally:
        GlobalHydra.instance().clear()


def _compose(overrides: list[str], with_hydra: bool = False) -> DictConfig:
    """Compose with Hydra's API; a user's mistake becomes a one-line ConfigError."""
    try:
        return compose(config_name=CONFIG_NAME, overrides=overrides, return_hydra_config=with_hydra)
    except MissingConfigException as exc:
        raise _missing_option_error(exc) from None
    except Exception as exc:  # Hydra wraps OmegaConf's errors in its own
        cause = _omegaconf_cause(exc)
        if isinstance(cause, ConfigKeyError | ConfigAttributeError) and cause.full_key:
            raise unknown_key_error(cause.full_key) from None
        if isinstance(cause, ValidationError) and cause.full_key:
            raise wrong_type_error(cause.full_key, cause.value) from None
        # anything else Hydra refused (deleting a key that is not there...): its own words
        raise ConfigError(" ".join(str(exc).split())) from None


def _missing_option_error(exc: MissingConfigException) -> ConfigError:
    """``scenario=nowhere``: the group's name and the options Hydra has for it."""
    group, _, name = (exc.missing_cfg_file or "").rpartition("/")
    if not group:
        return ConfigError(" ".join(str(exc).split()))
    options = exc.options
    if options is None:
        options = GlobalHydra.instance().config_loader().get_group_options(group)
    if group == "authority":
        return _unknown_authority(name, options)
    return ConfigError(f"unknown {group} '{name}'; available: {', '.join(options)}")


def _unknown_authority(name: str, options: Sequence[str]) -> ConfigError:
    """``authority=nowhere``: one line saying how to list the 153 (not all of them).

    A code or a name the table knows (``authority=E08000035``, ``authority="Leeds"``) gets
    the key to use instead.
    """
    tables = set(authority_nodes())
    presets = ", ".join(o for o in options if o not in tables)
    try:
        key = find(name).key
    except ConfigError:
        return ConfigError(f"unknown authority '{name}': {LIST_HINT}; presets: {presets}")
    return ConfigError(f"unknown authority '{name}': use authority={key}")


def _omegaconf_cause(exc: BaseException) -> OmegaConfBaseException | None:
    """The OmegaConf error behind a Hydra composition error, if there is one."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OmegaConfBaseException):
        cause = cause.__cause__ or cause.__context__
    return cause


KIND_WORDS: dict[Any, str] = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    str: "text",
    int | None: "a whole number or null",
    float | None: "a number or null",
    str | None: "text or null",
    list[str] | None: "a list [a,b,...] or null",
}
"""A tool setting's type in words, for one-line errors."""


def compose_tool(
    config_name: str,
    overrides: Sequence[str],
    group: str,
    schema: type,
    where: str,
    options: Sequence[str],
) -> DictConfig:
    """Compose a tool's primary config (conf/<config_name>.yaml) with ``overrides``.

    The tool's settings are the config group ``group`` (typed by the dataclass ``schema``;
    ``options`` are its files); ``where`` names them in errors (``sensitivity (morris)``).

    Raises:
        ConfigError: one line for a bad option, key or value of ``group``.

    """
    try:
        with initialised():
            return compose(
                config_name=config_name, overrides=list(overrides), return_hydra_config=True
            )
    except MissingConfigException as exc:
        missing_group, _, name = (exc.missing_cfg_file or "").rpartition("/")
        if missing_group == group:
            raise ConfigError(
                f"unknown {group} '{name}'; available: {', '.join(options)}"
            ) from None
        raise ConfigError(" ".join(str(exc).split())) from None
    except Exception as exc:  # Hydra wraps OmegaConf's errors in its own
        raise setting_error(exc, group, schema, where) from None


def setting_error(exc: Exception, group: str, schema: type, where: str) -> ConfigError:
    """A composition error as one line naming the setting (Hydra's words if not a setting's)."""
    cause = _omegaconf_cause(exc)
    key = str(getattr(cause, "full_key", "") or "")
    names = [f.name for f in dataclasses.fields(schema)]
    if isinstance(cause, ConfigKeyError | ConfigAttributeError) and key.startswith(f"{group}."):
        return ConfigError(f"unknown key '{key}'; allowed keys in {where}: {', '.join(names)}")
    name = key.removeprefix(f"{group}.")
    if isinstance(cause, ValidationError) and name in names:
        kind = typing.get_type_hints(schema)[name]
        value = getattr(cause, "value", None)
        return ConfigError(
            f"{key} = {value!r} is not allowed; allowed: {KIND_WORDS.get(kind, kind)}"
        )
    return ConfigError(" ".join(str(exc).split()))
