"""The standards: the timescales the audit checks against, from the model's config or the file.

The defaults are the timescale fields of :mod:`sim.config` (``PathwayConfig``,
``WorkforceConfig``, ``ComplaintsConfig``); a file's ``standards:`` mapping overrides them,
and values given to the audit override both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.config import ComplaintsConfig, Config, PathwayConfig, WorkforceConfig
from sim.teaching.audit.errors import ChronologyError

if TYPE_CHECKING:
    from sim.teaching.audit.files import Chronology

STANDARD_FIELDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "pathway": (
        PathwayConfig,
        (
            "front_door_due_wd",
            "assessment_due_wd",
            "icpc_due_wd",
            "first_rcpc_due_months",
            "rcpc_interval_months",
            "first_core_group_due_wd",
            "core_group_interval_wd",
            "cpp_visit_interval_wd",
            "cin_visit_interval_wd",
            "transfer_notify_due_wd",
            "transfer_in_conference_due_wd",
        ),
    ),
    "workforce": (WorkforceConfig, ("manager_review_interval_wd",)),
    "complaints": (
        ComplaintsConfig,
        (
            "stage1_due_wd",
            "stage1_max_wd",
            "stage2_due_wd",
            "stage2_max_wd",
            "stage3_panel_wd",
            "stage3_report_wd",
            "stage3_response_wd",
            "corporate_stage1_wd",
            "corporate_stage2_wd",
        ),
    ),
}
"""Config group, schema and the timescale fields of it that the audit checks against."""


@dataclass(frozen=True)
class Standard:
    """One standard the audit applies, read off the model's config schema."""

    key: str
    group: str
    default: int
    unit: str
    low: float | None
    meaning: str
    source: str


def _standards_schema() -> dict[str, Standard]:
    out: dict[str, Standard] = {}
    for group, (schema, keys) in STANDARD_FIELDS.items():
        by_name = {f.name: f for f in dataclasses.fields(schema)}
        for key in keys:
            f = by_name[key]
            meta = f.metadata
            out[key] = Standard(
                key, group, f.default, meta["unit"], meta["low"], meta["doc"], meta["source"]
            )
    return out


STANDARDS: dict[str, Standard] = _standards_schema()
"""Every standard, in the order the report lists them."""
DEFAULT_STANDARDS: dict[str, int] = {k: s.default for k, s in STANDARDS.items()}
"""The model's defaults (the dataclass defaults in sim.config)."""


def check_standards(values: Mapping[str, Any], where: str) -> dict[str, int]:
    """Validate a ``standards`` mapping: known keys, whole numbers within range."""
    out: dict[str, int] = {}
    for key, value in values.items():
        if key not in STANDARDS:
            allowed = ", ".join(STANDARDS)
            raise ChronologyError(f"{where}: unknown standard {key!r} (standards: {allowed})")
        low = STANDARDS[key].low
        if isinstance(value, bool) or not isinstance(value, int):
            raise ChronologyError(
                f"{where}: standard {key} must be a whole number of "
                f"{STANDARDS[key].unit}, got {value!r}"
            )
        if low is not None and value < low:
            raise ChronologyError(f"{where}: standard {key} must be at least {low:g}, got {value}")
        out[key] = value
    return out


def standards_from_config(cfg: Config) -> dict[str, int]:
    """The standards a composed model config uses (so a scenario is audited by its own)."""
    return {key: getattr(getattr(cfg, s.group), key) for key, s in STANDARDS.items()}


def effective_standards(
    chron: Chronology, overrides: Mapping[str, int] | None = None
) -> dict[str, int]:
    """The model defaults, then the file's ``standards:``, then ``overrides``."""
    out = dict(DEFAULT_STANDARDS)
    out.update(chron.standards)
    out.update(check_standards(overrides or {}, "standards"))
    return out
