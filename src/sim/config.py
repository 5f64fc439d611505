"""Typed configuration schemas for every conf/ group, and their validation.

Each parameter is declared with :func:`param`, which records its unit, allowed range, why
the range is what it is, and source (a FACTS.md row, a seed file, or the word
"assumption") in the dataclass field metadata. The same metadata drives validation (plain
one-line errors naming the key and its allowed range) and the generated parameter table
in docs/parameters.md.

Validation is total: every field has the type the schema declares, every number is finite
and has a lower and an upper bound, every text is a safe name or a date in range, and the
rules between fields hold (:func:`validate`). The bounds are what is plausible for an
English authority, with room for stress tests and sensitivity analysis: sizes go from the
smallest authority to a few times the largest (DfE figures in ../shared/data/dfe), and
timescales from the statutory one to a few times it. A value beyond them is more likely a
typo than a question, and the model is not built for it (a due date years after the run,
an interval longer than the calendar looks ahead).

The schemas are registered with Hydra's ConfigStore as ``base_config``; conf/config.yaml
puts it first in its defaults list, so every YAML file and command-line override is merged
into a typed node and an unknown key or a wrong type fails at composition.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

ASSUMPTION = "assumption"


class ConfigError(ValueError):
    """A user-facing configuration error; its message is one plain line."""


def param(
    default: Any,
    *,
    source: str,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    why: str = "",
    kind: str = "",
    choices: tuple[str, ...] = (),
    doc: str = "",
    plausible: tuple[float, float] | None = None,
    plausible_why: str = "",
    screened: bool = True,
) -> Any:
    """Declare a configuration field with its source, unit and allowed range.

    Args:
        default: The default value.
        source: Where the default comes from: a FACTS.md row, a seed file or "assumption".
        unit: Unit of the value (also visible in the field name where it helps).
        low: Smallest allowed value (inclusive unless ``low_open``).
        high: Largest allowed value (inclusive).
        low_open: Whether ``low`` itself is excluded (for strictly positive values).
        why: Why the range is what it is (shown in docs/parameters.md).
        kind: What a text must be: "name" (:data:`NAME_RULE`) or "date"
            (:data:`DATE_RULE`).
        choices: The only texts allowed, when a text is one of a few options.
        doc: One sentence saying what the parameter means.
        plausible: For an assumption, the range its true value is believed to lie in
            (narrower than the allowed range): a sensitivity factor's range
            (:func:`plausible_factors`, sim.sensitivity).
        plausible_why: Why the plausible range is what it is.
        screened: Whether a factor with a plausible range is in the default set of a
            sensitivity study (:func:`plausible_factors`); False for one the baseline screen
            found at the noise level (docs/sensitivity.md).

    """
    meta = {"source": source, "unit": unit, "low": low, "high": high, "low_open": low_open}
    meta.update(why=why, kind=kind, choices=choices, doc=doc)
    meta.update(plausible=plausible, plausible_why=plausible_why, screened=screened)
    if isinstance(default, list | dict):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)


def prob(
    default: float,
    *,
    source: str,
    doc: str = "",
    plausible: tuple[float, float] | None = None,
    plausible_why: str = "",
    screened: bool = True,
) -> Any:
    """Declare a probability field (allowed range 0 to 1)."""
    return param(
        default,
        source=source,
        unit="probability",
        low=0.0,
        high=1.0,
        doc=doc,
        plausible=plausible,
        plausible_why=plausible_why,
        screened=screened,
    )


CIN25 = "FACTS.md CIN25"
CSWW23 = "FACTS.md CSWW23"
WT = "FACTS.md WT (statutory timescale)"

# -- shared ranges and why ----------------------------------------------------------------
QUARTER_WD = 65
"""Working days in about three months."""
HALF_YEAR_WD = 130
"""Working days in about six months."""
YEAR_WD = 250
"""Working days in about a year. No timescale reaches further: the calendar looks two
years beyond the end of the run (calendar.WorkingCalendar)."""
TASK_HOURS = 100.0
TASK_HOURS_WHY = "up to about three 37-hour weeks of one person's time for one task"
VISIT_HOURS = 24.0
VISIT_HOURS_WHY = "up to three working days for one visit or meeting with travel and recording"
CASE_WEEK_HOURS = 37.0
CASE_WEEK_HOURS_WHY = "up to a full-time week (37 hours) for one case"
WEEK_HOURS = 48.0
WEEK_HOURS_WHY = "the Working Time Regulations 1998 cap the average working week at 48 hours"
LOG_SD = 1.5
LOG_SD_WHY = "up to 1.5: one draw in twenty is then more than 11 times the median"
NEED_STEP = 0.2
NEED_STEP_WHY = "up to 0.2 sd a week: ten sd in a year, far across the spread of need"
DEADLINE_WHY = "the regulations' longest deadline is 65 WD (stage 2 at most); up to six months"
MIN_MEASURED_YEARS = 0.05
"""About 18 days: the measured part of a run then holds at least one whole week."""
MAX_RUN_YEARS = 50.0
RUN_YEARS_WHY = (
    f"at least {MIN_MEASURED_YEARS:g} (about 18 days, so that a whole week is measured); "
    f"up to {MAX_RUN_YEARS:g}, longer than any planning horizon"
)
MAX_SEED = 2**63 - 1
START_DATES = ("1990-01-01", "2100-12-31")
"""The earliest and latest run.start_date."""
START_DATES_WHY = (
    "the Children Act 1989 framework the model follows came into force in 1991; bank holidays "
    "after 2100 are guesses; a run then ends, with the two years its calendar looks ahead, "
    "long before the calendar's limit (year 9999)"
)
NAME_RULE = "letters, digits, '_', '-' and '.' (not '..'), 1 to 64 characters"
"""What a scenario or authority name may hold."""
NAME_WHY = (
    "a name becomes part of an output folder's name, so it must not lead out of results/ "
    "('/', '..') or be too long for a file system"
)
DATE_RULE = f"a date YYYY-MM-DD from {START_DATES[0]} to {START_DATES[1]}"
CODE_RULE = "empty, or a code of 'E' and 8 digits (GSS, e.g. E08000035)"
LABEL_RULE = "up to 100 characters, no line breaks or control characters"
MAPPING_RULE = (
    "keys of this schema (e.g. 'pathway.s47_icpc_prob'), each with a text of up to 1,000 characters"
)
_TEXT_RULES = {
    "code": (CODE_RULE, re.compile(r"(E\d{8})?")),
    "label": (LABEL_RULE, re.compile(r"[^\x00-\x1f\x7f]{0,100}")),
}


@dataclass
class AuthorityConfig:
    """Size and demand of the simulated local authority."""

    name: str = param(
        "average", source="label", kind="name", why=NAME_WHY, doc="Name shown in outputs."
    )
    la_code: str = param(
        "",
        source="label (from src/sim/data/authorities.csv; docs/authorities.md)",
        kind="code",
        why="a table authority's code; empty for the presets in conf/authority/",
        doc="The authority's code (GSS, e.g. E08000035) when it is one of the table's 153; its "
        "run is then compared with its own published figures.",
    )
    la_name: str = param(
        "",
        source="label (from src/sim/data/authorities.csv; docs/authorities.md)",
        kind="label",
        why="a table authority's name as published; empty for the presets",
        doc="The authority's name as the DfE publishes it, when it is a table authority.",
    )
    derived: dict[str, str] = param(
        {},
        source="derived from src/sim/data/authorities.csv (docs/authorities.md, 'How an "
        "authority sets the parameters')",
        kind="mapping",
        why="set by a table authority; one entry per parameter it sets",
        doc="For each parameter a table authority sets (e.g. 'pathway.s47_icpc_prob'), the "
        "published figures, years and sources it was derived from; empty for the presets.",
    )
    referrals_per_year: float = param(
        4140.0,
        source=f"{CIN25}: average authority, 632,830 referrals / 153",
        unit="referrals per year",
        low=10.0,
        high=100_000.0,
        why="10 is the smallest authority's year (Isles of Scilly: 10 in 2021-22 and 2022-23) and "
        "100,000 about 2.4 times the largest (Hampshire: 41,142 in 2024-25; DfE C1 in data/dfe)",
        doc="Calibration target for all referrals; new children arrive at "
        "referrals_per_year x first_referral_share, the rest are re-referrals the model "
        "generates itself.",
    )
    first_referral_share: float = param(
        0.69,
        source=f"{ASSUMPTION}; {CIN25} gives 22.6% re-referred within 12 months, "
        "re-referrals after longer gaps assumed about 8%",
        unit="share",
        low=0.0,
        high=1.0,
        low_open=True,
        why="a share; above 0 so that some referrals are of children new to the service",
        doc="Share of referrals that are children never referred before.",
    )
    weekend_referral_factor: float = param(
        0.3,
        source=f"{ASSUMPTION}; demand follows the school week (FACTS.md: police 28%, "
        "schools 21% of referrals)",
        unit="weekend-day rate / weekday rate",
        low=0.0,
        high=1.0,
        why="a weekend day is at most as busy as a working day",
        doc="Referral rate on a weekend or bank holiday relative to a working day.",
    )
    social_workers: int = param(
        118,
        source=f"derived: about 1,850 open modelled cases at steady state / 16 cases per worker "
        f"({CSWW23}) / 98.7% of posts staffed (permanent or agency)",
        unit="case-holding posts (FTE)",
        low=1,
        high=3_000,
        why="1 is the smallest authority's case holders (Isles of Scilly, 1 FTE) and 3,000 about "
        "five times the most (Kent, 565 FTE in 2020; DfE CSWW in data/dfe)",
        doc="Funded case-holding social work posts for the cases the model covers.",
    )
    social_workers_factor: float = param(
        1.0,
        source="label (scenarios: conf/scenario/, relative to the authority)",
        unit="multiplier",
        low=0.0,
        high=10.0,
        low_open=True,
        why="a scenario's change of size: from a sliver of the posts to ten times them",
        doc="Multiplies social_workers once when the configuration is built (rounded, at least "
        "1), so that a scenario states posts relative to the authority it is applied to.",
    )
    initial_cpp_children: int = param(
        323,
        source=f"{CIN25}: 49,420 children on a CPP at 31 March / 153",
        unit="children",
        low=0,
        high=10_000,
        why="up to about six times the most children on a CPP in any authority (Birmingham, 1,677 "
        "at 31 March 2025; DfE D5 in data/dfe)",
        doc="Children already on a CPP on day 0 when run.prepopulate is on.",
    )
    initial_cin_children: int = param(
        1180,
        source=f"{ASSUMPTION}: the model's steady CiN stock; compare {CIN25}: 2,630 children in need at "
        "31 March less 323 on a CPP, about 540 looked after and about 450 under assessment (about 1,300)",
        unit="children",
        low=0,
        high=50_000,
        why="up to about four times the most children in need in any authority (Kent, 11,925 at "
        "31 March 2022; DfE B1 in data/dfe)",
        doc="Children already on a CiN plan on day 0 when run.prepopulate is on.",
    )
    demand_shock_factor: float = param(
        1.0,
        source="label (experiments)",
        unit="multiplier",
        low=0.0,
        high=10.0,
        why="assumption: up to ten times normal demand, for stress tests; national referrals "
        "change by a few percent a year (FACTS.md CIN25)",
        doc="New referrals are multiplied by this during the shock (1 = no shock).",
    )
    demand_shock_start_years: float = param(
        2.0,
        source="label (experiments)",
        unit="years",
        low=0.0,
        high=MAX_RUN_YEARS,
        why="within the longest run; a shock (factor not 1) must also start before run.years",
        doc="When the shock starts.",
    )
    demand_shock_months: float = param(
        6.0,
        source="label (experiments)",
        unit="months",
        low=0.0,
        high=12 * MAX_RUN_YEARS,
        why="up to the longest run",
        doc="How long the shock lasts.",
    )
    mash_decisions_per_day: float = param(
        24.0,
        source=f"{ASSUMPTION}: about 1.4 x the mean referrals per working day (about 16.8) "
        "with every screener in, 1.2 x with the usual absence",
        unit="decisions per working day",
        low=1.0,
        high=2_000.0,
        why="at least 1: unused capacity does not carry over beyond a day, so with less nothing "
        "would ever be decided; 2,000 is five times the busiest front door allowed (100,000 "
        "referrals a year is about 400 a working day)",
        doc="Front-door (MASH) decision capacity on a working day when all its screeners are in.",
    )
    mash_staff: int = param(
        8,
        source=f"{ASSUMPTION}: a MASH screening team of an average authority",
        unit="screeners (FTE)",
        low=1,
        high=500,
        why="at least one screener; up to about six times the large county's 24",
        doc="Screeners who share the front door's capacity; each one away takes their share.",
    )
    mash_absence_share: float = param(
        0.15,
        source=f"{CSWW23}: sickness absence 3.2% of working days; {ASSUMPTION}: annual leave "
        "and training about 12%",
        unit="share of screener-days",
        low=0.0,
        high=0.9,
        why="up to nine days in ten away, for stress tests; at 1 nobody would ever decide",
        doc="Chance that a screener is away on a working day (drawn each day for each screener).",
    )
    referral_day_cv: float = param(
        0.2,
        source=f"{ASSUMPTION}: referrals come in bursts (sibling groups, incidents, the "
        "school week; FACTS.md: police 28%, schools 21% of referrals)",
        unit="coefficient of variation",
        low=0.0,
        high=2.0,
        why="0 is Poisson demand; 2 is a day's rate often several times the mean",
        doc="Day-to-day variation of the new-referral rate beyond Poisson (a gamma factor a day).",
    )
    conference_slots_per_day: int = param(
        12,
        source=f"{ASSUMPTION}: about 1.2 x the bookings per working day (a provisional ICPC "
        "for each section 47 enquiry, about 6, most released; reviews, about 4)",
        unit="conferences per working day",
        low=1,
        high=200,
        why="up to about eight times the large county's 24",
        doc="Conferences the independent chairs can hold on one working day.",
    )


@dataclass
class PathwayConfig:
    """Statutory timescales, branching probabilities, visit standards and task times."""

    # -- statutory timescales -------------------------------------------------------------
    front_door_due_wd: int = param(
        1,
        source=WT,
        unit="working days",
        low=0,
        high=20,
        why="statutory 1 WD; up to four weeks",
        doc="Referral decision due.",
    )
    assessment_due_wd: int = param(
        45,
        source=WT,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why="statutory 45 WD; up to six months",
        doc="Assessment due after referral.",
    )
    icpc_due_wd: int = param(
        15,
        source=WT,
        unit="working days",
        low=1,
        high=QUARTER_WD,
        why="statutory 15 WD; up to three months",
        doc="ICPC due after the strategy discussion.",
    )
    first_core_group_due_wd: int = param(
        10,
        source=WT,
        unit="working days",
        low=1,
        high=QUARTER_WD,
        why="statutory 10 WD; up to three months",
        doc="First core group due after the ICPC.",
    )
    core_group_interval_wd: int = param(
        20,
        source=f"{WT}: every 4-6 weeks, local rules vary",
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why="every 4-6 weeks locally; up to six months",
        doc="Interval between later core groups.",
    )
    first_rcpc_due_months: int = param(
        3,
        source=WT,
        unit="months",
        low=1,
        high=12,
        why="statutory 3 months; up to a year",
        doc="First review conference due after the ICPC.",
    )
    rcpc_interval_months: int = param(
        6,
        source=WT,
        unit="months",
        low=1,
        high=12,
        why="statutory at most 6 months; up to a year",
        doc="Later review conferences at most this far apart.",
    )
    cpp_visit_interval_wd: int = param(
        10,
        source="seed 002 (London standard: every 10 working days); FACTS.md",
        unit="working days",
        low=1,
        high=QUARTER_WD,
        why="local standards run from 10 WD to four-weekly (FACTS.md); up to three months",
        doc="Statutory visit standard for a child on a CPP.",
    )
    cin_visit_interval_wd: int = param(
        20,
        source=f"{ASSUMPTION}: four-weekly, no national figure",
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why="up to six months",
        doc="Visit standard for a child on a CiN plan.",
        plausible=(10, 30),
        plausible_why="assumption (FACTS.md: no national figure; local standards vary): from "
        "fortnightly, as the CPP standard (10 WD, seed 002), to six-weekly",
    )
    visit_lead_wd: int = param(
        2,
        source=f"{ASSUMPTION}: workers book a visit a few days before it is due so that a "
        "visit with no access can be tried again in time",
        unit="working days",
        low=0,
        high=10,
        why="0 (on the due day, as before issue 15) up to two weeks",
        doc="A visit is booked on a day drawn uniformly from the due day and this many working "
        "days before it (in the week it falls due); a CPP visit with no access is tried again, "
        "unannounced, by the due day if the worker has the hours.",
    )
    cpp_unannounced_share: float = prob(
        0.33,
        source=f"{ASSUMPTION}; seed 004 (fortnightly visits, announced and unannounced)",
        doc="A CPP visit is unannounced (CiN visits are announced; a duty visit or a second try "
        "after no access is unannounced).",
    )
    seen_alone_prob: float = prob(
        0.75,
        source=f"{ASSUMPTION}; Working Together (the child seen alone at visits)",
        doc="A visit sees the child on their own.",
    )
    enquiry_seen_alone_prob: float = prob(
        0.75,
        source=f"{ASSUMPTION}, as seen_alone_prob; Working Together (the child seen alone in "
        "assessments and section 47 enquiries)",
        doc="An assessment or section 47 enquiry sees the child on their own (a record for "
        "chronologies only: it changes no other result).",
    )
    cin_review_interval_wd: int = param(
        65,
        source=f"{ASSUMPTION}: CiN plans reviewed about every three months",
        unit="working days",
        low=1,
        high=YEAR_WD,
        why="up to a year",
        doc="Interval between CiN plan reviews.",
    )
    drift_threshold_wd: int = param(
        20,
        source="DESIGN.md section 8 default",
        unit="working days",
        low=1,
        high=YEAR_WD,
        why="up to a year",
        doc="A plan case without purposeful contact for longer than this is in a contact gap "
        "(contact_gap_share; it also raises the child's baseline need, need.drift_effect_per_week).",
    )
    drift_no_progress_weeks: int = param(
        13,
        source=f"{ASSUMPTION}; Working Together: a CPP's first review is within three months "
        "of the ICPC, where progress against the plan is judged (seed 002: 'no evidence of "
        "progress')",
        unit="weeks",
        low=1,
        high=104,
        why="one week (any week without a fall) up to two years",
        doc="A plan whose child's need is not lower than this many weeks ago, with no change "
        "of plan, is in drift (drift_share; a measure, not a mechanism).",
    )
    known_risk_action_weeks: int = param(
        4,
        source=f"{ASSUMPTION}; seed 000 (information not acted on), seed 001 (seen 60 times, no "
        "protective action); a strategy discussion follows a concern within days",
        unit="weeks",
        low=0,
        high=52,
        why="0 (no grace at all) up to a year",
        doc="Known high need with no escalation for longer than this is drift and 'known risk, "
        "no action' (drift_share, known_risk_no_action_days; a measure, not a mechanism).",
    )
    # -- front door -----------------------------------------------------------------------
    front_door_nfa_prob: float = prob(
        0.065,
        source=f"{CIN25}: referrals ending in no further action",
        doc="Referrals closed at the front door with no further action.",
    )
    front_door_strategy_prob: float = prob(
        0.18,
        source=f"{ASSUMPTION}, calibrated to {CIN25} section 47s (about 1,507 a year)",
        doc="Referrals sent straight to a strategy discussion.",
    )
    screening_accuracy: float = prob(
        0.7,
        source=f"{ASSUMPTION}; seed 001 (serious concerns rated low priority)",
        doc="Correlation between a child's latent need and the front-door decision (0 = random).",
        plausible=(0.5, 0.85),
        plausible_why="assumption (seed 001: 8 cases with serious concerns all rated low "
        "priority): the front door's rating correlates 0.5 to 0.85 with need",
    )
    front_door_green_share: float = prob(
        0.5,
        source=f"{ASSUMPTION}; seed 001 (serious concerns rated low priority)",
        doc="Referrals the front door rates green (low priority), on what it can see of need.",
    )
    front_door_amber_share: float = prob(
        0.3,
        source=ASSUMPTION,
        doc="Referrals rated amber; the rest, those that look most serious, are rated red.",
    )
    assessment_start_amber_wd: int = param(
        3,
        source=f"{ASSUMPTION}: local RAG timescales (red the same day)",
        unit="working days",
        low=0,
        high=QUARTER_WD,
        why="from the same day up to three months",
        doc="An amber-rated child's assessment starts this long after the decision.",
    )
    assessment_start_green_wd: int = param(
        10,
        source=f"{ASSUMPTION}: local RAG timescales (red the same day)",
        unit="working days",
        low=0,
        high=QUARTER_WD,
        why="from the same day up to three months",
        doc="A green-rated child's assessment starts this long after the decision.",
    )
    # -- assessment -----------------------------------------------------------------------
    assessment_not_in_need_prob: float = prob(
        0.33,
        source=f"{CIN25}: 30.8% of referrals assessed as not in need (derived per assessment)",
        doc="Assessments finding the child not in need.",
    )
    assessment_strategy_prob: float = prob(
        0.08,
        source=f"{ASSUMPTION}, calibrated to {CIN25} section 47s",
        doc="Risk emerges during assessment.",
    )
    assessment_cin_prob: float = prob(
        0.40,
        source=f"{ASSUMPTION}, calibrated to children in need at 31 March ({CIN25})",
        doc="Assessment ends in a CiN plan; the rest close after short-term help.",
    )
    assessment_hours: float = param(
        10.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Worker time for one assessment.",
        plausible=(6, 20),
        plausible_why="assumption (FACTS.md 'Not known': time per task): a quick assessment of a "
        "family already known (two visits, agency checks, the write-up) about 6 hours; a "
        "thorough one of a large family about 20",
    )
    assessment_min_wd_median: float = param(
        20.0,
        source=f"{ASSUMPTION}, calibrated to {CIN25} 85.7% within 45 WD",
        unit="working days",
        low=0.0,
        high=HALF_YEAR_WD,
        low_open=True,
        why="up to six months (an assessment is due in 45 WD)",
        doc="Median of the elapsed time an assessment needs regardless of worker time.",
    )
    assessment_min_wd_sigma: float = param(
        0.5,
        source=ASSUMPTION,
        unit="log-scale sd",
        low=0.0,
        high=LOG_SD,
        why=LOG_SD_WHY,
        doc="Spread of that elapsed time.",
    )
    # -- strategy discussion and section 47 ----------------------------------------------
    strategy_delay_wd: int = param(
        1,
        source=ASSUMPTION,
        unit="working days",
        low=0,
        high=20,
        why="up to four weeks",
        doc="Strategy discussion after the decision.",
    )
    s47_hours: float = param(
        8.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Worker time for a section 47 enquiry, the assessment it is made through included.",
        plausible=(5, 16),
        plausible_why="assumption (FACTS.md 'Not known': time per task): one joint visit and a "
        "short report (5 hours) to several visits, agency checks and a full report (16)",
    )
    s47_min_wd_median: float = param(
        7.0,
        source=f"{ASSUMPTION}, calibrated to {CIN25} 81.4% ICPCs within 15 WD",
        unit="working days",
        low=0.0,
        high=QUARTER_WD,
        low_open=True,
        why="up to three months (the ICPC is due 15 WD after the strategy discussion)",
        doc="Median elapsed time of a section 47 enquiry.",
    )
    s47_min_wd_sigma: float = param(
        0.6,
        source=ASSUMPTION,
        unit="log-scale sd",
        low=0.0,
        high=LOG_SD,
        why=LOG_SD_WHY,
        doc="Spread of that time.",
    )
    s47_icpc_prob: float = prob(
        0.313,
        source=f"{CIN25}: ICPCs per section 47 enquiry (derived)",
        doc="Section 47 enquiries leading to an initial child protection conference.",
    )
    s47_cin_prob: float = prob(
        0.35, source=ASSUMPTION, doc="Section 47 not leading to an ICPC ends in a CiN plan."
    )
    icpc_prep_wd: int = param(
        4,
        source=ASSUMPTION,
        unit="working days",
        low=0,
        high=QUARTER_WD,
        why="up to three months",
        doc="Working days the ICPC report needs after the enquiry ends; the booked ICPC waits for it.",
    )
    conference_report_hours: float = param(
        5.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Report and attendance per conference.",
    )
    # -- conference booking -------------------------------------------------------------
    conference_unavailable_prob: float = prob(
        0.025,
        source=f"{ASSUMPTION}, calibrated with report_late_prob to FACTS.md 94% reviews on time",
        doc="A booked conference cannot go ahead on the day: chair, family or professionals unavailable.",
    )
    report_late_prob: float = prob(
        0.025,
        source=f"{ASSUMPTION}, calibrated with conference_unavailable_prob (FACTS.md 94%)",
        doc="The worker's report for a review is not ready on the day (settled worker, not overloaded).",
    )
    report_late_new_worker_factor: float = param(
        2.0,
        source=f"{ASSUMPTION}; seed 002 (six social workers, no report for the review)",
        unit="multiplier",
        low=1.0,
        high=10.0,
        why="a multiplier: a worker new to the case is no quicker; up to ten times",
        doc="Multiplies report_late_prob while the worker has held the case under need.new_worker_weeks.",
    )
    report_late_pressure_factor: float = param(
        3.0,
        source=ASSUMPTION,
        unit="multiplier",
        low=1.0,
        high=10.0,
        why="a multiplier: pressure does not speed a report up; up to ten times",
        doc="Multiplies report_late_prob for a worker whose demand is twice their hours (linear in between).",
    )
    conference_without_report_prob: float = prob(
        0.5,
        source=f"{ASSUMPTION}; seed 002 (a review held with no social work report)",
        doc="A conference whose report is not ready goes ahead without it rather than being postponed.",
    )
    conference_rebook_wd: int = param(
        5,
        source=ASSUMPTION,
        unit="working days",
        low=1,
        high=QUARTER_WD,
        why="at least the next day; up to three months",
        doc="A postponed conference is rebooked for the first free slot this many working days on.",
    )
    review_bring_forward_prob: float = prob(
        0.5,
        source=ASSUMPTION,
        doc="High need newly seen on a child on a CPP brings the next review conference forward.",
    )
    review_bring_forward_wd: int = param(
        10,
        source=ASSUMPTION,
        unit="working days",
        low=1,
        high=QUARTER_WD,
        why="at least the next day; up to three months",
        doc="A review brought forward goes to the first free slot within this many working days "
        "(not within this many of the last conference).",
    )
    # -- conferences and plans ------------------------------------------------------------
    icpc_cpp_prob: float = prob(
        0.827,
        source=f"derived from {CIN25}: 61,840 CPP starts per 72,100 ICPCs (85.8%) include "
        "plans started at transfer-in conferences; with transfer_in_per_1000_referrals "
        "(3.5 x 4,140 / 1,000 = 14.5 a year, about 2,220 nationally) the ICPCs' own share is "
        "(61,840 - 2,220) / 72,100 = 82.7%, so that ICPC plans and transfers in give 404 starts",
        doc="ICPCs making a child protection plan.",
    )
    icpc_cin_prob: float = prob(
        0.10, source=ASSUMPTION, doc="ICPC not making a CPP ends in a CiN plan."
    )
    rcpc_first_end_prob: float = prob(
        0.55,
        source=f"{ASSUMPTION}, calibrated to {CIN25} CPP stock / starts (mean plan about 9.6 months)",
        doc="First review conference ends the CPP.",
    )
    rcpc_later_end_prob: float = prob(
        0.85, source=f"{ASSUMPTION}, calibrated as above", doc="A later review ends the CPP."
    )
    cpp_end_to_cin_prob: float = prob(
        0.75,
        source=ASSUMPTION,
        doc="A CPP ended at a review steps down to a CiN plan (the rest close).",
    )
    review_legal_planning_prob: float = prob(
        0.08,
        source=f"{ASSUMPTION}: care now follows legal planning (DESIGN.md section 11)",
        doc="A review conference that keeps the plan going also asks for a legal planning meeting.",
    )
    # -- decisions ranked on what is known (processes/decisions.py) ---------------------
    s47_decision_accuracy: float = prob(
        0.6,
        source=f"{ASSUMPTION}; seed 001 (seen 60 times without any action taken)",
        doc="Correlation between a child's rank in known need and the section 47 outcome.",
        plausible=(0.4, 0.8),
        plausible_why="assumption (seed 001: seen 60 times without any action taken): the "
        "outcome's rank correlates 0.4 to 0.8 with known need",
    )
    icpc_decision_accuracy: float = prob(
        0.6, source=ASSUMPTION, doc="The same for the initial conference's decision."
    )
    review_decision_accuracy: float = prob(
        0.6,
        source=ASSUMPTION,
        doc="The same for a review conference's decision.",
        plausible=(0.4, 0.8),
        plausible_why="assumption: as pathway.s47_decision_accuracy, for the decision that ends "
        "or keeps a plan",
    )
    legal_decision_accuracy: float = prob(
        0.6, source=ASSUMPTION, doc="The same for a legal planning meeting's decision."
    )
    history_weight: float = param(
        1.0,
        source=f"{ASSUMPTION}: a previous plan is weighed as a sign of risk",
        unit="need score (sd units)",
        low=0.0,
        high=3.0,
        why="up to 3 sd: a previous plan outweighs almost anything else known",
        doc="Added to a child's known need at the section 47 and ICPC decisions when the child "
        "has had a CPP before.",
    )
    new_worker_decision_factor: float = param(
        0.7,
        source=f"{ASSUMPTION}; seed 002 (six social workers in three years)",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: a worker new to the case knows the child no better than one who "
        "has held it",
        doc="Accuracy multiplier for a decision when the case has no worker or one who has held "
        "it for under need.new_worker_weeks.",
    )
    # -- legal planning and care proceedings (processes/legal.py) -----------------------
    legal_planning_after_weeks: int = param(
        26,
        source=ASSUMPTION,
        unit="weeks",
        low=1,
        high=104,
        why="up to two years",
        doc="Weeks running of known high need on a CPP that call a legal planning meeting.",
    )
    legal_planning_delay_wd: int = param(
        10,
        source=ASSUMPTION,
        unit="working days",
        low=0,
        high=QUARTER_WD,
        why="up to three months",
        doc="From calling a legal planning meeting to holding it.",
    )
    legal_planning_hours: float = param(
        3.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Worker time to prepare for and attend a legal planning meeting (priority work).",
    )
    legal_pre_proceedings_prob: float = prob(
        0.35,
        source=ASSUMPTION,
        doc="A legal planning meeting starts pre-proceedings (Public Law Outline).",
    )
    legal_care_proceedings_prob: float = prob(
        0.1,
        source=ASSUMPTION,
        doc="A legal planning meeting issues care proceedings at once (the child leaves the model).",
    )
    pre_proceedings_care_prob: float = prob(
        0.5,
        source=f"{ASSUMPTION}: many cases in pre-proceedings are diverted from court",
        doc="At the end of pre-proceedings with need still known to be high, care proceedings "
        "are issued (otherwise the case steps back to the plan).",
    )
    pre_proceedings_wd: int = param(
        80,
        source=f"{ASSUMPTION}: pre-proceedings commonly run about 16 weeks",
        unit="working days",
        low=1,
        high=YEAR_WD,
        why="up to a year",
        doc="How long pre-proceedings last before care proceedings or stepping back.",
    )
    # -- moves, transfers and age: exits and entries between reviews (processes/exits.py,
    # processes/transfer_in.py) ----------------------------------------------------------
    move_prob_per_week: float = prob(
        0.001,
        source=f"{ASSUMPTION}: about 5% a year; seed 002 (the family moved while on a plan)",
        doc="Weekly chance that the family of a child on a CPP or CiN plan moves to another "
        "authority's area.",
    )
    moved_no_access_prob: float = prob(
        0.8,
        source="seed 002 (after the move most visits found nobody at home; C seen once, in May "
        "2020)",
        doc="A visit to a child whose family has moved away, before the case transfers, does "
        "not find the child.",
    )
    transfer_notify_median_wd: float = param(
        10.0,
        source=f"{ASSUMPTION}: pan-London procedures ask for 'the earliest opportunity' (seed 002)",
        unit="working days",
        low=0.0,
        high=YEAR_WD,
        low_open=True,
        why="up to a year",
        doc="Median time from the family's move to this authority notifying the new one.",
    )
    transfer_notify_sigma: float = param(
        1.2,
        source="seed 002 (the new authority alerted about 16 months after the move): a long "
        "tail, about 1 move in 250 notified after more than a year; assumption",
        unit="log-scale sd",
        low=0.0,
        high=LOG_SD,
        why=LOG_SD_WHY,
        doc="Spread of that time (lognormal).",
    )
    transfer_notify_due_wd: int = param(
        10,
        source=f"{ASSUMPTION}: 10 working days for 'at the earliest opportunity' (pan-London "
        "procedures, seed 002)",
        unit="working days",
        low=0,
        high=QUARTER_WD,
        why="up to three months",
        doc="Standard for notifying the new authority after the family moves (the audit's "
        "and transfer_notified_on_time's).",
    )
    transfer_in_conference_due_wd: int = param(
        15,
        source=f"{ASSUMPTION}: local procedures set 15 working days from the written "
        f"notification, as for an ICPC ({WT})",
        unit="working days",
        low=1,
        high=QUARTER_WD,
        why="15 WD in local procedures; up to three months",
        doc="Transfer-in conference due after the receiving authority is notified.",
    )
    transfer_in_per_1000_referrals: float = param(
        3.5,
        source=f"{ASSUMPTION}: as many CPPs transfer in as the model transfers out (moves "
        "between English authorities balance nationally): about 14.5 a year in the default "
        "run, 3.5 per 1,000 of 4,140 referrals",
        unit="per 1,000 referrals",
        low=0.0,
        high=100.0,
        why="up to 100: ten times a national figure of about one plan in twenty starting "
        "by transfer",
        doc="CPPs transferred in from other authorities a year, per 1,000 referrals a year.",
    )
    cin_review_close_prob: float = prob(
        0.40,
        source=f"{ASSUMPTION}, calibrated to children in need at 31 March ({CIN25})",
        doc="A CiN review closes the case when need is not seen to be high.",
    )
    disengage_prob_per_week: float = prob(
        0.02,
        source=f"{ASSUMPTION}; seed 002 (pre-arranged visits with nobody at home, refused entry)",
        doc="Weekly chance that a family on a plan starts a spell of not letting the worker in.",
        plausible=(0.005, 0.04),
        plausible_why="assumption (seed 002: nobody at home, refused entry): from about one "
        "spell of refused access in four years to two a year",
    )
    reengage_prob_per_week: float = prob(
        0.2,
        source=ASSUMPTION,
        doc="Weekly chance that a disengaged family lets the worker in again (mean spell 5 weeks).",
    )
    no_access_prob: float = prob(
        0.7,
        source=f"{ASSUMPTION}; seed 002",
        doc="A visit to a disengaged family gets no access (the child is not seen).",
        plausible=(0.5, 0.9),
        plausible_why="assumption (seed 002): from half to nine in ten visits to a disengaged "
        "family find nobody in or are refused",
    )
    cpp_visit_hours: float = param(
        2.5,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=VISIT_HOURS,
        why=VISIT_HOURS_WHY,
        doc="One CPP visit with travel and recording.",
        plausible=(1.5, 4.0),
        plausible_why="assumption (FACTS.md 'Not known': time per task): a 45-minute visit "
        "nearby, recorded quickly (1.5 hours), to a long visit with an hour's travel each way "
        "and full recording (4)",
    )
    cin_visit_hours: float = param(
        2.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=VISIT_HOURS,
        why=VISIT_HOURS_WHY,
        doc="One CiN visit with travel and recording.",
        plausible=(1.25, 3.5),
        plausible_why="assumption (FACTS.md 'Not known': time per task): as "
        "pathway.cpp_visit_hours, a little shorter",
    )
    core_group_hours: float = param(
        2.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=VISIT_HOURS,
        why=VISIT_HOURS_WHY,
        doc="One core group meeting.",
    )
    cpp_action_hours_per_week: float = param(
        1.5,
        source=ASSUMPTION,
        unit="hours per week",
        low=0.0,
        high=CASE_WEEK_HOURS,
        why=CASE_WEEK_HOURS_WHY,
        doc="Plan actions on a CPP.",
        plausible=(0.75, 3.0),
        plausible_why="assumption (FACTS.md 'Not known': time per task): half to twice the "
        "default: calls, referrals to services, multi-agency contact, direct work with the child",
    )
    cin_action_hours_per_week: float = param(
        0.5,
        source=ASSUMPTION,
        unit="hours per week",
        low=0.0,
        high=CASE_WEEK_HOURS,
        why=CASE_WEEK_HOURS_WHY,
        doc="Plan actions on a CiN plan.",
        plausible=(0.25, 1.0),
        plausible_why="assumption (FACTS.md 'Not known': time per task): half to twice the "
        "default; a CiN plan asks for less than a CPP",
    )


@dataclass
class NeedConfig:
    """Latent need: how it starts, moves and is seen (DESIGN.md section 5)."""

    high_threshold: float = param(
        1.0,
        source=ASSUMPTION,
        unit="need score (sd units)",
        low=-5.0,
        high=5.0,
        why="need is standard normal at first referral: 5 sd either way marks every child or none "
        "as at high need",
        doc="Need at or above this is 'high' (risk of significant harm).",
    )
    weekly_noise_sd: float = param(
        0.08,
        source=ASSUMPTION,
        unit="need score per week",
        low=0.0,
        high=1.0,
        why="up to one sd a week, the whole spread of need between children at referral",
        doc="Week-to-week change in need.",
        plausible=(0.04, 0.14),
        plausible_why="assumption: half to nearly twice the default; need's spread about its "
        "baseline (noise / sqrt(1 - (1 - reversion)^2)) then runs from about 0.09 to 0.32 sd",
    )
    weekly_reversion: float = param(
        0.1,
        source=ASSUMPTION,
        unit="per week",
        low=0.0,
        high=1.0,
        why="the share of the gap to the baseline closed in a week",
        doc="Pull of need to the child's baseline.",
        plausible=(0.05, 0.2),
        plausible_why="assumption: need returns halfway to its baseline in 3 to 14 weeks",
    )
    progress_effect_per_week: float = param(
        0.05,
        source=f"{ASSUMPTION}; re-set in issue 15 (from 0.03), when visits alone and weeks the "
        f"family refuses access stopped lowering need, to keep the CPP stock near {CIN25}",
        unit="need score per week",
        low=0.0,
        high=NEED_STEP,
        why=NEED_STEP_WHY,
        doc="Fall in baseline need in a week with work on the plan (actions, a core group; not "
        "a visit alone, not while the family refuses access).",
        plausible=(0.03, 0.08),
        plausible_why="assumption (re-set in issue 15 to keep the CPP stock near FACTS.md "
        "CIN25): a year of work on the plan lowers baseline need by 1.5 to 4 sd",
    )
    drift_effect_per_week: float = param(
        0.03,
        source=ASSUMPTION,
        unit="need score per week",
        low=0.0,
        high=NEED_STEP,
        why=NEED_STEP_WHY,
        doc="Rise in baseline need in a week in a contact gap (no contact for longer than "
        "pathway.drift_threshold_wd), up to the need the child had at first referral.",
        plausible=(0.01, 0.06),
        plausible_why="assumption: a month's contact gap raises baseline need by 0.04 to 0.24 sd "
        "(never above the need at first referral)",
    )
    detection_prob: float = prob(
        0.95,
        source=f"{ASSUMPTION}; seed 001 (seen 60 times, not protected); re-set in issue 15 "
        "(from 0.75 for every visit) so that a CPP visit's average, over announced and unannounced "
        "visits and children seen alone or not, stays about 0.76",
        doc="An unannounced visit that sees the child alone sees the child's current need.",
        plausible=(0.85, 1.0),
        plausible_why="assumption: the best visit (unannounced, the child seen alone, a settled "
        "worker with time) sees current need at least 85% of the time",
    )
    announced_detection_factor: float = param(
        0.8,
        source=f"{ASSUMPTION}; DESIGN.md section 5 (announced visits: disguised compliance), "
        "seed 004",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: warning the family does not help the worker see",
        doc="Detection multiplier for an announced visit.",
        plausible=(0.6, 0.95),
        plausible_why="assumption (DESIGN.md section 5, seed 004: disguised compliance): warning "
        "the family costs a twentieth to two fifths of the chance of seeing need",
    )
    not_alone_detection_factor: float = param(
        0.7,
        source=f"{ASSUMPTION}; Working Together (children seen alone can say what is happening)",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: a parent in the room does not help the worker see",
        doc="Detection multiplier for a visit that does not see the child alone.",
        plausible=(0.5, 0.9),
        plausible_why="assumption (Working Together: a child seen alone can say what is "
        "happening): a parent in the room costs a tenth to a half of the chance of seeing need",
        screened=False,
    )
    new_worker_detection_factor: float = param(
        0.6,
        source=f"{ASSUMPTION}; seed 002 (six social workers)",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: a new worker sees no more than one who knows the child",
        doc="Detection multiplier while a worker has held the case for under new_worker_weeks.",
        plausible=(0.4, 0.85),
        plausible_why="assumption (seed 002: six social workers): a worker who does not yet know "
        "the child sees need 15% to 60% less often",
        screened=False,
    )
    new_worker_weeks: int = param(
        6,
        source=ASSUMPTION,
        unit="weeks",
        low=0,
        high=52,
        why="up to a year",
        doc="How long a relationship counts as new.",
        plausible=(3, 12),
        plausible_why="assumption (seed 002): a worker takes three weeks (two CPP visits) to "
        "three months to know a child",
        screened=False,
    )
    pressure_detection_factor: float = param(
        0.5,
        source=ASSUMPTION,
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: pressure does not help a worker see need",
        doc="Detection multiplier for a worker whose demand is at twice their hours (linear in between).",
        plausible=(0.3, 0.8),
        plausible_why="assumption (seed 001: high workloads): at twice their hours a worker sees "
        "need 20% to 70% less often",
    )
    escalation_prob: float = prob(
        0.5,
        source=f"{ASSUMPTION}, calibrated to {CIN25} section 47s",
        doc="High need seen on a CiN case leads to a strategy discussion.",
    )
    outside_alert_prob_per_week: float = prob(
        0.02,
        source=f"{ASSUMPTION}; seed 000 (an anonymous call about the mother's partner)",
        doc="Weekly chance that someone outside the family (an anonymous caller, a neighbour, "
        "another agency) tells the service about a child at high need it has not seen.",
        plausible=(0.005, 0.05),
        plausible_why="assumption (seed 000: an anonymous call): an unseen child at high need is "
        "reported from outside within a year with chance 23% to 93%",
    )
    parent_alert_prob_per_week: float = prob(
        0.15,
        source=f"{ASSUMPTION}; seeds 000 and 002 (fathers who raised concerns)",
        doc="Weekly chance that a child's non-resident parent, involved by the service, tells "
        "it the child is at high need it has not seen.",
    )
    uninvolved_parent_alert_factor: float = param(
        0.2,
        source=f"{ASSUMPTION}; seed 000 (information not passed to the father; the council "
        "declined to meet him)",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: a parent kept out of the case does not know more",
        doc="Multiplier on that chance when the service has not involved the parent.",
    )
    rereferral_prob: float = prob(
        0.32,
        source=f"{ASSUMPTION}, calibrated to {CIN25} 22.6% re-referrals within 12 months",
        doc="Chance that a closed case of average need (0) is ever referred again.",
    )
    rereferral_need_slope: float = param(
        0.5,
        source=f"{ASSUMPTION}; seed 003 (cases closed too early are re-referred)",
        unit="per need unit",
        low=0.0,
        high=3.0,
        why="up to 3: each sd of need at closure multiplies the chance by up to 20 (e^3)",
        doc="Log-odds-like rise of that chance per unit of need at closure (capped at 1).",
    )
    closed_fade_weeks: float = param(
        13.0,
        source=f"{ASSUMPTION}; seed 003 (cases closed too early come back); with "
        "pathway.history_weight it gives repeat plans near data/dfe d3's 24.5%",
        unit="weeks",
        low=0.0,
        high=520.0,
        why="0 (gone at once) up to ten years",
        doc="Time constant over which the gains of the service's work fade after a case closes "
        "(the family's need returns towards its underlying level).",
    )
    rereferral_mean_days: float = param(
        150.0,
        source=f"{ASSUMPTION}, calibrated to {CIN25} re-referrals within 12 months",
        unit="days",
        low=0.0,
        high=365.0,
        low_open=True,
        why="up to a year: re-referrals are counted within 12 months (FACTS.md CIN25), and the "
        "closures put in before day 0 go back three years, which then covers all but 5% of them",
        doc="Mean time from closure to a re-referral, for those re-referred.",
    )


@dataclass
class WorkforceConfig:
    """Social workers: capacity, turnover, vacancies, agency cover and managers (DESIGN s6)."""

    caseload_cap: int = param(
        26,
        source=f"{ASSUMPTION}: above 25, as about 12% of case-holding FTE carry 25 or more cases "
        f"({CSWW23} 2021 spread); where authorities set caps they sit above the mean of 16",
        unit="cases",
        low=1,
        high=60,
        why="authority averages ranged from 9.7 to 24.9 cases in 2020 (FACTS.md CSWW); up to over "
        "twice the highest",
        doc="A worker takes no new case at or above this caseload.",
        plausible=(22, 30),
        plausible_why="assumption: caps sit above the mean of 16; about 12% of FTE carry 25 or "
        "more cases and authority averages reach 24.9 (FACTS.md CSWW23)",
    )
    caseload_cap_add: int = param(
        0,
        source="label (scenarios: conf/scenario/, relative to the authority)",
        unit="cases",
        low=-59,
        high=59,
        why="a scenario's change of the cap, within the cap's own range of 1 to 60",
        doc="Added to caseload_cap once when the configuration is built.",
    )
    casework_hours_per_week: float = param(
        25.0,
        source=f"{ASSUMPTION}: 37 contracted hours less supervision, training, travel and admin; "
        "re-set from 23 with teams (issue 14), whose uneven caseloads use hours less evenly, so "
        f"that the mean caseload stays near 16 ({CSWW23})",
        unit="hours per week",
        low=0.0,
        high=WEEK_HOURS,
        low_open=True,
        why=WEEK_HOURS_WHY,
        doc="Time a worker has for case tasks in a full week.",
        plausible=(21.0, 29.0),
        plausible_why="assumption (FACTS.md 'Not known'; re-set in issue 14 from 23): of 37 "
        "contracted hours, 8 to 16 go to supervision, training, meetings, travel and admin",
    )
    dynamics: bool = param(
        True,
        source="DESIGN.md section 6",
        doc="Turnover, vacancies, agency cover, absence and newly qualified workers; off = every post filled for good.",
    )
    turnover_base: float = param(
        0.087,
        source=f"calibrated so that realised baseline turnover is 15.9% a year ({CSWW23}), with "
        "the early leaving factor and overload in busy teams adding to it (16.1%, with vacancy "
        "19.1% and agency share 17.6%: 30 replications, 2026-12-02, with the agency workers "
        "beyond the posts, day-0 staff serving notice, sustained overload measured from the "
        "first week, recruitment_mean_days 557 and day0_pressure_uplift 1.42)",
        unit="per year",
        low=0.0,
        high=5.0,
        why="up to 5 a year (an average stay under three months); the highest authority rates "
        "recorded are about 0.5 a year (DfE CSWW in data/dfe)",
        doc="Leaving hazard of a permanent worker under no pressure.",
    )
    turnover_base_factor: float = param(
        1.0,
        source="label (scenarios: conf/scenario/, relative to the authority)",
        unit="multiplier",
        low=0.0,
        high=20.0,
        why="a scenario's change of turnover: none at all up to twenty times the authority's",
        doc="Multiplies turnover_base once when the configuration is built.",
    )
    turnover_pressure_effect: float = param(
        1.5,
        source=f"{ASSUMPTION}: the direction is documented (seeds 001, 002), the size is not (FACTS.md)",
        unit="per unit of sustained overload",
        low=0.0,
        high=10.0,
        why="up to 10: full overload multiplies the leaving hazard by up to 11",
        doc="Leaving hazard = base x (1 + effect x excess), excess = sustained overload above the "
        "tolerance, capped at 1; 0 turns the feedback off.",
        plausible=(0.5, 4.0),
        plausible_why="FACTS.md 'Not known': the direction is documented (seeds 001, 002), the "
        "size is not (assumption): full overload raises the leaving hazard by half to five times",
    )
    day0_pressure_uplift: float = param(
        1.42,
        source=f"{ASSUMPTION}, measured: day 0 draws the default's vacancies at 18.9% ({CSWW23}); "
        "its measured years then average 19.1% (30 replications, 2026-12-02); 1.6 (the "
        "realised turnover over that without pressure, issue 14) before the agency workers "
        "beyond the posts; an authority's from its caseload (sim.localise)",
        unit="multiplier",
        low=0.5,
        high=10.0,
        why="from 0.5 (an authority's uplift relative to the default's is clipped at half, "
        "sim.localise) to 10",
        doc="Day 0 only: the leaving hazard the day-0 vacancies and times in post are drawn "
        "for, as a multiple of turnover_base (the rate the authority runs at, not a calm one); "
        "unused when turnover_pressure_effect is 0.",
    )
    pressure_tolerance: float = param(
        0.35,
        source=f"{ASSUMPTION}, calibrated: the sustained overload of a typical worker in the "
        "baseline (median 0.34 in measured years, 3 replications, with teams, issue 14)",
        unit="overload (demand / hours - 1, plus caseload / cap - 1)",
        low=0.0,
        high=2.0,
        why="up to 2: demand at three times a worker's hours with a full caseload",
        doc="Sustained overload above this raises the leaving hazard.",
    )
    pressure_memory_weeks: float = param(
        13.0,
        source=ASSUMPTION,
        unit="weeks",
        low=0.0,
        high=260.0,
        low_open=True,
        why="up to five years",
        doc="Time constant of sustained overload (exponential moving average of weekly "
        "overload; until a worker has been measured this many weeks, the mean of the weeks so far).",
    )
    notice_weeks: int = param(
        4,
        source=f"{ASSUMPTION}: one month's notice",
        unit="weeks",
        low=0,
        high=26,
        why="a month is usual; up to six months",
        doc="Notice before a leaver's cases move; on day 0 some permanent workers are already "
        "serving it (the chance their day-0 hazard gives over the notice).",
        plausible=(2, 8),
        plausible_why="assumption: a month's notice is usual; two weeks (leave taken against it) "
        "to two months",
        screened=False,
    )
    handover_hours: float = param(
        3.0,
        source=f"{ASSUMPTION}; seed 002 (the quality of handovers)",
        unit="hours per case",
        low=0.0,
        high=CASE_WEEK_HOURS,
        why=CASE_WEEK_HOURS_WHY,
        doc="Time a receiving worker spends taking over a case.",
        plausible=(1.0, 8.0),
        plausible_why="assumption (seed 002: the quality of handovers): from reading the file (1 "
        "hour) to a file read, joint visit and handover meeting (a working day)",
    )
    recruitment_mean_days: float = param(
        557.0,
        source=f"derived, then measured: vacancy rate 18.9% and turnover 15.9% ({CSWW23}) give "
        "a steady mean time to fill of 0.233 / 0.159 = 1.47 years (536 days), with which the "
        "default run's vacancy rate was 18.3% at 16.0% turnover (30 replications, 2026-12-01); "
        "x 0.2331 / 0.2243 (the vacancy odds wanted over those realised). Since day-0 staff may "
        "be serving notice and sustained overload counts from the first week (2026-12-02) the "
        "default's vacancy is 19.1% at 16.1% turnover (30 replications), nearly level over 11 "
        "years (experiments/steady_state.py)",
        unit="days",
        low=0.0,
        high=3_650.0,
        low_open=True,
        why="up to ten years (the national figures give about 1.5)",
        doc="Mean time to fill a vacant post with a permanent worker (exponential).",
    )
    recruitment_mean_days_factor: float = param(
        1.0,
        source="label (scenarios: conf/scenario/, relative to the authority)",
        unit="multiplier",
        low=0.0,
        high=20.0,
        low_open=True,
        why="a scenario's change of the time to fill a post: up to twenty times the authority's",
        doc="Multiplies recruitment_mean_days once when the configuration is built.",
    )
    agency_cover_prob: float = prob(
        0.8,
        source=f"derived from {CSWW23}: agency workers are 17.8% of FTE with an 18.9% vacancy rate "
        "and 80.1% of them cover vacancies, so covering ones number 74.4% of vacancies; over the "
        "share of a covered vacancy an agency worker is in post in the default run (0.93: the "
        "start and the gaps between agency workers; measured, 30 replications, 2026-12-01): "
        "0.80. The other 19.9% are agency_extra_per_post",
        doc="A vacant post is covered by an agency worker (who is replaced if they leave).",
    )
    agency_uncovered_factor: float = param(
        1.0,
        source="label (scenarios: conf/scenario/, relative to the authority)",
        unit="multiplier",
        low=0.0,
        high=20.0,
        why="0 covers every vacancy; above 1 leaves more uncovered (agency_cover_prob stops at 0)",
        doc="Multiplies the share of vacancies left without agency cover (1 - agency_cover_prob) "
        "once when the configuration is built: 0 = every vacancy covered.",
    )
    agency_start_mean_days: float = param(
        14.0,
        source=ASSUMPTION,
        unit="days",
        low=0.0,
        high=365.0,
        low_open=True,
        why="up to a year",
        doc="Mean time for agency cover to start.",
    )
    agency_turnover: float = param(
        0.9,
        source=f"{ASSUMPTION}: agency workers stay shorter (DESIGN.md s6)",
        unit="per year",
        low=0.0,
        high=12.0,
        why="up to 12 a year: agency workers staying a month on average",
        doc="Leaving hazard of an agency worker.",
        plausible=(0.5, 2.0),
        plausible_why="assumption (DESIGN.md section 6: agency workers stay shorter): an average "
        "agency stay of six months to two years",
    )
    newly_qualified_share: float = prob(
        0.3,
        source=ASSUMPTION,
        doc="Share of permanent recruits who are newly qualified.",
    )
    newly_qualified_factor: float = param(
        0.9,
        source="FACTS.md: about 90% of a full caseload in the first year, 10% protected time",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: no more than a full caseload and full hours",
        doc="Caseload cap and hours of a newly qualified worker in their first year.",
    )
    sickness_absence: float = prob(
        0.032,
        source=f"{CSWW23}: 3.2% of working days",
        doc="Chance a worker is off sick on a working day.",
    )
    team_size: int = param(
        6,
        source=ASSUMPTION,
        unit="workers per manager",
        low=1,
        high=30,
        why="up to 30 workers per manager",
        doc="Social workers per team manager.",
        plausible=(4, 9),
        plausible_why="assumption: four to nine case-holding social workers per team manager",
    )
    structure: str = param(
        "single",
        source="DESIGN.md section 11 (teams); both structures are common in English authorities",
        choices=("single", "split"),
        why="the two structures the model knows",
        doc="single: one team holds a case from referral to closure; split: assessment teams "
        "hand a case to long-term teams when a plan starts.",
    )
    assessment_team_share: float = param(
        0.4,
        source=f"{ASSUMPTION}, measured: about the share of the hours the baseline's work "
        "takes before a plan starts (assessment, section 47, awaiting ICPC); at 0.3 the "
        "assessment teams filled and about 300 cases queued, at 0.45 the long-term ones",
        unit="share of posts",
        low=0.0,
        high=1.0,
        low_open=True,
        why="a share; above 0 so that there is at least one assessment team",
        doc="Under the split structure, the share of posts in assessment teams.",
    )
    team_demand_spread: float = param(
        0.3,
        source=f"{ASSUMPTION}, calibrated to the national spread of caseloads ({CSWW23} 2021 "
        "bands); authorities size teams to their patches only roughly",
        unit="standard deviation of log demand per post",
        low=0.0,
        high=1.5,
        why="up to 1.5: a patch then has more than four times the demand per post of another",
        doc="How unevenly referrals per funded post fall across the teams' patches "
        "(lognormal); 0 gives every team demand in proportion to its posts.",
    )
    borrow_after_wd: int = param(
        10,
        source=f"{ASSUMPTION}: a manager looks beyond the team after two weeks",
        unit="working days",
        low=0,
        high=YEAR_WD,
        why="up to a year; 0 allocates across teams at once",
        doc="A case that has waited this long for a worker in its own team goes to the "
        "least-loaded worker with room in another team (section 47 cases at once).",
        plausible=(5, 20),
        plausible_why="assumption: a manager looks to another team after one to four weeks' wait",
        screened=False,
    )
    vacant_cluster_posts: int = param(
        0,
        source=f"{ASSUMPTION}: none by default; a scenario lever (a team with a cluster of "
        "vacancies, issue 14)",
        unit="posts",
        low=0,
        high=30,
        why="up to the largest team",
        doc="Posts of the first team left vacant for the whole run, with no recruitment and "
        "no agency cover (a recruitment freeze, or posts nobody applies for); 0 = none.",
    )
    agency_extra_per_post: float = param(
        0.03495,
        source="derived from FACTS.md CSWW23: 19.9% of agency workers do not cover a vacancy "
        "(80.1% do, agency_cover_prob); agency workers are 17.8% of FTE at an 18.9% vacancy "
        "rate, 0.17564 per post, so 0.199 x 0.17564 = 0.03495 (4 for the average authority's "
        "118 posts); a table authority's from its own agency and vacancy rates (sim.localise)",
        unit="agency workers per funded post",
        low=0.0,
        high=10.0,
        why="up to ten per post",
        doc="Agency workers beyond the funded posts (covering absence, or extra capacity), "
        "round(authority.social_workers x this) of them, so they scale with the authority: "
        "each holds cases as any worker, leaves at agency_turnover and is replaced after "
        "agency_start_mean_days; not posts, so never vacancies; 0 = none.",
        screened=False,
    )
    agency_extra_workers: int = param(
        0,
        source="derived from FACTS.md CSWW23 (80.1% of agency workers cover vacancies): none "
        "for the presets; a table authority whose covering agency workers outnumber what its "
        "vacancies can hold gets the excess (sim.localise)",
        unit="workers",
        low=0,
        high=1000,
        why="up to several times the largest authority's posts",
        doc="More agency places beyond the funded posts, on top of agency_extra_per_post's "
        "(as those, never vacant); 0 = none.",
        screened=False,
    )
    induction_weeks: int = param(
        6,
        source=f"{ASSUMPTION}: a caseload is built up over a new starter's first weeks",
        unit="weeks",
        low=0,
        high=52,
        why="up to a year",
        doc="A new starter's cap rises in equal steps to the full cap over this many weeks.",
        plausible=(2, 12),
        plausible_why="assumption: a new starter's caseload is built up over two weeks to three "
        "months",
        screened=False,
    )
    early_leaving_factor: float = param(
        2.0,
        source=f"{ASSUMPTION}: leavers are concentrated in the first years of service (DfE's "
        "workforce census publishes leavers by length of service; the figures are not in "
        "data/dfe), the size is assumed",
        unit="multiplier",
        low=0.0,
        high=10.0,
        why="up to 10 times the later hazard",
        doc="A permanent worker's leaving hazard in their first early_leaving_years is this "
        "many times the hazard after.",
    )
    early_leaving_years: float = param(
        2.0,
        source=f"{ASSUMPTION}: the first two years of service",
        unit="years",
        low=0.0,
        high=40.0,
        why="up to a working life",
        doc="How long the higher early leaving hazard lasts.",
    )
    internal_move_rate: float = param(
        0.05,
        source=f"{ASSUMPTION}: moves between teams are not published",
        unit="per year",
        low=0.0,
        high=5.0,
        why="up to 5 a year",
        doc="Hazard of a permanent worker moving to a vacant post in another team (their "
        "cases are handed over; it is not a leaver in the turnover rate).",
    )
    long_absence_rate: float = param(
        0.04,
        source=f"{ASSUMPTION}: maternity and parental leave and long-term sickness; the "
        "daily sickness absence rate is kept for short spells",
        unit="spells per worker-year",
        low=0.0,
        high=5.0,
        why="up to 5 a year",
        doc="Hazard of a permanent worker starting a long absence (their cases are handed "
        "over; the post stays theirs).",
    )
    long_absence_median_weeks: float = param(
        26.0,
        source=f"{ASSUMPTION}: maternity leave of 6-12 months, long-term sickness of months",
        unit="weeks",
        low=0.0,
        high=104.0,
        low_open=True,
        why="up to two years",
        doc="Median length of a long absence (lognormal).",
    )
    long_absence_sigma: float = param(
        0.5,
        source=ASSUMPTION,
        unit="log sd",
        low=0.0,
        high=LOG_SD,
        why=LOG_SD_WHY,
        doc="Spread of the length of a long absence.",
    )
    manager_review_hours_per_week: float = param(
        12.0,
        source=ASSUMPTION,
        unit="hours per week",
        low=0.0,
        high=WEEK_HOURS,
        why=WEEK_HOURS_WHY,
        doc="A team manager's time for case reviews.",
        plausible=(6.0, 18.0),
        plausible_why="assumption (seed 002: four-weekly reviews promised and lapsed): a sixth "
        "to a half of a team manager's week for case reviews",
    )
    manager_review_hours_per_case: float = param(
        0.5,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=CASE_WEEK_HOURS,
        why=CASE_WEEK_HOURS_WHY,
        doc="One case review.",
        plausible=(0.25, 1.0),
        plausible_why="assumption: a quick check of the record (15 minutes) to an hour's case "
        "discussion",
    )
    manager_review_interval_wd: int = param(
        20,
        source="seed 002: case review every four weeks; FACTS.md (manager supervision at least monthly)",
        unit="working days",
        low=1,
        high=YEAR_WD,
        why="up to a year",
        doc="Each case is due a manager review this often.",
    )
    manager_turnover: float = param(
        0.15,
        source=f"{ASSUMPTION}: no published figure for team managers; the same order as social "
        f"workers' 15.9% a year ({CSWW23})",
        unit="per year",
        low=0.0,
        high=5.0,
        why="up to 5 a year (an average stay under three months), as for social workers",
        doc="Leaving hazard of a team manager in post (with dynamics on; managers.py).",
    )
    manager_recruitment_mean_days: float = param(
        180.0,
        source=f"{ASSUMPTION}: about six months to appoint a team manager",
        unit="days",
        low=0.0,
        high=3_650.0,
        low_open=True,
        why="up to ten years, as for social workers' posts",
        doc="Mean time to fill a vacant team manager post (exponential).",
    )
    manager_cover_delay_days: float = param(
        14.0,
        source=f"{ASSUMPTION}: about two weeks to arrange cover",
        unit="days",
        low=0.0,
        high=365.0,
        why="up to a year",
        doc="Days a vacant manager post goes without any cover before cover is arranged "
        "(and again after a failed attempt).",
    )
    acting_manager_prob: float = prob(
        0.5,
        source=f"{ASSUMPTION}: acting up and a neighbouring manager's cover taken as equally common",
        doc="Cover of a vacant manager post is an acting manager; otherwise the neighbouring "
        "team's manager stretched over both teams.",
    )
    acting_manager_hours_factor: float = param(
        0.5,
        source=f"{ASSUMPTION}: an acting manager still carries some of their own cases",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a share of a manager's hours",
        doc="An acting manager's review and complaint hours as a share of a team manager's.",
    )


REGS = "FACTS.md Regs2006 (statutory children's complaints procedure)"


@dataclass
class ComplaintsConfig:
    """Complaints: who complains, the procedures' clocks, staff time, outcomes (DESIGN s7)."""

    base_rate_per_case_year: float = param(
        0.004,
        source=f"{ASSUMPTION}, calibrated to local volumes (FACTS.md: tens a year at stage 1)",
        unit="complaints per open case-year",
        low=0.0,
        high=12.0,
        why="up to one a month per open case (a child has at most one complaint open at a time)",
        doc="Complaints with no particular failure behind them.",
    )
    missed_visit_prob: float = prob(
        0.002,
        source=f"{ASSUMPTION}, calibrated as above",
        doc="A missed statutory visit leads to a complaint.",
    )
    breach_prob: float = prob(
        0.01,
        source=f"{ASSUMPTION}, calibrated as above",
        doc="A missed timescale (assessment, ICPC, review) leads to a complaint.",
    )
    worker_change_prob: float = prob(
        0.01,
        source=f"{ASSUMPTION}; seed 002 (six social workers)",
        doc="A change of social worker leads to a complaint.",
    )
    non_resident_parent_prob: float = prob(
        0.4,
        source=f"{ASSUMPTION}; seeds 000 and 002 (fathers who complained)",
        doc="A child has an involved non-resident parent.",
    )
    not_invited_prob: float = prob(
        0.08,
        source=f"{ASSUMPTION}; seed 002 (a father not invited to the ICPC)",
        doc="A non-resident parent not invited to a conference complains.",
    )
    complex_prob: float = prob(
        0.3, source=ASSUMPTION, doc="A complaint is complex, so its stage deadlines are extended."
    )
    stage1_due_wd: int = param(
        10,
        source=REGS,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=DEADLINE_WHY,
        doc="Stage 1 response due.",
    )
    stage1_max_wd: int = param(
        20,
        source=REGS,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=f"{DEADLINE_WHY}; at least complaints.stage1_due_wd",
        doc="Stage 1 deadline when extended (complex).",
    )
    stage2_due_wd: int = param(
        25,
        source=REGS,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=DEADLINE_WHY,
        doc="Stage 2 response due.",
    )
    stage2_max_wd: int = param(
        65,
        source=REGS,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=f"{DEADLINE_WHY}; at least complaints.stage2_due_wd",
        doc="Stage 2 deadline when extended (complex).",
    )
    stage3_panel_wd: int = param(
        30,
        source=REGS,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=DEADLINE_WHY,
        doc="Stage 3 panel within this of the request.",
    )
    stage3_report_wd: int = param(
        5,
        source=REGS,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=DEADLINE_WHY,
        doc="Panel report within this of the panel.",
    )
    stage3_response_wd: int = param(
        15,
        source=REGS,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=DEADLINE_WHY,
        doc="Council's response within this of the report.",
    )
    corporate_stage1_wd: int = param(
        10,
        source="seed 004 (two-stage corporate procedure)",
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=DEADLINE_WHY,
        doc="Corporate stage 1 due.",
    )
    corporate_stage2_wd: int = param(
        30,
        source="seed 004",
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why=DEADLINE_WHY,
        doc="Corporate stage 2 due.",
    )
    stage1_min_wd: float = param(
        9.0,
        source=f"{ASSUMPTION}, calibrated to FACTS.md (a London borough answered 60-66% of stage 1 on time)",
        unit="working days (median)",
        low=0.0,
        high=HALF_YEAR_WD,
        why="up to six months",
        doc="Elapsed time a stage 1 response needs.",
    )
    stage2_min_wd: float = param(
        20.0,
        source=ASSUMPTION,
        unit="working days (median)",
        low=0.0,
        high=HALF_YEAR_WD,
        why="up to six months",
        doc="Elapsed time a stage 2 investigation needs.",
    )
    stage3_min_wd: float = param(
        20.0,
        source=ASSUMPTION,
        unit="working days (median)",
        low=0.0,
        high=HALF_YEAR_WD,
        why="up to six months",
        doc="Time to convene a stage 3 panel.",
    )
    stage_time_sigma: float = param(
        0.5,
        source=ASSUMPTION,
        unit="log-scale sd",
        low=0.0,
        high=LOG_SD,
        why=LOG_SD_WHY,
        doc="Spread of those elapsed times.",
    )
    stage1_manager_hours: float = param(
        4.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Team manager time for a stage 1 response.",
    )
    stage2_manager_hours: float = param(
        8.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Manager time for a stage 2 investigation.",
    )
    stage3_manager_hours: float = param(
        8.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Manager time for a stage 3 panel.",
    )
    stage1_worker_hours: float = param(
        2.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Social worker time for stage 1.",
    )
    stage2_worker_hours: float = param(
        6.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Social worker time for stage 2.",
    )
    stage3_worker_hours: float = param(
        3.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Social worker time for stage 3.",
    )
    escalate_1_2_prob: float = prob(
        0.35,
        source=f"{ASSUMPTION}, calibrated to FACTS.md (one county: 44 / 17 / 6 at stages 1 / 2 / 3)",
        doc="A complainant takes stage 1 to stage 2.",
    )
    escalate_2_3_prob: float = prob(
        0.35,
        source=f"{ASSUMPTION}, calibrated as above",
        doc="A complainant takes stage 2 to stage 3.",
    )
    late_escalation_boost: float = prob(
        0.15, source=ASSUMPTION, doc="Added chance of escalating after a late response."
    )
    ombudsman_prob: float = prob(
        0.25,
        source=f"{ASSUMPTION}; seeds 002 and 004 (complaints that went on to the LGSCO)",
        doc="A complainant goes to the Ombudsman after the last local stage.",
    )
    ombudsman_mean_days: float = param(
        180.0,
        source=ASSUMPTION,
        unit="days",
        low=0.0,
        high=1_095.0,
        low_open=True,
        why="up to three years",
        doc="Mean time the Ombudsman takes.",
    )
    upheld_prob: float = prob(
        0.4, source=ASSUMPTION, doc="A local stage upholds the complaint (at least in part)."
    )
    ombudsman_upheld_prob: float = prob(
        0.85,
        source="FACTS.md LGSCO25: fault found in 91% of education and children's services investigations (83% overall)",
        doc="The Ombudsman finds fault.",
    )
    remedy_median_gbp: float = param(
        400.0,
        source="FACTS.md LGSCO25: £100-£500 common; seed 002 £1,150, seed 004 £300",
        unit="GBP",
        low=0.0,
        high=50_000.0,
        why="up to about 40 times the largest remedy in the seeds (£1,150; FACTS.md: £100-£500 is "
        "common)",
        doc="Median remedy when the Ombudsman finds fault (lognormal).",
    )
    remedy_sigma: float = param(
        0.6,
        source=ASSUMPTION,
        unit="log-scale sd",
        low=0.0,
        high=LOG_SD,
        why=LOG_SD_WHY,
        doc="Spread of remedies.",
    )
    actions_per_upheld: float = param(
        1.5,
        source=f"{ASSUMPTION}; seed 002 (risk assessment of a parent, direct work with the child)",
        unit="actions (mean)",
        low=0.0,
        high=20.0,
        why="up to 20 actions from one complaint (seed 002 agreed two)",
        doc="Actions agreed when a stage upholds a complaint.",
    )
    action_hours: float = param(
        4.0,
        source=ASSUMPTION,
        unit="hours",
        low=0.0,
        high=TASK_HOURS,
        why=TASK_HOURS_WHY,
        doc="Worker time for one agreed action.",
    )
    action_due_wd: int = param(
        20,
        source=ASSUMPTION,
        unit="working days",
        low=1,
        high=HALF_YEAR_WD,
        why="up to six months",
        doc="Agreed actions are due this long after agreement.",
    )
    untracked_action_weekly_prob: float = prob(
        0.25,
        source=f"{ASSUMPTION}; seed 002 (actions outstanding months later)",
        doc="Without tracking, the chance in a week that a worker with time remembers an agreed action.",
    )


SERVICE_PLACES_WHY = (
    "0 (no such service) up to 500 per 1,000 referrals, about twenty times the default: "
    "a place for every family referred"
)
SEED3 = "seed 003 (long waits for counselling, not enough parenting programmes)"


@dataclass
class ServicesConfig:
    """Services a plan refers a family to, their places and waiting lists (seed 003)."""

    cpp_referral_prob: float = prob(
        0.5,
        source=f"{ASSUMPTION}; {SEED3}",
        doc="A new child protection plan refers the family to a service (parenting "
        "programme or counselling).",
    )
    cin_referral_prob: float = prob(
        0.25,
        source=f"{ASSUMPTION}; {SEED3}",
        doc="A new child in need plan refers the family to a service (a family stepping "
        "down from a CPP keeps the referral it has).",
    )
    parenting_share: float = prob(
        0.5,
        source=f"{ASSUMPTION}; {SEED3}",
        doc="Share of referrals that go to the parenting programme; the rest go to counselling.",
    )
    parenting_places_per_1000_referrals: float = param(
        23.0,
        source=f"{ASSUMPTION}: about 1.15 x the places in use when nobody waits (default run: "
        "about 83 of the average authority's 95 places in use, a few families wait days)",
        unit="places per 1,000 referrals a year",
        low=0.0,
        high=500.0,
        why=SERVICE_PLACES_WHY,
        doc="Parenting programme places open at once, per 1,000 referrals a year "
        "(authority.referrals_per_year); rounded, at least 1 when above 0.",
    )
    counselling_places_per_1000_referrals: float = param(
        19.0,
        source=f"{ASSUMPTION}: as for the parenting programme (default run: about 68 of 79 "
        "places in use)",
        unit="places per 1,000 referrals a year",
        low=0.0,
        high=500.0,
        why=SERVICE_PLACES_WHY,
        doc="Counselling places (adult mental health) open at once, per 1,000 referrals "
        "a year; rounded, at least 1 when above 0.",
    )
    parenting_course_weeks: int = param(
        12,
        source=f"{ASSUMPTION}: group parenting programmes run for about 8 to 14 weekly sessions",
        unit="weeks",
        low=1,
        high=104,
        why="from a week up to two years",
        doc="How long a family holds a parenting programme place.",
    )
    counselling_course_weeks: int = param(
        10,
        source=f"{ASSUMPTION}: a course of counselling is typically 6 to 12 weekly sessions",
        unit="weeks",
        low=1,
        high=104,
        why="from a week up to two years",
        doc="How long a family holds a counselling place.",
    )
    waiting_progress_factor: float = param(
        0.5,
        source=f"{ASSUMPTION}; {SEED3}",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: waiting for help does not make the plan's work achieve more",
        doc="While a family waits for its service, a week of plan work lowers need by this "
        "times need.progress_effect_per_week.",
    )
    attending_progress_factor: float = param(
        1.0,
        source=f"{ASSUMPTION}: need.progress_effect_per_week was set with no services, so it "
        "is taken as the effect of a plan with the help it needs",
        unit="multiplier",
        low=1.0,
        high=3.0,
        why="attending leaves the plan's work as effective as without a wait, or makes it "
        "up to three times as effective",
        doc="While a family attends its service, a week of plan work lowers need by this "
        "times need.progress_effect_per_week.",
        plausible=(1.0, 1.5),
        plausible_why="assumption (seed 003): attending adds nothing "
        "(need.progress_effect_per_week was set without services) up to half again to a week of "
        "plan work",
        screened=False,
    )


@dataclass
class PolicyConfig:
    """Practice levers (DESIGN.md section 1, question 3)."""

    act_on_outside_alerts_prob: float = prob(
        0.5,
        source=f"{ASSUMPTION}; seed 000 (an anonymous call twice not passed on)",
        doc="Information from outside the household (need.outside_alert_prob_per_week, "
        "need.parent_alert_prob_per_week) is acted on (need is seen); otherwise it is recorded "
        "and nothing follows.",
        plausible=(0.3, 0.8),
        plausible_why="assumption (seed 000: an anonymous call twice not passed on): from under "
        "a third to four in five reports from outside acted on",
    )
    close_only_when_need_low: bool = param(
        True,
        source="DESIGN.md section 4.8",
        doc="Reviews keep a case open while its need is seen to be high.",
    )
    end_plan_need_margin: float = param(
        0.0,
        source=f"{ASSUMPTION}: none for the average authority (the high-need threshold itself); "
        "an authority's own is derived from its children on a plan per plan started "
        "(sim.localise, CIN25 stock and starts)",
        unit="need score (sd units)",
        low=-2.0,
        high=2.0,
        why="up to 2 sd either way: from ending plans while need is still well into the high "
        "range to keeping them until it is far below it",
        doc="With close_only_when_need_low, how far below need.high_threshold the need a "
        "review conference sees must be before a protection plan may end (CiN reviews keep "
        "the threshold itself); above 0, conferences wait for more "
        "improvement (plans last longer), below 0 less.",
    )
    not_seen_list: bool = param(
        False,
        source="seed 002: the council's later policy to follow up children on a CPP not seen in time",
        doc="A weekly list of CPP children not seen within the standard, escalated to managers.",
    )
    escalated_no_access_factor: float = param(
        0.2,
        source=f"{ASSUMPTION}; seed 004 (unannounced visits), seed 002 (escalation of children not seen)",
        unit="multiplier",
        low=0.0,
        high=1.0,
        why="a multiplier: escalating a visit does not make refusal more likely",
        doc="An escalated visit (not-seen list, duty service) is refused this much less often.",
    )
    track_complaint_actions: bool = param(
        False,
        source="seed 002: the council later had an officer track actions from stage 2 complaints",
        doc="Actions agreed in complaints are tracked and done by their due date as priority work.",
    )
    invite_non_resident_parent_prob: float = prob(
        0.6,
        source=f"{ASSUMPTION}; seeds 000 and 002 (fathers not told or not invited)",
        doc="The service involves a child's non-resident parent in a case: informs them, invites "
        "them to conferences and hears them (drawn for each case); an involved parent tells "
        "the service more (need.parent_alert_prob_per_week).",
    )


@dataclass
class RunConfig:
    """Seeds, replications, parallelism and horizon."""

    seed: int = param(
        20250331,
        source="label",
        low=0,
        high=MAX_SEED,
        why="a 64-bit signed integer, which numpy and CSV readers keep exactly",
        doc="Base seed; replication seeds are spawned from it.",
    )
    replications: int = param(
        10,
        source="label",
        low=1,
        high=1_000,
        why="up to 1,000: intervals a tenth as wide as with the default 10",
        doc="Independent replications of the scenario.",
    )
    equal_precision_posts: int = param(
        0,
        source="label",
        low=0,
        high=10_000,
        why="0 (off) or a number of posts; an authority never runs more than ten times "
        "run.replications, nor more than 1,000",
        doc="When above 0, an authority with fewer case-holding posts than this runs more "
        "replications, run.replications x this / its posts (rounded up, at most ten times "
        "run.replications and at most 1,000), so that its workforce rates rest on about as "
        "many worker-years as an authority of this many posts gives (experiment=national "
        "sets the average authority's 118). A small authority's turnover over three years and two "
        "replications counts a few dozen leavers, a spread of several points.",
    )
    n_jobs: int = param(
        0,
        source="label",
        low=0,
        high=256,
        why="up to 256 processes; more than there are cores only adds overhead",
        doc="Worker processes for replications (0 = all cores).",
    )
    warmup_years: float = param(
        2.0,
        source="DESIGN.md section 2 says one year; two, because the run report's warm-up check "
        "(MSER-5) finds the day-0 start settling over 1.2-1.9 years since plans end between "
        "reviews and families carry their plan history (issue 13)",
        unit="years",
        low=0.0,
        high=MAX_RUN_YEARS,
        why=f"less than run.years by at least {MIN_MEASURED_YEARS:g}, so that a whole week is "
        "measured",
        doc="Discarded from KPIs.",
    )
    years: float = param(
        5.0,
        source="DESIGN.md section 2 (warm-up + three measured years; two years of warm-up, see "
        "run.warmup_years)",
        unit="years",
        low=MIN_MEASURED_YEARS,
        high=MAX_RUN_YEARS,
        why=RUN_YEARS_WHY,
        doc="Total simulated years, warm-up included.",
    )
    start_date: str = param(
        "2021-04-01",
        source="label",
        kind="date",
        why=START_DATES_WHY,
        doc="Calendar date of day 0 (ISO format).",
    )
    prepopulate: bool = param(
        True,
        source="DESIGN.md section 2",
        doc="Start with the authority's open CPP and CiN caseload and the re-referrals of cases closed "
        "in the three years before day 0.",
    )


@dataclass
class Config:
    """The whole composed configuration of one scenario run."""

    scenario_name: str = param(
        "baseline",
        source="label",
        kind="name",
        why=NAME_WHY,
        doc="Name of the scenario (set by scenario files); part of the run folder's name.",
    )
    authority: AuthorityConfig = field(default_factory=AuthorityConfig)
    pathway: PathwayConfig = field(default_factory=PathwayConfig)
    need: NeedConfig = field(default_factory=NeedConfig)
    workforce: WorkforceConfig = field(default_factory=WorkforceConfig)
    complaints: ComplaintsConfig = field(default_factory=ComplaintsConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    services: ServicesConfig = field(default_factory=ServicesConfig)
    run: RunConfig = field(default_factory=RunConfig)


GROUPS: tuple[str, ...] = (
    "authority",
    "pathway",
    "need",
    "workforce",
    "complaints",
    "policy",
    "services",
    "run",
)


def register_configs(authorities: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Register the schema so conf/config.yaml can build on it, and any authority options.

    Args:
        authorities: Options of the ``authority`` group by name, each a node of the whole
            configuration (``{"authority": {...}, "pathway": {...}, "workforce": {...}}``,
            package ``_global_``), beside the YAML presets in conf/authority/
            (sim.localise.authority_nodes gives one per authority of the packaged table).

    """
    store = ConfigStore.instance()
    store.store(name="base_config", node=Config)
    for name, node in (authorities or {}).items():
        store.store(group="authority", name=name, node=dict(node), package="_global_")


@dataclass(frozen=True)
class Adjustment:
    """A scenario's change relative to the authority: a factor key and the key it changes."""

    key: str
    """The factor (``workforce.turnover_base_factor``)."""
    target: str
    """The parameter it changes (``workforce.turnover_base``)."""
    how: str
    """``times`` (target x factor), ``plus`` (target + factor) or ``uncovered`` (the share
    1 - target is multiplied by the factor)."""
    neutral: float


ADJUSTMENTS: tuple[Adjustment, ...] = (
    Adjustment("authority.social_workers_factor", "authority.social_workers", "times", 1.0),
    Adjustment("workforce.turnover_base_factor", "workforce.turnover_base", "times", 1.0),
    Adjustment(
        "workforce.recruitment_mean_days_factor", "workforce.recruitment_mean_days", "times", 1.0
    ),
    Adjustment(
        "workforce.agency_uncovered_factor", "workforce.agency_cover_prob", "uncovered", 1.0
    ),
    Adjustment("workforce.caseload_cap_add", "workforce.caseload_cap", "plus", 0),
)
"""The keys by which a scenario states changes relative to the authority it is applied to
(docs/authorities.md, "Scenarios relative to the authority"). Each is applied once, when
the configuration is built (:func:`to_config`), and then set back to its neutral value, so
the :class:`Config` that runs holds the changed values and building it again changes
nothing. A product is rounded to 6 decimal places (a whole number of posts, at least 1),
so that a factor written with ten significant digits gives back exactly the value it
stands for (0.0825 x 2.0606060606 = 0.17)."""


def adjusted(value: Any, factor: float, how: str) -> Any:
    """``value`` changed by ``factor`` the way ``how`` says (see :data:`ADJUSTMENTS`)."""
    if how == "plus":
        return value + factor
    if how == "uncovered":
        return round(max(0.0, 1.0 - (1.0 - value) * factor), 6)
    if isinstance(value, int) and not isinstance(value, bool):
        return max(1, round(value * factor))
    return round(value * factor, 6)


def _get(node: Any, key: str) -> Any:
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else getattr(node, part, None)
        if node is None:
            return None
    return node


def effective_value(config: Mapping[str, Any], key: str) -> Any:
    """The value of ``key`` a run used, from its composed configuration (config.yaml).

    A key that a scenario changes relative to the authority (:data:`ADJUSTMENTS`) is shown
    in config.yaml as the authority's value beside the factor; this applies the factor.
    """
    value = _get(config, key)
    for adj in ADJUSTMENTS:
        factor = _get(config, adj.key)
        if adj.target == key and value is not None and factor is not None:
            if factor != adj.neutral:
                value = adjusted(value, factor, adj.how)
    return value


def apply_adjustments(cfg: Config) -> Config:
    """Apply each factor of :data:`ADJUSTMENTS` once, then set it back to neutral (in place).

    A changed value stops at the end of its key's range (a scenario applied to an authority
    near the end already: the Isles of Scilly's 3,650 days to fill a post, doubled).

    Raises:
        ConfigError: for a factor out of its range.

    """
    for adj in ADJUSTMENTS:
        group, _, name = adj.key.partition(".")
        node = getattr(cfg, group)
        factor = getattr(node, name)
        meta = _FIELD_META[type(node)][name]
        _check_field(adj.key, factor, meta, _FIELD_TYPES[type(node)][name])
        if factor == adj.neutral:
            continue
        target = adj.target.partition(".")[2]
        before = getattr(node, target)
        limits = _FIELD_META[type(node)][target]
        after = adjusted(before, factor, adj.how)
        if limits["high"] is not None and after > limits["high"]:
            after = type(before)(limits["high"])
        if limits["low"] is not None and after < limits["low"]:
            after = type(before)(limits["low"])
        setattr(node, target, after)
        setattr(node, name, type(factor)(adj.neutral))
    _equal_precision(cfg)
    return cfg


MAX_REPLICATION_FACTOR = 10
"""``run.equal_precision_posts`` raises an authority's replications at most this many times."""


def equal_precision_replications(replications: int, posts: int, precision_posts: int) -> int:
    """Replications giving ``posts`` about the worker-years ``precision_posts`` get.

    ``replications x precision_posts / posts`` rounded up, never fewer than
    ``replications`` nor more than :data:`MAX_REPLICATION_FACTOR` times it; ``precision_posts``
    0 leaves ``replications`` as it is.
    """
    if precision_posts <= 0 or posts >= precision_posts:
        return replications
    wanted = math.ceil(replications * precision_posts / posts)
    return min(wanted, MAX_REPLICATION_FACTOR * replications)


def _equal_precision(cfg: Config) -> None:
    """Apply ``run.equal_precision_posts`` once, then set it back to 0 (in place)."""
    run = cfg.run
    for group, key in (("run", "equal_precision_posts"), ("authority", "social_workers")):
        node = getattr(cfg, group)
        meta, kind = _FIELD_META[type(node)][key], _FIELD_TYPES[type(node)][key]
        _check_field(f"{group}.{key}", getattr(node, key), meta, kind)
    raised = equal_precision_replications(
        run.replications, cfg.authority.social_workers, run.equal_precision_posts
    )
    # never past run.replications' allowed most; a value already past it is left for
    # validate() to refuse
    most = _FIELD_META[RunConfig]["replications"]["high"]
    run.replications = min(raised, max(run.replications, most))
    run.equal_precision_posts = 0


DECISIONS: dict[str, tuple[str, ...]] = {
    "front door": ("front_door_nfa_prob", "front_door_strategy_prob"),
    "front-door rating": ("front_door_green_share", "front_door_amber_share"),
    "assessment": (
        "assessment_not_in_need_prob",
        "assessment_strategy_prob",
        "assessment_cin_prob",
    ),
    "section 47": ("s47_icpc_prob", "s47_cin_prob"),
    "ICPC": ("icpc_cpp_prob", "icpc_cin_prob"),
    "legal planning meeting": ("legal_pre_proceedings_prob", "legal_care_proceedings_prob"),
}
"""The pathway's decisions between more than two outcomes, by their ``pathway.*`` outcome
probabilities: the outcomes are exclusive and the last one takes what is left, so the
probabilities of one decision sum to at most 1. tests/test_config.py checks that every
decision in sim/processes is listed here."""

DEADLINES: tuple[tuple[str, str], ...] = (
    ("stage1_max_wd", "stage1_due_wd"),
    ("stage2_max_wd", "stage2_due_wd"),
)
"""Each ``complaints.*`` extended deadline and the standard one it extends."""

_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def _number(x: float) -> str:
    """A number as a message shows it: whole numbers in full, others in ``g`` format."""
    return str(x) if isinstance(x, int) else f"{x:g}"


def _range_text(meta: Mapping[str, Any], kind: Any = float) -> str:
    """The allowed values of a field, in words (for messages and docs/parameters.md)."""
    if meta.get("kind") == "name":
        return NAME_RULE
    if meta.get("kind") == "date":
        return DATE_RULE
    if meta.get("kind") in _TEXT_RULES:
        return _TEXT_RULES[meta["kind"]][0]
    if meta.get("kind") == "mapping":
        return MAPPING_RULE
    if meta.get("choices"):
        return " or ".join(meta["choices"])
    if kind is bool:
        return "true or false"
    low, high = meta.get("low"), meta.get("high")
    if low is not None and high is not None:
        if meta.get("low_open"):
            return f"greater than {_number(low)} up to {_number(high)}"
        return f"{_number(low)} to {_number(high)}"
    if low is not None:
        return f"greater than {_number(low)}" if meta.get("low_open") else f"{_number(low)} or more"
    if high is not None:
        return f"at most {_number(high)}"
    return "any value"


def _check_field(key: str, value: Any, meta: Mapping[str, Any], kind: Any) -> None:
    """Refuse a value of the wrong type, not finite, out of range, or not a safe text."""
    allowed = _range_text(meta, kind)
    if typing.get_origin(kind) is dict:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and _schema_field(k) and isinstance(v, str) and len(v) <= 1000
            for k, v in value.items()
        ):
            raise ConfigError(f"{key} = {value!r} is not allowed; allowed: {allowed}")
        return
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r} is not true or false")
        return
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} = {value!r} is not text; allowed: {allowed}")
        if meta.get("kind") == "name" and (not _NAME.fullmatch(value) or ".." in value):
            raise ConfigError(f"{key} = {value!r} is not a safe name; allowed: {allowed}")
        if meta.get("kind") == "date":
            _check_date(key, value, allowed)
        if meta.get("kind") in _TEXT_RULES and not _TEXT_RULES[meta["kind"]][1].fullmatch(value):
            raise ConfigError(f"{key} = {value!r} is not allowed; allowed: {allowed}")
        if meta.get("choices") and value not in meta["choices"]:
            raise ConfigError(f"{key} = {value!r} is not an option; allowed: {allowed}")
        return
    whole = kind is int
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
        raise ConfigError(f"{key} = {value!r} is not {_KINDS[kind]}; allowed: {allowed}")
    if isinstance(value, float) and math.isnan(value):
        raise ConfigError(f"{key} = {value!r} is not a number; allowed: {allowed}")
    low, high = meta.get("low"), meta.get("high")
    too_low = low is not None and (value <= low if meta.get("low_open") else value < low)
    too_high = high is not None and value > high
    if too_low or too_high or (isinstance(value, float) and math.isinf(value)):
        raise out_of_range_error(key, value)


def _check_date(key: str, value: str, allowed: str) -> None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{key} = {value!r} is not a date; allowed: {allowed}") from None
    first, last = (date.fromisoformat(d) for d in START_DATES)
    if not first <= day <= last:
        raise ConfigError(f"{key} = {value!r} is out of range; allowed: {allowed}")


def _check_run(run: RunConfig) -> None:
    """The warm-up ends before the run, leaving at least a week measured."""
    if run.years - run.warmup_years < MIN_MEASURED_YEARS - 1e-9:
        raise ConfigError(
            f"run.warmup_years = {_number(run.warmup_years)} is out of range; allowed: 0 to "
            f"less than run.years ({_number(run.years)}) by at least {MIN_MEASURED_YEARS:g}"
        )


def _check_shock(cfg: Config) -> None:
    """A demand shock starts before the run ends (one that never happens is a mistake)."""
    a = cfg.authority
    if a.demand_shock_factor != 1.0 and a.demand_shock_start_years >= cfg.run.years:
        raise ConfigError(
            f"authority.demand_shock_start_years = {_number(a.demand_shock_start_years)} is "
            f"out of range; allowed: 0 to less than run.years ({_number(cfg.run.years)}) "
            f"when authority.demand_shock_factor is not 1"
        )


def _check_deadlines(c: ComplaintsConfig) -> None:
    """An extended complaint deadline is at least the standard one it extends."""
    for longer, standard in DEADLINES:
        value, least = getattr(c, longer), getattr(c, standard)
        if value < least:
            high = _FIELD_META[ComplaintsConfig][longer]["high"]
            raise ConfigError(
                f"complaints.{longer} = {_number(value)} is out of range; allowed: "
                f"complaints.{standard} ({_number(least)}) to {_number(high)}"
            )


def _check_sums(p: PathwayConfig) -> None:
    """The outcome probabilities of each decision sum to at most 1."""
    for names in DECISIONS.values():
        total = sum(getattr(p, name) for name in names)
        if total > 1.0 + 1e-9:
            key = " + ".join(f"pathway.{name}" for name in names)
            raise ConfigError(f"{key} = {total:g} is out of range; allowed: 0 to 1 in total")


def validate(cfg: Config) -> Config:
    """Check every value against its type and declared range, and the cross-field rules.

    The rules between fields: the warm-up ends at least a week before the run
    (:data:`MIN_MEASURED_YEARS`), a demand shock starts before the run ends, an extended
    complaint deadline is at least its standard one (:data:`DEADLINES`), and the outcome
    probabilities of each decision sum to at most 1 (:data:`DECISIONS`).

    Raises:
        ConfigError: with a one-line message naming the key and the allowed range.

    """
    for f in SCHEMA_FIELDS:
        _check_field(f.key, f.value_in(cfg), f.meta, f.kind)
    _check_run(cfg.run)
    _check_shock(cfg)
    _check_deadlines(cfg.complaints)
    _check_sums(cfg.pathway)
    return cfg


def to_config(cfg: DictConfig | Config) -> Config:
    """Turn a composed Hydra config into a validated :class:`Config` object.

    A scenario's changes relative to the authority (:data:`ADJUSTMENTS`) are applied here,
    once; a :class:`Config` given as it is has had them applied already.

    Keys the schema does not have are refused here too: Hydra lets ``+group.key=value``
    add one (the ``+`` opens the node), and converting to the dataclass would drop it.
    """
    if isinstance(cfg, Config):
        return validate(cfg)
    keys = [str(key) for key in cfg if key != "hydra"]
    for group in GROUPS:
        node = cfg.get(group)
        keys += [f"{group}.{key!s}" for key in (node if isinstance(node, DictConfig) else ())]
    for key in keys:
        if _schema_field(key) is None:
            raise unknown_key_error(key)
    obj = OmegaConf.to_object(cfg)
    if not isinstance(obj, Config):  # composed without the schema (should not happen)
        obj = Config(**{k: v for k, v in obj.items() if k != "hydra"})  # type: ignore[union-attr,arg-type]
    return validate(apply_adjustments(obj))


def _field_types(schema: type) -> dict[str, Any]:
    hints = typing.get_type_hints(schema)
    return {f.name: hints[f.name] for f in dataclasses.fields(schema)}


_FIELD_TYPES: dict[Any, dict[str, Any]] = {
    schema: _field_types(schema)
    for schema in (Config, *(_field_types(Config)[group] for group in GROUPS))
}
"""Each schema dataclass's field types (the dataclasses' annotations are strings)."""

_FIELD_META: dict[Any, dict[str, Mapping[str, Any]]] = {
    schema: {f.name: f.metadata for f in dataclasses.fields(schema)} for schema in _FIELD_TYPES
}
"""Each schema dataclass's field metadata (unit, range, source...) by field name."""


@dataclass(frozen=True)
class SchemaField:
    """One key of the schema: its dotted name, type and :func:`param` metadata."""

    key: str
    kind: Any
    """``int``, ``float``, ``bool`` or ``str``."""
    meta: Mapping[str, Any]

    def value_in(self, cfg: Config) -> Any:
        """The value of this key in ``cfg``."""
        group, _, name = self.key.rpartition(".")
        return getattr(getattr(cfg, group) if group else cfg, name)


SCHEMA_FIELDS: tuple[SchemaField, ...] = tuple(
    SchemaField(prefix + name, kind, _FIELD_META[schema][name])
    for prefix, schema in [("", Config), *((f"{g}.", _FIELD_TYPES[Config][g]) for g in GROUPS)]
    for name, kind in _FIELD_TYPES[schema].items()
    if name not in GROUPS
)
"""Every key of the schema (the top-level ones, then group by group)."""

_KINDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}


def _schema_of(group: str) -> Any:
    """The schema dataclass of a dotted group ("" for the whole config), or None."""
    node: Any = Config
    for part in filter(None, group.split(".")):
        node = _FIELD_TYPES.get(node, {}).get(part)
    return node if node in _FIELD_TYPES else None


def schema_keys(group: str = "") -> list[str]:
    """The keys the schema allows in ``group`` (dotted; "" for the top level)."""
    schema = _schema_of(group)
    return list(_FIELD_TYPES[schema]) if schema is not None else []


def _schema_field(key: str) -> tuple[dataclasses.Field, Any] | None:
    """The schema's field for a dotted key and its type, or None if there is none."""
    group, _, name = key.rpartition(".")
    schema = _schema_of(group)
    if schema is None:
        return None
    for f in dataclasses.fields(schema):
        if f.name == name:
            return f, _FIELD_TYPES[schema][name]
    return None


def schema_type(key: str) -> Any:
    """The type of a dotted key of the schema (``int``, ``float``, ``bool``, ``str``), or None."""
    found = _schema_field(key)
    return None if found is None or dataclasses.is_dataclass(found[1]) else found[1]


REMOVED_KEYS: dict[str, str] = {
    "pathway.cpp_end_to_care_prob": "care now follows a legal planning meeting (see "
    "pathway.review_legal_planning_prob, pathway.legal_* and docs/parameters.md)",
}
"""Keys of earlier versions, each with what replaced it."""


def unknown_key_error(key: str) -> ConfigError:
    """The error for a key the schema does not have, listing those it does have."""
    if key in REMOVED_KEYS:
        return ConfigError(f"{key} was removed: {REMOVED_KEYS[key]}")
    group = key.rpartition(".")[0]
    where = f"keys in {group}" if group else "top-level keys"
    allowed = ", ".join(schema_keys(group)) or "see docs/parameters.md"
    if key.split(".")[0] == "hydra":
        allowed = "Hydra's own settings (python -m sim --cfg hydra lists them)"
    return ConfigError(f"unknown key '{key}'; allowed {where}: {allowed}")


def out_of_range_error(key: str, value: float) -> ConfigError:
    """The error for a number outside the range of ``key`` (a key of the schema)."""
    found = _schema_field(key)
    assert found is not None, key
    allowed = _range_text(found[0].metadata, found[1])
    return ConfigError(f"{key} = {_number(value)} is out of range; allowed: {allowed}")


def wrong_type_error(key: str, value: Any) -> ConfigError:
    """The error for a value of the wrong type for ``key`` (``lots`` for a caseload cap)."""
    shown = "null" if value is None else repr(value)
    found = _schema_field(key)
    kind = _KINDS.get(found[1]) if found else None
    if found is None or kind is None:
        return ConfigError(f"{key} = {shown} is not allowed")
    if found[1] is bool:
        return ConfigError(f"{key} = {shown} is not {kind}")
    return ConfigError(
        f"{key} = {shown} is not {kind}; allowed: {_range_text(found[0].metadata, found[1])}"
    )


def _plausible_text(meta: Mapping[str, Any]) -> str:
    """A factor's plausible range in words ("6 to 20"), or "" for a parameter with none."""
    if meta.get("plausible") is None:
        return ""
    low, high = meta["plausible"]
    return f"{_number(low)} to {_number(high)}"


def parameter_rows() -> list[dict[str, str]]:
    """Every parameter with its default, unit, ranges (and why) and source (docs/parameters.md).

    The plausible range is empty for a parameter that is not a sensitivity factor.
    """
    defaults = Config()
    return [
        {
            "key": f.key,
            "default": str(f.value_in(defaults)),
            "unit": f.meta.get("unit", ""),
            "range": _range_text(f.meta, f.kind),
            "why": f.meta.get("why", ""),
            "plausible": _plausible_text(f.meta),
            "plausible_why": f.meta.get("plausible_why", ""),
            "source": f.meta.get("source", ""),
            "meaning": f.meta.get("doc", ""),
        }
        for f in SCHEMA_FIELDS
        if "." in f.key
    ]


def scale_authority(cfg: Config, scale: float) -> Config:
    """Resize ``cfg``'s authority by ``scale`` with the same rates per child (in place).

    Demand, posts, the caseload already open on day 0 and the front door's and chairs'
    capacity all scale; every rate per child and per worker stays as it is. Small
    authorities make fast tests and the seeded baseline (sim.baseline).
    """
    a = cfg.authority
    a.referrals_per_year *= scale
    a.social_workers = max(1, round(a.social_workers * scale))
    a.initial_cpp_children = round(a.initial_cpp_children * scale)
    a.initial_cin_children = round(a.initial_cin_children * scale)
    a.mash_decisions_per_day *= scale
    a.mash_staff = max(1, round(a.mash_staff * scale))
    a.conference_slots_per_day = max(1, round(a.conference_slots_per_day * scale))
    return cfg


@dataclass(frozen=True)
class Factor:
    """A parameter a sensitivity analysis varies: its key, range and why (sim.sensitivity)."""

    key: str
    low: float
    high: float
    default: float
    whole: bool
    """Whether the parameter is a whole number (a design's values are then rounded)."""
    why: str


def plausible_factors(screened_only: bool = False) -> list[Factor]:
    """Every parameter with a plausible range in the schema, in schema order.

    ``screened_only``: only those a sensitivity study varies by default (``screened``).
    """
    defaults = Config()
    return [
        Factor(
            f.key,
            *f.meta["plausible"],
            f.value_in(defaults),
            f.kind is int,
            f.meta.get("plausible_why", ""),
        )
        for f in SCHEMA_FIELDS
        if f.meta.get("plausible") is not None
        and (f.meta.get("screened", True) or not screened_only)
    ]
