"""The settings that differ between two configurations, in plain words with their values.

The two-systems figure prints them under each panel, so a room sees what was changed
between the systems (all of it: ``improvement`` against ``lambeth_2020`` also changes
turnover) rather than taking the scenario's name on trust. Every key of the schema is
compared (``config.SCHEMA_FIELDS``); the scenario's name and the run's own settings
(seed, replications, horizon) are left out, since a comparison holds them equal.
"""

from __future__ import annotations

from typing import Any

from sim.config import SCHEMA_FIELDS, Config, SchemaField

WORDS: dict[str, str] = {
    "workforce.turnover_base": "base staff turnover",
    "workforce.internal_move_rate": "workers moving team",
    "workforce.manager_review_hours_per_week": "manager time for case reviews",
    "workforce.structure": "teams",
    "workforce.caseload_cap": "caseload cap",
    "workforce.agency_cover_prob": "vacancies covered by agency staff",
    "policy.not_seen_list": "weekly list of children not seen",
    "policy.track_complaint_actions": "complaint actions tracked",
    "policy.invite_non_resident_parent_prob": "non-resident parents involved",
    "policy.act_on_outside_alerts_prob": "outside concerns acted on",
    "policy.close_only_when_need_low": "cases kept open while need is high",
}
"""Plain words for the settings a workshop compares; any other key is named by its own
words (``cpp_visit_interval_wd`` as "cpp visit interval wd")."""
VALUE_WORDS: dict[str, dict[Any, str]] = {
    "workforce.structure": {
        "split": "assessment and long-term teams (cases change team when a plan starts)",
        "single": "one team from referral to closure",
    },
}
"""Plain words for the values of a text setting, where its name alone would not say."""
UNIT_WORDS = {
    "per year": "a year",
    "hours per week": "hours a week",
    "per week": "a week",
    "working days": "working days",
    "weeks": "weeks",
    "days": "days",
    "hours": "hours",
}
SKIPPED_GROUPS = ("run.",)
SKIPPED_KEYS = ("scenario_name",)


def differences(a: Config, b: Config) -> list[SchemaField]:
    """The schema's keys whose values differ between ``a`` and ``b``, in schema order."""
    return [
        f
        for f in SCHEMA_FIELDS
        if f.key not in SKIPPED_KEYS
        and not f.key.startswith(SKIPPED_GROUPS)
        and f.value_in(a) != f.value_in(b)
    ]


def describe(f: SchemaField, cfg: Config) -> str:
    """One setting of ``cfg`` in plain words: "base staff turnover 17% a year"."""
    name = WORDS.get(f.key, f.key.rpartition(".")[2].replace("_", " "))
    value = f.value_in(cfg)
    if isinstance(value, bool):
        return f"{name}: {'yes' if value else 'no'}"
    if isinstance(value, str):
        return f"{name}: {VALUE_WORDS.get(f.key, {}).get(value, value)}"
    unit = f.meta.get("unit", "")
    if unit == "probability" or (unit == "per year" and value < 1):
        shown = f"{value:.0%}"
    else:
        shown = f"{value:g}"
    words = UNIT_WORDS.get(unit, "" if unit == "probability" else unit)
    return f"{name} {shown}{' ' + words if words else ''}"


def setting_lines(a: Config, b: Config) -> tuple[list[str], list[str]]:
    """What each configuration sets differently from the other, in plain words."""
    keys = differences(a, b)
    return [describe(f, a) for f in keys], [describe(f, b) for f in keys]
